"""ID numbers encrypted at rest and found by exact match; phone numbers as one login form."""

import pytest

from acquis import phones
from acquis.config import Settings
from validation.dossiers import identity

SETTINGS = Settings(secret_key="one secret", data_dir="/tmp")


def test_id_numbers_are_encrypted_with_a_fresh_nonce_and_read_back() -> None:
    number = identity.normalise(" aa-123 4567 ")
    assert number == "AA1234567"
    first, second = identity.encrypt(SETTINGS, number), identity.encrypt(SETTINGS, number)
    assert first != second and number not in first
    assert identity.decrypt(SETTINGS, first) == number
    with pytest.raises(identity.IdNumberUnreadable):
        identity.decrypt(SETTINGS.model_copy(update={"secret_key": "another"}), first)


def test_a_dedicated_key_setting_takes_precedence_over_the_secret_key() -> None:
    dedicated = SETTINGS.model_copy(update={"id_number_key": "ids only"})
    token = identity.encrypt(dedicated, "P1234")
    assert identity.decrypt(dedicated.model_copy(update={"secret_key": "rotated"}), token) == "P1234"


def test_the_search_hash_matches_equal_numbers_only_and_depends_on_the_key() -> None:
    digest = identity.keyed_hash(SETTINGS, "AA1234567")
    assert digest == identity.keyed_hash(SETTINGS, identity.normalise("aa 123 4567"))
    assert digest != identity.keyed_hash(SETTINGS, "AA1234568")
    assert digest != identity.keyed_hash(SETTINGS.model_copy(update={"secret_key": "x"}), "AA1234567")
    assert identity.last4("AA1234567") == "4567"


@pytest.mark.parametrize("bad", ["", "12", "AB<script>", "A" * 41])
def test_what_is_not_a_document_number_is_refused(bad: str) -> None:
    with pytest.raises(identity.IdNumberInvalid):
        identity.normalise(bad)


@pytest.mark.parametrize(("typed", "login"), [
    ("76 12 34 56", "+22376123456"), ("76.12.34.56", "+22376123456"), ("+223 76 12 34 56", "+22376123456"),
    ("00223 76123456", "+22376123456"), ("+966 50 123 4567", "+966501234567"), ("+33 6 12 34 56 78", "+33612345678"),
])
def test_phone_numbers_become_one_international_form(typed: str, login: str) -> None:
    assert phones.normalise(typed, country_code="223") == login


@pytest.mark.parametrize("bad", ["1234", "phone", "+0123456789", "76 12 34 5"])
def test_what_is_not_a_phone_number_is_refused(bad: str) -> None:
    with pytest.raises(phones.PhoneInvalid):
        phones.normalise(bad, country_code="223")
