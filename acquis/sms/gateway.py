"""Kannel's `sendsms` HTTP interface: one request per message, answered "0: Accepted for delivery" (202).

A message that needs UCS-2 goes with coding=2; any other with coding=0, which Kannel turns into GSM-7.
When the server has an incoming token, each message asks for delivery reports on /sms/delivery
(dlr-url, with Kannel's %d status and %A answer placeholders)."""

import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from acquis.config import Settings
from acquis.sms.text import encoding

TIMEOUT_SECONDS = 15
ANSWER_CHARS = 300
# Kannel's dlr-mask bits: 1 delivered to the phone, 2 not delivered, 16 refused by the operator's SMSC.
DLR_MASK = 1 | 2 | 16


@dataclass(frozen=True)
class Answer:
    """What the gateway said: its HTTP status (None when it could not be reached) and its first words."""

    status: int | None
    text: str

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def summary(self) -> str:
        """One line for the outbox and the SMS page: "202 0: Accepted for delivery"."""
        head = f"{self.status} " if self.status is not None else ""
        return f"{head}{' '.join(self.text.split())}"[:ANSWER_CHARS]


def send(settings: Settings, *, to: str, text: str, message_id: int | None = None) -> Answer:
    """Hand one message to Kannel; never raises for the gateway's failures (they are the answer)."""
    joint = "&" if "?" in settings.sms_url else "?"
    query = urlencode(_parameters(settings, to, text, message_id))
    request = urllib.request.Request(f"{settings.sms_url}{joint}{query}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - the configured URL
            return Answer(response.status, response.read(ANSWER_CHARS).decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(ANSWER_CHARS).decode("utf-8", "replace"))
    except (OSError, ValueError) as error:  # refused, timed out, name unknown, a malformed URL
        reason = getattr(error, "reason", error)
        return Answer(None, f"{type(error).__name__}: {reason}")


def _parameters(settings: Settings, to: str, text: str, message_id: int | None) -> dict[str, str]:
    parameters = {"username": settings.sms_username, "password": settings.sms_password, "from": settings.sms_from,
                  "to": to, "text": text, "charset": "UTF-8", "coding": "2" if encoding(text) == "ucs2" else "0"}
    if message_id is not None and settings.sms_incoming_token:
        parameters["dlr-mask"] = str(DLR_MASK)
        parameters["dlr-url"] = delivery_url(settings, message_id)
    return parameters


def delivery_url(settings: Settings, message_id: int) -> str:
    """Where Kannel reports on a message: %d and %A are Kannel's, filled with the status and the SMSC's answer."""
    token = quote(settings.sms_incoming_token, safe="")
    return f"{settings.public_url.rstrip('/')}/sms/delivery?token={token}&id={message_id}&status=%d&answer=%A"
