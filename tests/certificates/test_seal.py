"""The QR seal: the documented test vector, round trips, and every malformed shape refused."""

import base64
import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates import keys, numbers, seal
from certificates.offline_verification import verify_seal_text

DOC = Path(__file__).resolve().parents[2] / "docs" / "certificate-format.md"
KEY = keys.generate_private_key()


def doc_vector() -> dict[str, str]:
    """The `name: value` lines of the test-vector block; indented lines continue a value."""
    section = DOC.read_text(encoding="utf-8").split("## Test vector", 1)[1]
    block = re.search(r"```text\n(.*?)\n```", section, re.S)
    assert block, "the test vector block is missing from docs/certificate-format.md"
    vector: dict[str, str] = {}
    name = ""
    for line in block.group(1).splitlines():
        if line.startswith(" "):
            vector[name] += line.strip()
        else:
            name, _, value = line.partition(":")
            vector[name] = value.strip()
    return vector


def doc_trust_list() -> dict:
    section = DOC.read_text(encoding="utf-8").split("With this trust list", 1)[1]
    return json.loads(section[section.index('{"issuer"') :])


def claims_of(vector: dict[str, str]) -> seal.Claims:
    return seal.Claims(
        number=vector["number"],
        holder_name=vector["holder name"],
        birth_date=date.fromisoformat(vector["birth date"]),
        framework_code=vector["framework"],
        framework_version=int(vector["version"]),
        units=tuple(int(u) for u in vector["units"].split()),
        decision=cast(seal.Decision, vector["decision"]),  # the vectors hold full or partial
        issued_on=date.fromisoformat(vector["issued on"]),
        expires_on=date.fromisoformat(vector["expires on"]),
        issuer_code=vector["issuer code"],
    )


def demo_claims(**changes) -> seal.Claims:
    fields: dict[str, Any] = dict(
        number="ML-ANPE-2025-7K3M-9QXH-2TZF", holder_name="Moussa Keïta", birth_date=date(1990, 5, 1),
        framework_code="DEMO-MAC-01", framework_version=1, units=(0, 1, 2, 3, 4), decision="full",
        issued_on=date(2025, 6, 14), expires_on=None, issuer_code="ML-ANPE",
    )
    return seal.Claims(**(fields | changes))


def test_doc_test_vector_is_exactly_what_sign_produces():
    vector = doc_vector()
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["seed"]))
    produced = seal.sign(claims_of(vector), key)
    parsed = seal.parse(produced)
    assert keys.raw_public_key(key).hex() == vector["public key"]
    assert keys.b64url(keys.raw_public_key(key)) == vector["x"]
    assert parsed.kid.hex() == vector["kid"] and keys.b64url(parsed.kid) == vector["kid b64url"]
    assert parsed.protected.hex() == vector["protected"]
    assert parsed.payload.hex() == vector["payload"]
    assert seal.sig_structure(parsed.protected, parsed.payload).hex() == vector["sig_structure"]
    assert parsed.signature.hex() == vector["signature"]
    assert produced.hex() == vector["seal"]
    assert seal.qr_text(vector["public url"], produced) == vector["qr text"]


def test_doc_test_vector_verifies_as_valid_with_the_doc_trust_list():
    vector = doc_vector()
    result = verify_seal_text(vector["qr text"], doc_trust_list(),
                              now=datetime(2025, 6, 20, 9, 30, tzinfo=UTC))
    assert result["verdict"] == "valid"
    assert result["checks"] == {"signature": True, "issuer_key": True, "revocation": None,
                                "expiry": True}
    assert result["certificate"]["number"] == vector["number"] == "ML-ANPE-2025-7K3M-9QXH-2TZF"
    assert result["certificate"]["holder_name"] == "Aminata Kouyaté Traoré Sy"
    assert numbers.is_valid(vector["number"])


def test_doc_alone_is_enough_to_check_the_vector_without_acquis_code():
    """What an outside engineer would write from the document: plain cbor2 and cryptography."""
    vector = doc_vector()
    public = bytes.fromhex(vector["public key"])
    sealed = bytes.fromhex(vector["seal"])
    encoded = vector["qr text"].split("/V/")[1]
    assert base64.b32decode(encoded + "=" * (-len(encoded) % 8)) == sealed
    outer = cbor2.loads(sealed)
    assert outer.tag == 18
    protected, unprotected, payload, signature = outer.value
    assert unprotected == {}
    assert cbor2.loads(protected) == {1: -8, 4: hashlib.sha256(public).digest()[:8]}
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    Ed25519PublicKey.from_public_bytes(public).verify(signature, to_be_signed)  # raises if forged
    body = cbor2.loads(payload)
    assert f"{body[10]}-{body[1]}" == vector["number"]
    assert date(1970, 1, 1) + timedelta(days=body[3]) == date.fromisoformat(vector["birth date"])
    assert [i for i in range(64) if body[6] >> i & 1] == [int(u) for u in vector["units"].split()]


def test_same_claims_and_key_always_give_the_same_bytes():
    assert seal.sign(demo_claims(), KEY) == seal.sign(demo_claims(), KEY)


names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=40)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=150)
@given(names, days, days, st.sets(st.integers(0, 63), min_size=1),
       st.sampled_from(["full", "partial"]), st.integers(0, 10**6))
def test_any_claims_come_back_unchanged_from_their_seal(name, born, issued, units, decision, version):
    claims = demo_claims(holder_name=name, birth_date=born, issued_on=issued,
                         units=tuple(sorted(units)), decision=decision, framework_version=version)
    parsed = seal.parse(seal.sign(claims, KEY))
    assert parsed.claims == claims
    assert seal.signature_ok(parsed, KEY.public_key())


def test_a_different_key_does_not_verify_the_signature():
    parsed = seal.parse(seal.sign(demo_claims(), KEY))
    assert seal.signature_ok(parsed, keys.generate_private_key().public_key()) is False


def test_qr_text_is_upper_case_url_then_v_then_unpadded_base32():
    sealed = seal.sign(demo_claims(), KEY)
    text = seal.qr_text("https://acquis.anpe.ml/", sealed)
    assert text.startswith("HTTPS://ACQUIS.ANPE.ML/V/")
    assert re.fullmatch(r"[0-9A-Z $%*+\-./:]+", text)
    assert "=" not in text
    assert base64.b32decode(text[25:] + "=" * (-len(text[25:]) % 8)) == sealed


def test_public_url_that_would_leave_the_qr_alphanumeric_set_is_refused():
    with pytest.raises(seal.PublicUrlNotAlphanumeric):
        seal.qr_text("https://acquis.anpe.ml/certs?x=1", seal.sign(demo_claims(), KEY))


def test_seal_is_read_from_url_in_any_case_or_from_the_bare_payload():
    sealed = seal.sign(demo_claims(), KEY)
    text = seal.qr_text("https://acquis.anpe.ml", sealed)
    payload = text.split("/V/")[1]
    for given_text in (text, text.lower(), text.replace("/V/", "/v/"), f"  {text}\n", payload,
                       payload.lower(), "http://127.0.0.1:8000/v/" + payload.lower()):
        assert seal.seal_from_text(given_text) == sealed


@pytest.mark.parametrize("text", [
    "", "   ", "hello world", "https://acquis.anpe.ml/V/", "https://acquis.anpe.ml/X/AAAA",
    "HTTPS://ACQUIS.ANPE.ML/V/AAAA0000", "AAAAAAAAA", "ÉÉÉÉ", "A" * 5000, "MFRGG===",
])
def test_garbage_text_is_a_malformed_seal(text):
    with pytest.raises(seal.MalformedSeal):
        seal.parse(seal.seal_from_text(text))


def test_base32_with_stray_trailing_bits_is_not_the_same_seal():
    sealed = seal.sign(demo_claims(), KEY)
    assert len(sealed) * 8 % 5, "this seal's last base32 symbol must carry unused bits"
    encoded = base64.b32encode(sealed).decode().rstrip("=")
    # The lowest bit of the last symbol is padding: the standard decoder ignores it.
    twin = encoded[:-1] + _flip_low_bit(encoded[-1])
    assert base64.b32decode(twin + "=" * (-len(twin) % 8)) == sealed
    with pytest.raises(seal.MalformedSeal):
        seal.seal_from_text(twin)


def _flip_low_bit(symbol: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return alphabet[alphabet.index(symbol) ^ 1]


def _forge(protected=None, unprotected=None, payload=None, signature=bytes(64), tag=18) -> bytes:
    """A seal built by hand, each part replaceable by something Acquis would never write."""
    genuine = seal.parse(seal.sign(demo_claims(), KEY))
    parts = [
        genuine.protected if protected is None else protected,
        {} if unprotected is None else unprotected,
        genuine.payload if payload is None else payload,
        signature,
    ]
    return cbor2.dumps(cbor2.CBORTag(tag, parts), canonical=True)


def _payload(**changes) -> bytes:
    body = cbor2.loads(seal.encode_claims(demo_claims()))
    body.update(changes.get("set", {}))
    for key in changes.get("drop", ()):
        del body[key]
    return cbor2.dumps(body, canonical=True)


MALFORMED = {
    "wrong tag": _forge(tag=17),
    "untagged": cbor2.dumps([b"", {}, b"", bytes(64)]),
    "wrong alg": _forge(protected=cbor2.dumps({1: -7, 4: bytes(8)}, canonical=True)),
    "alg as text": _forge(protected=cbor2.dumps({1: "EdDSA", 4: bytes(8)}, canonical=True)),
    "short kid": _forge(protected=cbor2.dumps({1: -8, 4: bytes(7)}, canonical=True)),
    "long kid": _forge(protected=cbor2.dumps({1: -8, 4: bytes(9)}, canonical=True)),
    "critical header": _forge(protected=cbor2.dumps({1: -8, 2: [99], 4: bytes(8)}, canonical=True)),
    "kid unprotected": _forge(unprotected={4: bytes(8)}),
    "short signature": _forge(signature=bytes(63)),
    "trailing bytes": _forge() + b"\x00",
    "three parts": cbor2.dumps(cbor2.CBORTag(18, [b"", {}, b""])),
    "unknown claim": _forge(payload=_payload(set={11: "anything"})),
    "missing claim": _forge(payload=_payload(drop=[2])),
    "true for a number": _forge(payload=_payload(set={7: True})),
    "float for a date": _forge(payload=_payload(set={8: 20253.0})),
    "tagged date": _forge(payload=_payload(set={8: cbor2.CBORTag(1, 0)})),
    "unknown decision": _forge(payload=_payload(set={7: 3})),
    "no units": _forge(payload=_payload(set={6: 0})),
    "negative units": _forge(payload=_payload(set={6: -1})),
    "date out of range": _forge(payload=_payload(set={8: 10**7})),
    "empty number": _forge(payload=_payload(set={1: ""})),
    "unsorted keys": _forge(payload=bytes.fromhex("a20a6141016142")),
    "indefinite map": _forge(payload=b"\xbf" + _payload()[1:] + b"\xff"),
    "over-long integer": _forge(payload=_payload().replace(b"\x05\x01", b"\x05\x18\x01", 1)),
    "payload not a map": _forge(payload=cbor2.dumps([1, 2, 3])),
    "huge": b"\xd2" + bytes(5000),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_seal_not_exactly_in_acquis_shape_is_malformed(name):
    with pytest.raises(seal.MalformedSeal):
        seal.parse(MALFORMED[name])


def test_well_formed_forgery_still_parses_but_its_signature_fails():
    parsed = seal.parse(_forge(protected=seal.parse(seal.sign(demo_claims(), KEY)).protected))
    assert seal.signature_ok(parsed, KEY.public_key()) is False


@pytest.mark.parametrize("change", [
    {"number": "XX-2025-7K3M-9QXH-2TZF"}, {"units": ()}, {"units": (2, 1)}, {"units": (1, 1)},
    {"units": (64,)}, {"units": (-1,)}, {"decision": "none"}, {"holder_name": ""},
    {"expires_on": date(2025, 6, 13)}, {"framework_version": True},
])
def test_claims_that_could_not_be_read_back_are_refused_before_signing(change):
    with pytest.raises(seal.ClaimsInvalid):
        demo_claims(**change)
