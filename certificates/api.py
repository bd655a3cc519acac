"""POST /api/v1/verify: the verification result for a QR text, a number or a file, for any program."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from acquis import untrusted
from acquis.auth.guard import csrf_exempt
from acquis.db import SessionDep
from acquis.deps import SettingsDep
from acquis.errors import Invalid
from acquis.i18n import N_
from certificates import online_verification, scanning

router = APIRouter(prefix="/api/v1")

MAX_JSON_BYTES = 64 * 1024


class VerifyRequestInvalid(Invalid):
    """Neither {"qr": "..."}, {"number": "..."} nor a multipart `file`."""

    code = "verify-request-invalid"
    default_message = N_("Envoyez {\"qr\": \"…\"} ou {\"number\": \"…\"} en JSON, ou un fichier `file` en multipart.")


class VerifyRequest(BaseModel):
    qr: str | None = None
    number: str | None = None


async def verify_input(request: Request) -> scanning.Presented | str:
    """What to verify: a Presented item (QR text, file content), or a number to look up (str)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=4)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise VerifyRequestInvalid()
        data = await upload.read(scanning.MAX_UPLOAD_BYTES + 1)
        # In a thread: reading the file waits on a worker process, and the event loop must serve others meanwhile.
        return await run_in_threadpool(scanning.read_bytes, data)
    body = await request.body()
    try:
        asked = VerifyRequest.model_validate(untrusted.parse_json(body, max_bytes=MAX_JSON_BYTES))
    except (untrusted.JsonUnreadable, ValidationError):
        raise VerifyRequestInvalid() from None
    if asked.qr:
        return scanning.Presented("text", text=asked.qr[:4096])
    if asked.number:
        return asked.number[:100]
    raise VerifyRequestInvalid()


OPENAPI_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "properties": {
        "qr": {"type": "string", "description": "the QR text or verify URL"},
        "number": {"type": "string", "description": "a certificate number as printed"}}}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "the certificate PDF, a PNG/JPEG photo of its QR, or its credential JSON"}}}},
}}}


@router.post("/verify", name="verify_certificate_api", openapi_extra=OPENAPI_BODY,
             summary="Verify a certificate (QR text, number, PDF, photo or credential JSON)")
@csrf_exempt
def verify_certificate_api(request: Request, session: SessionDep, settings: SettingsDep,
                           asked: scanning.Presented | str = Depends(verify_input)) -> dict[str, Any]:
    """Anyone may call it, without an account: it returns the verification result of docs/contract.md."""
    client = online_verification.client_hash(settings, request.client.host if request.client else None)
    if isinstance(asked, str):
        online_verification.check_number_rate(session, client)
        outcome = online_verification.verify_number(session, asked, settings=settings)
        channel = "number"
    else:
        outcome = online_verification.verify_presented(session, asked, settings=settings)
        channel = "api"
    session.rollback()  # a POST holds SQLite's write lock until its transaction ends
    online_verification.log(request.app.state.engine, channel=channel, verdict=outcome["verdict"], client=client)
    return dict(outcome)  # the response stays the untyped JSON object the API has always declared
