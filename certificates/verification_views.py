"""The pages an employer or anyone opens to verify a certificate: the QR page (/V/...) and the verify form
(by number or by file)."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import Session

from acquis import dates
from acquis.config import Settings
from acquis.db import SessionDep
from acquis.deps import SettingsDep
from acquis.errors import AcquisError
from acquis.web import render, show_refusal
from certificates import messages, online_verification, scanning
from certificates.offline_verification import VerificationResult

router = APIRouter()

VERDICT_TONES = {"valid": "ok", "revoked": "bad", "expired": "bad", "superseded": "bad", "reissued": "bad",
                 "invalid": "bad", "unknown-key": "bad", "malformed": "bad", "not-found": "bad"}


def tone(outcome: VerificationResult) -> str:
    """green, amber or red: a good signature whose status could not be checked is amber."""
    if outcome["verdict"] == "valid" and outcome["checks"]["revocation"] is None:
        return "warn"
    return VERDICT_TONES.get(outcome["verdict"], "bad")


def _client(request: Request, settings: Settings) -> str | None:
    return online_verification.client_hash(settings, request.client.host if request.client else None)


def _day(iso: str | None) -> str:
    """An ISO date as the reader writes it: "9 mars 1968", "March 9, 1968"."""
    if not iso:
        return ""
    return dates.day(date.fromisoformat(iso[:10]), length="long")


def _show(request: Request, session: Session, outcome: VerificationResult, *, channel: str, client: str | None,
          page: str, **context: Any) -> Response:
    watcher = messages.watcher(session, outcome) if channel in messages.WATCHED_CHANNELS else None
    # End the request's own transaction first: on SQLite a POST's would hold the write lock.
    session.rollback()
    online_verification.log(request.app.state.engine, channel=channel, verdict=outcome["verdict"], client=client,
                            watcher=watcher)
    return render(request, page, "certificates/_verdict.html", outcome=outcome, tone=tone(outcome), day=_day,
                  headers={"Cache-Control": "no-store"}, **context)


@router.get("/V/{payload}", name="show_seal_verification")
@router.get("/v/{payload}", name="show_seal_verification_lower", include_in_schema=False)
def show_seal_verification(request: Request, session: SessionDep, settings: SettingsDep, payload: str) -> Response:
    """The page a phone camera opens from the QR code."""
    outcome = online_verification.verify_text(session, payload, settings=settings)
    return _show(request, session, outcome, channel="page", client=_client(request, settings),
                 page="certificates/qr_verification.html")


@router.get("/verify", name="show_verify_form")
def show_verify_form(request: Request, session: SessionDep, settings: SettingsDep,
                     number: str | None = None) -> Response:
    """Verify by typing the number (GET, so it works with any browser) or by uploading a file."""
    if not number or not number.strip():
        return render(request, "certificates/verify_form.html", outcome=None, number="")
    client = _client(request, settings)
    online_verification.check_number_rate(session, client)
    outcome = online_verification.verify_number(session, number[:100], settings=settings)
    return _show(request, session, outcome, channel="number", client=client, page="certificates/verify_form.html",
                 number=number[:100])


@router.post("/verify", name="verify_upload")
def verify_upload(request: Request, session: SessionDep, settings: SettingsDep,
                  file: Annotated[UploadFile, File()]) -> Response:
    data = file.file.read(scanning.MAX_UPLOAD_BYTES + 1)
    try:
        item = scanning.read_bytes(data)
    except AcquisError as problem:
        return show_refusal(session, problem, lambda refused: render(
            request, "certificates/verify_form.html", status_code=refused.status_code, outcome=None, number="",
            error=refused.message))
    outcome = online_verification.verify_presented(session, item, settings=settings)
    return _show(request, session, outcome, channel="upload", client=_client(request, settings),
                 page="certificates/verify_form.html", number="")
