"""Issuing, correcting and revoking certificates, and finding them: sealed, credentialed, printed."""

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, col, select

from acquis import audit, metrics
from acquis.auth.models import Role, User
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import Conflict, Invalid, NotFound
from acquis.i18n import N_
from acquis.storage import Store
from assessors import jury
from certificates import credential, keystore, numbers, pdf, public_documents, revocation, seal
from certificates.models import Certificate, CertificateStatus, IssueRequest, IssuerKey

STAFF_ROLES = frozenset({Role.ADMIN, Role.REGISTRAR})
Progress = Callable[[int, int], None]


class CertificateNotFound(NotFound):
    """No certificate has this number, or the caller may not see it."""

    code = "certificate-not-found"
    default_message = N_("Aucun certificat ne porte ce numéro.")


class CertificateRevoked(Conflict):
    """The certificate was revoked and cannot be re-issued or corrected."""

    code = "certificate-revoked"
    default_message = N_("Ce certificat a été révoqué : il ne peut être ni délivré de nouveau ni corrigé.")


class CertificateSuperseded(Conflict):
    """A corrected certificate replaced this one; correct the newer one."""

    code = "certificate-superseded"
    default_message = N_("Ce certificat a déjà été remplacé par un certificat corrigé.")


class ReasonRequired(Invalid):
    """Revoking or correcting a certificate needs a reason."""

    code = "reason-required"
    default_message = N_("Indiquez le motif.")


def store_for(settings: Settings) -> Store:
    """The file store's folder when there is no app to lend its own (the command line, the demo, tests); a
    request passes the app's store (acquis.deps.StoreDep), which also knows which files rows name."""
    return Store(settings.data_dir / "files")


# --- issuing -----------------------------------------------------------------------------------


def issue(session: Session, request: IssueRequest, *, by: User | None, settings: Settings,
          store: Store | None = None) -> Certificate:
    """The certificate of one decision: issued once, the same one returned for the same decision_ref."""
    return issue_many(session, [request], by=by, settings=settings, store=store)[0]


def issue_many(
    session: Session,
    requests: Sequence[IssueRequest],
    *,
    by: User | None,
    settings: Settings,
    progress: Progress | None = None,
    workers: int | None = None,
    store: Store | None = None,
) -> list[Certificate]:
    """Certificates for many decisions, in order; all or nothing. Their PDFs are rendered by `workers`
    processes side by side (default: settings.pdf_processes, one per core available).

    Rows, seals and credentials are written in the caller's transaction; the PDF files are stored
    before it commits and removed again if it does not, so nothing is left half-issued. `store`: the app's
    (store_for(settings) without one)."""
    signer = None  # loaded only when something is new: returning issued certificates needs no private key
    certificates, fresh = [], []
    workers = workers or settings.pdf_processes
    # Each PDF starts rendering as soon as its certificate is sealed, while the next one is sealed here.
    rendering = pdf.Rendering(workers=workers if len(requests) >= pdf.PARALLEL_FROM else 1)
    try:
        for request in requests:
            existing = current_for_decision(session, request.decision_ref)
            if existing is not None and existing.status == CertificateStatus.REVOKED:
                raise CertificateRevoked()
            if existing is None:
                signer = signer or keystore.signing_key(session, settings=settings)
                existing = _seal_and_sign(session, request, by=by, settings=settings, signer=signer)
                rendering.submit(pdf_content(existing, settings=settings))
                fresh.append(existing)
            certificates.append(existing)
        _store_pdfs(session, fresh, rendering.pdfs(progress), store=store or store_for(settings))
        metrics.count_on_commit(session, metrics.CERTIFICATES_ISSUED, len(fresh))
        if signer is not None:  # a new status list may have been opened: publish it, signed, with the rest
            public_documents.refresh_public_documents(session, settings, signer=signer)
    finally:
        rendering.cancel()  # after an error, what was not started yet is not rendered for nothing
    return certificates


def correct(session: Session, number: str, request: IssueRequest, *, reason: str, by: User | None,
            settings: Settings, store: Store | None = None) -> Certificate:
    """A corrected certificate under a new number; the old one is superseded from now on."""
    if not reason.strip():
        raise ReasonRequired()
    old = get(session, number)
    if old.status == CertificateStatus.REVOKED:
        raise CertificateRevoked()
    if old.status == CertificateStatus.SUPERSEDED:
        raise CertificateSuperseded()
    signer = keystore.signing_key(session, settings=settings)
    request = request.model_copy(update={"decision_ref": old.decision_ref})
    new = _seal_and_sign(session, request, by=by, settings=settings, signer=signer, supersedes=old)
    old.status = CertificateStatus.SUPERSEDED
    old.superseded_at = utcnow()
    session.add(old)
    revocation.touch(session, old.status_list_id)
    audit.record(session, actor=by, action="certificate.superseded", entity_type="certificate", entity_id=old.number,
                 detail={"by_number": new.number, "reason": reason.strip()})
    _store_pdfs(session, [new], [pdf.render(pdf_content(new, settings=settings))], store=store or store_for(settings))
    metrics.count_on_commit(session, metrics.CERTIFICATES_ISSUED)
    public_documents.refresh_public_documents(session, settings, signer=signer)
    return new


def _seal_and_sign(
    session: Session,
    request: IssueRequest,
    *,
    by: User | None,
    settings: Settings,
    signer: tuple[IssuerKey, Ed25519PrivateKey],
    supersedes: Certificate | None = None,
) -> Certificate:
    key_row, private = signer
    now = utcnow().replace(microsecond=0)
    status_row, index = revocation.allocate(session)
    cert = Certificate.model_validate({
        **request.model_dump(exclude={"units"}),
        "units": [unit.stored() for unit in request.units],
        "number": numbers.new_number(settings.issuer_code, now.year),
        "correction": supersedes.correction + 1 if supersedes else 0,
        "issued_on": now.date(), "issued_at": now, "kid": key_row.kid, "seal": b"", "qr_text": "",
        "credential": "", "status_list_id": status_row.id, "status_index": index,
        "supersedes_id": supersedes.id if supersedes else None, "issued_by_id": getattr(by, "id", None),
    })
    claims = seal.Claims(
        number=cert.number, holder_name=cert.holder_name, birth_date=cert.birth_date,
        framework_code=cert.framework_code, framework_version=cert.framework_version,
        units=cert.validated_indices(), decision=cert.decision.value,
        issued_on=cert.issued_on, expires_on=cert.expires_on, issuer_code=settings.issuer_code,
    )
    cert.seal = seal.sign(claims, private)
    cert.qr_text = seal.qr_text(settings.public_url, cert.seal)
    unsigned = credential.build(cert, public_url=settings.public_url,
                                issuer_names=(settings.issuer_name_fr, settings.issuer_name_en),
                                status_url=revocation.status_url(settings, status_row.id or 0))
    signed = credential.sign(unsigned, private, verification_method=keystore.method_id(settings, key_row.kid),
                             created=now)
    cert.credential = credential.dumps(signed)
    session.add(cert)
    session.flush()
    audit.record(session, actor=by, action="certificate.issued", entity_type="certificate", entity_id=cert.number,
                 detail={"framework": cert.framework_code, "version": cert.framework_version,
                         "decision": cert.decision.value, "kid": cert.kid,
                         "supersedes": supersedes.number if supersedes else None})
    return cert


def _store_pdfs(session: Session, certificates: list[Certificate], pdfs: Iterable[bytes], *, store: Store) -> None:
    """Store the PDFs of freshly sealed certificates, each as it comes, tied to the open transaction."""
    for cert, data in zip(certificates, pdfs, strict=True):
        # Tied to the transaction: removed if it does not commit, even when the process dies first.
        stored = store.put_bytes(data, session=session)
        cert.pdf_sha256, cert.pdf_size = stored.sha256, stored.size
        session.add(cert)
    session.flush()


def pdf_content(cert: Certificate, *, settings: Settings) -> pdf.PdfContent:
    return pdf.PdfContent(
        number=cert.number, holder_name=cert.holder_name, birth_date=cert.birth_date,
        qualification_fr=cert.qualification_title_fr, qualification_en=cert.qualification_title_en,
        framework_code=cert.framework_code, framework_version=cert.framework_version, isco08=cert.isco08,
        units=tuple((unit["title_fr"], unit.get("title_en")) for unit in cert.validated_units()),
        origins=tuple((date.fromisoformat(unit["carried_on"]), unit.get("carried_certificate"))
                      if unit.get("carried_on") else None for unit in cert.validated_units()),
        decision=cert.decision.value, decision_date=cert.decision_date, issued_on=cert.issued_on,
        expires_on=cert.expires_on, issuer_fr=settings.issuer_name_fr, issuer_en=settings.issuer_name_en,
        issuer_code=settings.issuer_code, qr_text=cert.qr_text, verify_url=verify_url(cert, settings=settings),
        credential_json=cert.credential,
    )


# --- revoking ----------------------------------------------------------------------------------


def can_revoke(cert: Certificate) -> bool:
    """Whether `revoke` withdraws this certificate: the one in force only (its "revoke" form is shown only then)."""
    return cert.status == CertificateStatus.ISSUED


def revoke(session: Session, number: str, *, reason: str, by: User | None, settings: Settings,
           public_reason: bool = False) -> Certificate:
    """Withdraw a certificate for good; verifiers see it as revoked at once, offline ones through the status
    and revocation lists signed again here (so revoking needs the key passphrase, like issuing).

    `public_reason`: verifiers looking the number up may read the reason."""
    if not reason.strip():
        raise ReasonRequired()
    cert = get(session, number)
    if not can_revoke(cert):
        raise CertificateRevoked() if cert.status == CertificateStatus.REVOKED else CertificateSuperseded()
    signer = keystore.signing_key(session, settings=settings)  # before any change: without the key, nothing is done
    cert.status = CertificateStatus.REVOKED
    cert.revoked_at = utcnow()
    cert.revoked_by_id = getattr(by, "id", None)
    cert.revocation_reason = reason.strip()
    metrics.count_on_commit(session, metrics.CERTIFICATES_REVOKED)
    cert.revocation_reason_public = public_reason
    session.add(cert)
    revocation.touch(session, cert.status_list_id)
    audit.record(session, actor=by, action="certificate.revoked", entity_type="certificate", entity_id=cert.number,
                 detail={"reason": cert.revocation_reason, "reason_public": public_reason})
    if cert.decision_ref.isdigit():  # issued from a jury decision: its units are no longer held
        jury.withdraw_validated(session, int(cert.decision_ref), by=by)
    session.flush()
    public_documents.refresh_public_documents(session, settings, signer=signer)
    return cert


# --- finding -----------------------------------------------------------------------------------


def find(session: Session, number: str) -> Certificate | None:
    """The certificate with this number as typed (spaces, case, I/L/O tolerated), or None."""
    try:
        normalized = numbers.normalise(number)
    except numbers.NotACertificateNumber:
        return None
    return session.exec(select(Certificate).where(Certificate.number == normalized)).first()


def get(session: Session, number: str) -> Certificate:
    cert = find(session, number)
    if cert is None:
        raise CertificateNotFound()
    return cert


def get_for(session: Session, number: str, *, user: User) -> Certificate:
    """The certificate for its holder or registry staff; anyone else gets CertificateNotFound."""
    cert = find(session, number)
    if cert is None or not (user.role in STAFF_ROLES or (cert.holder_user_id and cert.holder_user_id == user.id)):
        raise CertificateNotFound()
    return cert


def current_for_decision(session: Session, decision_ref: str) -> Certificate | None:
    query = select(Certificate).where(Certificate.decision_ref == decision_ref)
    return session.exec(query.order_by(col(Certificate.correction).desc())).first()


def status_of(session: Session, number: str) -> str | None:
    """For verifiers online: "revoked", "superseded", or None while the certificate stands."""
    cert = session.exec(select(Certificate).where(Certificate.number == number)).first()
    if cert is None or cert.status == CertificateStatus.ISSUED:
        return None
    return cert.status.value


def all_certificates(session: Session) -> list[Certificate]:
    return list(session.exec(select(Certificate).order_by(col(Certificate.issued_at).desc(), col(Certificate.id))))


def pdf_bytes(cert: Certificate, *, store: Store) -> bytes:
    return store.read(cert.pdf_sha256)


def verify_url(cert: Certificate, *, settings: Settings) -> str:
    """The verify page of a certificate, as a browser writes it (the QR text is the same, upper-cased)."""
    return settings.public_url.rstrip("/") + "/V/" + cert.qr_text.rpartition("/V/")[2]


def effective_status(cert: Certificate, *, now: datetime | None = None) -> str:
    today = (now or utcnow()).date()
    if cert.status == CertificateStatus.ISSUED and cert.expires_on is not None and today > cert.expires_on:
        return "expired"
    return cert.status.value


def summary(cert: Certificate, *, settings: Settings) -> dict[str, Any]:
    """The `acquis certificates list --json` object of docs/contract.md."""
    return {
        "number": cert.number, "holder_name": cert.holder_name, "birth_date": cert.birth_date.isoformat(),
        "framework_code": cert.framework_code, "framework_version": cert.framework_version,
        "decision": cert.decision.value, "status": effective_status(cert),
        "issued_at": cert.issued_at.isoformat().replace("+00:00", "Z"),
        "expires_on": cert.expires_on.isoformat() if cert.expires_on else None,
        "qr_text": cert.qr_text, "verify_url": verify_url(cert, settings=settings),
    }
