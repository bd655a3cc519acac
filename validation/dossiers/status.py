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


S = DossierStatus
SYSTEM = "system"
"""The actor of automatic moves (lapsing idle dossiers), which no person makes."""

CANDIDATE, COUNSELLOR, REGISTRAR = Role.CANDIDATE.value, Role.COUNSELLOR.value, Role.REGISTRAR.value
# Assessors act on the dossiers they were assigned (assessment, moderation, jury; see assessors/).
ASSESSOR = Role.ASSESSOR.value

FINAL = frozenset({S.NOT_ADMISSIBLE, S.CERTIFIED, S.CLOSED, S.WITHDRAWN})
OPEN = frozenset(S) - FINAL
# States that wait for the candidate: they lapse after the idle days of the settings.
LAPSABLE = frozenset({S.DRAFT, S.INCOMPLETE, S.ADMISSIBLE, S.PORTFOLIO_IN_PROGRESS, S.FLAGGED})
# States in which evidence may be added; once the portfolio is submitted it is frozen.
EVIDENCE_OPEN = frozenset({S.DRAFT, S.INCOMPLETE, S.ADMISSIBLE, S.PORTFOLIO_IN_PROGRESS, S.FLAGGED})
# Moves that must say why (shown to the candidate and kept in the history).
REASON_REQUIRED = frozenset({S.INCOMPLETE, S.NOT_ADMISSIBLE, S.FLAGGED})

_BUILDERS = frozenset({CANDIDATE, COUNSELLOR})

TRANSITIONS: dict[tuple[DossierStatus, DossierStatus], frozenset[str]] = {
    (S.DRAFT, S.SUBMITTED): _BUILDERS,
    (S.SUBMITTED, S.INTAKE_REVIEW): frozenset({REGISTRAR}),
    (S.INTAKE_REVIEW, S.INCOMPLETE): frozenset({REGISTRAR}),
    (S.INTAKE_REVIEW, S.NOT_ADMISSIBLE): frozenset({REGISTRAR}),
    (S.INTAKE_REVIEW, S.ADMISSIBLE): frozenset({REGISTRAR}),
    (S.INCOMPLETE, S.SUBMITTED): _BUILDERS,
    (S.ADMISSIBLE, S.PORTFOLIO_IN_PROGRESS): _BUILDERS,
    (S.PORTFOLIO_IN_PROGRESS, S.PORTFOLIO_SUBMITTED): _BUILDERS,
    (S.PORTFOLIO_SUBMITTED, S.DESK_REVIEW): frozenset({REGISTRAR, ASSESSOR}),
    (S.DESK_REVIEW, S.FLAGGED): frozenset({REGISTRAR, ASSESSOR}),
    (S.FLAGGED, S.PORTFOLIO_IN_PROGRESS): _BUILDERS,
    (S.FLAGGED, S.PORTFOLIO_SUBMITTED): _BUILDERS,
    # The assessment (assessors/): planning, scoring, moderation, jury, appeal, gap plan.
    (S.DESK_REVIEW, S.ASSESSMENT_SCHEDULED): frozenset({ASSESSOR}),
    (S.ASSESSMENT_SCHEDULED, S.ASSESSED): frozenset({ASSESSOR}),
    (S.ASSESSED, S.MODERATION): frozenset({REGISTRAR, ASSESSOR}),
    (S.ASSESSED, S.JURY): frozenset({REGISTRAR, ASSESSOR}),
    (S.MODERATION, S.JURY): frozenset({ASSESSOR}),
    (S.MODERATION, S.ASSESSMENT_SCHEDULED): frozenset({ASSESSOR}),  # the moderator's query
    (S.JURY, S.DECIDED): frozenset({REGISTRAR, ASSESSOR}),  # recorded by the jury's president
    (S.DECIDED, S.APPEAL): _BUILDERS,
    (S.GAP_PLAN, S.APPEAL): _BUILDERS,
    (S.APPEAL, S.DESK_REVIEW): frozenset({REGISTRAR}),  # upheld: reassessed by a different assessor
    (S.APPEAL, S.DECIDED): frozenset({REGISTRAR}),  # rejected: the decision stands
    (S.DECIDED, S.GAP_PLAN): frozenset({REGISTRAR}),
    # Set by the certificates package when it issues the certificate (full, or the validated units).
    (S.DECIDED, S.CERTIFIED): frozenset({REGISTRAR}),
    (S.GAP_PLAN, S.CERTIFIED): frozenset({REGISTRAR}),
    # A partial certificate issued inside the appeal window keeps the right to appeal (assessors/appeals.py).
    (S.DECIDED, S.PARTIALLY_CERTIFIED): frozenset({REGISTRAR}),
    (S.GAP_PLAN, S.PARTIALLY_CERTIFIED): frozenset({REGISTRAR}),
    (S.PARTIALLY_CERTIFIED, S.APPEAL): _BUILDERS,
    # The window closes (the daily job), or the candidate waives it in writing (themselves, or recorded by staff).
    (S.PARTIALLY_CERTIFIED, S.CERTIFIED): frozenset({SYSTEM, REGISTRAR}) | _BUILDERS,
    (S.APPEAL, S.CERTIFIED): frozenset({REGISTRAR}),  # rejected after a partial certificate: it stands, final
    (S.GAP_PLAN, S.CLOSED): frozenset({REGISTRAR}),  # nothing validated, or the candidate moves on
    **{(state, S.LAPSED): frozenset({SYSTEM}) for state in LAPSABLE},
    # Reopening a lapsed dossier returns it to the state it lapsed from (the service looks it up).
    **{(S.LAPSED, state): frozenset({CANDIDATE, COUNSELLOR, REGISTRAR}) for state in LAPSABLE},
    # A dossier whose partial certificate is issued is not withdrawn: the candidate waives the window instead.
    **{(state, S.WITHDRAWN): frozenset({CANDIDATE, COUNSELLOR, REGISTRAR}) for state in OPEN - {S.PARTIALLY_CERTIFIED}},
}

LABELS = {
    S.DRAFT: N_("Brouillon"),
    S.SUBMITTED: N_("Déposé"),
    S.INTAKE_REVIEW: N_("Examen de recevabilité"),
    S.INCOMPLETE: N_("Incomplet"),
    S.NOT_ADMISSIBLE: N_("Non recevable"),
    S.ADMISSIBLE: N_("Recevable"),
    S.PORTFOLIO_IN_PROGRESS: N_("Portfolio en cours"),
    S.PORTFOLIO_SUBMITTED: N_("Portfolio déposé"),
    S.DESK_REVIEW: N_("Examen du portfolio"),
    S.FLAGGED: N_("Preuves à compléter"),
    S.ASSESSMENT_SCHEDULED: N_("Évaluation programmée"),
    S.ASSESSED: N_("Évalué"),
    S.MODERATION: N_("Modération"),
    S.JURY: N_("Jury"),
    S.DECIDED: N_("Décision rendue"),
    S.APPEAL: N_("Recours"),
    S.GAP_PLAN: N_("Parcours complémentaire"),
    S.PARTIALLY_CERTIFIED: N_("Certificat partiel délivré"),
    S.CERTIFIED: N_("Certifié"),
    S.CLOSED: N_("Clos"),
    S.WITHDRAWN: N_("Retiré"),
    S.LAPSED: N_("Expiré faute d'activité"),
}

# What happens next, in plain words for the candidate.
NEXT_STEPS = {
    S.DRAFT: N_("Complétez votre dossier (expériences, preuves), puis déposez-le."),
    S.SUBMITTED: N_("Le dossier est déposé. L'organisme certificateur va vérifier qu'il est recevable."),
    S.INTAKE_REVIEW: N_("L'organisme certificateur vérifie votre dossier. Vous recevrez sa décision."),
    S.INCOMPLETE: N_("Il manque des éléments : ajoutez-les, puis déposez à nouveau le dossier."),
    S.NOT_ADMISSIBLE: N_("Le dossier n'est pas recevable. Lisez le motif et les conseils, parlez-en à "
                         "votre conseiller."),
    S.ADMISSIBLE: N_("Votre dossier est recevable. Commencez votre portfolio de preuves."),
    S.PORTFOLIO_IN_PROGRESS: N_("Ajoutez vos preuves pour chaque bloc de compétences, puis déposez le portfolio."),
    S.PORTFOLIO_SUBMITTED: N_("Le portfolio est déposé et figé. Il va être examiné."),
    S.DESK_REVIEW: N_("Le portfolio est en cours d'examen."),
    S.FLAGGED: N_("Des preuves supplémentaires sont demandées : lisez le motif et ajoutez-les."),
    S.ASSESSMENT_SCHEDULED: N_("Une évaluation est programmée : vous serez convoqué."),
    S.ASSESSED: N_("L'évaluation est faite. Le résultat va être vérifié."),
    S.MODERATION: N_("Le résultat de l'évaluation est vérifié."),
    S.JURY: N_("Le jury va se réunir pour décider."),
    S.DECIDED: N_("Le jury a décidé."),
    S.APPEAL: N_("Votre recours est examiné."),
    S.GAP_PLAN: N_("Un parcours vous est proposé pour les blocs qui manquent."),
    S.PARTIALLY_CERTIFIED: N_("Vous pouvez encore faire un recours pour les blocs non validés, jusqu'à la date "
                              "indiquée dans votre espace Acquis."),
    S.CERTIFIED: N_("Félicitations : vos compétences sont certifiées."),
    S.CLOSED: N_("Le dossier est clos."),
    S.WITHDRAWN: N_("Le dossier a été retiré."),
    S.LAPSED: N_("Le dossier est en pause faute d'activité. Vous pouvez le reprendre."),
}

# The six steps of the portal, each with its pictogram; every state belongs to one step.
STEPS = (
    ("register", N_("Inscription"), frozenset({S.DRAFT})),
    ("admissibility", N_("Recevabilité"),
     frozenset({S.SUBMITTED, S.INTAKE_REVIEW, S.INCOMPLETE, S.NOT_ADMISSIBLE, S.ADMISSIBLE})),
    ("portfolio", N_("Preuves"),
     frozenset({S.PORTFOLIO_IN_PROGRESS, S.PORTFOLIO_SUBMITTED, S.DESK_REVIEW, S.FLAGGED})),
    ("assessment", N_("Évaluation"), frozenset({S.ASSESSMENT_SCHEDULED, S.ASSESSED, S.MODERATION})),
    ("jury", N_("Jury"), frozenset({S.JURY, S.DECIDED, S.APPEAL, S.GAP_PLAN})),
    ("certificate", N_("Certificat"), frozenset({S.PARTIALLY_CERTIFIED, S.CERTIFIED, S.CLOSED})),
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
    return [target for target in S if kind in TRANSITIONS.get((current, target), frozenset())]


def step_of(status: DossierStatus) -> int:
    """The portal step (0-5) a state belongs to; withdrawn and lapsed stay where they were shown."""
    for index, (_code, _label, states) in enumerate(STEPS):
        if status in states:
            return index
    return -1
