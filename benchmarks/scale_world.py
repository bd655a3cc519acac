"""The world `python -m benchmarks.scale seed` writes: who the dossiers belong to, where each one stands,
who assessed it and what was found, decided before any row is written.

N returning workers, one dossier each, for one of the three demo trades (a subset of its units worth
about ten criteria: 10 judgements a dossier). The mix of states is that of a certifying body some
years in: most dossiers certified, a few percent in each step of the assessment, 1 % waiting for the
assessment, 2 % decided without any unit (gap plan). Certificates: one per certified dossier, plus
corrected re-issues (the first issue superseded; names transliterated differently on passports of
different years are the usual cause) until there are N, so 100,000 candidates make 100,000
certificates as the issue asks; 0.5 % of them are revoked.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import combinations

from acquis.config import Settings
from assessors import moderation, rules
from certificates import numbers
from validation.dossiers.status import DossierStatus
from validation.frameworks.models import Framework, FrameworkCriterion, FrameworkUnit

CRITERIA_PER_DOSSIER = 10
# Where the dossiers stand (shares of N; certified takes what is left).
MIX = ((DossierStatus.PORTFOLIO_SUBMITTED, 0.01), (DossierStatus.DESK_REVIEW, 0.02),
       (DossierStatus.ASSESSMENT_SCHEDULED, 0.03), (DossierStatus.ASSESSED, 0.01),
       (DossierStatus.MODERATION, 0.01), (DossierStatus.JURY, 0.01), (DossierStatus.DECIDED,
                                                                      0.01), (DossierStatus.GAP_PLAN, 0.02))
UNIT_NOT_YET_COMPETENT = 0.1  # share of assessed units with a criterion not yet met
REVOKED = 0.005
BEFORE_ASSESSMENT = (DossierStatus.DRAFT, DossierStatus.SUBMITTED, DossierStatus.INTAKE_REVIEW,
                     DossierStatus.ADMISSIBLE, DossierStatus.PORTFOLIO_IN_PROGRESS,
                     DossierStatus.PORTFOLIO_SUBMITTED, DossierStatus.DESK_REVIEW, DossierStatus.ASSESSMENT_SCHEDULED,
                     DossierStatus.ASSESSED)
YEARS_OF_HISTORY = 5


@dataclass(frozen=True)
class Trade:
    """One published demo framework, with its units' criteria and the unit subsets dossiers ask for."""

    framework: Framework
    units: tuple[FrameworkUnit, ...]
    criteria: dict[int, tuple[FrameworkCriterion, ...]]
    subsets: tuple[tuple[tuple[FrameworkUnit, ...], ...], ...]  # groups whose sizes average 10 criteria

    @classmethod
    def of(cls, framework: Framework, units: list[FrameworkUnit], criteria: list[FrameworkCriterion]) -> "Trade":
        by_unit = {unit.id: tuple(c for c in criteria if c.unit_id == unit.id) for unit in units}
        sizes: dict[int, list[tuple[FrameworkUnit, ...]]] = {}
        for count in range(1, len(units) + 1):
            for subset in combinations(units, count):
                sizes.setdefault(sum(len(by_unit[u.id]) for u in subset), []).append(subset)
        # Exactly 10 criteria where the trade allows it, else 9 and 11 in turn.
        goal = CRITERIA_PER_DOSSIER
        groups = [sizes[goal]] if goal in sizes else [sizes[s] for s in (goal - 1, goal + 1) if s in sizes]
        return cls(framework, tuple(units), by_unit, tuple(tuple(g) for g in groups))


@dataclass(frozen=True)
class Staff:
    registrar: int
    admin: int
    assessors: tuple[int, ...]  # the first one is the benchmark's assessor, "assessor"
    counsellors: tuple[int, ...]


@dataclass(slots=True)
class Plan:
    """One candidate and their dossier: the moves made, the people on it, the result."""

    index: int
    dossier_id: int
    candidate_id: int
    user_id: int
    trade: Trade
    units: tuple[FrameworkUnit, ...]
    status: DossierStatus
    path: list[tuple[DossierStatus, datetime]]
    counsellor_id: int
    assessor_id: int
    moderator_id: int
    jury: tuple[int, int]  # the president first
    failing: dict[int, int] = field(default_factory=dict)  # unit id -> position of the criterion not yet met
    moderation_reasons: list[str] = field(default_factory=list)
    outcome: rules.Outcome | None = None
    work: tuple[date, date] = (date(2015, 1, 1), date(2020, 1, 1))  # the job abroad the evidence shows
    numbers: list[str] = field(default_factory=list)  # certificate numbers: the first issue, then its correction
    revoked: bool = False

    def at(self, status: DossierStatus) -> datetime | None:
        return next((moment for step, moment in self.path if step == status), None)

    def moment(self, status: DossierStatus) -> datetime:
        """When the dossier made this move (it did make it)."""
        found = self.at(status)
        assert found is not None, status
        return found

    def reached(self, status: DossierStatus) -> bool:
        return self.at(status) is not None

    @property
    def created_at(self) -> datetime:
        return self.path[0][1]

    @property
    def assessed_on(self) -> date:
        moment = self.at(DossierStatus.ASSESSED) or self.path[-1][1]
        return moment.date()

    def competent(self, unit: FrameworkUnit) -> bool:
        return unit.id not in self.failing


def statuses(n: int, rng: random.Random) -> list[DossierStatus]:
    """Each dossier's state, shuffled, in the shares of MIX."""
    chosen: list[DossierStatus] = []
    for status, share in MIX:
        chosen += [status] * round(n * share)
    chosen += [DossierStatus.CERTIFIED] * (n - len(chosen))
    rng.shuffle(chosen)
    return chosen


def plan(n: int, *, trades: list[Trade], staff: Staff, first: dict[str, int], now: datetime,
         settings: Settings, rng: random.Random) -> list[Plan]:
    """Every dossier's plan; `first` gives the first id of each table the ids are counted from."""
    plans = []
    for index, status in enumerate(statuses(n, rng)):
        trade = trades[index % len(trades)]
        group = trade.subsets[index // len(trades) % len(trade.subsets)]
        # The benchmark's assessor assesses every 25th dossier, and sits on other dossiers' moderations
        # and juries like everyone else: a few hundred open assignments at N = 100,000.
        assess = staff.assessors[0] if index % 25 == 0 else rng.choice(staff.assessors[1:])
        moderate, president, member = rng.sample([a for a in staff.assessors if a != assess], 3)
        one = Plan(index=index, dossier_id=first["dossier"] + index, candidate_id=first["candidate"] + index,
                   user_id=first["app_user"] + index, trade=trade, units=rng.choice(group), status=status, path=[],
                   counsellor_id=staff.counsellors[index % len(staff.counsellors)], assessor_id=assess,
                   moderator_id=moderate, jury=(president, member))
        _judge(one, rng)
        one.moderation_reasons = _moderation_reasons(one, settings)
        one.path = _path(one, now, rng)
        ended = one.created_at.date() - timedelta(days=rng.randrange(60, 1000))
        one.work = (ended - timedelta(days=rng.randrange(700, 3000)), ended)
        plans.append(one)
    _certify(plans, n, settings, rng)
    return plans


def _judge(one: Plan, rng: random.Random) -> None:
    """Which units stop on a criterion: all of them for a dossier decided without any unit."""
    for unit in one.units:
        criteria = one.trade.criteria[unit.id]
        if one.status == DossierStatus.GAP_PLAN or rng.random() < UNIT_NOT_YET_COMPETENT:
            one.failing[unit.id] = rng.randrange(len(criteria))
    if one.status in (DossierStatus.CERTIFIED, DossierStatus.DECIDED) and len(one.failing) == len(one.units):
        one.failing.pop(one.units[0].id)  # a certificate validates at least one unit
    validated = {unit.code for unit in one.units if one.competent(unit)}
    everything = [rules.UnitInQualification(unit.code, unit.mandatory) for unit in one.trade.units]
    one.outcome = rules.overall(validated, units=everything, rule=one.trade.framework.qualification_rule)


def _moderation_reasons(one: Plan, settings: Settings) -> list[str]:
    units = [rules.UnitForModeration(unit.code, any(c.critical for c in one.trade.criteria[unit.id]),
                                     one.competent(unit), 1 if unit.id in one.failing else 0) for unit in one.units]
    return rules.moderation_reasons(units, borderline_unmet=settings.moderation_borderline_unmet,
                                    sampled=moderation.sampled(settings, one.dossier_id, 1))


def _path(one: Plan, now: datetime, rng: random.Random) -> list[tuple[DossierStatus, datetime]]:
    """The moves from draft to the dossier's state, days apart; open dossiers moved lately."""
    after = [DossierStatus.MODERATION, DossierStatus.JURY] if one.moderation_reasons else [DossierStatus.JURY]
    steps = [*BEFORE_ASSESSMENT, *after, DossierStatus.DECIDED,
             DossierStatus.GAP_PLAN if one.status == DossierStatus.GAP_PLAN else DossierStatus.CERTIFIED]
    if one.status == DossierStatus.MODERATION and not one.moderation_reasons:
        one.status = DossierStatus.JURY  # nothing to moderate: this one went straight to the jury
    steps = steps[:steps.index(one.status) + 1]
    gaps = [timedelta(days=rng.uniform(1, 15), seconds=rng.randrange(86400)) for _ in steps[1:]]
    total = sum(gaps, timedelta())
    recent = one.status not in (DossierStatus.CERTIFIED, DossierStatus.GAP_PLAN)
    room = timedelta(days=60) if recent else timedelta(days=365 * YEARS_OF_HISTORY) - total
    moment = now - total - timedelta(seconds=rng.uniform(0, room.total_seconds()))
    path = [(steps[0], moment)]
    for step, gap in zip(steps[1:], gaps, strict=True):
        moment += gap
        path.append((step, moment))
    return path


def _certify(plans: list[Plan], n: int, settings: Settings, rng: random.Random) -> None:
    """One certificate per certified dossier, and corrections until there are n certificates."""
    certified = [one for one in plans if one.status == DossierStatus.CERTIFIED]
    corrected = {one.index for one in rng.sample(certified, min(len(certified), max(0, n - len(certified))))}
    taken: set[str] = set()
    for one in certified:
        year = one.path[-1][1].year
        while len(one.numbers) < (2 if one.index in corrected else 1):
            number = numbers.new_number(settings.issuer_code, year)
            if number not in taken:  # 55 random bits: a repeat is all but impossible, but checked
                taken.add(number)
                one.numbers.append(number)
        one.revoked = rng.random() < REVOKED
