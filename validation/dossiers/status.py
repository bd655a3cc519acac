"""The dossier's life: its states, the one table of allowed moves and who may make each."""

from enum import StrEnum

from acquis.auth.models import Role
from acquis.errors import AcquisError, Conflict, Forbidden
from acquis.i18n import N_, gettext


class DossierStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    INTAKE_REVIEW = "intake_review"
    INCOMPLETE = "incomplete"
    NOT_ADMISSIBLE = "not_admissible"
    ADMISSIBLE = "admissible"
    PORTFOLIO_IN_PROGRESS = "portfolio_in_progress"
    PORTFOLIO_SUBMITTED = "portfolio_submitted"
    DESK_REVIEW = "desk_review"
    FLAGGED = "flagged"
    # The later states belong to the assessment, jury and certificate issues: they are named here so
    # that those issues only add rows to TRANSITIONS below.
    ASSESSMENT_SCHEDULED = "assessment_scheduled"
    ASSESSED = "assessed"
    MODERATION = "moderation"
    JURY = "jury"
    DECIDED = "decided"
    APPEAL = "appeal"
    GAP_PLAN = "gap_plan"
    # A partial decision's certificate is issued while its appeal window is still open: the candidate may
    # still appeal the units not validated; the window's end (or a written waiver) makes the dossier certified.
    PARTIALLY_CERTIFIED = "partially_certified"
    CERTIFIED = "certified"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"


SYSTEM = "system"
"""The actor of automatic moves (lapsing idle dossiers), which no person makes."""

CANDIDATE, COUNSELLOR, REGISTRAR = Role.CANDIDATE.value, Role.COUNSELLOR.value, Role.REGISTRAR.value
# Assessors act on the dossiers they were assigned (assessment, moderation, jury; see assessors/).
ASSESSOR = Role.ASSESSOR.value

FINAL = frozenset({DossierStatus.NOT_ADMISSIBLE, DossierStatus.CERTIFIED, DossierStatus.CLOSED,
                   DossierStatus.WITHDRAWN})
OPEN = frozenset(DossierStatus) - FINAL
# States that wait for the candidate: they lapse after the idle days of the settings.
LAPSABLE = frozenset({DossierStatus.DRAFT, DossierStatus.INCOMPLETE, DossierStatus.ADMISSIBLE,
                      DossierStatus.PORTFOLIO_IN_PROGRESS, DossierStatus.FLAGGED})
# States in which evidence may be added; once the portfolio is submitted it is frozen.
EVIDENCE_OPEN = frozenset({DossierStatus.DRAFT, DossierStatus.INCOMPLETE, DossierStatus.ADMISSIBLE,
                           DossierStatus.PORTFOLIO_IN_PROGRESS, DossierStatus.FLAGGED})
# Moves that must say why (shown to the candidate and kept in the history).
REASON_REQUIRED = frozenset({DossierStatus.INCOMPLETE, DossierStatus.NOT_ADMISSIBLE, DossierStatus.FLAGGED})

_BUILDERS = frozenset({CANDIDATE, COUNSELLOR})

TRANSITIONS: dict[tuple[DossierStatus, DossierStatus], frozenset[str]] = {
    (DossierStatus.DRAFT, DossierStatus.SUBMITTED): _BUILDERS,
    (DossierStatus.SUBMITTED, DossierStatus.INTAKE_REVIEW): frozenset({REGISTRAR}),
    (DossierStatus.INTAKE_REVIEW, DossierStatus.INCOMPLETE): frozenset({REGISTRAR}),
    (DossierStatus.INTAKE_REVIEW, DossierStatus.NOT_ADMISSIBLE): frozenset({REGISTRAR}),
    (DossierStatus.INTAKE_REVIEW, DossierStatus.ADMISSIBLE): frozenset({REGISTRAR}),
    (DossierStatus.INCOMPLETE, DossierStatus.SUBMITTED): _BUILDERS,
    (DossierStatus.ADMISSIBLE, DossierStatus.PORTFOLIO_IN_PROGRESS): _BUILDERS,
    (DossierStatus.PORTFOLIO_IN_PROGRESS, DossierStatus.PORTFOLIO_SUBMITTED): _BUILDERS,
    (DossierStatus.PORTFOLIO_SUBMITTED, DossierStatus.DESK_REVIEW): frozenset({REGISTRAR, ASSESSOR}),
    (DossierStatus.DESK_REVIEW, DossierStatus.FLAGGED): frozenset({REGISTRAR, ASSESSOR}),
    (DossierStatus.FLAGGED, DossierStatus.PORTFOLIO_IN_PROGRESS): _BUILDERS,
    (DossierStatus.FLAGGED, DossierStatus.PORTFOLIO_SUBMITTED): _BUILDERS,
    # The assessment (assessors/): planning, scoring, moderation, jury, appeal, gap plan.
    (DossierStatus.DESK_REVIEW, DossierStatus.ASSESSMENT_SCHEDULED): frozenset({ASSESSOR}),
    (DossierStatus.ASSESSMENT_SCHEDULED, DossierStatus.ASSESSED): frozenset({ASSESSOR}),
    (DossierStatus.ASSESSED, DossierStatus.MODERATION): frozenset({REGISTRAR, ASSESSOR}),
    (DossierStatus.ASSESSED, DossierStatus.JURY): frozenset({REGISTRAR, ASSESSOR}),
    (DossierStatus.MODERATION, DossierStatus.JURY): frozenset({ASSESSOR}),
    (DossierStatus.MODERATION, DossierStatus.ASSESSMENT_SCHEDULED): frozenset({ASSESSOR}),  # the moderator's query
    (DossierStatus.JURY, DossierStatus.DECIDED): frozenset({REGISTRAR, ASSESSOR}),  # recorded by the jury's president
    (DossierStatus.DECIDED, DossierStatus.APPEAL): _BUILDERS,
    (DossierStatus.GAP_PLAN, DossierStatus.APPEAL): _BUILDERS,
    # upheld: reassessed by a different assessor
    (DossierStatus.APPEAL, DossierStatus.DESK_REVIEW): frozenset({REGISTRAR}),
    (DossierStatus.APPEAL, DossierStatus.DECIDED): frozenset({REGISTRAR}),  # rejected: the decision stands
    (DossierStatus.DECIDED, DossierStatus.GAP_PLAN): frozenset({REGISTRAR}),
    # Set by the certificates package when it issues the certificate (full, or the validated units).
    (DossierStatus.DECIDED, DossierStatus.CERTIFIED): frozenset({REGISTRAR}),
    (DossierStatus.GAP_PLAN, DossierStatus.CERTIFIED): frozenset({REGISTRAR}),
    # A partial certificate issued inside the appeal window keeps the right to appeal (assessors/appeals.py).
    (DossierStatus.DECIDED, DossierStatus.PARTIALLY_CERTIFIED): frozenset({REGISTRAR}),
    (DossierStatus.GAP_PLAN, DossierStatus.PARTIALLY_CERTIFIED): frozenset({REGISTRAR}),
    (DossierStatus.PARTIALLY_CERTIFIED, DossierStatus.APPEAL): _BUILDERS,
    # The window closes (the daily job), or the candidate waives it in writing (themselves, or recorded by staff).
    (DossierStatus.PARTIALLY_CERTIFIED, DossierStatus.CERTIFIED): frozenset({SYSTEM, REGISTRAR}) | _BUILDERS,
    # rejected after a partial certificate: it stands, final
    (DossierStatus.APPEAL, DossierStatus.CERTIFIED): frozenset({REGISTRAR}),
    # nothing validated, or the candidate moves on
    (DossierStatus.GAP_PLAN, DossierStatus.CLOSED): frozenset({REGISTRAR}),
    **{(state, DossierStatus.LAPSED): frozenset({SYSTEM}) for state in LAPSABLE},
    # Reopening a lapsed dossier returns it to the state it lapsed from (the service looks it up).
    **{(DossierStatus.LAPSED, state): frozenset({CANDIDATE, COUNSELLOR, REGISTRAR}) for state in LAPSABLE},
    # A dossier whose partial certificate is issued is not withdrawn: the candidate waives the window instead.
    **{(state, DossierStatus.WITHDRAWN): frozenset({CANDIDATE, COUNSELLOR, REGISTRAR})
       for state in OPEN - {DossierStatus.PARTIALLY_CERTIFIED}},
}

LABELS = {
    DossierStatus.DRAFT: N_("Brouillon"),
    DossierStatus.SUBMITTED: N_("Déposé"),
    DossierStatus.INTAKE_REVIEW: N_("Examen de recevabilité"),
    DossierStatus.INCOMPLETE: N_("Incomplet"),
    DossierStatus.NOT_ADMISSIBLE: N_("Non recevable"),
    DossierStatus.ADMISSIBLE: N_("Recevable"),
    DossierStatus.PORTFOLIO_IN_PROGRESS: N_("Portfolio en cours"),
    DossierStatus.PORTFOLIO_SUBMITTED: N_("Portfolio déposé"),
    DossierStatus.DESK_REVIEW: N_("Examen du portfolio"),
    DossierStatus.FLAGGED: N_("Preuves à compléter"),
    DossierStatus.ASSESSMENT_SCHEDULED: N_("Évaluation programmée"),
    DossierStatus.ASSESSED: N_("Évalué"),
    DossierStatus.MODERATION: N_("Modération"),
    DossierStatus.JURY: N_("Jury"),
    DossierStatus.DECIDED: N_("Décision rendue"),
    DossierStatus.APPEAL: N_("Recours"),
    DossierStatus.GAP_PLAN: N_("Parcours complémentaire"),
    DossierStatus.PARTIALLY_CERTIFIED: N_("Certificat partiel délivré"),
    DossierStatus.CERTIFIED: N_("Certifié"),
    DossierStatus.CLOSED: N_("Clos"),
    DossierStatus.WITHDRAWN: N_("Retiré"),
    DossierStatus.LAPSED: N_("Expiré faute d'activité"),
}

# What happens next, in plain words for the candidate.
NEXT_STEPS = {
    DossierStatus.DRAFT: N_("Complétez votre dossier (expériences, preuves), puis déposez-le."),
    DossierStatus.SUBMITTED: N_("Le dossier est déposé. L'organisme certificateur va vérifier qu'il est recevable."),
    DossierStatus.INTAKE_REVIEW: N_("L'organisme certificateur vérifie votre dossier. Vous recevrez sa décision."),
    DossierStatus.INCOMPLETE: N_("Il manque des éléments : ajoutez-les, puis déposez à nouveau le dossier."),
    DossierStatus.NOT_ADMISSIBLE: N_("Le dossier n'est pas recevable. Lisez le motif et les conseils, parlez-en à "
                                     "votre conseiller."),
    DossierStatus.ADMISSIBLE: N_("Votre dossier est recevable. Commencez votre portfolio de preuves."),
    DossierStatus.PORTFOLIO_IN_PROGRESS: N_("Ajoutez vos preuves pour chaque bloc de compétences, "
                                            "puis déposez le portfolio."),
    DossierStatus.PORTFOLIO_SUBMITTED: N_("Le portfolio est déposé et figé. Il va être examiné."),
    DossierStatus.DESK_REVIEW: N_("Le portfolio est en cours d'examen."),
    DossierStatus.FLAGGED: N_("Des preuves supplémentaires sont demandées : lisez le motif et ajoutez-les."),
    DossierStatus.ASSESSMENT_SCHEDULED: N_("Une évaluation est programmée : vous serez convoqué."),
    DossierStatus.ASSESSED: N_("L'évaluation est faite. Le résultat va être vérifié."),
    DossierStatus.MODERATION: N_("Le résultat de l'évaluation est vérifié."),
    DossierStatus.JURY: N_("Le jury va se réunir pour décider."),
    DossierStatus.DECIDED: N_("Le jury a décidé."),
    DossierStatus.APPEAL: N_("Votre recours est examiné."),
    DossierStatus.GAP_PLAN: N_("Un parcours vous est proposé pour les blocs qui manquent."),
    DossierStatus.PARTIALLY_CERTIFIED: N_("Vous pouvez encore faire un recours pour les blocs non validés, "
                                          "jusqu'à la date indiquée dans votre espace Acquis."),
    DossierStatus.CERTIFIED: N_("Félicitations : vos compétences sont certifiées."),
    DossierStatus.CLOSED: N_("Le dossier est clos."),
    DossierStatus.WITHDRAWN: N_("Le dossier a été retiré."),
    DossierStatus.LAPSED: N_("Le dossier est en pause faute d'activité. Vous pouvez le reprendre."),
}

# The six steps of the portal, each with its pictogram; every state belongs to one step.
STEPS = (
    ("register", N_("Inscription"), frozenset({DossierStatus.DRAFT})),
    ("admissibility", N_("Recevabilité"),
     frozenset({DossierStatus.SUBMITTED, DossierStatus.INTAKE_REVIEW, DossierStatus.INCOMPLETE,
                DossierStatus.NOT_ADMISSIBLE, DossierStatus.ADMISSIBLE})),
    ("portfolio", N_("Preuves"),
     frozenset({DossierStatus.PORTFOLIO_IN_PROGRESS, DossierStatus.PORTFOLIO_SUBMITTED, DossierStatus.DESK_REVIEW,
                DossierStatus.FLAGGED})),
    ("assessment", N_("Évaluation"), frozenset({DossierStatus.ASSESSMENT_SCHEDULED, DossierStatus.ASSESSED,
                                                DossierStatus.MODERATION})),
    ("jury", N_("Jury"), frozenset({DossierStatus.JURY, DossierStatus.DECIDED, DossierStatus.APPEAL,
                                    DossierStatus.GAP_PLAN})),
    ("certificate", N_("Certificat"), frozenset({DossierStatus.PARTIALLY_CERTIFIED, DossierStatus.CERTIFIED,
                                                 DossierStatus.CLOSED})),
)


class TransitionNotAllowed(Conflict):
    """The dossier's life has no such move from its current state."""

    code = "transition-not-allowed"
    default_message = N_("Ce changement d'état n'est pas possible.")


class TransitionForbidden(Forbidden):
    """The move exists, but the caller's role may not make it."""

    code = "transition-forbidden"
    default_message = N_("Votre rôle ne permet pas ce changement d'état.")


def label(status: DossierStatus | str) -> str:
    return gettext(LABELS[DossierStatus(status)])


def actor_kind(role: Role | None) -> str:
    """The column of the table a user acts in: administrators act as the registrar."""
    if role is None:
        return SYSTEM
    return REGISTRAR if role == Role.ADMIN else role.value


def check(current: DossierStatus, target: DossierStatus, role: Role | None) -> None:
    """Refuse, with a message saying why, any move the table does not allow for this role."""
    if found := refusal(current, target, role):
        raise found


def refusal(current: DossierStatus, target: DossierStatus, role: Role | None) -> AcquisError | None:
    """Why the table refuses this role this move (None: it allows it; then it is in `moves_for`)."""
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        return TransitionNotAllowed(gettext("Impossible de passer de « %(from)s » à « %(to)s ».")
                                    % {"from": label(current), "to": label(target)})
    if actor_kind(role) not in allowed:
        return TransitionForbidden(gettext("Votre rôle ne permet pas de passer de « %(from)s » à « %(to)s ».")
                                   % {"from": label(current), "to": label(target)})
    return None


def moves_for(current: DossierStatus, role: Role | None) -> list[DossierStatus]:
    """The states this role may move a dossier to from `current`, in the enum's order."""
    kind = actor_kind(role)
    return [target for target in DossierStatus if kind in TRANSITIONS.get((current, target), frozenset())]


def step_of(status: DossierStatus) -> int:
    """The portal step (0-5) a state belongs to; withdrawn and lapsed stay where they were shown."""
    for index, (_code, _label, states) in enumerate(STEPS):
        if status in states:
            return index
    return -1
