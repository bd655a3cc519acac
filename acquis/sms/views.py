"""The SMS page for staff, and Kannel's two callbacks: delivery reports and incoming messages.

The callbacks are GET requests from Kannel carrying ACQUIS_SMS_INCOMING_TOKEN (compared in constant time;
403 otherwise, and always when no token is set). Delivery reports write: they use a write session of their own."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from sqlmodel import Session, col, func, select

from acquis import dates
from acquis.auth.guard import CaseworkerDep
from acquis.auth.models import Role
from acquis.config import Settings
from acquis.db import SessionDep
from acquis.deps import SettingsDep
from acquis.errors import Forbidden
from acquis.i18n import N_
from acquis.sms import delivery, incoming
from acquis.sms.incoming import masked
from acquis.sms.models import STATUS_LABELS, SmsMessage, SmsStatus
from acquis.web import render

router = APIRouter()
PAGE_SIZE = 200


class BadSmsToken(Forbidden):
    """A callback without the gateway's token."""

    code = "bad-sms-token"
    default_message = N_("Jeton de la passerelle SMS absent ou faux.")


@router.get("/sms", name="list_sms")
def list_sms(request: Request, session: SessionDep, user: CaseworkerDep, settings: SettingsDep) -> Response:
    """The outbox, newest first. Admins see numbers and texts in full; registrars and counsellors see masked
    numbers, and no text of an urgent message (a login code would let them log in as the candidate)."""
    messages = session.exec(select(SmsMessage).order_by(col(SmsMessage.id).desc()).limit(PAGE_SIZE)).all()
    counts = dict(session.exec(select(SmsMessage.status, func.count()).group_by(col(SmsMessage.status))).all())
    return render(request, "acquis/sms.html", messages=messages, counts=counts, statuses=list(SmsStatus),
                  status_labels=STATUS_LABELS, utc_minute=dates.utc_minute, full=user.role == Role.ADMIN, masked=masked,
                  gateway=bool(settings.sms_url))


@router.get("/sms/delivery", name="sms_delivery", response_class=PlainTextResponse)
def sms_delivery(request: Request, settings: SettingsDep, token: str = "",
                 message_id: Annotated[int, Query(alias="id")] = 0, status: int = 0, answer: str = "") -> str:
    """A delivery report (Kannel's dlr-url: `...&id=42&status=%d&answer=%A`)."""
    _check_token(settings, token)
    with Session(request.app.state.engine) as session:
        delivery.record(session, message_id=message_id, status=status, answer=answer)
        session.commit()
    return "OK"


@router.get("/sms/incoming", name="sms_incoming", response_class=PlainTextResponse)
def sms_incoming(request: Request, settings: SettingsDep, token: str = "",
                 phone: Annotated[str, Query(alias="from")] = "", text: str = "") -> str:
    """An incoming message (Kannel's get-url: `...&from=%p&text=%a`); the answer is the reply. It writes (STOP,
    the lookup counter): sessions of its own on the write engine."""
    _check_token(settings, token)
    return incoming.reply(request.app.state.engine, settings, request.app.state.sms_services,
                          phone=phone, text=text[:200])


def _check_token(settings: Settings, token: str) -> None:
    expected = settings.sms_incoming_token
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise BadSmsToken()
