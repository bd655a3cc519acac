"""Multikey: Ed25519 keys as "z6Mk..." strings that other Data Integrity verifiers read."""

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from certificates import multikey

KEY_PAIR = json.loads((Path(__file__).parents[1] / "vectors" / "keyPair.json").read_text())


def raw(public_key) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_w3c_vector_secret_key_gives_its_published_public_key():
    secret = multikey.private_key_from_multibase(KEY_PAIR["privateKeyMultibase"])
    assert multikey.public_key_to_multibase(secret.public_key()) == KEY_PAIR["publicKeyMultibase"]
    assert multikey.private_key_to_multibase(secret) == KEY_PAIR["privateKeyMultibase"]


def test_w3c_vector_public_key_reads_back_to_the_same_key():
    public = multikey.public_key_from_multibase(KEY_PAIR["publicKeyMultibase"])
    assert multikey.public_key_to_multibase(public) == KEY_PAIR["publicKeyMultibase"]


@given(st.binary(min_size=32, max_size=32))
def test_any_ed25519_key_round_trips_and_starts_with_z6mk(seed):
    secret = Ed25519PrivateKey.from_private_bytes(seed)
    text = multikey.public_key_to_multibase(secret.public_key())
    assert text.startswith("z6Mk")
    assert raw(multikey.public_key_from_multibase(text)) == raw(secret.public_key())
    again = multikey.private_key_from_multibase(multikey.private_key_to_multibase(secret))
    assert raw(again.public_key()) == raw(secret.public_key())


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", ""),
        (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
        (bytes.fromhex("0000287fb4cd"), "11233QC4"),
    ],
)
def test_base58btc_matches_published_examples(data, text):
    assert multikey.b58encode(data) == text
    assert multikey.b58decode(text) == data


@given(st.binary(max_size=80))
def test_base58btc_round_trips_any_bytes_including_leading_zeros(data):
    assert multikey.b58decode(multikey.b58encode(data)) == data


@pytest.mark.parametrize("text", ["0", "O", "I", "l", "abc+", "z6Mk "])
def test_base58btc_refuses_characters_outside_its_alphabet(text):
    with pytest.raises(multikey.NotBase58):
        multikey.b58decode(text)


@pytest.mark.parametrize(
    "text",
    [
        None,  # read from JSON, any value can stand there
        "",
        KEY_PAIR["publicKeyMultibase"][1:],  # no multibase prefix
        "u" + KEY_PAIR["publicKeyMultibase"][1:],  # another multibase
        KEY_PAIR["privateKeyMultibase"],  # a secret key is not a public key
        "z" + multikey.b58encode(b"\xed\x01" + bytes(31)),  # too short
        "z" + multikey.b58encode(b"\xed\x01" + bytes(33)),  # too long
        "z6Mk0OIl",  # not base58
        "z" + "2" * 5000,  # refused before the quadratic decode
    ],
)
def test_text_that_is_not_an_ed25519_public_multikey_is_refused(text):
    with pytest.raises(multikey.NotAnEd25519Multikey):
        multikey.public_key_from_multibase(text)


def test_public_key_is_never_read_as_a_secret_key():
    with pytest.raises(multikey.NotAnEd25519Multikey):
        multikey.private_key_from_multibase(KEY_PAIR["publicKeyMultibase"])


def test_verification_method_is_a_multikey_entry_for_a_controller_document():
    public = multikey.public_key_from_multibase(KEY_PAIR["publicKeyMultibase"])
    method = multikey.verification_method(
        public, method_id="https://acquis.example/issuer#k1", controller="https://acquis.example/issuer"
    )
    assert method == {
        "id": "https://acquis.example/issuer#k1",
        "type": "Multikey",
        "controller": "https://acquis.example/issuer",
        "publicKeyMultibase": KEY_PAIR["publicKeyMultibase"],
    }
