"""The registry's side of issued certificates: the list (with the re-issue after a key compromise) and
revocation."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from acquis.auth.guard import RegistrarDep
from acquis.db import SessionDep
from acquis.deps import SettingsDep
from acquis.web import render
from certificates import reissue, service
from certificates.models import STATUS_LABELS

router = APIRouter()


@router.get("/certificates", name="list_certificates")
def list_certificates(request: Request, session: SessionDep, user: RegistrarDep, settings: SettingsDep) -> Response:
    certificates = service.all_certificates(session)
    rows = [service.summary(cert, settings=settings) for cert in certificates]
    return render(request, "certificates/list.html", certificates=rows, STATUS_LABELS=STATUS_LABELS,
                  revocable={cert.number for cert in certificates if service.can_revoke(cert)},
                  reissue_waiting=reissue.waiting(session), can_reissue=reissue.can_reissue(session),
                  reissued=reissue.reissued(session))


@router.post("/certificates/{number}/revoke", name="revoke_certificate")
def revoke_certificate(request: Request, session: SessionDep, user: RegistrarDep, settings: SettingsDep, number: str,
                       reason: Annotated[str, Form(max_length=2000)],
                       public_reason: Annotated[str, Form(max_length=5)] = "") -> Response:
    service.revoke(session, number, reason=reason, by=user, settings=settings, public_reason=public_reason == "yes")
    session.commit()
    return RedirectResponse(request.url_for("list_certificates"), status_code=303)
