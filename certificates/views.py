"""Verification pages, certificate downloads, revocation, and the issuer's public documents."""

from datetime import date
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from acquis import i18n
from acquis.auth.guard import RegistrarDep, UserDep
from acquis.db import SessionDep
from acquis.errors import AcquisError
from acquis.web import render
from certificates import keystore, messages, public_documents, reissue, revocation, scanning, service, verification
from certificates.models import STATUS_LABELS, StatusList

router = APIRouter()

TRUST_LIST_PATH = "/.well-known/acquis/trust-list.json"
VERDICT_TONES = {"valid": "ok", "revoked": "bad", "expired": "bad", "superseded": "bad", "reissued": "bad",
                 "invalid": "bad", "unknown-key": "bad", "malformed": "bad", "not-found": "bad"}


def tone(outcome: dict[str, Any]) -> str:
    """green, amber or red: a good signature whose status could not be checked is amber."""
    if outcome["verdict"] == "valid" and outcome["checks"]["revocation"] is None:
        return "warn"
    return VERDICT_TONES.get(outcome["verdict"], "bad")


def _client(request: Request) -> str | None:
    return verification.client_hash(request.app.state.settings, request.client.host if request.client else None)


def _day(iso: str | None) -> str:
    """An ISO date as the reader writes it: "9 mars 1968", "March 9, 1968"."""
    if not iso:
        return ""
    return format_date(date.fromisoformat(iso[:10]), format="long", locale=i18n.current_language.get())


def _show(request: Request, session: Session, outcome: dict[str, Any], *, channel: str, page: str,
          **context: Any) -> Response:
    watcher = messages.watcher(session, outcome) if channel in messages.WATCHED_CHANNELS else None
    # End the request's own transaction first: on SQLite a POST's would hold the write lock.
    session.rollback()
    verification.log(request.app.state.engine, channel=channel, verdict=outcome["verdict"], client=_client(request),
                     watcher=watcher)
    return render(request, page, "certificates/_verdict.html", outcome=outcome, tone=tone(outcome), day=_day,
                  headers={"Cache-Control": "no-store"}, **context)


@router.get("/V/{payload}", name="show_seal_verification")
@router.get("/v/{payload}", name="show_seal_verification_lower", include_in_schema=False)
def show_seal_verification(request: Request, session: SessionDep, payload: str) -> Response:
    """The page a phone camera opens from the QR code."""
    settings = request.app.state.settings
    outcome = verification.verify_text(session, payload, settings=settings)
    return _show(request, session, outcome, channel="page", page="certificates/verification.html")


@router.get("/verify", name="show_verify_form")
def show_verify_form(request: Request, session: SessionDep, number: str | None = None) -> Response:
    """Verify by typing the number (GET, so it works with any browser) or by uploading a file."""
    if not number or not number.strip():
        return render(request, "certificates/verify.html", outcome=None, number="")
    client = _client(request)
    verification.check_number_rate(session, client)
    outcome = verification.verify_number(session, number[:100], settings=request.app.state.settings)
    return _show(request, session, outcome, channel="number", page="certificates/verify.html", number=number[:100])


@router.post("/verify", name="verify_upload")
def verify_upload(request: Request, session: SessionDep, file: Annotated[UploadFile, File()]) -> Response:
    data = file.file.read(scanning.MAX_UPLOAD_BYTES + 1)
    try:
        item = scanning.read_bytes(data)
    except AcquisError as problem:
        return render(request, "certificates/verify.html", status_code=problem.status_code, outcome=None,
                      number="", error=problem.message)
    outcome = verification.verify_presented(session, item, settings=request.app.state.settings)
    return _show(request, session, outcome, channel="upload", page="certificates/verify.html", number="")


# --- certificates for their holder and the registry -------------------------------------------


@router.get("/certificates", name="list_certificates")
def list_certificates(request: Request, session: SessionDep, user: RegistrarDep) -> Response:
    settings = request.app.state.settings
    certificates = service.all_certificates(session)
    rows = [service.summary(cert, settings=settings) for cert in certificates]
    return render(request, "certificates/list.html", certificates=rows, STATUS_LABELS=STATUS_LABELS,
                  revocable={cert.number for cert in certificates if service.can_revoke(cert)},
                  reissue_waiting=reissue.waiting(session), can_reissue=reissue.can_reissue(session),
                  reissued=reissue.reissued(session))


@router.get("/certificates/{number}.pdf", name="download_certificate_pdf")
def download_certificate_pdf(request: Request, session: SessionDep, user: UserDep, number: str) -> Response:
    cert = service.get_for(session, number, user=user)
    data = service.pdf_bytes(cert, settings=request.app.state.settings)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{cert.number}.pdf"', "Cache-Control": "private, no-store"})


@router.get("/certificates/{number}/credential.json", name="download_certificate_credential")
def download_certificate_credential(session: SessionDep, user: UserDep, number: str) -> Response:
    cert = service.get_for(session, number, user=user)
    return Response(cert.credential, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="{cert.number}.credential.json"',
        "Cache-Control": "private, no-store"})


@router.get("/certificates/{number}", name="show_certificate", include_in_schema=False)
def show_certificate(request: Request, number: str) -> Response:
    """A credential's id resolves here: the public verification by number."""
    return RedirectResponse(request.url_for("show_verify_form").include_query_params(number=number), status_code=303)


@router.post("/certificates/{number}/revoke", name="revoke_certificate")
def revoke_certificate(request: Request, session: SessionDep, user: RegistrarDep, number: str,
                       reason: Annotated[str, Form(max_length=2000)],
                       public_reason: Annotated[str, Form(max_length=5)] = "") -> Response:
    service.revoke(session, number, reason=reason, by=user, settings=request.app.state.settings,
                   public_reason=public_reason == "yes")
    session.commit()
    return RedirectResponse(request.url_for("list_certificates"), status_code=303)


# --- the issuer's public documents ---------------------------------------------------------------


def _json(request: Request, document: dict[str, Any], *, max_age: int) -> Response:
    body = public_documents.serialize(document)
    return _cached(request, body, public_documents.etag_of(body), max_age=max_age)


def _cached(request: Request, body: bytes, etag: str, *, max_age: int) -> Response:
    """A public document with its validators: a cache that holds this ETag gets a 304 without the body."""
    headers = {"Cache-Control": f"public, max-age={max_age}", "ETag": etag, "Access-Control-Allow-Origin": "*"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: "*" or a list of tags, compared weakly (a W/ prefix matches too)."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.get(TRUST_LIST_PATH, name="show_trust_list")
def show_trust_list(request: Request, session: SessionDep) -> Response:
    """The issuer's public keys (JWKS-shaped), for offline verifiers."""
    return _json(request, keystore.trust_list(session, settings=request.app.state.settings), max_age=3600)


@router.get(revocation.REVOCATIONS_PATH, name="show_revocation_list")
def show_revocation_list(request: Request, session: SessionDep) -> Response:
    """Revoked and superseded certificates (SHA-256 of their numbers), signed when they change, for offline
    verifiers; served as stored, so no private key is needed here."""
    document = public_documents.stored(session, revocation.REVOCATIONS_PATH)
    return _cached(request, document.body, document.etag, max_age=300)


@router.get(keystore.ISSUER_PATH, name="show_issuer")
def show_issuer(request: Request, session: SessionDep) -> Response:
    """The issuer's controller document: its keys as Multikey under assertionMethod."""
    return _json(request, keystore.controller_document(session, settings=request.app.state.settings), max_age=3600)


@router.get(revocation.STATUS_PATH + "{list_id}", name="show_status_list")
def show_status_list(request: Request, session: SessionDep, list_id: int) -> Response:
    """A signed BitstringStatusListCredential (revocation), as stored when it last changed; short-lived in caches."""
    if session.get(StatusList, list_id) is None:
        raise revocation.UnknownStatusList()
    document = public_documents.stored(session, public_documents.status_list_path(list_id))
    return _cached(request, document.body, document.etag, max_age=300)
