"""Certificate issuance from jury decisions: the request read off the decision, the dossier certified with it,
the decided dossiers still waiting for theirs."""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import User
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import Conflict
from acquis.i18n import N_
from acquis.storage import Store
from assessors import appeals, jury
from assessors.models import JuryDecision
from certificates import messages, revocation, service
from certificates.models import Certificate, CertificateStatus, Decision, IssueRequest, UnitSnapshot
from validation.dossiers import service as dossiers
from validation.dossiers.models import Dossier
from validation.dossiers.status import DossierStatus
from validation.frameworks.models import Framework

CERTIFIABLE = ("full", "partial")
# The dossier states from which the registrar may certify (status.py's table).
AWAITING = frozenset({DossierStatus.DECIDED, DossierStatus.GAP_PLAN})


class NothingToCertify(Conflict):
    """The jury validated no unit: there is nothing a certificate could attest."""

    code = "nothing-to-certify"
    default_message = N_("Le jury n'a validé aucun bloc : aucun certificat ne peut être délivré.")


class DecisionSuperseded(Conflict):
    """An upheld appeal set this decision aside; only the decision in force may be certified."""

    code = "decision-superseded"
    default_message = N_("Cette décision a été remplacée après un recours : elle ne peut plus être certifiée.")


@dataclass(frozen=True)
class Pending:
    """A decided dossier still waiting for its certificate."""

    dossier_id: int
    decision_id: int
    holder_name: str
    framework_code: str
    framework_version: int
    outcome: str
    decided_on: date
    appeal_ends: date | None = None  # a partial decision's window, shown beside it (None: waived, appealed, full)


def decision_ref(decision_id: int) -> str:
    return str(decision_id)


def request_for(session: Session, decision_id: int, *, settings: Settings) -> IssueRequest:
    """What the certificate of this decision attests; refuses a set-aside or empty decision."""
    return _request(session, _certifiable(session, decision_id), settings=settings)


def _certifiable(session: Session, decision_id: int) -> jury.CertificateFacts:
    facts = jury.decision_for_certificate(session, decision_id)
    if facts.superseded:
        raise DecisionSuperseded()
    if facts.outcome not in CERTIFIABLE:
        raise NothingToCertify()
    return facts


def _request(session: Session, facts: jury.CertificateFacts, *, settings: Settings) -> IssueRequest:
    return IssueRequest(
        decision_ref=decision_ref(facts.decision.id), holder_name=facts.holder_name, birth_date=facts.birth_date,
        holder_user_id=facts.candidate.user_id, framework_id=facts.framework_id, framework_code=facts.framework_code,
        framework_version=facts.framework_version, qualification_title_fr=facts.qualification_title_fr,
        qualification_title_en=facts.qualification_title_en, isco08=facts.isco08,
        units=[_snapshot(session, unit) for unit in facts.units], decision=Decision(facts.outcome),
        decision_date=facts.decision_date,
        expires_on=expiry(facts.decision_date, years=settings.certificate_validity_years),
        evidence_kinds=list(facts.evidence_kinds), assessment_methods=list(facts.assessment_methods))


def _snapshot(session: Session, unit: jury.CertifiedUnit) -> UnitSnapshot:
    """A unit as the certificate lists it; one carried from an earlier decision keeps the day it was validated
    and the certificate that attests it."""
    carried_on, carried_certificate = None, None
    if unit.carried_from is not None:
        earlier, carried_on = unit.carried_from
        carried_certificate = certificate_of(session, earlier, unit.code)
    return UnitSnapshot(code=unit.code, title_fr=unit.title_fr, title_en=unit.title_en, validated=unit.validated,
                        carried_on=carried_on, carried_certificate=carried_certificate)


def expiry(decided_on: date, *, years: int) -> date | None:
    """`years` after the decision (0: never); a 29 February decision expires on 28 February."""
    if years <= 0:
        return None
    try:
        return decided_on.replace(year=decided_on.year + years)
    except ValueError:
        return decided_on.replace(year=decided_on.year + years, day=28)


def issue_for_decision(session: Session, decision_id: int, *, by: User, settings: Settings,
                       store: Store | None = None) -> Certificate:
    """The certificate of a full or partial decision, issued once; the dossier is certified with it."""
    return issue_for_decisions(session, [decision_id], by=by, settings=settings, store=store)[0]


def issue_for_dossier(session: Session, dossier_id: int, *, by: User, settings: Settings,
                      store: Store | None = None) -> Certificate:
    """The certificate of the decision in force on this dossier (see issue_for_decision)."""
    decision = jury.latest(session, dossier_id)
    if decision is None:
        raise jury.DecisionNotFound()
    return issue_for_decision(session, decision.id, by=by, settings=settings, store=store)


def issue_for_decisions(session: Session, decision_ids: Sequence[int], *, by: User, settings: Settings,
                        progress: service.Progress | None = None, workers: int | None = None,
                        store: Store | None = None) -> list[Certificate]:
    """Certificates for many decisions in one transaction; those already issued are returned as they are.
    A partial certificate issued while the appeal window is open keeps the right to appeal (the dossier is
    "partially certified" until the window closes); a new decision's certificate supersedes the earlier one."""
    decided = [_certifiable(session, decision_id) for decision_id in decision_ids]
    requests = [_request(session, facts, settings=settings) for facts in decided]
    earlier = {facts.decision.id: _standing_earlier(session, facts.decision) for facts in decided}
    for old in {cert.id: cert for found in earlier.values() for cert in found}.values():
        _supersede(session, old, by=by)
    certificates = service.issue_many(session, requests, by=by, settings=settings, progress=progress,
                                      workers=workers, store=store)
    today = utcnow().date()
    for facts, cert in zip(decided, certificates, strict=True):
        before = earlier[facts.decision.id]
        if before and cert.supersedes_id is None:
            cert.supersedes_id = before[-1].id
            session.add(cert)
        messages.ready(session, facts.candidate, cert, settings=settings)
        if facts.dossier.status in AWAITING:
            keeps_appeal = appeals.window_open(session, facts.decision, settings=settings, today=today)
            certified = DossierStatus.PARTIALLY_CERTIFIED if keeps_appeal else DossierStatus.CERTIFIED
            dossiers.transition(session, facts.dossier, certified, by=by, detail={"certificate": cert.number})
    session.flush()
    return certificates


def _standing_earlier(session: Session, decision: JuryDecision) -> list[Certificate]:
    """The standing certificates of the dossier's earlier decisions (a partial one before an upheld appeal)."""
    ref = decision_ref(decision.id)
    return [cert for cert in of_dossier(session, decision.dossier_id)
            if cert.decision_ref != ref and cert.status == CertificateStatus.ISSUED]


def _supersede(session: Session, old: Certificate, *, by: User) -> None:
    """The new decision's certificate replaces it: the units it attested stay validated in the new one."""
    old.status, old.superseded_at = CertificateStatus.SUPERSEDED, utcnow()
    session.add(old)
    revocation.touch(session, old.status_list_id)
    audit.record(session, actor=by, action="certificate.superseded", entity_type="certificate", entity_id=old.number,
                 detail={"reason": "new-decision"})


def pending(session: Session, *, framework_code: str | None = None, settings: Settings | None = None) -> list[Pending]:
    """Decided dossiers (full or partial, decision in force) whose certificate is not issued yet; with the
    settings, each partial one's appeal window end while it is open."""
    query = (select(JuryDecision, Dossier, Framework)
             .join(Dossier, col(Dossier.id) == JuryDecision.dossier_id)
             .join(Framework, col(Framework.id) == Dossier.framework_id)
             .where(col(Dossier.status).in_([s.value for s in AWAITING]),
                    col(JuryDecision.superseded_at).is_(None),
                    col(JuryDecision.outcome).in_(CERTIFIABLE))
             .order_by(col(JuryDecision.decided_on), col(JuryDecision.id)))
    if framework_code:
        query = query.where(Framework.code == framework_code)
    issued = set(session.exec(select(Certificate.decision_ref)))
    today = utcnow().date()
    found = []
    for decision, dossier, framework in session.exec(query):
        if decision_ref(decision.id) in issued:
            continue
        found.append(Pending(dossier_id=dossier.id, decision_id=decision.id,
                             holder_name=dossiers.candidate_of(session, dossier).passport_name,
                             framework_code=framework.code, framework_version=framework.version,
                             outcome=decision.outcome.value, decided_on=decision.decided_on,
                             appeal_ends=_appeal_ends(session, decision, settings=settings, today=today)))
    return found


def _appeal_ends(session: Session, decision: JuryDecision, *, settings: Settings | None, today: date) -> date | None:
    if settings is None or not appeals.window_open(session, decision, settings=settings, today=today):
        return None
    return appeals.window_ends(decision, settings=settings)


def can_issue(session: Session, dossier: Dossier) -> bool:
    """Whether the dossier waits for a certificate: decided full or partial, none issued for that decision."""
    decision = jury.latest(session, dossier.id)
    return (dossier.status in AWAITING and decision is not None and decision.outcome.value in CERTIFIABLE
            and service.current_for_decision(session, decision_ref(decision.id)) is None)


def held_by(certificates: list[Certificate], user: User) -> list[Certificate]:
    """The certificates this user may download: all for registry staff, their own for a holder."""
    if user.role in service.STAFF_ROLES:
        return certificates
    return [cert for cert in certificates if cert.holder_user_id is not None and cert.holder_user_id == user.id]


def of_dossier(session: Session, dossier_id: int) -> list[Certificate]:
    """Every certificate issued from the dossier's decisions (corrections and withdrawn ones included)."""
    refs = [decision_ref(d) for d in session.exec(select(JuryDecision.id).where(JuryDecision.dossier_id == dossier_id))
            if d is not None]
    if not refs:
        return []
    return list(session.exec(select(Certificate).where(col(Certificate.decision_ref).in_(refs))
                             .order_by(col(Certificate.issued_at), col(Certificate.id))))


def certificate_of(session: Session, decision_id: int, unit_code: str) -> str | None:
    """The number of the certificate that attests this unit from that decision: the newest of its dossier's
    certificates validating the unit (a correction, or the certificate of a decision after an appeal, replaces
    the first one); never a revoked one. None before any is issued."""
    decision = session.get(JuryDecision, decision_id)
    if decision is None:
        return None
    found = [cert for cert in of_dossier(session, decision.dossier_id)
             if cert.status != CertificateStatus.REVOKED
             and any(unit["code"] == unit_code and unit.get("validated") for unit in cert.units)]
    standing = [cert for cert in found if cert.status == CertificateStatus.ISSUED] or found
    return standing[-1].number if standing else None


def credentials_jsonl(session: Session, *, framework_code: str | None = None) -> Iterator[str]:
    """The signed credentials of the standing certificates, one compact JSON document a line."""
    query = select(Certificate).where(Certificate.status == CertificateStatus.ISSUED)
    if framework_code:
        query = query.where(Certificate.framework_code == framework_code)
    for cert in session.exec(query.order_by(col(Certificate.issued_at), col(Certificate.id))):
        # Re-serialising keeps the proof valid: it signs the canonical (RDFC) form, not these bytes.
        yield json.dumps(json.loads(cert.credential), ensure_ascii=False, separators=(",", ":")) + "\n"
