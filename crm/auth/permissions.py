"""Who may do what: the permission matrix, written once.

Rows are operations, cells the roles allowed. Row scoping (which members, stores,
dealers...) is in crm/auth/scoping.py; personal-data protection per role is
PERSONAL_DATA below. The README's table is rendered from these (crm permissions).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from crm.enums import Role

ADMIN, SUPERVISOR, VIP_MANAGER, STORE_STAFF, RECEPTIONIST, SALES_CLERK, MARKETING = (
    Role.ADMIN,
    Role.SUPERVISOR,
    Role.VIP_MANAGER,
    Role.STORE_STAFF,
    Role.RECEPTIONIST,
    Role.SALES_CLERK,
    Role.MARKETING,
)
EVERYONE = frozenset(Role)


class Op(enum.StrEnum):
    """An operation a request may perform; API token scopes are lists of these."""

    MEMBER_READ = "MEMBER_READ"
    MEMBER_ENROL = "MEMBER_ENROL"
    MEMBER_UPDATE = "MEMBER_UPDATE"
    MEMBER_EXPORT = "MEMBER_EXPORT"
    MEMBER_ERASE = "MEMBER_ERASE"
    VISIT_READ = "VISIT_READ"
    VISIT_RECORD_MEMBER = "VISIT_RECORD_MEMBER"
    VISIT_RECORD_DEALER = "VISIT_RECORD_DEALER"
    CALLBACK_READ = "CALLBACK_READ"
    CALLBACK_WRITE = "CALLBACK_WRITE"
    CALLBACK_PLAN = "CALLBACK_PLAN"
    CALLBACK_POLICY_WRITE = "CALLBACK_POLICY_WRITE"
    FEEDBACK_READ = "FEEDBACK_READ"
    FEEDBACK_SUBMIT = "FEEDBACK_SUBMIT"
    FEEDBACK_HANDLE = "FEEDBACK_HANDLE"
    FEEDBACK_CONFIGURE = "FEEDBACK_CONFIGURE"
    DEALER_READ = "DEALER_READ"
    DEALER_WRITE = "DEALER_WRITE"
    STORE_READ = "STORE_READ"
    STORE_WRITE = "STORE_WRITE"
    STAFF_READ = "STAFF_READ"
    STAFF_WRITE = "STAFF_WRITE"
    TARGET_READ = "TARGET_READ"
    TARGET_SET = "TARGET_SET"
    SCORECARD_READ = "SCORECARD_READ"
    AUDIT_READ = "AUDIT_READ"
    TOKEN_MANAGE = "TOKEN_MANAGE"  # noqa: S105  (an operation name)


MATRIX: dict[Op, frozenset[Role]] = {
    Op.MEMBER_READ: EVERYONE,
    Op.MEMBER_ENROL: frozenset({ADMIN, VIP_MANAGER, STORE_STAFF}),
    Op.MEMBER_UPDATE: frozenset({ADMIN, SUPERVISOR, VIP_MANAGER, STORE_STAFF}),
    Op.MEMBER_EXPORT: frozenset({ADMIN}),
    Op.MEMBER_ERASE: frozenset({ADMIN}),
    Op.VISIT_READ: EVERYONE,
    Op.VISIT_RECORD_MEMBER: frozenset({ADMIN, VIP_MANAGER, STORE_STAFF}),
    Op.VISIT_RECORD_DEALER: frozenset({ADMIN, RECEPTIONIST, SALES_CLERK}),
    Op.CALLBACK_READ: frozenset({ADMIN, SUPERVISOR, VIP_MANAGER, RECEPTIONIST, SALES_CLERK, MARKETING}),
    Op.CALLBACK_WRITE: frozenset({ADMIN, SUPERVISOR, VIP_MANAGER, RECEPTIONIST, SALES_CLERK}),
    # Planning writes calls for everyone's members and dealers: the nightly job's owners.
    Op.CALLBACK_PLAN: frozenset({ADMIN, SUPERVISOR}),
    Op.CALLBACK_POLICY_WRITE: frozenset({ADMIN}),
    Op.FEEDBACK_READ: EVERYONE,
    Op.FEEDBACK_SUBMIT: EVERYONE - {MARKETING},
    # Moving a complaint through the closed loop: the people who own members' and dealers' feedback.
    Op.FEEDBACK_HANDLE: frozenset({ADMIN, SUPERVISOR, VIP_MANAGER, RECEPTIONIST}),
    Op.FEEDBACK_CONFIGURE: frozenset({ADMIN, SUPERVISOR}),
    Op.DEALER_READ: EVERYONE,
    Op.DEALER_WRITE: frozenset({ADMIN, RECEPTIONIST, SALES_CLERK}),
    Op.STORE_READ: EVERYONE,
    Op.STORE_WRITE: frozenset({ADMIN}),
    Op.STAFF_READ: EVERYONE,
    Op.STAFF_WRITE: frozenset({ADMIN}),
    Op.TARGET_READ: EVERYONE,
    Op.TARGET_SET: frozenset({ADMIN, VIP_MANAGER}),
    Op.SCORECARD_READ: frozenset({ADMIN, SUPERVISOR, VIP_MANAGER}),
    Op.AUDIT_READ: frozenset({ADMIN, SUPERVISOR}),
    Op.TOKEN_MANAGE: frozenset({ADMIN}),
}


class Exposure(enum.StrEnum):
    """How a personal field is shown to a role."""

    FULL = "FULL"
    MASKED = "MASKED"  # phone 138****5678, name 王**
    HIDDEN = "HIDDEN"  # null


@dataclass(frozen=True, slots=True)
class PersonalData:
    """What a role sees of members' names, phones and birthdays (and contacts' phones)."""

    name: Exposure
    phone: Exposure
    birthday: Exposure


_FULL = PersonalData(Exposure.FULL, Exposure.FULL, Exposure.FULL)
_MASKED = PersonalData(Exposure.MASKED, Exposure.MASKED, Exposure.HIDDEN)

PERSONAL_DATA: dict[Role, PersonalData] = {
    ADMIN: _FULL,
    SUPERVISOR: _FULL,
    VIP_MANAGER: _FULL,
    STORE_STAFF: _FULL,
    # Dealer-facing staff work with dealers, not members: they see that a member exists, not who.
    RECEPTIONIST: _MASKED,
    SALES_CLERK: _MASKED,
    # Marketing works on aggregates and segments: never a full number or a birthday.
    MARKETING: _MASKED,
}

# What an API token may be granted for each kind of client (a token never exceeds its owner's role).
TOKEN_PRESETS: dict[str, frozenset[Op]] = {
    "MOBILE": frozenset(
        {
            Op.MEMBER_READ,
            Op.MEMBER_ENROL,
            Op.MEMBER_UPDATE,
            Op.VISIT_READ,
            Op.VISIT_RECORD_MEMBER,
            Op.FEEDBACK_READ,
            Op.FEEDBACK_SUBMIT,
            Op.STORE_READ,
            Op.STAFF_READ,
            Op.TARGET_READ,
        }
    ),
    "MARKETING": frozenset(
        {
            Op.MEMBER_READ,
            Op.VISIT_READ,
            Op.CALLBACK_READ,
            Op.FEEDBACK_READ,
            Op.DEALER_READ,
            Op.STORE_READ,
            Op.TARGET_READ,
        }
    ),
}


def allowed(role: Role, op: Op) -> bool:
    """Tell whether a role may perform an operation at all (before row scoping)."""
    return role in MATRIX[op]


def render_markdown() -> str:
    """The matrix as a Markdown table, for the README."""
    roles = list(Role)
    head = "| operation | " + " | ".join(r.value.lower() for r in roles) + " |"
    rule = "| --- |" + " :-: |" * len(roles)
    rows = [f"| `{op.value}` | " + " | ".join("✓" if r in MATRIX[op] else "" for r in roles) + " |" for op in Op]
    pii = [
        "",
        "| personal data | " + " | ".join(r.value.lower() for r in roles) + " |",
        rule,
        *(
            f"| {field} | " + " | ".join(getattr(PERSONAL_DATA[r], field).value.lower() for r in roles) + " |"
            for field in ("name", "phone", "birthday")
        ),
    ]
    return "\n".join([head, rule, *rows, *pii]) + "\n"
