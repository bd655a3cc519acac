"""Phone numbers, the candidates' main channel and login: one normalised international form."""

import re

from acquis.errors import Invalid
from acquis.i18n import N_

INTERNATIONAL = re.compile(r"^\+[1-9]\d{7,14}$")


class PhoneInvalid(Invalid):
    """Not a phone number we can call."""

    code = "phone-invalid"
    default_message = N_("Numéro de téléphone non valable : 8 chiffres pour le Mali, ou +indicatif et numéro.")


def normalise(raw: str, *, country_code: str, national_digits: int = 8) -> str:
    """`+<country><number>` (E.164) from what people type: spaces, dots, dashes, 00 or + prefixes.

    A number of `national_digits` digits without a prefix is taken as a local one.
    """
    compact = re.sub(r"[\s.\-()/]", "", raw)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif compact.isdigit() and len(compact) == national_digits:
        compact = f"+{country_code}{compact}"
    if not INTERNATIONAL.match(compact):
        raise PhoneInvalid()
    return compact
