"""A text message to a person in their own language: a template (an N_() msgid with %(name)s placeholders)
translated with gettext_in, filled, kept to 2 segments, and queued in the caller's transaction.

    messages.send(session, to=candidate.phone, language=candidate.preferred_language.value,
                  msgid=ADMITTED, purpose="admitted", event_key=f"admitted:{dossier.id}", essential=False)

Free text typed by staff (a reason, a place) is named in `shorten`: it is cut at a word, with "...", until the
whole message fits 2 segments, so a long reason never makes a message of 5 parts."""

from collections.abc import Mapping, Sequence

from sqlmodel import Session

from acquis.i18n import gettext_in
from acquis.sms import outbox
from acquis.sms.models import SmsMessage
from acquis.sms.text import segments

MAX_SEGMENTS = 2
ELLIPSIS = "..."  # three dots, in GSM-7: "…" would make the whole message UCS-2 (half as many characters)


def render(language: str, msgid: str, values: Mapping[str, object] | None = None, *,
           shorten: Sequence[str] = ()) -> str:
    """The message in the language (French when Acquis does not speak it yet), within 2 segments as far as
    the values named in `shorten` can be cut."""
    template = gettext_in(language, msgid)
    filled = dict(values or {})
    text = template % filled
    for name in shorten:
        while filled.get(name) and segments(text) > MAX_SEGMENTS:
            filled[name] = _shorter(str(filled[name]))
            text = template % filled
    return text


def send(session: Session, *, to: str, language: str, msgid: str, values: Mapping[str, object] | None = None,
         purpose: str, event_key: str, essential: bool = True, urgent: bool = False,
         shorten: Sequence[str] = ()) -> SmsMessage:
    """Queue the message (outbox.enqueue: once per `event_key`); `essential` ones (codes, convocations) still
    go to a phone that answered STOP."""
    text = render(language, msgid, values, shorten=shorten)
    return outbox.enqueue(session, to=to, text=text, purpose=purpose, urgent=urgent, event_key=event_key,
                          essential=essential)


def _shorter(value: str) -> str:
    """One word less, and "..." in its place ("" once nothing is left)."""
    base = value.removesuffix(ELLIPSIS).rstrip()
    base = base.rsplit(" ", 1)[0] if " " in base else base[:-1]
    base = base.rstrip(" ,;:.-")
    return base + ELLIPSIS if base else ""
