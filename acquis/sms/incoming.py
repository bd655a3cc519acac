"""Incoming messages (Kannel's sms-service get-url): the text/plain answer is the reply sent to the phone.

For now every text gets the help message; the keyword services (STATUT, AIDE, a certificate number)
plug in here. The number is never logged in clear."""

import logging

from acquis.i18n import gettext

log = logging.getLogger("acquis.sms")


def reply(*, phone: str, text: str) -> str:
    """The answer to one incoming message."""
    log.info("sms received from %s: %d characters", masked(phone), len(text))
    return gettext("Acquis : validation des acquis de l'expérience. Votre conseiller vous aide pour "
                   "votre dossier.")


def masked(phone: str) -> str:
    """"+22376123456" as "+•••••••••56": enough to tell two numbers apart in a list, not to call one."""
    digits = phone.removeprefix("+")
    hidden = "•" * max(len(digits) - 2, 0)
    return f"{'+' if phone.startswith('+') else ''}{hidden}{digits[-2:]}"
