"""Bitstring Status List v1.0: revocation bits that any verifier decodes the same way."""

import base64
import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates import status_list

# The spec's example encodedList: an empty (all-zero) 131,072-entry list.
SPEC_SAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def encoded(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).decode().rstrip("=")


def set_indices(bits: bytes | bytearray) -> set[int]:
    """The set entries, reading only the non-zero bytes."""
    return {
        8 * position + offset
        for position, byte in enumerate(bits)
        if byte
        for offset in range(8)
        if byte & (0x80 >> offset)
    }


def test_spec_sample_decodes_to_an_empty_list_of_131072_entries():
    bits = status_list.decode(SPEC_SAMPLE)
    assert len(bits) * 8 == 131_072
    assert not any(bits)


def test_empty_list_encodes_to_the_spec_sample_and_back():
    # Byte-equal with a standard zlib at level 6, which is what the spec's examples used.
    text = status_list.encode(status_list.new_bitstring())
    assert text == SPEC_SAMPLE
    assert status_list.decode(text) == bytearray(16_384)


def test_revoking_index_0_sets_the_most_significant_bit_of_the_first_byte():
    bits = status_list.new_bitstring()
    status_list.set_bit(bits, 0)
    assert bits[0] == 0x80
    assert status_list.get_bit(bits, 0)
    assert not status_list.get_bit(bits, 1)


def test_bit_order_runs_left_to_right_across_bytes():
    bits = status_list.new_bitstring()
    status_list.set_bit(bits, 7)
    status_list.set_bit(bits, 8)
    status_list.set_bit(bits, 131_071)
    assert (bits[0], bits[1], bits[-1]) == (0x01, 0x80, 0x01)


def test_clearing_a_bit_leaves_its_neighbours():
    bits = status_list.new_bitstring()
    for index in (8, 9, 10):
        status_list.set_bit(bits, index)
    status_list.set_bit(bits, 9, False)
    assert bits[1] == 0xA0


@settings(deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=131_071), max_size=200))
def test_any_set_of_revoked_indices_survives_encoding(revoked):
    bits = status_list.new_bitstring()
    for index in revoked:
        status_list.set_bit(bits, index)
    decoded = status_list.decode(status_list.encode(bits))
    assert decoded == bits
    assert set_indices(decoded) == revoked


@pytest.mark.parametrize("index", [-1, 131_072, 10**9])
def test_index_outside_the_list_is_refused_not_wrapped(index):
    bits = status_list.new_bitstring()
    with pytest.raises(status_list.IndexOutOfRange):
        status_list.get_bit(bits, index)
    with pytest.raises(status_list.IndexOutOfRange):
        status_list.set_bit(bits, index)


@pytest.mark.parametrize("size", [0, 8, 131_064, 131_073])
def test_list_below_the_spec_minimum_or_not_whole_bytes_is_refused(size):
    with pytest.raises(status_list.MalformedStatusList):
        status_list.new_bitstring(size)


def test_encoding_a_list_below_16kb_is_refused():
    with pytest.raises(status_list.MalformedStatusList):
        status_list.encode(bytes(16_383))


@pytest.mark.parametrize(
    "text",
    [
        None,  # a fetched credential may hold any JSON value
        "",
        SPEC_SAMPLE[1:],  # no multibase prefix
        "z" + SPEC_SAMPLE[1:],  # another multibase
        SPEC_SAMPLE + "==",  # padding
        SPEC_SAMPLE.replace("-", "+"),  # base64, not base64url
        SPEC_SAMPLE.replace("A", "A A", 1),  # a character the decoder would skip
        "u" + "A",  # an impossible base64 length
        encoded(b"not gzip at all"),
        SPEC_SAMPLE[:-8],  # truncated
        encoded(gzip.compress(bytes(16_384)) + b"trailing"),
        encoded(gzip.compress(bytes(1_000))),  # below 16 KB
        encoded(gzip.compress(bytes(status_list.MAX_BYTES + 1))),  # a GZIP bomb
    ],
    ids=[
        "null",
        "empty",
        "no-prefix",
        "other-multibase",
        "padded",
        "base64",
        "space",
        "bad-length",
        "not-gzip",
        "truncated",
        "trailing-data",
        "too-short",
        "bomb",
    ],
)
def test_unreadable_encoded_list_is_refused(text):
    with pytest.raises(status_list.MalformedStatusList):
        status_list.decode(text)


def test_free_index_is_never_one_in_use():
    used = set(range(0, 131_072, 2))
    for _ in range(200):
        index = status_list.random_free_index(used, 131_072)
        assert index % 2 == 1


def test_last_free_index_is_found_in_a_nearly_full_list():
    used = set(range(1000)) - {637}
    assert status_list.random_free_index(used, 1000) == 637


@pytest.mark.parametrize("size", [0, 1, 64])
def test_full_list_is_refused(size):
    with pytest.raises(status_list.StatusListFull):
        status_list.random_free_index(set(range(size)), size)


def test_indices_out_of_range_do_not_count_as_used():
    assert status_list.random_free_index({-1, 1, 99}, 2) == 0


def test_issue_order_is_not_visible_in_indices():
    used: set[int] = set()
    for _ in range(40):
        used.add(status_list.random_free_index(used, 131_072))
    # Sequential allocation would give 0..39; random ones spread across the whole list.
    assert used != set(range(40))
    assert max(used) > 40 * 100
