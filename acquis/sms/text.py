"""How long a text message is: its encoding (GSM-7 or UCS-2) and how many segments it takes.

Counted the way operators and Kannel count: GSM 03.38's basic set costs one septet a character, its
extension table (€ [ ] { } ^ ~ | \\ and form feed) two (an escape and the character); 160 septets fit one
message, and a long message is cut into parts of 153 septets (the rest is the concatenation header),
never between an escape and its character. Any other character (ɛ ɔ ɲ ŋ, Arabic, ê, ç...) makes the
whole message UCS-2: 70 UTF-16 code units in one message, 67 per part, a surrogate pair (an emoji)
never cut in two."""

from typing import Literal

Encoding = Literal["gsm7", "ucs2"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE = {"gsm7": 160, "ucs2": 70}  # septets, or UTF-16 code units, in a message of one part
PART = {"gsm7": 153, "ucs2": 67}  # the same in each part of a concatenated message


def encoding(text: str) -> Encoding:
    """"gsm7" when every character is in GSM 03.38 (basic set or extension table), else "ucs2"."""
    return "gsm7" if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else "ucs2"


def units(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes."""
    return sum(_widths(text, encoding(text)))


def segments(text: str) -> int:
    """How many messages the operator bills: 1 up to 160 septets / 70 units, else parts of 153 / 67."""
    kind = encoding(text)
    widths = _widths(text, kind)
    if sum(widths) <= SINGLE[kind]:
        return 1
    parts, used = 1, 0
    for width in widths:  # an escape sequence or a surrogate pair stays whole: it moves to the next part
        if used + width > PART[kind]:
            parts, used = parts + 1, 0
        used += width
    return parts


def _widths(text: str, kind: Encoding) -> list[int]:
    if kind == "gsm7":
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]
