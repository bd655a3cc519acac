"""What every assessment step shares: the dossier's round, who is assigned to it, the guard that opens a
dossier only to the people assigned (after their declaration), and the units it still has to prove."""

from sqlmodel import Session, col, select

from acquis.auth.models import User
from acquis.errors import Conflict
from acquis.i18n import N_
from assessors.models import Assignment, Declaration, DossierAssessment, JuryDecision, ValidatedUnit
from validation.dossiers import service as dossiers
from validation.dossiers.access import DossierNotFound
from validation.dossiers.models import AccessPurpose, Dossier
from validation.dossiers.status import DossierStatus
from validation.frameworks import equivalence
from validation.frameworks.models import Framework, FrameworkUnit


class WrongStep(Conflict):
    """The dossier is not at the step this action belongs to."""

    code = "wrong-step"
    default_message = N_("Le dossier n'est pas à l'étape qui permet cette action.")


def load_dossier(session: Session, dossier_id: int) -> Dossier:
    """The dossier by its id, without asking who may see it: for a caller that has already checked (an
    assignment, a decision, a judgement); a page asks `validation.dossiers.access.get_dossier` instead."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise DossierNotFound()
    return dossier


def state(session: Session, dossier_id: int) -> DossierAssessment:
    """The dossier's assessment record, created the first time it is needed."""
    row = session.get(DossierAssessment, dossier_id)
    if row is None:
        row = DossierAssessment(dossier_id=dossier_id)
        session.add(row)
        session.flush()
    return row


def round_of(session: Session, dossier_id: int) -> int:
    row = session.get(DossierAssessment, dossier_id)
    return row.round if row else 1


def active(session: Session, dossier_id: int, *, purpose: AccessPurpose | None = None) -> list[Assignment]:
    """The current round's assignments not ended (declared or still pending)."""
    query = select(Assignment).where(Assignment.dossier_id == dossier_id, col(Assignment.ended_at).is_(None),
                                     Assignment.round == round_of(session, dossier_id))
    if purpose is not None:
        query = query.where(Assignment.purpose == purpose)
    return list(session.exec(query.order_by(col(Assignment.id))))


def require(session: Session, dossier_id: int, *, user: User, purposes: tuple[AccessPurpose, ...],
            statuses: frozenset[DossierStatus] | None = None) -> tuple[Dossier, Assignment]:
    """The dossier, for someone assigned to it for one of these purposes who declared no conflict.

    Anyone else gets "not found", exactly as for a dossier that does not exist.
    """
    dossier = load_dossier(session, dossier_id)
    found = next((a for a in active(session, dossier_id) if a.user_id == user.id and a.purpose in purposes
                  and a.declaration == Declaration.NO_CONFLICT), None)
    if found is None:
        raise DossierNotFound()
    if statuses is not None and dossier.status not in statuses:
        raise WrongStep()
    return dossier, found


def framework(session: Session, dossier: Dossier) -> Framework:
    return dossiers.framework_of(session, dossier)


def units(session: Session, dossier: Dossier) -> list[FrameworkUnit]:
    """The dossier's units, in the framework's order: those it targets and those it carries from an earlier
    decision (a dossier opened at the desk does not target the units the candidate already holds)."""
    held = carried(session, dossier)
    targeted = {unit.id for unit in dossiers.units(session, dossier.id)}
    return [unit for unit in dossiers.framework_units(session, dossier.framework_id)
            if unit.id in targeted or unit.code in held]


def held(session: Session, candidate_id: int, framework: Framework, *,
         dossier: Dossier | None = None) -> dict[str, ValidatedUnit]:
    """Units of this framework version the candidate already holds from an earlier decision, by unit code:
    validated on this version or on another version of the framework where the unit is the same competence
    (validation/frameworks/equivalence.py). `dossier`: the one asking; only decisions before it count, those of
    dossiers opened before it and its own earlier rounds (an upheld appeal keeps what was validated)."""
    current = round_of(session, dossier.id) if dossier is not None else 0
    rows = session.exec(select(ValidatedUnit, JuryDecision).join(
        JuryDecision, col(JuryDecision.id) == ValidatedUnit.decision_id).where(
        ValidatedUnit.candidate_id == candidate_id, ValidatedUnit.framework_code == framework.code))
    earlier = [unit for unit, decision in rows if dossier is None or decision.dossier_id < dossier.id
               or (decision.dossier_id == dossier.id and decision.round < current)]
    here: dict[str, int] = {unit.code: unit.id for unit in dossiers.framework_units(session, framework.id)}
    pairs = {unit.unit_code: (unit.unit_id, here[unit.unit_code]) for unit in earlier if unit.unit_code in here}
    same = equivalence.same_competence(session, pairs.values())
    return {unit.unit_code: unit for unit in earlier if pairs.get(unit.unit_code) in same}


def carried(session: Session, dossier: Dossier) -> dict[str, ValidatedUnit]:
    """Units the dossier carries from an earlier decision, by unit code: they are kept for good and not
    assessed again."""
    return held(session, dossier.candidate_id, framework(session, dossier), dossier=dossier)


def to_assess(session: Session, dossier: Dossier) -> list[FrameworkUnit]:
    """The dossier's units still to prove (those not carried from an earlier decision)."""
    kept = carried(session, dossier)
    return [unit for unit in dossiers.units(session, dossier.id) if unit.code not in kept]
