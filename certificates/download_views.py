"""A holder's (or the registry's) downloads of a certificate: its PDF and its signed credential; a credential's
id resolves to the public verification by number."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from acquis.auth.guard import UserDep
from acquis.db import SessionDep
from acquis.deps import StoreDep
from certificates import service

router = APIRouter()


@router.get("/certificates/{number}.pdf", name="download_certificate_pdf")
def download_certificate_pdf(session: SessionDep, user: UserDep, store: StoreDep, number: str) -> Response:
    cert = service.get_for(session, number, user=user)
    return Response(service.pdf_bytes(cert, store=store), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{cert.number}.pdf"', "Cache-Control": "private, no-store"})


@router.get("/certificates/{number}/credential.json", name="download_certificate_credential")
def download_certificate_credential(session: SessionDep, user: UserDep, number: str) -> Response:
    cert = service.get_for(session, number, user=user)
    return Response(cert.credential, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="{cert.number}.credential.json"',
        "Cache-Control": "private, no-store"})


# After the PDF's route: "/certificates/{number}" would match "X.pdf" too.
@router.get("/certificates/{number}", name="show_certificate", include_in_schema=False)
def show_certificate(request: Request, number: str) -> Response:
    """A credential's id resolves here: the public verification by number."""
    return RedirectResponse(request.url_for("show_verify_form").include_query_params(number=number), status_code=303)
