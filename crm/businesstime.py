"""Business time: the brand works on Asia/Shanghai days; the database stores UTC."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from crm.config import BUSINESS_TZ

_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
_LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)


def today() -> dt.date:
    """Return today's date in the business time zone (Asia/Shanghai)."""
    return dt.datetime.now(BUSINESS_TZ).date()


def business_day_start(day: dt.date) -> dt.datetime:
    """Return the UTC instant at which a business day starts (clamped at the calendar's ends)."""
    try:
        return dt.datetime.combine(day, dt.time(), BUSINESS_TZ).astimezone(dt.UTC)
    except OverflowError:
        return _EARLIEST if day.year == dt.MINYEAR else _LATEST


def business_day_end(day: dt.date) -> dt.datetime:
    """Return the UTC instant at which a business day ends (the next day's start)."""
    if day == dt.date.max:
        return _LATEST
    return business_day_start(day + dt.timedelta(days=1))


def within_days(column: Any, first: dt.date | None, last: dt.date | None) -> list[ColumnElement[bool]]:
    """Conditions keeping a UTC timestamp column within business days `first`..`last` (inclusive)."""
    conditions: list[ColumnElement[bool]] = []
    if first is not None:
        conditions.append(column >= business_day_start(first))
    if last is not None:
        conditions.append(column < business_day_end(last))
    return conditions
