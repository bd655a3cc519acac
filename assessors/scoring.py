"""Scoring: criterion judgements saved one click at a time (a stale save by someone else is refused), and the end
of the assessment, which computes every unit's result (assessors.unit_results)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import User
from acquis.db import utcnow
from acquis.errors import AcquisError, Conflict, Invalid
from acquis.i18n import N_, gettext
from assessors import desk, service, unit_results
from assessors.inputs import JudgementInput
from assessors.models import AssessmentSession, CriterionJudgement, Method, PaperChecklist, Source, UnitResult
from validation.dossiers import service as dossiers
from validation.dossiers.models import AccessPurpose, Dossier
from validation.dossiers.status import DossierStatus
from validation.frameworks.models import FrameworkCriterion, FrameworkUnit

ASSESS = (AccessPurpose.ASSESS,)
SCORING = frozenset({DossierStatus.ASSESSMENT_SCHEDULED})


class StaleJudgement(Conflict):
    """Someone else saved this criterion since the page was loaded: nothing is overwritten silently."""

    code = "stale-judgement"
    default_message = N_("Quelqu'un d'autre a modifié ce critère entre-temps : votre changement n'est pas "
                         "enregistré. Voici la version actuelle ; refaites votre changement si besoin.")


class CriterionNotInDossier(Invalid):
    code = "criterion-not-in-dossier"
    default_message = N_("Ce critère ne fait pas partie des blocs à évaluer de ce dossier.")


class SourceRefused(Invalid):
    code = "source-refused"
    default_message = N_("Une preuve ou une séance citée ne fait pas partie de ce dossier pour ce bloc.")


class NotAllJudged(Conflict):
    code = "not-all-judged"
    default_message = N_("Chaque critère doit être jugé avant de terminer l'évaluation.")


@dataclass(frozen=True)
class UnitSheet:
    unit: FrameworkUnit
    criteria: list[FrameworkCriterion]
    judgements: dict[int, CriterionJudgement]
    result: UnitResult | None
    items: list[desk.Item]  # portfolio items, those linked to the unit first
    sessions: list[AssessmentSession]  # sessions that covered the unit


def sheet(session: Session, dossier: Dossier, unit: FrameworkUnit) -> UnitSheet:
    items = desk.items(session, dossier)
    items.sort(key=lambda item: unit.id not in item.unit_ids)
    covering = [s for s in desk.sessions(session, dossier.id) if unit.id in s.unit_ids]
    return UnitSheet(unit, unit_results.criteria_of(session, unit.id),
                     unit_results.judgements(session, dossier.id, unit_id=unit.id),
                     unit_results.results(session, dossier.id).get(unit.id), items, covering)


def get_criterion(session: Session, criterion_id: int) -> FrameworkCriterion:
    found = session.get(FrameworkCriterion, criterion_id)
    if found is None:
        raise CriterionNotInDossier()
    return found


def unit_to_assess(session: Session, dossier: Dossier, unit_id: int) -> FrameworkUnit:
    unit = next((u for u in service.to_assess(session, dossier) if u.id == unit_id), None)
    if unit is None:
        raise desk.UnitNotInDossier()
    return unit


def can_judge(dossier: Dossier) -> bool:
    """Whether `save` takes a criterion's judgement for this dossier now (its forms are shown only then)."""
    return dossier.status in SCORING


def save(session: Session, dossier_id: int, criterion_id: int, data: JudgementInput, *, by: User,
         today: date) -> CriterionJudgement:
    """Save one criterion's judgement (verdict, evidence cited, comment) and recompute its unit.

    `data.version` is the version the assessor's page showed: if another person saved since, the save
    is refused (StaleJudgement) and the page shows the current state instead.
    """
    dossier, _ = service.require(session, dossier_id, user=by, purposes=ASSESS)
    if not can_judge(dossier):
        raise service.WrongStep()
    criterion = get_criterion(session, criterion_id)
    unit = unit_to_assess(session, dossier, criterion.unit_id)
    _check_sources(session, dossier, unit, data.evidence_ids, data.session_ids)
    row = _locked(session, dossier_id, criterion_id)
    if row is None:
        row = CriterionJudgement(dossier_id=dossier_id, round=service.round_of(session, dossier_id),
                                 unit_id=unit.id, criterion_id=criterion_id)
    elif row.version != data.version and row.updated_by_id != by.id:
        raise StaleJudgement()
    row.verdict, row.comment = data.verdict, data.comment
    row.evidence_ids, row.session_ids = sorted(set(data.evidence_ids)), sorted(set(data.session_ids))
    row.version, row.updated_at, row.updated_by_id = row.version + 1, utcnow(), by.id
    row.source, row.confirmed_by_id = Source.SCREEN, None
    try:
        # A savepoint: two first saves of the same criterion at once, the second one is told it is stale.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise StaleJudgement() from None
    audit.record(session, actor=by, action="assessment.judged", entity_type="dossier", entity_id=dossier_id,
                 detail={"criterion": criterion.code, "verdict": data.verdict.value if data.verdict else None,
                         "evidence": row.evidence_ids, "sessions": row.session_ids, "version": row.version})
    unit_results.compute(session, dossier, unit, as_of=today)
    return row


def _locked(session: Session, dossier_id: int, criterion_id: int) -> CriterionJudgement | None:
    # FOR UPDATE on PostgreSQL: a concurrent save waits, then sees the version this one wrote
    # (SQLite's write transactions already run one at a time).
    return session.exec(select(CriterionJudgement).where(
        CriterionJudgement.dossier_id == dossier_id, CriterionJudgement.criterion_id == criterion_id,
        CriterionJudgement.round == service.round_of(session, dossier_id)).with_for_update()).first()


def _check_sources(session: Session, dossier: Dossier, unit: FrameworkUnit, evidence_ids: list[int],
                   session_ids: list[int]) -> None:
    if not set(evidence_ids) <= set(desk.frozen_ids(session, dossier.id)):
        raise SourceRefused()
    usable = {s.id for s in desk.sessions(session, dossier.id) if unit.id in s.unit_ids
              and s.method != Method.DESK}
    if not set(session_ids) <= usable:
        raise SourceRefused()


def pending_paper(session: Session, dossier_id: int) -> list[PaperChecklist]:
    return list(session.exec(select(PaperChecklist).where(
        PaperChecklist.dossier_id == dossier_id, PaperChecklist.round == service.round_of(session, dossier_id),
        col(PaperChecklist.confirmed_at).is_(None))))


def refusal_to_finish(session: Session, dossier: Dossier) -> AcquisError | None:
    """Why `finish` refuses to end this dossier's scoring (None: it ends it); the assessor's "finish" button is
    shown only when there is none, the reason in its place otherwise."""
    if dossier.status not in SCORING:
        return service.WrongStep()
    if pending_paper(session, dossier.id):
        return NotAllJudged(gettext("Une fiche papier attend encore la confirmation d'une deuxième personne."))
    saved = unit_results.judgements(session, dossier.id)
    for unit in service.to_assess(session, dossier):
        if any(c.id not in saved or saved[c.id].verdict is None for c in unit_results.criteria_of(session, unit.id)):
            return NotAllJudged()
    return None


def finish(session: Session, dossier_id: int, *, by: User, today: date) -> dict[int, UnitResult]:
    """Every criterion judged and every paper checklist confirmed: compute every unit as of today and
    mark the dossier assessed (moderation.route then sends it to a moderator or to the jury)."""
    dossier, _ = service.require(session, dossier_id, user=by, purposes=ASSESS, statuses=SCORING)
    if refusal := refusal_to_finish(session, dossier):
        raise refusal
    for unit in service.to_assess(session, dossier):
        unit_results.compute(session, dossier, unit, as_of=today)
    unit_results.carry(session, dossier)
    state = service.state(session, dossier_id)
    state.finished_at = utcnow()
    session.add(state)
    found = unit_results.results(session, dossier_id)
    dossiers.transition(session, dossier, DossierStatus.ASSESSED, by=by)
    audit.record(session, actor=by, action="assessment.finished", entity_type="dossier", entity_id=dossier_id,
                 detail={"competent": sorted(r.unit_id for r in found.values() if r.competent),
                         "not_yet_competent": sorted(r.unit_id for r in found.values() if not r.competent)})
    return found
