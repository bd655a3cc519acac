"""Issuer keys: encryption at rest, kids, and trust-list entries in the contract's shape."""

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from certificates import keys

PASSPHRASE = b"correct horse battery staple"


def test_encrypted_key_opens_with_its_passphrase_and_signs_the_same():
    key = keys.generate_private_key()
    pem = keys.encrypt_private_key(key, PASSPHRASE)
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    opened = keys.decrypt_private_key(pem, PASSPHRASE)
    assert opened.sign(b"certificate") == key.sign(b"certificate")


def test_wrong_passphrase_says_so_without_revealing_the_key():
    key = keys.generate_private_key()
    pem = keys.encrypt_private_key(key, PASSPHRASE)
    with pytest.raises(keys.WrongPassphrase) as caught:
        keys.decrypt_private_key(pem, b"guess")
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    message = caught.value.message
    assert caught.value.status_code == 422
    assert raw.hex() not in message and pem.decode() not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_empty_passphrase_is_refused():
    with pytest.raises(keys.PassphraseEmpty):
        keys.encrypt_private_key(keys.generate_private_key(), b"")


def test_key_stored_in_the_clear_is_refused():
    pem = keys.generate_private_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(keys.KeyNotEncrypted):
        keys.decrypt_private_key(pem, PASSPHRASE)


def test_a_key_of_another_curve_is_not_an_issuer_key():
    pem = Ed448PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE),
    )
    with pytest.raises(keys.NotAnIssuerKey):
        keys.decrypt_private_key(pem, PASSPHRASE)


def test_kid_is_the_first_8_bytes_of_sha256_of_the_raw_public_key():
    key = keys.generate_private_key()
    raw = keys.raw_public_key(key.public_key())
    assert len(raw) == 32
    assert keys.kid_for(key.public_key()) == hashlib.sha256(raw).digest()[:8]
    assert keys.kid_for(key) == keys.kid_for(key.public_key())


@given(st.binary(max_size=64))
def test_b64url_round_trips_without_padding(data):
    text = keys.b64url(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert keys.b64url_decode(text) == data


@pytest.mark.parametrize("text", ["AA==", "A", "AB", "a b", "AA+A", "é", "AB\n"])
def test_b64url_refuses_padding_junk_and_non_canonical_text(text):
    with pytest.raises(keys.NotBase64url):
        keys.b64url_decode(text)


def test_trust_list_entry_has_exactly_the_contract_shape():
    key = keys.generate_private_key().public_key()
    since = datetime(2025, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    entry = keys.jwk_entry(key, status="active", not_before=since, not_after=None,
                           compromised_since=None)
    assert entry == {
        "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
        "kid": keys.b64url(keys.kid_for(key)), "x": keys.b64url(keys.raw_public_key(key)),
        "status": "active", "not_before": "2025-01-01T07:30:00Z", "not_after": None,
    }
    assert keys.public_key_from_jwk(entry).public_bytes_raw() == keys.raw_public_key(key)


def test_compromised_entry_carries_its_date_and_only_then():
    key = keys.generate_private_key().public_key()
    start, end = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 6, 1, 12, tzinfo=UTC)
    entry = keys.jwk_entry(key, status="compromised", not_before=start, not_after=end,
                           compromised_since=end)
    assert entry["compromised_since"] == entry["not_after"] == "2025-06-01T12:00:00Z"
    with pytest.raises(keys.KeyEntryInvalid):
        keys.jwk_entry(key, status="compromised", not_before=start, not_after=None,
                       compromised_since=None)
    with pytest.raises(keys.KeyEntryInvalid):
        keys.jwk_entry(key, status="retired", not_before=start, not_after=end,
                       compromised_since=end)


def test_entry_whose_kid_belongs_to_another_key_is_refused():
    key, other = keys.generate_private_key(), keys.generate_private_key()
    entry = keys.jwk_entry(key, status="active", not_before=datetime(2025, 1, 1, tzinfo=UTC),
                           not_after=None, compromised_since=None)
    entry["kid"] = keys.b64url(keys.kid_for(other))
    with pytest.raises(keys.KeyEntryInvalid):
        keys.public_key_from_jwk(entry)


@pytest.mark.parametrize(
    "change", [{"kty": "EC"}, {"crv": "Ed448"}, {"alg": "ES256"}, {"use": "enc"}, {"x": "AAAA"}]
)
def test_entry_for_another_kind_of_key_is_refused(change):
    key = keys.generate_private_key()
    entry = keys.jwk_entry(key, status="active", not_before=datetime(2025, 1, 1, tzinfo=UTC),
                           not_after=None, compromised_since=None)
    with pytest.raises(keys.KeyEntryInvalid):
        keys.public_key_from_jwk(entry | change)
