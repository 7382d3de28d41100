"""Input checks shared by the services; they collect problems instead of stopping at the first."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Iterable
from typing import TypeVar

import phonenumbers

from crm.businesstime import today
from crm.errors import DomainError, ErrorCode, FieldError

E = TypeVar("E", bound=enum.Enum)

__all__ = ["Checks", "normalise_mobile", "today"]


def normalise_mobile(raw: str) -> str | None:
    """Return a mainland China mobile number as E.164 (+861xxxxxxxxxx), or None if it is not one."""
    cleaned = raw.strip().replace(" ", "").replace("-", "")
    if not cleaned:
        return None
    try:
        number = phonenumbers.parse(cleaned, "CN")
    except phonenumbers.NumberParseException:
        return None
    national = str(number.national_number)
    if number.country_code != 86 or len(national) != 11 or not national.startswith("1"):
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return f"+86{national}"


class Checks:
    """Collect field problems; raise them all at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str | None, message: str, code: ErrorCode, related_id: str | None = None) -> None:
        """Record one problem."""
        self.errors.append(FieldError(field, message, code, related_id))

    def has(self, field: str) -> bool:
        """Tell whether a field already has a problem."""
        return any(e.field == field for e in self.errors)

    def raise_if_any(self) -> None:
        """Raise a DomainError carrying every recorded problem."""
        if self.errors:
            raise DomainError(self.errors)

    def text(self, field: str, value: str | None, *, max_length: int, required: bool = False) -> str | None:
        """Trim a text value and check its length; empty means absent."""
        if value is None:
            if required:
                self.add(field, f"{field} is required.", ErrorCode.REQUIRED)
            return None
        value = value.strip()
        if not value:
            if required:
                self.add(field, f"{field} is required.", ErrorCode.REQUIRED)
            return None
        if len(value) > max_length:
            self.add(field, f"{field} must be at most {max_length} characters.", ErrorCode.TOO_LONG)
        if "\x00" in value:
            self.add(field, f"{field} must not contain NUL characters.", ErrorCode.INVALID)
        return value

    def mobile(self, field: str, value: str | None, *, required: bool = False) -> str | None:
        """Check and normalise a mainland mobile number."""
        if value is None or not value.strip():
            if required:
                self.add(field, f"{field} is required.", ErrorCode.REQUIRED)
            return None
        normalised = normalise_mobile(value)
        if normalised is None:
            self.add(
                field,
                "Enter a mainland China mobile number: 11 digits starting with 1 (+86 optional).",
                ErrorCode.INVALID_PHONE,
            )
        return normalised

    def past_date(self, field: str, value: dt.date | None, *, earliest: dt.date | None = None) -> None:
        """Check that a date (a birthday, say) lies in the past."""
        if value is None:
            return
        if value >= today():
            self.add(field, f"{field} must be in the past.", ErrorCode.INVALID_DATE)
        elif earliest is not None and value < earliest:
            self.add(field, f"{field} must not be before {earliest.isoformat()}.", ErrorCode.INVALID_DATE)

    def not_future(self, field: str, value: dt.datetime | None) -> dt.datetime | None:
        """Check a moment carries a zone and is not in the future (some clock skew allowed); return it in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            self.add(field, f"{field} must carry a time zone.", ErrorCode.INVALID_DATE)
            return value
        try:
            value = value.astimezone(dt.UTC)
        except OverflowError:
            self.add(field, f"{field} is out of range.", ErrorCode.INVALID_DATE)
            return value
        if value > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
            self.add(field, f"{field} must not be in the future.", ErrorCode.INVALID_DATE)
        return value

    def money(self, field: str, value: decimal.Decimal | None, *, maximum: decimal.Decimal) -> None:
        """Check a CNY amount: not negative, at most two decimals, below a sane ceiling."""
        if value is None:
            return
        if not value.is_finite() or value < 0:
            self.add(field, f"{field} must not be negative.", ErrorCode.OUT_OF_RANGE)
        elif value > maximum:
            self.add(field, f"{field} must be at most {maximum}.", ErrorCode.OUT_OF_RANGE)
        elif value.as_tuple().exponent < -2:  # type: ignore[operator]
            self.add(field, f"{field} must have at most two decimal places.", ErrorCode.INVALID)

    def int_range(self, field: str, value: int | None, low: int, high: int) -> None:
        """Check an integer lies within [low, high]."""
        if value is not None and not low <= value <= high:
            self.add(field, f"{field} must be between {low} and {high}.", ErrorCode.OUT_OF_RANGE)

    def tags(self, field: str, values: Iterable[str] | None, *, max_items: int, max_length: int) -> list[str] | None:
        """Trim, de-duplicate and bound a list of short labels."""
        if values is None:
            return None
        result: list[str] = []
        for raw in values:
            value = raw.strip()
            if not value or value in result:
                continue
            if len(value) > max_length:
                self.add(field, f"Each {field} entry must be at most {max_length} characters.", ErrorCode.TOO_LONG)
                return None
            result.append(value)
        if len(result) > max_items:
            self.add(field, f"{field} may hold at most {max_items} entries.", ErrorCode.OUT_OF_RANGE)
        return result
