"""Pacing arithmetic (pure): weighted days, expected by today, forecast, needed per day, status."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.targets import pacing
from crm.targets.pacing import CalendarSource, DayKind, PaceStatus

OCTOBER = dt.date(2026, 10, 1)
LEAP_FEBRUARY = dt.date(2028, 2, 1)


def _oct(day: int) -> dt.date:
    return dt.date(2026, 10, day)


def test_october_2026_weighs_national_day_the_make_up_workday_and_weekends():
    # when
    cal = pacing.month_calendar(OCTOBER)
    # then: 1-7 October off for National Day, Saturday 10 October worked in exchange (調休)
    assert cal.source is CalendarSource.CHINESE_HOLIDAYS
    assert cal.days == 31
    assert cal.kinds[:7] == (DayKind.HOLIDAY,) * 7
    assert cal.kinds[7:11] == (DayKind.WORKDAY, DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY, DayKind.WEEKEND)
    assert cal.kinds[30] is DayKind.WEEKEND  # Saturday 31 October
    # 7 holidays x 2.0 + 6 weekend days x 1.5 + 18 workdays (the make-up Saturday included) x 1.0
    assert cal.total == 14 + 9 + 18


def test_a_make_up_saturday_weighs_as_a_workday_and_an_ordinary_saturday_as_a_weekend_day():
    # given
    cal = pacing.month_calendar(OCTOBER)
    # when
    make_up = cal.weight_before(_oct(11)) - cal.weight_before(_oct(10))
    ordinary = cal.weight_before(_oct(18)) - cal.weight_before(_oct(17))
    # then
    assert (make_up, ordinary) == (pacing.WORKDAY_WEIGHT, pacing.WEEKEND_WEIGHT)


def test_expected_by_counts_the_days_before_today_only():
    # given: a target equal to the month's weight, so that expected = elapsed weight
    target = 41
    # when / then
    assert pacing.expected_by(_oct(1), OCTOBER, target) == 0  # today has only begun
    assert pacing.expected_by(_oct(2), OCTOBER, target) == 2.0  # 1 October, a holiday
    assert pacing.expected_by(_oct(8), OCTOBER, target) == 14.0  # the National Day week
    assert pacing.expected_by(_oct(12), OCTOBER, target) == 14 + 1 + 1 + 1 + 1.5
    assert pacing.expected_by(_oct(31), OCTOBER, target) == 41 - 1.5
    assert pacing.expected_by(dt.date(2026, 11, 1), OCTOBER, target) == 41
    assert pacing.expected_by(dt.date(2026, 9, 30), OCTOBER, target) == 0


def test_a_year_chinese_calendar_does_not_know_falls_back_to_weekends_only():
    # when: February of the leap year 2028 (chinese_calendar 1.11 stops at 2026)
    cal = pacing.month_calendar(LEAP_FEBRUARY)
    december, january = pacing.month_calendar(dt.date(2026, 12, 1)), pacing.month_calendar(dt.date(2027, 1, 1))
    # then: 29 days, 8 weekend days (1 February 2028 is a Tuesday), no holiday
    assert cal.source is CalendarSource.WEEKENDS_ONLY
    assert cal.days == 29
    assert DayKind.HOLIDAY not in cal.kinds
    assert cal.total == 21 * 1.0 + 8 * 1.5
    assert cal.kinds[28] is DayKind.WORKDAY  # 29 February, a Tuesday
    assert pacing.days_remaining(dt.date(2028, 2, 29), LEAP_FEBRUARY) == 1
    assert pacing.expected_by(dt.date(2028, 2, 29), LEAP_FEBRUARY, 33) == 32
    # and the schedule's last known month still has its holidays, the next one does not
    assert (december.source, january.source) == (CalendarSource.CHINESE_HOLIDAYS, CalendarSource.WEEKENDS_ONLY)
    assert pacing.month_calendar(dt.date(2003, 10, 1)).source is CalendarSource.WEEKENDS_ONLY


def test_month_boundaries_of_days_remaining_needed_and_forecast():
    # when / then: the last day of the month still counts as remaining
    assert pacing.days_remaining(dt.date(2026, 9, 30), OCTOBER) == 31
    assert pacing.days_remaining(_oct(1), OCTOBER) == 31
    assert pacing.days_remaining(_oct(31), OCTOBER) == 1
    assert pacing.days_remaining(dt.date(2026, 11, 1), OCTOBER) == 0
    assert pacing.needed_per_day(_oct(31), OCTOBER, 10, 4) == 6
    assert pacing.needed_per_day(_oct(1), OCTOBER, 31, 0) == 1
    assert pacing.needed_per_day(_oct(20), OCTOBER, 10, 12) == 0
    assert pacing.needed_per_day(dt.date(2026, 11, 1), OCTOBER, 10, 4) is None
    # no day has elapsed on the 1st: nothing to extrapolate from
    assert pacing.forecast(_oct(1), OCTOBER, 3) is None
    assert pacing.forecast(_oct(8), OCTOBER, 7) == 7 * 41 / 14
    assert pacing.forecast(dt.date(2027, 3, 1), OCTOBER, 12) == 12


# On 19 October 2026 the days before weigh 14 + 2 + 1 + 1.5 + 5 + 3 = 26.5 of 41: with a target
# of 82, 53 are expected; AT_RISK needs a forecast of 90% of 82 = 73.8, i.e. 47.7 enrolled.
@pytest.mark.parametrize(
    ("day", "target", "enrolled", "expected"),
    [
        (dt.date(2026, 9, 30), 82, 0, PaceStatus.NOT_STARTED),
        (_oct(1), 82, 0, PaceStatus.ON_TRACK),
        (_oct(19), 82, 53, PaceStatus.ON_TRACK),
        (_oct(19), 82, 52, PaceStatus.AT_RISK),
        (_oct(19), 82, 48, PaceStatus.AT_RISK),
        (_oct(19), 82, 47, PaceStatus.BEHIND),
        (_oct(19), 82, 0, PaceStatus.BEHIND),
        (_oct(19), 0, 0, PaceStatus.ON_TRACK),
        (dt.date(2026, 11, 1), 82, 82, PaceStatus.ACHIEVED),
        (dt.date(2026, 11, 1), 82, 81, PaceStatus.MISSED),
        (dt.date(2027, 5, 1), 0, 0, PaceStatus.ACHIEVED),
    ],
)
def test_status_thresholds(day: dt.date, target: int, enrolled: int, expected: PaceStatus):
    # when / then
    assert pacing.status(day, OCTOBER, target, enrolled) is expected


def test_pace_gathers_every_figure_rounded():
    # when: 8 October, the National Day week behind (weight 14 of 41), 3 of 8 enrolled
    pace = pacing.pace(_oct(8), OCTOBER, 8, 3)
    # then
    assert pace == pacing.Pace(
        target=8,
        enrolled=3,
        expected=2.73,  # 8 * 14 / 41
        forecast=8.79,  # 3 * 41 / 14
        needed_per_day=0.21,  # 5 / 24
        days_remaining=24,
        status=PaceStatus.ON_TRACK,
        source=CalendarSource.CHINESE_HOLIDAYS,
    )


def test_month_calendars_are_built_once_per_month():
    # when
    first = pacing.month_calendar(OCTOBER)
    again = pacing.month_calendar(OCTOBER)
    # then
    assert first is again
    assert pacing.month_calendar(_oct(15)) == first
