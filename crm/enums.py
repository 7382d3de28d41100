"""Enumerations shared by the database, the services and the GraphQL schema.

Stored as text with CHECK constraints (not PostgreSQL ENUM types) so that adding a
value is a constraint change, not an ALTER TYPE that cannot run in a transaction.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "ADMIN"
    SUPERVISOR = "SUPERVISOR"
    VIP_MANAGER = "VIP_MANAGER"
    STORE_STAFF = "STORE_STAFF"
    RECEPTIONIST = "RECEPTIONIST"
    SALES_CLERK = "SALES_CLERK"
    MARKETING = "MARKETING"


class StoreKind(enum.StrEnum):
    SELF_OPERATED = "SELF_OPERATED"
    DEALER = "DEALER"


class DealerTier(enum.StrEnum):
    STRATEGIC = "STRATEGIC"
    KEY = "KEY"
    STANDARD = "STANDARD"


class PaymentStanding(enum.StrEnum):
    GOOD = "GOOD"
    LATE = "LATE"
    OVERDUE = "OVERDUE"
    SUSPENDED = "SUSPENDED"


class Gender(enum.StrEnum):
    FEMALE = "FEMALE"
    MALE = "MALE"
    UNDISCLOSED = "UNDISCLOSED"


class MemberTier(enum.StrEnum):
    SILVER = "SILVER"
    GOLD = "GOLD"
    PLATINUM = "PLATINUM"
    DIAMOND = "DIAMOND"


class MemberStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    DORMANT = "DORMANT"
    CLOSED = "CLOSED"


class VisitKind(enum.StrEnum):
    MEMBER_STORE = "MEMBER_STORE"
    DEALER_SHOWROOM = "DEALER_SHOWROOM"


class DealerVisitPurpose(enum.StrEnum):
    SEE_GOODS = "SEE_GOODS"
    ORDER = "ORDER"
    RETURN_DEFECTIVE = "RETURN_DEFECTIVE"


class PartyKind(enum.StrEnum):
    MEMBER = "MEMBER"
    DEALER = "DEALER"


class CallbackPurpose(enum.StrEnum):
    SATISFACTION = "SATISFACTION"
    COMPLAINT_FOLLOW_UP = "COMPLAINT_FOLLOW_UP"
    BIRTHDAY = "BIRTHDAY"
    REACTIVATION = "REACTIVATION"
    PROMOTION = "PROMOTION"
    DEALER_SALES_TALK = "DEALER_SALES_TALK"
    PAYMENT_REMINDER = "PAYMENT_REMINDER"
    OTHER = "OTHER"


class Channel(enum.StrEnum):
    PHONE = "PHONE"
    SMS = "SMS"
    WECHAT = "WECHAT"


class CallbackStatus(enum.StrEnum):
    OPEN = "OPEN"
    DONE = "DONE"
    UNREACHABLE = "UNREACHABLE"
    CANCELLED = "CANCELLED"


class NonConversionReason(enum.StrEnum):
    PRICE = "PRICE"
    QUALITY = "QUALITY"
    STYLE = "STYLE"
    SIZE = "SIZE"
    SERVICE = "SERVICE"
    COMPETITOR = "COMPETITOR"
    MOVED = "MOVED"
    OTHER = "OTHER"


class CallOutcome(enum.StrEnum):
    """What came of a call that reached the person."""

    WILL_VISIT = "WILL_VISIT"
    PURCHASED = "PURCHASED"
    SATISFIED = "SATISFIED"
    NOT_INTERESTED = "NOT_INTERESTED"
    CALL_LATER = "CALL_LATER"
    COMPLAINT = "COMPLAINT"
    OTHER = "OTHER"


class FeedbackKind(enum.StrEnum):
    SUGGESTION = "SUGGESTION"
    COMPLAINT = "COMPLAINT"
    PRAISE = "PRAISE"
    QUALITY_REPORT = "QUALITY_REPORT"


class FeedbackChannel(enum.StrEnum):
    STORE = "STORE"
    PHONE = "PHONE"
    ONLINE = "ONLINE"
    SOCIAL_MEDIA = "SOCIAL_MEDIA"
    SUGGESTION_BOX = "SUGGESTION_BOX"


class FeedbackStatus(enum.StrEnum):
    RECEIVED = "RECEIVED"
    ASSESSED = "ASSESSED"
    NOT_UPHELD = "NOT_UPHELD"
    INVESTIGATING = "INVESTIGATING"
    SOLUTION_PROPOSED = "SOLUTION_PROPOSED"
    RESOLVED = "RESOLVED"
    RETURN_VISIT_DONE = "RETURN_VISIT_DONE"
    CLOSED = "CLOSED"


class Department(enum.StrEnum):
    PRODUCTION = "PRODUCTION"
    QUALITY = "QUALITY"
    SERVICE = "SERVICE"
    LOGISTICS = "LOGISTICS"
    SALES = "SALES"
    OTHER = "OTHER"


class FeedbackCause(enum.StrEnum):
    PRODUCTION = "PRODUCTION"
    QUALITY = "QUALITY"
    SERVICE = "SERVICE"
    LOGISTICS = "LOGISTICS"
    OTHER = "OTHER"


class TargetScope(enum.StrEnum):
    STORE = "STORE"
    STAFF = "STAFF"
    DEALER = "DEALER"
    REGION = "REGION"


class TokenKind(enum.StrEnum):
    SESSION = "SESSION"
    API = "API"


def check_in(column: str, enum_cls: type[enum.StrEnum]) -> str:
    """Return a SQL CHECK expression limiting a text column to an enum's values."""
    values = ", ".join(f"'{m.value}'" for m in enum_cls)
    return f"{column} IN ({values})"


class Region(enum.StrEnum):
    EAST = "EAST"
    SOUTH = "SOUTH"
    NORTH = "NORTH"
    CENTRAL = "CENTRAL"
    SOUTHWEST = "SOUTHWEST"
    NORTHWEST = "NORTHWEST"
    NORTHEAST = "NORTHEAST"
