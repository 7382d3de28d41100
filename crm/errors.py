"""Expected failures: the service layer raises them, the API turns them into userErrors."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ErrorCode(enum.StrEnum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    INVALID_PHONE = "INVALID_PHONE"
    DUPLICATE_PHONE = "DUPLICATE_PHONE"
    DUPLICATE = "DUPLICATE"
    NOT_FOUND = "NOT_FOUND"
    INVALID_ID = "INVALID_ID"
    INVALID_DATE = "INVALID_DATE"
    INVALID_STATE = "INVALID_STATE"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOTHING_TO_UPDATE = "NOTHING_TO_UPDATE"
    NO_CONSENT = "NO_CONSENT"
    OVER_CAPACITY = "OVER_CAPACITY"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    STALE_VERSION = "STALE_VERSION"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field."""

    field: str | None
    message: str
    code: ErrorCode
    related_id: str | None = None


class DomainError(Exception):
    """A request the rules refuse; carries every problem found, not only the first."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    @classmethod
    def one(cls, field: str | None, message: str, code: ErrorCode, related_id: str | None = None) -> DomainError:
        """Build an error with a single problem."""
        return cls([FieldError(field, message, code, related_id)])


class RequestError(Exception):
    """A problem with the request as a whole (bad ID, bad cursor, limit exceeded): a top-level error."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code
