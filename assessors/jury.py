"""The jury: at least two members (one accredited for the framework), each with a no-conflict
declaration, vote per unit; the president, who breaks ties, records the decision: per unit and overall
(full, partial, none), with reasons and feedback. Validated units are kept for good."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import User
from acquis.errors import AcquisError, Conflict, Forbidden, Invalid, NotFound
from acquis.i18n import N_, gettext
from assessors import gaps, messages, moderation, registry, rules, service, unit_results
from assessors.jury_records import DecidedUnit, ModerationNote, SittingMember
from assessors.models import Assignment, Declaration, GapPlan, JuryDecision, JuryVote, UnitResult, ValidatedUnit
from assessors.rules import Outcome
from validation.dossiers import service as dossiers
from validation.dossiers.models import AccessPurpose, Candidate, Dossier
from validation.dossiers.status import DossierStatus
from validation.frameworks import equivalence
from validation.frameworks.models import FrameworkUnit

JURY = (AccessPurpose.JURY,)
AT_JURY = frozenset({DossierStatus.JURY})


class JuryIncomplete(Conflict):
    code = "jury-incomplete"
    default_message = N_("Le jury n'est pas au complet.")


class UnitNotCompetent(Invalid):
    """The jury validates only units the assessment found competent (the rule trace says why not)."""

    code = "unit-not-competent"
    default_message = N_("Un bloc jugé « pas encore compétent » ne peut pas être validé par le jury.")


class PresidentOnly(Forbidden):
    code = "president-only"
    default_message = N_("Seul le président ou la présidente du jury enregistre la décision.")


class ReasonsRequired(Invalid):
    code = "reasons-required"
    default_message = N_("Motivez la décision.")


class DecisionNotFound(NotFound):
    code = "not-found"


def members(session: Session, dossier_id: int) -> list[Assignment]:
    return service.active(session, dossier_id, purpose=AccessPurpose.JURY)


def problems(session: Session, dossier: Dossier, *, today: date) -> list[str]:
    """What stops the jury from deciding, in plain words (empty when it may decide)."""
    people = members(session, dossier.id)
    code = service.framework(session, dossier).code
    found = []
    if len(people) < 2:
        found.append(gettext("Le jury compte au moins deux membres."))
    if sum(1 for a in people if a.president) != 1:
        found.append(gettext("Le jury a un président ou une présidente."))
    if not any(registry.is_accredited(session, a.user_id, code, on=today) for a in people):
        found.append(gettext("Au moins un membre est accrédité pour ce référentiel."))
    if any(a.declaration != Declaration.NO_CONFLICT for a in people):
        found.append(gettext("Chaque membre a signé sa déclaration d'absence de conflit d'intérêts."))
    return found


def votes(session: Session, dossier_id: int) -> dict[int, dict[int, bool]]:
    """Per member, per unit: validate or not."""
    found: dict[int, dict[int, bool]] = {}
    for vote_row in session.exec(select(JuryVote).where(JuryVote.dossier_id == dossier_id,
                                                        JuryVote.round == service.round_of(session, dossier_id))):
        found.setdefault(vote_row.user_id, {})[vote_row.unit_id] = vote_row.validate_unit
    return found


def vote(session: Session, dossier_id: int, *, choices: dict[int, bool], by: User) -> dict[int, bool]:
    """One member's votes on every unit to decide; a unit not found competent cannot be voted valid."""
    dossier, _ = service.require(session, dossier_id, user=by, purposes=JURY, statuses=AT_JURY)
    found = unit_results.results(session, dossier_id)
    units = service.to_assess(session, dossier)
    if set(choices) != {unit.id for unit in units}:
        raise Invalid()
    for unit in units:
        if choices[unit.id] and not (found.get(unit.id) and found[unit.id].competent):
            raise UnitNotCompetent()
    current = service.round_of(session, dossier_id)
    existing = {v.unit_id: v for v in session.exec(select(JuryVote).where(
        JuryVote.dossier_id == dossier_id, JuryVote.round == current, JuryVote.user_id == by.id))}
    for unit_id, choice in choices.items():
        row = existing.get(unit_id) or JuryVote(dossier_id=dossier_id, round=current, user_id=by.id,
                                                unit_id=unit_id, validate_unit=choice)
        row.validate_unit = choice
        session.add(row)
    session.flush()
    audit.record(session, actor=by, action="jury.voted", entity_type="dossier", entity_id=dossier_id,
                 detail={"validate": sorted(u for u, c in choices.items() if c),
                         "refuse": sorted(u for u, c in choices.items() if not c)})
    return choices


def refusal_to_decide(session: Session, dossier: Dossier, assignment: Assignment, *, today: date) -> AcquisError | None:
    """Why `decide` refuses this member's decision whatever its reasons (None: it records it); the decision
    form is shown only when there is none."""
    if dossier.status != DossierStatus.JURY:
        return service.WrongStep()
    if not assignment.president:
        return PresidentOnly()
    if found := problems(session, dossier, today=today):
        return JuryIncomplete(" ".join(found))
    units = {u.id for u in service.to_assess(session, dossier)}
    cast = votes(session, dossier.id)
    if any(set(cast.get(a.user_id, {})) != units for a in members(session, dossier.id)):
        return JuryIncomplete(gettext("Chaque membre doit voter sur chaque bloc."))
    return None


def decide(session: Session, dossier_id: int, *, reasons: str, feedback: str, by: User, today: date) -> JuryDecision:
    """The president records the decision once every member has voted on every unit."""
    dossier, assignment = service.require(session, dossier_id, user=by, purposes=JURY, statuses=AT_JURY)
    if refusal := refusal_to_decide(session, dossier, assignment, today=today):
        raise refusal
    if not reasons.strip():
        raise ReasonsRequired()
    people, cast = members(session, dossier_id), votes(session, dossier_id)
    units = service.to_assess(session, dossier)
    unit_rows = _unit_rows(session, dossier, units, people, cast)
    validated = {row["code"] for row in unit_rows if row["validated"]}
    framework = service.framework(session, dossier)
    everything = dossiers.framework_units(session, framework.id)
    outcome = rules.overall(validated, units=[rules.UnitInQualification(u.code, u.mandatory) for u in everything],
                            rule=framework.qualification_rule)
    sitting = _member_rows(session, people, framework.code, today)
    decision = JuryDecision(dossier_id=dossier_id, round=service.round_of(session, dossier_id), outcome=outcome,
                            decided_on=today, reasons=reasons.strip(), feedback=feedback.strip(),
                            president_id=by.id, units=unit_rows, members=sitting)
    session.add(decision)
    session.flush()
    _keep_validated(session, dossier, decision, unit_rows, framework.code)
    if outcome != Outcome.FULL:
        by_id = {unit.id: unit for unit in service.units(session, dossier)}
        # A unit found competent but not validated was refused by the jury: the plan says so.
        missing: list[tuple[FrameworkUnit, dict[str, Any] | None, bool]] = [
            (by_id[row["unit_id"]], row["trace"], row["competent"]) for row in unit_rows if not row["validated"]]
        session.add(GapPlan(dossier_id=dossier_id, decision_id=decision.id, items=gaps.build(missing)))
    audit.record(session, actor=by, action="jury.decided", entity_type="dossier", entity_id=dossier_id,
                 detail={"decision": decision.id, "outcome": outcome.value, "validated": sorted(validated)})
    dossiers.transition(session, dossier, DossierStatus.DECIDED, by=by, detail={"decision": decision.id,
                                                                     "outcome": outcome.value})
    messages.decision(session, dossiers.candidate_of(session, dossier), decision_id=decision.id,
                      outcome=outcome)
    return decision


def _unit_rows(session: Session, dossier: Dossier, units: list[FrameworkUnit], people: list[Assignment],
               cast: dict[int, dict[int, bool]]) -> list[DecidedUnit]:
    """Per unit of the dossier, in the framework's order: votes, tally, result and its trace."""
    found: dict[int, UnitResult] = unit_results.results(session, dossier.id)
    president = next(a.user_id for a in people if a.president)
    history = [ModerationNote(outcome=m.outcome.value if m.outcome else None, comment=m.comment, units=m.unit_ids,
                              moderator_id=m.moderator_id) for m in moderation.history(session, dossier.id)]
    rows = []
    deciding = {unit.id for unit in units}
    for unit in service.units(session, dossier):
        result = found.get(unit.id)
        trace = result.trace if result else {}
        competent, carried = bool(result and result.competent), unit.id not in deciding
        # A carried unit was validated by an earlier decision: no vote.
        vote = (rules.Tally(True, 0, 0, False) if carried
                else rules.tally({a.user_id: cast[a.user_id][unit.id] for a in people}, president=president))
        rows.append(DecidedUnit(
            unit_id=unit.id, code=unit.code, title_fr=unit.title_fr, title_en=unit.title_en, competent=competent,
            carried=carried, trace=trace,
            moderation=[m for m in history if not m["units"] or unit.id in m["units"]],
            evidence_kinds=_kinds(trace, "evidence:"), methods=_kinds(trace, "session:"),
            validated=vote.validated and (competent or carried), votes_for=vote.votes_for,
            votes_against=vote.votes_against, casting=vote.casting))
    return rows


def _kinds(trace: dict[str, Any], prefix: str) -> list[str]:
    return sorted({source["kind"] for line in trace.get("criteria", []) for source in line.get("counted", [])
                   if source["ref"].startswith(prefix)})


def _member_rows(session: Session, people: list[Assignment], code: str, today: date) -> list[SittingMember]:
    rows = []
    for a in people:
        user = session.get(User, a.user_id)
        assert user is not None
        rows.append(SittingMember(user_id=a.user_id, name=user.name, role=user.role.value, president=a.president,
                                  accredited=registry.is_accredited(session, a.user_id, code, on=today),
                                  declared_at=a.declared_at.isoformat() if a.declared_at else None))
    return rows


def _keep_validated(session: Session, dossier: Dossier, decision: JuryDecision, rows: list[DecidedUnit],
                    code: str) -> None:
    """One row per unit code the candidate holds; a unit validated again on a version where it is another
    competence (validation/frameworks/equivalence.py) takes the row over, so later versions carry the newer one."""
    held = {v.unit_code: v for v in session.exec(select(ValidatedUnit).where(
        ValidatedUnit.candidate_id == dossier.candidate_id, ValidatedUnit.framework_code == code))}
    fresh = [row for row in rows if row["validated"] and not row.get("carried")]
    same = equivalence.same_competence(session, [(held[row["code"]].unit_id, row["unit_id"])
                                                 for row in fresh if row["code"] in held])
    for row in fresh:
        before = held.get(row["code"])
        if before is not None and (before.unit_id, row["unit_id"]) in same:
            continue
        kept = before or ValidatedUnit(candidate_id=dossier.candidate_id, framework_code=code, unit_code=row["code"],
                                       unit_id=row["unit_id"], decision_id=decision.id,
                                       validated_on=decision.decided_on)
        kept.unit_id, kept.decision_id, kept.validated_on = row["unit_id"], decision.id, decision.decided_on
        session.add(kept)
    session.flush()


def latest(session: Session, dossier_id: int) -> JuryDecision | None:
    """The decision in force (an upheld appeal sets the previous one aside)."""
    return session.exec(select(JuryDecision).where(JuryDecision.dossier_id == dossier_id,
                                                   col(JuryDecision.superseded_at).is_(None))
                        .order_by(col(JuryDecision.id).desc())).first()


def gap_plan(session: Session, decision_id: int) -> GapPlan | None:
    return session.exec(select(GapPlan).where(GapPlan.decision_id == decision_id)).first()


@dataclass(frozen=True)
class CertifiedUnit:
    """A unit of the framework version, as the certificate lists it: validated by this decision or not."""

    unit_id: int
    code: str
    title_fr: str
    title_en: str | None
    validated: bool
    # Carried from an earlier decision: that decision and the day it validated the unit.
    carried_from: tuple[int, date] | None = None


@dataclass(frozen=True)
class CertificateFacts:
    """Everything issuing needs from a jury decision, read once (no evidence, no ID numbers): what the
    certificate attests, and the rows issuing moves on (the decision, its dossier and candidate)."""

    decision: JuryDecision
    dossier: Dossier
    candidate: Candidate
    holder_name: str
    birth_date: date
    framework_id: int
    framework_code: str
    framework_version: int
    qualification_title_fr: str
    qualification_title_en: str | None
    isco08: str | None
    units: tuple[CertifiedUnit, ...]  # every unit of the framework version, in its order
    outcome: str  # full | partial | none
    decision_date: date
    evidence_kinds: tuple[str, ...]
    assessment_methods: tuple[str, ...]
    superseded: bool

    @property
    def validated_unit_ids(self) -> tuple[int, ...]:
        return tuple(unit.unit_id for unit in self.units if unit.validated)


def decision_for_certificate(session: Session, decision_id: int) -> CertificateFacts:
    """The read the certificates package makes of a decision (it imports assessors, never the reverse)."""
    decision = session.get(JuryDecision, decision_id)
    if decision is None:
        raise DecisionNotFound()
    dossier = service.load_dossier(session, decision.dossier_id)
    candidate = dossiers.candidate_of(session, dossier)
    framework = service.framework(session, dossier)
    kept = {row["unit_id"]: row for row in decision.units if row["validated"]}
    return CertificateFacts(
        decision=decision, dossier=dossier, candidate=candidate, holder_name=candidate.passport_name,
        birth_date=candidate.birth_date, framework_id=framework.id, framework_code=framework.code,
        framework_version=framework.version, qualification_title_fr=framework.title_fr,
        qualification_title_en=framework.title_en, isco08=framework.isco08,
        units=tuple(CertifiedUnit(unit.id, unit.code, unit.title_fr, unit.title_en, validated=unit.id in kept,
                                  carried_from=_carried_from(kept.get(unit.id)))
                    for unit in dossiers.framework_units(session, framework.id)),
        outcome=decision.outcome.value, decision_date=decision.decided_on,
        evidence_kinds=tuple(sorted({k for row in kept.values() for k in row["evidence_kinds"]})),
        assessment_methods=tuple(sorted({m for row in kept.values() for m in row["methods"]})),
        superseded=decision.superseded_at is not None)


def _carried_from(row: DecidedUnit | None) -> tuple[int, date] | None:
    """A validated unit carried from an earlier decision: that decision and the day it validated the unit."""
    if row is None or not row.get("carried") or row["trace"].get("rule") != "carried":
        return None
    return row["trace"]["decision"], date.fromisoformat(row["trace"]["validated_on"])


def withdraw_validated(session: Session, decision_id: int, *, by: User | None) -> list[str]:
    """The units this decision validated no longer count as held (its certificate was revoked: fraud or error):
    a later dossier assesses them again. A unit validated again by a later decision keeps that one."""
    rows = list(session.exec(select(ValidatedUnit).where(ValidatedUnit.decision_id == decision_id)))
    for row in rows:
        session.delete(row)
    codes = sorted(row.unit_code for row in rows)
    if codes:
        audit.record(session, actor=by, action="validated_units.withdrawn", entity_type="jury_decision",
                     entity_id=decision_id, detail={"units": codes})
    session.flush()
    return codes
