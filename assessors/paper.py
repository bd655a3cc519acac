"""Paper observation checklists: printed for a site without a screen, keyed in afterwards by one person,
counted only once a second person has checked the keyed verdicts against the paper and confirmed."""

from datetime import date

from sqlmodel import Session

from acquis import audit
from acquis.auth.models import User
from acquis.db import utcnow
from acquis.errors import AcquisError, Conflict, Invalid, NotFound
from acquis.i18n import N_
from assessors import desk, scoring, service, unit_results
from assessors.models import CriterionJudgement, PaperChecklist, Source
from assessors.rules import Verdict
from validation.dossiers.access import SEE_ALL
from validation.dossiers.models import AccessPurpose, Dossier

ASSESS = (AccessPurpose.ASSESS,)
# The second person: the registrar, or anyone else assigned to the dossier (a moderator, say).
CONFIRMERS = (AccessPurpose.ASSESS, AccessPurpose.MODERATE, AccessPurpose.JURY)


class ChecklistNotFound(NotFound):
    code = "not-found"


class SecondPersonRequired(Conflict):
    code = "second-person-required"
    default_message = N_("La fiche doit être confirmée par une autre personne que celle qui l'a saisie.")


class ChecklistIncomplete(Invalid):
    code = "checklist-incomplete"
    default_message = N_("Reportez un résultat pour chaque critère de la fiche.")


def key_in(session: Session, dossier_id: int, unit_id: int, *, session_id: int, verdicts: dict[int, Verdict],
           comment: str, by: User) -> PaperChecklist:
    """Record what the paper says, for one unit and the session it was filled in; nothing counts yet."""
    dossier, _ = service.require(session, dossier_id, user=by, purposes=ASSESS)
    if not scoring.can_judge(dossier):
        raise service.WrongStep()
    unit = next((u for u in service.to_assess(session, dossier) if u.id == unit_id), None)
    sitting = next((s for s in desk.sessions(session, dossier_id) if s.id == session_id), None)
    if unit is None or sitting is None or unit_id not in sitting.unit_ids:
        raise desk.UnitNotInDossier()
    criteria = {c.id for c in unit_results.criteria_of(session, unit_id)}
    if set(verdicts) != criteria:
        raise ChecklistIncomplete()
    row = PaperChecklist(dossier_id=dossier_id, round=service.round_of(session, dossier_id), unit_id=unit_id,
                         session_id=session_id, verdicts={str(k): v.value for k, v in verdicts.items()},
                         comment=comment.strip(), keyed_by_id=by.id)
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="assessment.paper_keyed", entity_type="dossier", entity_id=dossier_id,
                 detail={"checklist": row.id, "unit": unit_id, "session": session_id})
    return row


def get(session: Session, checklist_id: int, *, user: User) -> PaperChecklist:
    row = session.get(PaperChecklist, checklist_id)
    if row is None or row.confirmed_at is not None:
        raise ChecklistNotFound()
    if user.role not in SEE_ALL:
        service.require(session, row.dossier_id, user=user, purposes=CONFIRMERS)
    return row


def refusal_to_confirm(row: PaperChecklist, dossier: Dossier, *, user: User) -> AcquisError | None:
    """Why `confirm` refuses this user the checklist (None: it confirms it); its "confirm" form is shown only
    when there is none."""
    if row.keyed_by_id == user.id:
        return SecondPersonRequired()
    if not scoring.can_judge(dossier):
        return service.WrongStep()
    return None


def confirm(session: Session, checklist_id: int, *, by: User, today: date) -> PaperChecklist:
    """A second person confirms the keyed checklist: its verdicts become the criteria's judgements,
    citing the session, and the unit is computed again."""
    row = get(session, checklist_id, user=by)
    dossier = service.load_dossier(session, row.dossier_id)
    if refusal := refusal_to_confirm(row, dossier, user=by):
        raise refusal
    saved = unit_results.judgements(session, row.dossier_id, unit_id=row.unit_id)
    for criterion_id, verdict in row.verdicts.items():
        judgement = saved.get(int(criterion_id)) or CriterionJudgement(
            dossier_id=row.dossier_id, round=row.round, unit_id=row.unit_id, criterion_id=int(criterion_id))
        judgement.verdict = Verdict(verdict)
        judgement.session_ids = sorted({*judgement.session_ids, row.session_id})
        judgement.comment = "\n".join(part for part in (judgement.comment, row.comment) if part)
        judgement.source, judgement.confirmed_by_id = Source.PAPER, by.id
        judgement.version, judgement.updated_at, judgement.updated_by_id = judgement.version + 1, utcnow(), \
            row.keyed_by_id
        session.add(judgement)
    row.confirmed_by_id, row.confirmed_at = by.id, utcnow()
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="assessment.paper_confirmed", entity_type="dossier",
                 entity_id=row.dossier_id, detail={"checklist": row.id, "unit": row.unit_id,
                                                   "keyed_by": row.keyed_by_id})
    unit = next(u for u in service.to_assess(session, dossier) if u.id == row.unit_id)
    unit_results.compute(session, dossier, unit, as_of=today)
    return row
