"""The offline verifier: what an employer sees for genuine, revoked, expired and forged seals."""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates import keys, seal
from certificates.offline_verification import TrustListInvalid, verify_seal_text

URL = "https://acquis.anpe.ml"
NOW = datetime(2025, 6, 20, 9, 30, tzinfo=UTC)
KEY = keys.generate_private_key()
SINCE = datetime(2024, 1, 1, tzinfo=UTC)
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def entry(key=KEY, status="active", not_before=SINCE, not_after=None, compromised_since=None):
    return keys.jwk_entry(key.public_key(), status=status, not_before=not_before,
                          not_after=not_after, compromised_since=compromised_since)


def trust(*entries) -> dict:
    return {"issuer": {"code": "ML-ANPE", "name": {"fr": "ANPE", "en": "ANPE"}},
            "keys": list(entries) or [entry()]}


def claims(**changes) -> seal.Claims:
    fields: dict[str, Any] = dict(
        number="ML-ANPE-2025-7K3M-9QXH-2TZF", holder_name="Aminata Kouyaté Traoré Sy",
        birth_date=date(1968, 3, 9), framework_code="DEMO-MAC-01", framework_version=1,
        units=(0, 1, 2, 3, 5), decision="partial", issued_on=date(2025, 6, 14),
        expires_on=date(2030, 6, 13), issuer_code="ML-ANPE",
    )
    return seal.Claims(**(fields | changes))


def qr_for(key=KEY, **changes) -> str:
    return seal.qr_text(URL, seal.sign(claims(**changes), key))


QR = qr_for()


def test_genuine_certificate_is_valid_offline_and_shows_its_claims():
    result = verify_seal_text(QR, trust(), now=NOW)
    assert result == {
        "verdict": "valid",
        "checks": {"signature": True, "issuer_key": True, "revocation": None, "expiry": True},
        "certificate": {
            "number": "ML-ANPE-2025-7K3M-9QXH-2TZF", "holder_name": "Aminata Kouyaté Traoré Sy",
            "birth_date": "1968-03-09", "framework_code": "DEMO-MAC-01", "framework_version": 1,
            "units": [0, 1, 2, 3, 5], "decision": "partial", "issued_on": "2025-06-14",
            "issued_at": "2025-06-14", "expires_on": "2030-06-13", "issuer_code": "ML-ANPE",
        },
        "checked_at": "2025-06-20T09:30:00Z",
    }


def test_verify_url_typed_in_lower_case_is_still_valid():
    assert verify_seal_text(QR.lower(), trust(), now=NOW)["verdict"] == "valid"


def test_checked_at_is_utc_whatever_the_clock_zone():
    bamako_noon = datetime(2025, 6, 20, 23, 30, tzinfo=timezone(timedelta(hours=-2)))
    assert verify_seal_text(QR, trust(), now=bamako_noon)["checked_at"] == "2025-06-21T01:30:00Z"


def test_online_check_asks_about_the_full_number_and_reports_not_revoked():
    asked = []
    result = verify_seal_text(QR, trust(), now=NOW, revocation=lambda n: asked.append(n))
    assert asked == ["ML-ANPE-2025-7K3M-9QXH-2TZF"]
    assert result["verdict"] == "valid" and result["checks"]["revocation"] is True


@pytest.mark.parametrize("status", ["revoked", "superseded"])
def test_revoked_or_superseded_certificate_says_so_and_still_shows_what_it_was(status):
    result = verify_seal_text(QR, trust(), now=NOW, revocation=lambda _: status)
    assert result["verdict"] == status
    assert result["checks"]["revocation"] is False
    assert result["certificate"]["holder_name"] == "Aminata Kouyaté Traoré Sy"


def test_revocation_outranks_expiry():
    text = qr_for(expires_on=date(2025, 6, 19))
    result = verify_seal_text(text, trust(), now=NOW, revocation=lambda _: "revoked")
    assert result["verdict"] == "revoked"
    assert result["checks"]["expiry"] is False


def test_revocation_answer_the_verifier_does_not_know_is_never_good():
    result = verify_seal_text(QR, trust(), now=NOW, revocation=lambda _: "active")
    assert result["verdict"] == "revoked"


def test_certificate_is_good_through_its_last_day_and_expired_the_next():
    assert verify_seal_text(qr_for(expires_on=date(2025, 6, 20)), trust(), now=NOW)[
        "verdict"] == "valid"
    result = verify_seal_text(qr_for(expires_on=date(2025, 6, 19)), trust(), now=NOW)
    assert result["verdict"] == "expired"
    assert result["checks"] == {"signature": True, "issuer_key": True, "revocation": None,
                                "expiry": False}
    assert result["certificate"]["expires_on"] == "2025-06-19"


def test_certificate_without_expiry_never_expires():
    result = verify_seal_text(qr_for(expires_on=None), trust(), now=datetime(2090, 1, 1, tzinfo=UTC))
    assert result["verdict"] == "valid" and result["certificate"]["expires_on"] is None


def test_retired_key_still_verifies_what_it_signed_while_in_service():
    retired = trust(entry(status="retired", not_after=datetime(2025, 3, 1, 17, 0, tzinfo=UTC)))
    for issued in (date(2024, 1, 1), date(2025, 2, 28), date(2025, 3, 1)):
        assert verify_seal_text(qr_for(issued_on=issued), retired, now=NOW)["verdict"] == "valid"
    late = verify_seal_text(qr_for(issued_on=date(2025, 3, 2)), retired, now=NOW)
    assert late["verdict"] == "invalid"
    assert late["checks"]["signature"] is True and late["checks"]["issuer_key"] is False
    assert "certificate" not in late


def test_seal_dated_before_its_key_existed_is_invalid():
    result = verify_seal_text(qr_for(issued_on=date(2023, 12, 31)), trust(), now=NOW)
    assert result["verdict"] == "invalid" and "certificate" not in result


def test_compromised_key_keeps_earlier_certificates_and_voids_later_ones():
    since = datetime(2025, 4, 10, 12, 0, tzinfo=UTC)
    stolen = trust(entry(status="compromised", not_after=since, compromised_since=since))
    before = verify_seal_text(qr_for(issued_on=date(2025, 4, 9)), stolen, now=NOW)
    assert before["verdict"] == "valid"
    for issued in (date(2025, 4, 10), date(2025, 6, 14)):
        after = verify_seal_text(qr_for(issued_on=issued), stolen, now=NOW)
        assert after["verdict"] == "invalid" and "certificate" not in after


def test_compromised_key_without_a_date_vouches_for_nothing():
    undated = entry() | {"status": "compromised"}
    assert verify_seal_text(QR, trust(undated), now=NOW)["verdict"] == "invalid"


def test_seal_from_a_key_not_in_the_trust_list_is_unknown_key():
    result = verify_seal_text(qr_for(key=keys.generate_private_key()), trust(), now=NOW)
    assert result["verdict"] == "unknown-key"
    assert result["checks"] == {"signature": None, "issuer_key": False, "revocation": None,
                                "expiry": None}
    assert "certificate" not in result


def test_forged_claims_under_a_trusted_kid_are_invalid_and_show_nothing():
    genuine = seal.parse(seal.sign(claims(), KEY))
    forged = seal.parse(seal.sign(claims(holder_name="Someone Else"), KEY))
    # The genuine signature, on a payload the issuer never signed.
    spliced = b"\xd2" + cbor2.dumps([genuine.protected, {}, forged.payload, genuine.signature])
    result = verify_seal_text(seal.qr_text(URL, spliced), trust(), now=NOW)
    assert result["verdict"] == "invalid"
    assert result["checks"] == {"signature": False, "issuer_key": None, "revocation": None,
                                "expiry": None}
    assert "certificate" not in result


@pytest.mark.parametrize("text", ["", "not a seal", URL + "/V/", URL + "/V/MFRGG", "é" * 10,
                                  URL + "/V/" + "A" * 400])
def test_garbled_text_is_malformed_and_shows_no_certificate_data(text):
    result = verify_seal_text(text, trust(), now=NOW, revocation=lambda _: None)
    assert result["verdict"] == "malformed"
    assert result["checks"] == {"signature": None, "issuer_key": None, "revocation": None,
                                "expiry": None}
    assert "certificate" not in result


SEAL = seal.sign(claims(), KEY)
TRUSTED = trust()


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(SEAL) - 1), st.integers(1, 255))
def test_no_byte_flip_of_a_seal_is_ever_valid(position, mask):
    flipped = bytearray(SEAL)
    flipped[position] ^= mask
    result = verify_seal_text(seal.qr_text(URL, bytes(flipped)), TRUSTED, now=NOW)
    assert result["verdict"] != "valid"
    assert "certificate" not in result


def test_no_truncation_of_a_seal_is_ever_valid():
    for length in range(len(SEAL)):
        result = verify_seal_text(seal.qr_text(URL, SEAL[:length]), TRUSTED, now=NOW)
        assert result["verdict"] == "malformed", length


def test_no_single_changed_character_of_the_qr_text_is_ever_valid():
    marker = QR.index("/V/")
    for i in range(marker, len(QR)):
        for other in BASE32 + "/0189":
            if other == QR[i]:
                continue
            result = verify_seal_text(QR[:i] + other + QR[i + 1 :], TRUSTED, now=NOW)
            assert result["verdict"] != "valid", (i, other)
            assert "certificate" not in result


@pytest.mark.parametrize("broken", [
    {}, {"keys": "none"}, {"keys": [{"kty": "OKP"}]},
    {"keys": [entry() | {"kid": "AAAAAAAAAAA"}]},
    {"keys": [entry(), entry()]},
    {"keys": [entry() | {"not_before": "last tuesday"}]},
    {"keys": [entry() | {"status": "lost"}]},
    {"keys": [{k: v for k, v in entry().items() if k != "not_before"}]},
])
def test_unusable_trust_list_is_an_error_not_a_verdict(broken):
    with pytest.raises(TrustListInvalid):
        verify_seal_text(QR, broken, now=NOW)
