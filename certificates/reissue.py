"""A compromised key's certificates: marked to re-issue, then re-sealed with the active key as corrections."""

from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import User
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import Conflict
from acquis.i18n import N_
from acquis.storage import Store
from certificates import keystore, messages, service
from certificates.models import Certificate, CertificateStatus, IssueRequest, KeyStatus
from certificates.offline_verification import utc_day
from validation.dossiers.models import Candidate

REASON = "issuer key compromised: re-issued with a sound key"


class NoKeyToReissue(Conflict):
    """Every key is compromised or retired: nothing can re-seal until a new key is in service."""

    code = "no-key-to-reissue"
    default_message = N_("Aucune clé active pour ré-émettre : lancez d’abord « acquis keys rotate », puis "
                         "relancez « acquis certificates reissue ».")


def mark(session: Session, kid: str) -> list[Certificate]:
    """The standing certificates the compromised key `kid` sealed from its compromise day on (the day verifiers
    refuse from), marked "to re-issue"; returns every one still waiting, newly marked or not."""
    key = keystore.get(session, kid)
    if key.status != KeyStatus.COMPROMISED or key.compromised_since is None:
        return []
    query = select(Certificate).where(Certificate.kid == kid, Certificate.status == CertificateStatus.ISSUED,
                                      col(Certificate.issued_on) >= utc_day(key.compromised_since))
    found = list(session.exec(query.order_by(col(Certificate.issued_at), col(Certificate.id))))
    now = utcnow()
    for cert in found:
        if cert.reissue_requested_at is None:
            cert.reissue_requested_at = now
            session.add(cert)
            audit.record(session, actor=None, action="certificate.reissue_requested", entity_type="certificate",
                         entity_id=cert.number, detail={"kid": kid})
    session.flush()
    return found


def waiting(session: Session, *, kid: str | None = None) -> list[Certificate]:
    """Certificates marked to re-issue and not re-issued yet (of key `kid`, or of any key)."""
    query = select(Certificate).where(col(Certificate.reissue_requested_at).is_not(None),
                                      Certificate.status == CertificateStatus.ISSUED)
    if kid is not None:
        query = query.where(Certificate.kid == kid)
    return list(session.exec(query.order_by(col(Certificate.issued_at), col(Certificate.id))))


def can_reissue(session: Session) -> bool:
    """Whether a key is in service to re-seal with (the same rule shows the button and accepts its POST)."""
    return bool(keystore.active_keys(session))


def reissue(session: Session, *, kid: str | None, by: User | None, settings: Settings,
            store: Store | None = None) -> list[Certificate]:
    """Each waiting certificate re-sealed with the active key under a new number, with a new PDF and credential;
    the old one is superseded. Returns the new certificates; a second run finds nothing and does nothing."""
    if kid is not None:
        keystore.get(session, kid)  # an unknown key id is an error, not "nothing to do"
    old = waiting(session, kid=kid)
    if old and not can_reissue(session):
        raise NoKeyToReissue()
    replacements = []
    for cert in old:
        replacement = service.correct(session, cert.number, _request(cert), reason=REASON, by=by, settings=settings,
                                      store=store)
        _tell_holder(session, cert, replacement)
        replacements.append(replacement)
    return replacements


def _tell_holder(session: Session, old: Certificate, new: Certificate) -> None:
    """A text message to the holder, in their language, with the transaction (once per re-issued certificate)."""
    holder = session.exec(select(Candidate).where(Candidate.user_id == new.holder_user_id)).first() \
        if new.holder_user_id is not None else None
    if holder is None:  # a certificate issued to no account: the counsellor hands it over (dossier panel)
        return
    messages.reissued(session, holder, old, new)


def reissued(session: Session) -> list[tuple[Certificate, Certificate]]:
    """(old, new) for every re-issued certificate, newest first: the list handed over to the holders."""
    query = select(Certificate).where(col(Certificate.reissue_requested_at).is_not(None),
                                      Certificate.status == CertificateStatus.SUPERSEDED)
    pairs = []
    for old in session.exec(query.order_by(col(Certificate.superseded_at).desc(), col(Certificate.id))):
        new = service.current_for_decision(session, old.decision_ref)
        if new is not None and new.id != old.id:
            pairs.append((old, new))
    return pairs


def was_reissued(cert: Certificate) -> bool:
    return cert.reissue_requested_at is not None and cert.status == CertificateStatus.SUPERSEDED


def _request(cert: Certificate) -> IssueRequest:
    """What the certificate attests, unchanged: the correction changes the seal, never the decision."""
    return IssueRequest.model_validate({
        field: getattr(cert, field) for field in IssueRequest.model_fields if field != "units"
    } | {"units": cert.units})
