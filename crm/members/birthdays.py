"""Birthdays by the solar or the lunar calendar (農曆): which solar day a year's birthday falls on."""

from __future__ import annotations

import calendar
import datetime as dt
import functools

from lunardate import LunarDate


@functools.lru_cache(maxsize=16)
def lunar_year_dates(lunar_year: int) -> tuple[tuple[int, int, dt.date], ...]:
    """(month, day, solar date) of every lunar month and day 1-30 in a lunar year.

    A day 30 that the month lacks this year falls on day 29; a leap month's days are celebrated in
    the ordinary month of the same number, which is the one listed here.
    """
    out = []
    for month in range(1, 13):
        for day in range(1, 31):
            try:
                solar = LunarDate(lunar_year, month, day).to_solar_date()
            except ValueError:
                solar = LunarDate(lunar_year, month, day - 1).to_solar_date()
            out.append((month, day, solar))
    return tuple(out)


def lunar_birthday_in(month: int, day: int, lunar_year: int) -> dt.date:
    """The solar date of a lunar birthday in a lunar year (which starts in late January or February)."""
    return lunar_year_dates(lunar_year)[(month - 1) * 30 + day - 1][2]


def solar_birthday_in(birthday: dt.date, year: int) -> dt.date:
    """A solar birthday in a year; 29 February falls on the 28th in a common year."""
    day = min(birthday.day, calendar.monthrange(year, birthday.month)[1])
    return dt.date(year, birthday.month, day)


def next_birthday(
    birthday: dt.date | None, lunar_month: int | None, lunar_day: int | None, today: dt.date
) -> dt.date | None:
    """The next birthday on or after today: the lunar one when the member keeps that, else the solar one."""
    if lunar_month is not None and lunar_day is not None:
        candidates = (
            lunar_birthday_in(lunar_month, lunar_day, y) for y in (today.year - 1, today.year, today.year + 1)
        )
    elif birthday is not None:
        candidates = (solar_birthday_in(birthday, y) for y in (today.year, today.year + 1))
    else:
        return None
    return min(d for d in candidates if d >= today)
