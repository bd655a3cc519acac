"""Certificate numbers: unguessable, easy to read aloud, with a check character against typos."""

import re
import secrets

from acquis.errors import Invalid


class PrefixNotAllowed(Invalid):
    """A number prefix is upper-case letters and digits, in groups joined by single hyphens."""


class YearOutOfRange(Invalid):
    """A certificate number's year has four digits."""


class NotACertificateNumber(Invalid):
    """This text cannot be a certificate number."""

    code = "not-a-certificate-number"


# Crockford's base32: digits and letters without I, L, O, U, so nothing reads as anything else.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
# Crockford's decoding rules for what people actually type.
ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
RANDOM_SYMBOLS = 11  # 55 bits from `secrets`: unguessable, and 11 + 1 check = three groups of 4
GROUP = 4
TAIL = 4 + RANDOM_SYMBOLS + 1  # year, random part, check character
PREFIX = re.compile(r"[A-Z0-9]+(-[A-Z0-9]+)*")
SEPARATORS = re.compile(r"[\s\-]+")
FIELD_POLYNOMIAL = 0b100101  # x^5 + x^2 + 1, irreducible: the symbols form the field GF(32)


def new_number(prefix: str, year: int) -> str:
    """A fresh number like ML-ANPE-2025-7K3M-9QXH-2TZ4: prefix, year, 55 random bits, check."""
    if not PREFIX.fullmatch(prefix):
        raise PrefixNotAllowed()
    if not 1000 <= year <= 9999:
        raise YearOutOfRange()
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return _assemble(prefix, f"{year}{random_part}{check_character(f'{year}{random_part}')}")


def check_character(symbols: str) -> str:
    """The symbol that makes `symbols` + it a valid year-and-code (see certificate-format.md)."""
    return ALPHABET[_times_x(_fold(symbols))]


def _fold(symbols: str) -> int:
    # Horner's rule in GF(32): s ← x·s + d. A number is valid when the fold of year, random
    # part and check character is 0. Every single substitution and every swap of two
    # neighbouring symbols changes the result, because x ≠ 1 and there are no zero divisors.
    total = 0
    for symbol in symbols:
        total = _times_x(total) ^ VALUES[symbol]
    return total


def _times_x(value: int) -> int:
    value <<= 1
    return value ^ FIELD_POLYNOMIAL if value & 0b100000 else value


def _assemble(prefix: str, tail: str) -> str:
    year, code = tail[:4], tail[4:]
    groups = [code[i : i + GROUP] for i in range(0, len(code), GROUP)]
    return "-".join([prefix, year, *groups])


def normalise(text: str) -> str:
    """The number as printed, from what someone typed: any case, spaces or hyphens anywhere,
    and I, L read as 1 and O as 0 in the year and code; NotACertificateNumber otherwise."""
    tokens = [token for token in SEPARATORS.split(text.strip().upper()) if token]
    compact = "".join(tokens)
    head, tail = compact[:-TAIL], compact[-TAIL:].translate(ALIASES)
    if not head or len(tail) != TAIL or not tail[:4].isdigit():
        raise NotACertificateNumber()
    if any(symbol not in VALUES for symbol in tail):
        raise NotACertificateNumber()
    prefix = _regroup(tokens, len(head))
    if not PREFIX.fullmatch(prefix):
        raise NotACertificateNumber()
    return _assemble(prefix, tail)


def _regroup(tokens: list[str], length: int) -> str:
    """The first `length` characters of the tokens, keeping the hyphens between tokens."""
    pieces = []
    for token in tokens:
        if length <= 0:
            break
        pieces.append(token[:length])
        length -= len(token)
    return "-".join(pieces)


def is_valid(number: str) -> bool:
    """True when the text normalises to a number whose check character is right.

    The check catches every single mistyped symbol and every swap of two neighbouring symbols
    in the year and code; the prefix is the issuer's and is checked by lookup, not here."""
    try:
        tail = normalise(number).replace("-", "")[-TAIL:]
    except NotACertificateNumber:
        return False
    return _fold(tail) == 0
