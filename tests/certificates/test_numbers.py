"""Certificate numbers: unguessable, readable aloud, and typos are caught before any lookup."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates import numbers

FORMAT = re.compile(r"ML-ANPE-20\d\d(-[0-9A-HJKMNP-TV-Z]{4}){3}")
QR_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]+")

years = st.integers(min_value=2000, max_value=2099)
random_parts = st.text(alphabet=numbers.ALPHABET, min_size=11, max_size=11)


def number_from(prefix: str, year: int, random_part: str) -> str:
    tail = f"{year}{random_part}"
    return numbers.normalise(f"{prefix} {tail}{numbers.check_character(tail)}")


def test_new_number_reads_like_the_printed_format_and_is_valid():
    number = numbers.new_number("ML-ANPE", 2025)
    assert FORMAT.fullmatch(number), number
    assert QR_ALPHANUMERIC.fullmatch(number)
    assert numbers.is_valid(number)
    assert numbers.normalise(number) == number


def test_new_numbers_do_not_repeat():
    drawn = {numbers.new_number("ML-ANPE", 2025) for _ in range(2000)}
    assert len(drawn) == 2000


@pytest.mark.parametrize("prefix", ["", "ml-anpe", "ML--ANPE", "-ML", "ML ANPE", "ÉCOLE"])
def test_unusable_prefix_is_refused(prefix):
    with pytest.raises(numbers.PrefixNotAllowed):
        numbers.new_number(prefix, 2025)


def test_year_must_have_four_digits():
    with pytest.raises(numbers.YearOutOfRange):
        numbers.new_number("ML-ANPE", 25)


@given(years, random_parts)
def test_typed_number_in_any_case_and_spacing_finds_the_printed_one(year, random_part):
    number = number_from("ML-ANPE", year, random_part)
    spoken = number.lower().replace("-", " ")
    squeezed = "ML-ANPE " + number.removeprefix("ML-ANPE-").replace("-", "")
    assert numbers.normalise(f"  {spoken} ") == number
    assert numbers.normalise(squeezed) == number
    assert numbers.is_valid(spoken)


@given(years, random_parts)
def test_i_l_and_o_typed_for_one_and_zero_are_understood(year, random_part):
    number = number_from("ML-ANPE", year, random_part)
    prefix, tail = number[:8], number[8:]
    sloppy = prefix + tail.replace("1", "l").replace("0", "O")
    assert numbers.normalise(sloppy) == number


@settings(max_examples=200)
@given(years, random_parts, st.data())
def test_any_single_mistyped_symbol_is_caught(year, random_part, data):
    number = number_from("ML-ANPE", year, random_part)
    positions = [i for i in range(8, len(number)) if number[i] != "-"]
    i = data.draw(st.sampled_from(positions))
    wrong = data.draw(st.sampled_from(numbers.ALPHABET).filter(lambda s: s != number[i]))
    assert not numbers.is_valid(number[:i] + wrong + number[i + 1 :])


@settings(max_examples=200)
@given(years, random_parts, st.data())
def test_any_swap_of_neighbouring_symbols_is_caught(year, random_part, data):
    number = number_from("ML-ANPE", year, random_part)
    symbols = number[8:].replace("-", "")
    i = data.draw(st.integers(min_value=0, max_value=len(symbols) - 2))
    if symbols[i] == symbols[i + 1]:
        return  # swapping equal symbols types the same number
    swapped = symbols[:i] + symbols[i + 1] + symbols[i] + symbols[i + 2 :]
    assert not numbers.is_valid("ML-ANPE-" + swapped)


def test_every_single_error_and_neighbour_swap_is_caught_exhaustively():
    number = numbers.new_number("ML-ANPE", 2025)
    symbols = number[8:].replace("-", "")
    for i, symbol in enumerate(symbols):
        for wrong in numbers.ALPHABET.replace(symbol, ""):
            assert not numbers.is_valid("ML-ANPE-" + symbols[:i] + wrong + symbols[i + 1 :])
    for i in range(len(symbols) - 1):
        if symbols[i] != symbols[i + 1]:
            swapped = symbols[:i] + symbols[i + 1] + symbols[i] + symbols[i + 2 :]
            assert not numbers.is_valid("ML-ANPE-" + swapped)


def test_luhn_blind_spot_zero_z_swap_is_caught():
    number = number_from("ML-ANPE", 2025, "0Z000000000")
    assert numbers.is_valid(number)
    assert not numbers.is_valid(number.replace("0Z", "Z0", 1))


@pytest.mark.parametrize(
    "text", ["", "ML-ANPE", "2025-7K3M-9QXH-2TZF", "ML-ANPE-2025-7K3M-9QXH-2TZ", "ML-ANPE-2025-7K3M-9QXH-2TZU",
             "ML-ANPE-20X5-7K3M-9QXH-2TZF", "ML_ANPE-2025-7K3M-9QXH-2TZF", "<script>-2025-7K3M-9QXH-2TZF"],
)
def test_text_that_cannot_be_a_number_is_not_one(text):
    assert not numbers.is_valid(text)
    with pytest.raises(numbers.NotACertificateNumber):
        numbers.normalise(text)


def test_documented_example_number_is_valid():
    assert numbers.check_character("20257K3M9QXH2TZ") == "F"
    assert numbers.is_valid("ML-ANPE-2025-7K3M-9QXH-2TZF")
