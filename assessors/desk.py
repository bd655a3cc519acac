"""Desk review: the assessor reads the frozen portfolio, marks each item's relevance, then either flags
the dossier back for more evidence (reasons per unit) or plans the assessment and records its sessions."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import User
from acquis.db import utcnow
from acquis.errors import AcquisError, Invalid
from acquis.i18n import N_
from assessors import messages, service
from assessors.models import (
    AssessmentSession,
    EvidenceReview,
    PlanInput,
    Relevance,
    SessionInput,
    UnitFlag,
    UnitPlan,
)
from validation.dossiers import access, evidence, portfolio
from validation.dossiers import service as dossiers
from validation.dossiers.models import AccessPurpose, Dossier, Evidence, EvidenceFile, EvidenceLink, StatusChange
from validation.dossiers.status import DossierStatus
from validation.frameworks.models import FrameworkUnit

S = DossierStatus
ASSESS = (AccessPurpose.ASSESS,)
PLANNING = frozenset({S.DESK_REVIEW, S.ASSESSMENT_SCHEDULED})


class NotInPortfolio(Invalid):
    code = "not-in-portfolio"
    default_message = N_("Cette preuve ne fait pas partie du portfolio déposé.")


class UnitNotInDossier(Invalid):
    code = "unit-not-in-dossier"
    default_message = N_("Ce bloc de compétences ne fait pas partie du dossier.")


class FlagReasonRequired(Invalid):
    code = "flag-reason-required"
    default_message = N_("Indiquez, pour au moins un bloc, quelles preuves manquent.")


class PlanIncomplete(Invalid):
    code = "plan-incomplete"
    default_message = N_("Chaque bloc à évaluer doit avoir une modalité avant de programmer l'évaluation.")


class PresentNotAssigned(Invalid):
    code = "present-not-assigned"
    default_message = N_("Seules les personnes affectées au dossier peuvent être notées présentes.")


@dataclass(frozen=True)
class Item:
    evidence: Evidence
    file: EvidenceFile
    unit_ids: list[int]
    relevance: Relevance | None


def frozen_ids(session: Session, dossier_id: int) -> list[int]:
    """The evidence ids of the last submitted portfolio: the assessor judges these, nothing added later."""
    snapshots = portfolio.snapshots(session, dossier_id)
    return [entry["id"] for entry in snapshots[0].manifest.get("evidence", [])] if snapshots else []


def items(session: Session, dossier: Dossier) -> list[Item]:
    """The frozen portfolio's items to judge; none once the dossier is decided (the judges' access ends)."""
    if dossier.status in access.DECIDED:
        return []
    ids = set(frozen_ids(session, dossier.id))
    rows = [(item, blob) for item, blob in evidence.of_dossier(session, dossier.id) if item.id in ids]
    links = evidence.links_of(session, [item.id for item, _ in rows])
    current = service.round_of(session, dossier.id)
    reviews = {r.evidence_id: r.relevance for r in session.exec(select(EvidenceReview).where(
        EvidenceReview.dossier_id == dossier.id, EvidenceReview.round == current))}
    return [Item(item, blob, sorted({link.unit_id for link in links[item.id]}), reviews.get(item.id))
            for item, blob in rows]


def review_item(session: Session, dossier_id: int, evidence_id: int, *, relevance: Relevance, by: User) -> Item:
    dossier, _ = service.require(session, dossier_id, user=by, purposes=ASSESS,
                                 statuses=frozenset({S.DESK_REVIEW, S.ASSESSMENT_SCHEDULED}))
    if evidence_id not in frozen_ids(session, dossier_id):
        raise NotInPortfolio()
    current = service.round_of(session, dossier_id)
    row = session.exec(select(EvidenceReview).where(EvidenceReview.evidence_id == evidence_id,
                                                    EvidenceReview.round == current)).first()
    row = row or EvidenceReview(dossier_id=dossier_id, evidence_id=evidence_id, round=current,
                                relevance=relevance)
    row.relevance, row.reviewed_by_id, row.reviewed_at = relevance, by.id, utcnow()
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="assessment.evidence_reviewed", entity_type="dossier",
                 entity_id=dossier_id, detail={"evidence": evidence_id, "relevance": relevance.value})
    return next(item for item in items(session, dossier) if item.evidence.id == evidence_id)


def flag(session: Session, dossier_id: int, *, reasons: dict[int, str], by: User) -> list[UnitFlag]:
    """Send the dossier back for more evidence, saying per unit what is missing (the candidate sees it)."""
    dossier, _ = service.require(session, dossier_id, user=by, purposes=ASSESS, statuses=frozenset({S.DESK_REVIEW}))
    unit_ids = {unit.id for unit in service.units(session, dossier)}
    given = {unit_id: text.strip() for unit_id, text in reasons.items() if text.strip()}
    if not given:
        raise FlagReasonRequired()
    if not set(given) <= unit_ids:
        raise UnitNotInDossier()
    codes = {unit.id: unit.code for unit in service.units(session, dossier)}
    summary = "\n".join(f"{codes[unit_id]} : {text}" for unit_id, text in sorted(given.items()))
    change = dossiers.transition(session, dossier, S.FLAGGED, by=by, reason=summary,
                                 detail={"units": sorted(codes[u] for u in given)})
    flags = [UnitFlag(dossier_id=dossier_id, unit_id=unit_id, status_change_id=change.id, reason=text,
                      flagged_by_id=by.id) for unit_id, text in sorted(given.items())]
    session.add_all(flags)
    session.flush()
    messages.evidence_asked(session, dossiers.candidate_of(session, dossier), change_id=change.id,
                            reasons=[text for _unit, text in sorted(given.items())])
    audit.record(session, actor=by, action="assessment.flagged", entity_type="dossier", entity_id=dossier_id,
                 detail={"units": sorted(codes[u] for u in given)})
    return flags


def open_flags(session: Session, dossier: Dossier) -> list[tuple[FrameworkUnit, UnitFlag]]:
    """The flags of the last time the dossier was sent back, while the candidate is still completing it."""
    if dossier.status not in (S.FLAGGED, S.PORTFOLIO_IN_PROGRESS):
        return []
    last = session.exec(select(StatusChange).where(StatusChange.dossier_id == dossier.id,
                                                   StatusChange.to_status == S.FLAGGED)
                        .order_by(col(StatusChange.id).desc())).first()
    if last is None:
        return []
    units = {unit.id: unit for unit in service.units(session, dossier)}
    flags = session.exec(select(UnitFlag).where(UnitFlag.status_change_id == last.id).order_by(col(UnitFlag.id)))
    return [(units[f.unit_id], f) for f in flags if f.unit_id in units]


def start_review(session: Session, dossier_id: int, *, by: User) -> Dossier:
    """A portfolio submitted again after a flag: the assigned assessor takes it up again."""
    dossier, _ = service.require(session, dossier_id, user=by, purposes=ASSESS,
                                 statuses=frozenset({S.PORTFOLIO_SUBMITTED}))
    dossiers.transition(session, dossier, S.DESK_REVIEW, by=by)
    return dossier


def plans(session: Session, dossier_id: int) -> dict[int, UnitPlan]:
    current = service.round_of(session, dossier_id)
    return {p.unit_id: p for p in session.exec(select(UnitPlan).where(UnitPlan.dossier_id == dossier_id,
                                                                      UnitPlan.round == current))}


def can_plan(dossier: Dossier) -> bool:
    """Whether `save_plan` takes a unit's plan for this dossier now (its forms are shown only then)."""
    return dossier.status in PLANNING


def save_plan(session: Session, dossier_id: int, unit_id: int, data: PlanInput, *, by: User) -> UnitPlan:
    dossier, _ = service.require(session, dossier_id, user=by, purposes=ASSESS)
    if not can_plan(dossier):
        raise service.WrongStep()
    if unit_id not in {unit.id for unit in service.to_assess(session, dossier)}:
        raise UnitNotInDossier()
    row = plans(session, dossier_id).get(unit_id) or UnitPlan(dossier_id=dossier_id, unit_id=unit_id,
                                                              round=service.round_of(session, dossier_id),
                                                              method=data.method)
    for name, value in data.model_dump().items():
        setattr(row, name, value)
    row.planned_by_id, row.updated_at = by.id, utcnow()
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="assessment.planned", entity_type="dossier", entity_id=dossier_id,
                 detail={"unit": unit_id, "method": data.method.value})
    return row


def refusal_to_schedule(session: Session, dossier: Dossier) -> AcquisError | None:
    """Why `schedule` refuses to schedule this dossier's assessment (None: it schedules it); the "schedule"
    button is shown only when there is none."""
    if dossier.status != S.DESK_REVIEW:
        return service.WrongStep()
    planned = plans(session, dossier.id)
    if any(unit.id not in planned for unit in service.to_assess(session, dossier)):
        return PlanIncomplete()
    return None


def schedule(session: Session, dossier_id: int, *, by: User) -> Dossier:
    """Every unit to prove has its method: the assessment is scheduled and the convocation can be printed."""
    dossier, _ = service.require(session, dossier_id, user=by, purposes=ASSESS)
    if refusal := refusal_to_schedule(session, dossier):
        raise refusal
    change = dossiers.transition(session, dossier, S.ASSESSMENT_SCHEDULED, by=by)
    messages.convocation(session, dossiers.candidate_of(session, dossier), change_id=change.id,
                         first=first_sitting(list(plans(session, dossier_id).values())))
    return dossier


def first_sitting(planned: list[UnitPlan]) -> tuple[date, str | None, str] | None:
    """The earliest day (and time) planned, with its place: what the convocation message says."""
    dated = sorted((p.scheduled_on, p.scheduled_time or "", p.place) for p in planned if p.scheduled_on is not None)
    if not dated:
        return None
    day, time, place = dated[0]
    return day, time or None, place


def sessions(session: Session, dossier_id: int) -> list[AssessmentSession]:
    current = service.round_of(session, dossier_id)
    return list(session.exec(select(AssessmentSession).where(AssessmentSession.dossier_id == dossier_id,
                                                             AssessmentSession.round == current)
                             .order_by(col(AssessmentSession.held_on), col(AssessmentSession.id))))


def record_session(session: Session, dossier_id: int, data: SessionInput, *, by: User) -> AssessmentSession:
    """A sitting held with the candidate: date, place, who was there, whether identity was checked."""
    dossier, _ = service.require(session, dossier_id, user=by, purposes=ASSESS,
                                 statuses=frozenset({S.ASSESSMENT_SCHEDULED}))
    if not set(data.unit_ids) <= {unit.id for unit in service.to_assess(session, dossier)}:
        raise UnitNotInDossier()
    assigned = {a.user_id for a in service.active(session, dossier_id)}
    present: list[int] = list(dict.fromkeys([by.id, *data.present_ids]))
    if not set(present) <= assigned:
        raise PresentNotAssigned()
    row = AssessmentSession(dossier_id=dossier_id, round=service.round_of(session, dossier_id), method=data.method,
                            unit_ids=sorted(set(data.unit_ids)), held_on=data.held_on, place=data.place,
                            present_ids=present, identity_checked=data.identity_checked, note=data.note,
                            recorded_by_id=by.id)
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="assessment.session_recorded", entity_type="dossier",
                 entity_id=dossier_id, detail={"session": row.id, "method": data.method.value,
                                               "units": row.unit_ids, "identity_checked": data.identity_checked})
    return row


def unit_links(session: Session, dossier_id: int) -> dict[int, set[int]]:
    """For each evidence item of the dossier, the units it was linked to by the candidate or counsellor."""
    found: dict[int, set[int]] = {}
    for link in session.exec(select(EvidenceLink).join(Evidence, col(Evidence.id) == EvidenceLink.evidence_id)
                             .where(Evidence.dossier_id == dossier_id)):
        found.setdefault(link.evidence_id, set()).add(link.unit_id)
    return found
