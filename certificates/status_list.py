"""W3C Bitstring Status List v1.0: the revocation bitstring, its encodedList form, free indices."""

import base64
import gzip
import re
import secrets
import zlib
from collections.abc import Container

from acquis.errors import Conflict, Invalid
from acquis.i18n import N_


class MalformedStatusList(Invalid):
    """The encodedList is not a multibase base64url GZIP bitstring of an acceptable size."""

    code = "malformed-status-list"
    default_message = N_("La liste de statuts est illisible.")


class IndexOutOfRange(Invalid):
    """The status index is outside the bitstring."""

    code = "status-index-out-of-range"
    default_message = N_("L'index de statut est hors de la liste.")


class StatusListFull(Conflict):
    """Every index of the status list is in use; a new list is needed."""

    code = "status-list-full"
    default_message = N_("La liste de statuts est pleine.")


# The spec's minimum: 131,072 entries (16 KB), so one entry hides among many.
MIN_ENTRIES = 131_072
MIN_BYTES = MIN_ENTRIES // 8
# A decoded list larger than this is refused: a few KB of GZIP can expand to gigabytes.
MAX_BYTES = 16 * 1024 * 1024
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_DRAWS = 64


def new_bitstring(size: int = MIN_ENTRIES) -> bytearray:
    """An all-zero bitstring of `size` entries: a whole number of bytes, at least the minimum."""
    if size < MIN_ENTRIES or size % 8 or size // 8 > MAX_BYTES:
        raise MalformedStatusList()
    return bytearray(size // 8)


def encode(bits: bytes | bytearray) -> str:
    """The encodedList: "u" + base64url without padding of the GZIP-compressed bitstring."""
    if len(bits) < MIN_BYTES:
        raise MalformedStatusList()
    # mtime=0: the same bits always give the same text, so caches and ETags stay stable.
    # Level 6, zlib's default as in the spec's examples: an empty list matches them exactly.
    compressed = gzip.compress(bytes(bits), compresslevel=6, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded: str) -> bytearray:
    """The bitstring in an encodedList; raises MalformedStatusList on anything else."""
    # Strict alphabet: the standard decoder would silently skip foreign characters. The type
    # check too: the text comes from a fetched credential, any JSON value can stand there.
    if not isinstance(encoded, str) or not encoded.startswith("u") or not _BASE64URL.fullmatch(encoded, 1):
        raise MalformedStatusList()
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as error:  # binascii.Error: a length no base64 text can have
        raise MalformedStatusList() from error
    bits = _gunzip(compressed)
    if len(bits) < MIN_BYTES:
        raise MalformedStatusList()
    return bits


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    """Whether entry `index` is set; entry 0 is the most significant bit of the first byte."""
    _check_index(bits, index)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def set_bit(bits: bytearray, index: int, value: bool = True) -> None:
    """Set (or with value=False clear) entry `index`, in place."""
    _check_index(bits, index)
    mask = 0x80 >> (index % 8)
    if value:
        bits[index // 8] |= mask
    else:
        bits[index // 8] &= ~mask & 0xFF


def random_free_index(used: Container[int], size: int) -> int:
    """An index in [0, size) not in `used`, uniformly at random from a CSPRNG.

    Random rather than sequential, so an index reveals nothing about issue order or volume.
    Raises StatusListFull when no index is free.
    """
    if size < 1:  # randbelow would raise ValueError; a list without entries is simply full
        raise StatusListFull()
    # Draw and redraw on a collision: while the list is at most half full, all these draws
    # fail with probability under 2**-64. Both paths are uniform over the free indices.
    for _ in range(_DRAWS):
        index = secrets.randbelow(size)
        if index not in used:
            return index
    # Nearly full: choose among the free indices directly, so the loop never spins.
    free = [index for index in range(size) if index not in used]
    if not free:
        raise StatusListFull()
    return secrets.choice(free)


def _gunzip(compressed: bytes) -> bytearray:
    """The single GZIP member in `compressed`, refused past MAX_BYTES or when damaged."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        # Bounded output: stop one byte past the limit instead of inflating a bomb.
        bits = inflater.decompress(compressed, MAX_BYTES + 1)
    except zlib.error as error:
        raise MalformedStatusList() from error
    # Refuse truncated streams, oversized output and trailing data alike.
    if not inflater.eof or len(bits) > MAX_BYTES or inflater.unused_data:
        raise MalformedStatusList()
    return bytearray(bits)


def _check_index(bits: bytes | bytearray, index: int) -> None:
    # Refuse negative indices explicitly: Python would silently count them from the end.
    if not 0 <= index < len(bits) * 8:
        raise IndexOutOfRange()
