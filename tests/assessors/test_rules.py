"""The decision rule on generated cases: no combination of inputs validates a unit with an unmet
criterion, or a critical criterion without current direct evidence (no database needed)."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from assessors.rules import (
    DIRECT_KINDS,
    SELF_ASSESSMENT,
    Judgement,
    Outcome,
    Source,
    UnitForModeration,
    UnitInQualification,
    Verdict,
    is_current,
    judge_unit,
    moderation_reasons,
    overall,
    tally,
    years_before,
)

KINDS = sorted(DIRECT_KINDS) + ["photo_of_work", "payslip", "interview", "oral_test", "employer_attestation",
                                 SELF_ASSESSMENT]
AS_OF = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))

sources = st.builds(Source, ref=st.text(min_size=1, max_size=6), kind=st.sampled_from(KINDS),
                    on=st.none() | st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
                    usable=st.booleans())
judgements = st.builds(Judgement, code=st.text(min_size=1, max_size=8), critical=st.booleans(),
                       verdict=st.none() | st.sampled_from(Verdict),
                       sources=st.lists(sources, max_size=4).map(tuple))


def counted(judgement: Judgement) -> list[Source]:
    return [s for s in judgement.sources if s.usable and s.kind != SELF_ASSESSMENT]


def has_current_direct(judgement: Judgement, as_of: date, years: int) -> bool:
    return any(s.kind in DIRECT_KINDS and s.on is not None and years_before(as_of, years) <= s.on <= as_of
               for s in counted(judgement))


@settings(max_examples=400)
@given(st.lists(judgements, max_size=6), AS_OF, st.integers(min_value=1, max_value=10))
def test_no_unit_is_competent_with_an_unmet_criterion_or_a_critical_one_without_direct_evidence(
        criteria: list[Judgement], as_of: date, years: int) -> None:
    result = judge_unit("U", criteria, as_of=as_of, currency_years=years)
    if result.competent:
        assert criteria, "a unit without criteria is never competent"
        for judgement in criteria:
            assert judgement.verdict == Verdict.MET
            assert counted(judgement), "every met criterion cites evidence that counts"
            if judgement.critical:
                assert has_current_direct(judgement, as_of, years)


@settings(max_examples=300)
@given(st.lists(judgements, min_size=1, max_size=6), AS_OF, st.integers(min_value=1, max_value=10))
def test_a_unit_meeting_every_condition_is_competent(criteria: list[Judgement], as_of: date, years: int) -> None:
    expected = all(j.verdict == Verdict.MET and counted(j) and (not j.critical or has_current_direct(j, as_of, years))
                   for j in criteria)
    result = judge_unit("U", criteria, as_of=as_of, currency_years=years)
    assert result.competent == expected
    assert result.trace["result"] == ("competent" if expected else "not_yet_competent")


@settings(max_examples=200)
@given(st.lists(judgements, min_size=1, max_size=5), AS_OF, st.integers(min_value=1, max_value=10),
       st.lists(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)), min_size=1, max_size=3))
def test_self_assessment_never_changes_the_result(criteria: list[Judgement], as_of: date, years: int,
                                                  days: list[date]) -> None:
    before = judge_unit("U", criteria, as_of=as_of, currency_years=years)
    padded = [Judgement(j.code, j.critical, j.verdict,
                        j.sources + tuple(Source(f"self:{i}", SELF_ASSESSMENT, day) for i, day in enumerate(days)))
              for j in criteria]
    after = judge_unit("U", padded, as_of=as_of, currency_years=years)
    assert after.competent == before.competent and after.failing == before.failing


@given(st.lists(judgements, max_size=6), AS_OF, st.integers(min_value=1, max_value=10))
def test_the_trace_names_every_criterion_and_every_failing_one(criteria: list[Judgement], as_of: date,
                                                               years: int) -> None:
    result = judge_unit("U", criteria, as_of=as_of, currency_years=years)
    assert [line["code"] for line in result.trace["criteria"]] == [j.code for j in criteria]
    assert result.trace["failing"] == [line["code"] for line in result.trace["criteria"] if line["outcome"] != "ok"]
    assert result.trace["rule"] and result.trace["currency_years"] == years


def test_a_critical_criterion_met_only_on_a_photo_stops_the_unit_and_the_trace_says_why() -> None:
    photo = Source("evidence:1", "photo_of_work", date(2024, 5, 1))
    seen = Source("session:1", "direct_observation", date(2025, 3, 1))
    result = judge_unit("MAC-U1", [Judgement("C1", True, Verdict.MET, (photo,)),
                                   Judgement("C2", True, Verdict.MET, (seen,))],
                        as_of=date(2025, 3, 2), currency_years=5)
    assert not result.competent
    assert result.failing == ("C1",)
    assert result.trace["why"] == "no_direct_evidence"
    assert result.trace["criteria"][1]["direct_current"] == ["session:1"]


def test_direct_evidence_older_than_the_currency_does_not_count() -> None:
    old = Source("session:1", "practical_task", date(2019, 1, 1))
    result = judge_unit("U", [Judgement("C1", True, Verdict.MET, (old,))], as_of=date(2025, 1, 2), currency_years=2)
    assert not result.competent and result.trace["why"] == "direct_evidence_not_current"
    assert is_current(old, as_of=date(2020, 12, 31), currency_years=2)


def test_currency_counts_from_the_same_day_even_on_29_february() -> None:
    assert years_before(date(2024, 2, 29), 1) == date(2023, 2, 28)
    assert not is_current(Source("s", "practical_task", date(2025, 1, 2) + timedelta(days=1)),
                          as_of=date(2025, 1, 2), currency_years=5), "evidence from the future proves nothing"


UNITS = [UnitInQualification("U1", True), UnitInQualification("U2", True), UnitInQualification("U3", False)]


@given(st.sets(st.sampled_from(["U1", "U2", "U3", "OTHER"])))
def test_the_overall_outcome_follows_the_validated_units(validated: set[str]) -> None:
    outcome = overall(validated, units=UNITS, rule=None)
    held = validated - {"OTHER"}
    assert (outcome == Outcome.NONE) == (not held)
    assert (outcome == Outcome.FULL) == ({"U1", "U2"} <= held)


def test_a_qualification_rule_may_ask_for_optional_units() -> None:
    rule = {"mandatory_units": ["U1"], "optional_required": 1}
    assert overall({"U1"}, units=UNITS, rule=rule) == Outcome.PARTIAL
    assert overall({"U1", "U3"}, units=UNITS, rule=rule) == Outcome.FULL


@given(st.dictionaries(st.integers(min_value=1, max_value=6), st.booleans(), min_size=2, max_size=6))
def test_the_president_decides_only_a_tie(votes: dict[int, bool]) -> None:
    president = min(votes)
    result = tally(votes, president=president)
    yes = sum(votes.values())
    no = len(votes) - yes
    assert result.casting == (yes == no)
    assert result.validated == (votes[president] if yes == no else yes > no)


def test_moderation_catches_critical_units_borderline_results_and_the_sample() -> None:
    units = [UnitForModeration("U1", True, True, 0), UnitForModeration("U2", False, False, 1),
             UnitForModeration("U3", False, False, 3)]
    assert moderation_reasons(units, borderline_unmet=1, sampled=True) == ["critical:U1", "borderline:U2", "sample"]
    assert moderation_reasons(units[1:], borderline_unmet=0, sampled=False) == []
