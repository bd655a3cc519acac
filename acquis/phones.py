"""Phone numbers as people write them (`76 12 34 56`, `0022376123456`, `+223 76.12.34.56`), in one E.164 form:
candidates register, log in, get their codes and are searched for by it."""

import re

from acquis.errors import Invalid
from acquis.i18n import N_

INTERNATIONAL = re.compile(r"^\+[1-9]\d{7,14}$")
SEPARATORS = re.compile(r"[\s.\-()/]")
# Digits, an optional leading +, and what people put between digits: what a login made of a phone looks like.
PHONE_LIKE = re.compile(r"^\s*\+?[\d\s.\-()/]*\d[\d\s.\-()/]*$")
NATIONAL_DIGITS = 8  # Mali's numbers; a number of this many digits without a prefix is a local one


class PhoneInvalid(Invalid):
    """Not a phone number we can call."""

    code = "phone-invalid"
    default_message = N_("Numéro de téléphone non valable : 8 chiffres pour le Mali, ou +indicatif et numéro.")


def looks_like_phone(raw: str) -> bool:
    """Only digits and phone punctuation: meant as a phone number (a login like `admin` is not)."""
    return bool(PHONE_LIKE.match(raw))


def normalise(raw: str, *, country_code: str, national_digits: int = NATIONAL_DIGITS) -> str:
    """`+<country><number>` (E.164) from what people type: spaces, dots, dashes, parentheses, 00 or + prefixes.

    A number of `national_digits` digits without a prefix is a local one (`country_code` is put before it), and
    so is one written with the country code but without `+` or `00`.
    """
    compact = SEPARATORS.sub("", raw)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif compact.isdigit() and len(compact) == national_digits:
        compact = f"+{country_code}{compact}"
    elif compact.isdigit() and len(compact) == len(country_code) + national_digits \
            and compact.startswith(country_code):
        compact = "+" + compact
    if not INTERNATIONAL.match(compact):
        raise PhoneInvalid()
    return compact
