"""Import every domain's tables so that Base.metadata is complete."""

from crm.audit.models import AuditEvent
from crm.auth.models import AuthToken, IdempotencyKey
from crm.callbacks.models import Callback, CallbackAttempt, CallbackPolicy
from crm.db import Base
from crm.dealers.models import Dealer, Store
from crm.feedback.models import Feedback, FeedbackEvent
from crm.members.models import Member
from crm.staff.models import Staff
from crm.targets.models import EnrolmentTarget
from crm.visits.models import Visit

__all__ = [
    "AuditEvent",
    "AuthToken",
    "Base",
    "Callback",
    "CallbackAttempt",
    "CallbackPolicy",
    "Dealer",
    "EnrolmentTarget",
    "Feedback",
    "FeedbackEvent",
    "IdempotencyKey",
    "Member",
    "Staff",
    "Store",
    "Visit",
]
