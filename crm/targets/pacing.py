"""Pacing of a monthly enrolment target: where a store should stand by today, and where it is heading.

Pure arithmetic on Asia/Shanghai calendar days; no database.

Days are weighted by how many members an apparel store can expect to enrol on them, since
shoppers come at weekends and on public holidays, not evenly through the month:

- a workday weighs 1.0, a make-up workday (調休, a Saturday or Sunday worked in exchange for a
  holiday) included;
- a Saturday or Sunday off weighs 1.5;
- a day of a statutory holiday (National Day, Spring Festival, ...) weighs 2.0, whether it falls
  on a weekend or is a weekday given off in lieu.

The holidays come from `chinese_calendar`, which knows the State Council's schedule for the
years it ships (2004-2026 in 1.11). For other years the month is weighted by weekends only
(`CalendarSource.WEEKENDS_ONLY`), as holidays are announced only about a year ahead.

"Elapsed" means the days before `day` (the business day it is now): today has only begun, so
the target is expected to be met pro rata by the start of today, while the members enrolled
so far (today's included) count towards it. On the first of the month nothing is expected yet.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import functools
from dataclasses import dataclass

import chinese_calendar

WORKDAY_WEIGHT = 1.0
WEEKEND_WEIGHT = 1.5
HOLIDAY_WEIGHT = 2.0
# A target that is behind the pro-rata line but whose run rate still reaches this share of it
# is "at risk" rather than "behind".
AT_RISK_SHARE = 0.9


class DayKind(enum.StrEnum):
    WORKDAY = "WORKDAY"
    MAKEUP_WORKDAY = "MAKEUP_WORKDAY"
    WEEKEND = "WEEKEND"
    HOLIDAY = "HOLIDAY"


WEIGHTS = {
    DayKind.WORKDAY: WORKDAY_WEIGHT,
    DayKind.MAKEUP_WORKDAY: WORKDAY_WEIGHT,
    DayKind.WEEKEND: WEEKEND_WEIGHT,
    DayKind.HOLIDAY: HOLIDAY_WEIGHT,
}


class CalendarSource(enum.StrEnum):
    CHINESE_HOLIDAYS = "CHINESE_HOLIDAYS"
    WEEKENDS_ONLY = "WEEKENDS_ONLY"


class PaceStatus(enum.StrEnum):
    NOT_STARTED = "NOT_STARTED"
    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    BEHIND = "BEHIND"
    ACHIEVED = "ACHIEVED"
    MISSED = "MISSED"


@dataclass(frozen=True, slots=True)
class MonthCalendar:
    """The days of one month with their kinds and weights (built once per month, see month_calendar)."""

    month: dt.date
    kinds: tuple[DayKind, ...]
    source: CalendarSource
    # prefix[n]: the weight of the month's first n days; prefix[-1] is the whole month's.
    prefix: tuple[float, ...]

    @classmethod
    def of(cls, month: dt.date, kinds: tuple[DayKind, ...], source: CalendarSource) -> MonthCalendar:
        """Build a month's calendar from its days' kinds."""
        prefix = [0.0]
        for kind in kinds:
            prefix.append(prefix[-1] + WEIGHTS[kind])
        return cls(month, kinds, source, tuple(prefix))

    @property
    def days(self) -> int:
        """How many days the month has."""
        return len(self.kinds)

    @property
    def total(self) -> float:
        """The weight of the whole month."""
        return self.prefix[-1]

    def ended_by(self, day: dt.date) -> bool:
        """Whether the month is over on `day`."""
        return (day.year, day.month) > (self.month.year, self.month.month)

    def days_before(self, day: dt.date) -> int:
        """How many days of the month lie before `day` (0 before the month, all after it)."""
        if day < self.month:
            return 0
        if self.ended_by(day):
            return self.days
        return day.day - 1

    def weight_before(self, day: dt.date) -> float:
        """The weight of the month's days before `day`."""
        return self.prefix[self.days_before(day)]


def _kind(day: dt.date) -> DayKind:
    """A day's kind by the official schedule; NotImplementedError for years chinese_calendar lacks."""
    off, holiday = chinese_calendar.get_holiday_detail(day)
    weekend = day.weekday() >= 5
    if not off:
        return DayKind.MAKEUP_WORKDAY if weekend else DayKind.WORKDAY
    return DayKind.HOLIDAY if holiday is not None else DayKind.WEEKEND


def _weekend_kind(day: dt.date) -> DayKind:
    return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY


@functools.lru_cache(maxsize=512)
def month_calendar(month: dt.date) -> MonthCalendar:
    """The weighted days of the month starting on `month` (holidays where chinese_calendar knows them)."""
    month = month.replace(day=1)
    days = [month.replace(day=d) for d in range(1, calendar.monthrange(month.year, month.month)[1] + 1)]
    try:
        return MonthCalendar.of(month, tuple(_kind(d) for d in days), CalendarSource.CHINESE_HOLIDAYS)
    except NotImplementedError:
        return MonthCalendar.of(month, tuple(_weekend_kind(d) for d in days), CalendarSource.WEEKENDS_ONLY)


def expected_by(day: dt.date, month: dt.date, target: int) -> float:
    """Members that should be enrolled by the start of `day`: the target pro rata of the elapsed weight."""
    cal = month_calendar(month)
    return target * cal.weight_before(day) / cal.total


def forecast(day: dt.date, month: dt.date, enrolled: int) -> float | None:
    """Members the month will end with at the run rate so far (per unit of weight); None before a day elapsed."""
    cal = month_calendar(month)
    elapsed = cal.weight_before(day)
    if elapsed == 0:
        return None
    return enrolled * cal.total / elapsed


def days_remaining(day: dt.date, month: dt.date) -> int:
    """Days of the month from `day` on, `day` included (0 once the month is over)."""
    cal = month_calendar(month)
    return cal.days - cal.days_before(day)


def needed_per_day(day: dt.date, month: dt.date, target: int, enrolled: int) -> float | None:
    """Members still to enrol per remaining day (today included); None once the month is over."""
    remaining = days_remaining(day, month)
    if remaining == 0:
        return None
    return max(0, target - enrolled) / remaining


def status(day: dt.date, month: dt.date, target: int, enrolled: int) -> PaceStatus:
    """Where a target stands on `day`.

    Before the month: NOT_STARTED. After it: ACHIEVED or MISSED. During it: ON_TRACK when
    enrolled >= expected by today; AT_RISK when behind that but the run-rate forecast reaches
    AT_RISK_SHARE (90%) of the target; BEHIND otherwise.
    """
    cal = month_calendar(month)
    if day < cal.month:
        return PaceStatus.NOT_STARTED
    if cal.ended_by(day):
        return PaceStatus.ACHIEVED if enrolled >= target else PaceStatus.MISSED
    if enrolled >= expected_by(day, month, target):
        return PaceStatus.ON_TRACK
    projected = forecast(day, month, enrolled)
    if projected is not None and projected >= AT_RISK_SHARE * target:
        return PaceStatus.AT_RISK
    return PaceStatus.BEHIND


@dataclass(frozen=True, slots=True)
class Pace:
    """A target's pacing on one day, rounded for display (two decimals)."""

    target: int
    enrolled: int
    expected: float
    forecast: float | None
    needed_per_day: float | None
    days_remaining: int
    status: PaceStatus
    source: CalendarSource


def pace(day: dt.date, month: dt.date, target: int, enrolled: int) -> Pace:
    """Every pacing figure of a target on `day`."""
    projected = forecast(day, month, enrolled)
    needed = needed_per_day(day, month, target, enrolled)
    return Pace(
        target=target,
        enrolled=enrolled,
        expected=round(expected_by(day, month, target), 2),
        forecast=round(projected, 2) if projected is not None else None,
        needed_per_day=round(needed, 2) if needed is not None else None,
        days_remaining=days_remaining(day, month),
        status=status(day, month, target, enrolled),
        source=month_calendar(month).source,
    )
