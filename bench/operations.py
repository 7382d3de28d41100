"""The operations the benchmark measures, each as its client sends it (documents in schema/operations/)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm.config import PROJECT_ROOT
from crm.ids import to_global_id
from crm.seed import PHONE_PREFIXES

SEED_FREE_SUFFIXES = 100_000

OPERATIONS_DIR = PROJECT_ROOT / "schema" / "operations"

Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Operation:
    """One client operation: its document, its plain parameters, and our API's variables for them."""

    name: str
    document: Path
    kind: str  # "read" (all systems) or "write" (our API only)
    params: Callable[[dict[str, Any], int], Params]  # (picked context, request number) -> parameters
    variables: Callable[[Params], dict[str, Any]]

    @property
    def query(self) -> str:
        return self.document.read_text(encoding="utf-8")


def _doc(path: str) -> Path:
    return OPERATIONS_DIR / path


def _unique_phone(ctx: dict[str, Any], i: int) -> Params:
    # The seed never hands out a number whose last eight digits are below 100 000 (crm/seed.py), so
    # those, over every valid prefix, are the benchmark's; each run continues after the earlier ones.
    n = ctx["phone_base"] + i
    prefix = PHONE_PREFIXES[(n // SEED_FREE_SUFFIXES) % len(PHONE_PREFIXES)][0]
    return {"phone": f"+86{prefix}{n % SEED_FREE_SUFFIXES:08d}"}


_POLICY_DEFAULTS = [
    ("COMPLAINT_FOLLOW_UP", 30),
    ("SATISFACTION", 14),
    ("BIRTHDAY", 30),
    ("REACTIVATION", 30),
    ("DEALER_SALES_TALK", 7),
    ("PAYMENT_REMINDER", 14),
]

OPERATIONS: list[Operation] = [
    Operation(
        "CallbackAgenda",
        _doc("web/CallbackAgenda.graphql"),
        "read",
        lambda ctx, i: {"assignee_id": ctx["assignee_id"], "due_to": ctx["today"], "first": 50},
        lambda p: {"assigneeId": to_global_id("Staff", p["assignee_id"]), "dueTo": p["due_to"], "first": p["first"]},
    ),
    Operation(
        "MemberPage",
        _doc("web/MemberPage.graphql"),
        "read",
        lambda ctx, i: {"store_id": ctx["store_id"], "first": 50},
        lambda p: {"filter": {"storeId": to_global_id("Store", p["store_id"])}, "first": p["first"]},
    ),
    Operation(
        "MemberProfile",
        _doc("web/MemberProfile.graphql"),
        "read",
        lambda ctx, i: {"member_id": ctx["member_id"]},
        lambda p: {"id": to_global_id("Member", p["member_id"])},
    ),
    Operation(
        "EnrolmentProgress",
        _doc("web/EnrolmentProgress.graphql"),
        "read",
        lambda ctx, i: {"month": ctx["month"], "first": 100},
        lambda p: {"month": p["month"], "scope": "STORE", "first": p["first"]},
    ),
    Operation(
        "TargetLeaderboard",
        _doc("web/TargetLeaderboard.graphql"),
        "read",
        lambda ctx, i: {"month": ctx["month"], "scope": "STORE", "first": 50},
        lambda p: {"month": p["month"], "scope": p["scope"], "first": p["first"]},
    ),
    Operation(
        "Segment",
        _doc("marketing/Segment.graphql"),
        "read",
        lambda ctx, i: {"tier": "GOLD", "last_visit_before": ctx["ninety_days_ago"], "first": 50},
        lambda p: {"tier": p["tier"], "lastVisitBefore": p["last_visit_before"], "first": p["first"]},
    ),
    Operation(
        "StoreExport",
        _doc("marketing/StoreExport.graphql"),
        "read",
        lambda ctx, i: {"first": 50, "members": 20},
        lambda p: {"first": p["first"], "members": p["members"]},
    ),
    Operation(
        "MemberLookup",
        _doc("mobile/MemberLookup.graphql"),
        "read",
        lambda ctx, i: {"phone": ctx["lookup_phone"]},
        lambda p: {"search": p["phone"]},
    ),
    Operation(
        "FeedbackList",
        _doc("web/FeedbackList.graphql"),
        "read",
        lambda ctx, i: {"open": True, "first": 50},
        lambda p: {"filter": {"open": p["open"]}, "first": p["first"]},
    ),
    Operation(
        "MemberTimeline",
        _doc("web/MemberTimeline.graphql"),
        "read",
        # The member with the most visits, open calls and open complaints: a long history.
        lambda ctx, i: {"member_id": ctx["member_id"], "first": 50},
        lambda p: {"id": to_global_id("Member", p["member_id"]), "first": p["first"]},
    ),
    Operation(
        "StaffScorecard",
        _doc("web/StaffScorecard.graphql"),
        "read",
        # The busiest caller's month so far.
        lambda ctx, i: {"staff_id": ctx["assignee_id"], "from": f"{ctx['month']}-01", "to": ctx["today"]},
        lambda p: {"staffId": to_global_id("Staff", p["staff_id"]), "from": p["from"], "to": p["to"]},
    ),
    Operation(
        "StaffScorecards",
        _doc("web/StaffScorecards.graphql"),
        "read",
        # A supervisor's quarter: every staff member, fifty a page.
        lambda ctx, i: {"from": ctx["ninety_days_ago"], "to": ctx["today"], "first": 50},
        lambda p: {"from": p["from"], "to": p["to"], "first": p["first"]},
    ),
    Operation(
        "FeedbackStats",
        _doc("web/FeedbackStats.graphql"),
        "read",
        # The supervisor's review: the last ninety days by month, cause and outcome.
        lambda ctx, i: {"from": ctx["ninety_days_ago"], "to": ctx["today"]},
        lambda p: {"from": p["from"], "to": p["to"], "groupBy": ["MONTH", "CAUSE", "OUTCOME"]},
    ),
    Operation(
        "MemberEnrol",
        _doc("mobile/MemberEnrol.graphql"),
        "write",
        lambda ctx, i: {**_unique_phone(ctx, i), "store_id": ctx["store_id"], "name": f"壓測{i}"},
        lambda p: {
            "input": {"name": p["name"], "phone": p["phone"], "homeStoreId": to_global_id("Store", p["store_id"])}
        },
    ),
    Operation(
        "VisitRecord",
        _doc("mobile/VisitRecord.graphql"),
        "write",
        lambda ctx, i: {"member_id": ctx["members"][i % len(ctx["members"])], "amount": f"{100 + i % 900}.00"},
        lambda p: {
            "input": {
                "memberId": to_global_id("Member", p["member_id"]),
                "purchaseAmount": p["amount"],
                "items": [{"name": "針織衫", "quantity": 1, "amount": p["amount"]}],
            }
        },
    ),
    Operation(
        "CallbackClose",
        _doc("web/CallbackClose.graphql"),
        "write",
        lambda ctx, i: {"callback_id": ctx["open_callbacks"][i % len(ctx["open_callbacks"])]},
        lambda p: {
            "input": {
                "id": to_global_id("Callback", p["callback_id"]),
                "status": "DONE",
                "satisfaction": 4,
                "outcomeNotes": "壓測回訪",
            }
        },
    ),
    Operation(
        "MemberUpdate",
        _doc("web/MemberUpdate.graphql"),
        "write",
        lambda ctx, i: {"member_id": ctx["members"][i % len(ctx["members"])], "notes": f"壓測備註 {i}"},
        lambda p: {"input": {"id": to_global_id("Member", p["member_id"]), "notes": p["notes"]}},
    ),
    Operation(
        "CallbackCreate",
        _doc("web/CallbackCreate.graphql"),
        "write",
        lambda ctx, i: {"member_id": ctx["members"][i % len(ctx["members"])], "due_on": ctx["today"]},
        lambda p: {
            "input": {
                "memberId": to_global_id("Member", p["member_id"]),
                "purpose": "SATISFACTION",
                "dueOn": p["due_on"],
            }
        },
    ),
    Operation(
        "CallbackLogAttempt",
        _doc("web/CallbackLogAttempt.graphql"),
        "write",
        # From the far end of the pool, so that CallbackClose (from the near end) finds its calls open.
        lambda ctx, i: {"callback_id": ctx["open_callbacks"][-1 - i % len(ctx["open_callbacks"])]},
        lambda p: {
            "input": {
                "id": to_global_id("Callback", p["callback_id"]),
                "reached": True,
                "outcome": "WILL_VISIT",
                "satisfaction": 5,
                "notes": "壓測：下週到店",
            }
        },
    ),
    Operation(
        "CallbackPolicies",
        _doc("web/CallbackPolicies.graphql"),
        "read",
        lambda ctx, i: {},
        lambda p: {},
    ),
    Operation(
        "CallbackPolicyUpdate",
        _doc("web/CallbackPolicyUpdate.graphql"),
        "write",
        # Sets each policy's conversion window to the value the migration gives it: a real write, same rules.
        lambda ctx, i: {"purpose": _POLICY_DEFAULTS[i % len(_POLICY_DEFAULTS)][0]},
        lambda p: {"input": {"purpose": p["purpose"], "conversionDays": dict(_POLICY_DEFAULTS)[p["purpose"]]}},
    ),
    Operation(
        "CallbacksPlan",
        _doc("web/CallbacksPlan.graphql"),
        "write",
        # A preview of the coming week: the whole planning work, rolled back.
        lambda ctx, i: {"from": ctx["today"], "to": ctx["week_end"]},
        lambda p: {"input": {"from": p["from"], "to": p["to"], "commit": False}},
    ),
    Operation(
        "CallbackUpdate",
        _doc("web/CallbackUpdate.graphql"),
        "write",
        lambda ctx, i: {"callback_id": ctx["reschedule"][i % len(ctx["reschedule"])], "priority": i % 4},
        lambda p: {"input": {"id": to_global_id("Callback", p["callback_id"]), "priority": p["priority"]}},
    ),
    Operation(
        "FeedbackSubmit",
        _doc("web/FeedbackSubmit.graphql"),
        "write",
        lambda ctx, i: {"member_id": ctx["members"][i % len(ctx["members"])]},
        lambda p: {
            "input": {
                "memberId": to_global_id("Member", p["member_id"]),
                "kind": "SUGGESTION",
                "channel": "STORE",
                "content": "希望增加大碼選擇",
            }
        },
    ),
    Operation(
        "FeedbackTransition",
        _doc("web/FeedbackTransition.graphql"),
        "write",
        # Judge a received case valid: each request takes the next case of a pool of RECEIVED ones.
        lambda ctx, i: {"feedback_id": ctx["feedback_received"][i % len(ctx["feedback_received"])]},
        lambda p: {
            "input": {
                "id": to_global_id("Feedback", p["feedback_id"]),
                "to": "ASSESSED",
                "note": "壓測：情況屬實，三日內回覆",
            }
        },
    ),
    Operation(
        "TargetSet",
        _doc("web/TargetSet.graphql"),
        "write",
        lambda ctx, i: {"store_id": ctx["store_id"], "month": ctx["month"], "count": 40 + i % 20},
        lambda p: {
            "input": {
                "month": p["month"],
                "scope": "STORE",
                "scopeId": to_global_id("Store", p["store_id"]),
                "targetCount": p["count"],
            }
        },
    ),
    Operation(
        "TargetSetBulk",
        _doc("web/TargetSetBulk.graphql"),
        "write",
        # One count for every store of a region: the set-based path (a region's stores in one statement).
        lambda ctx, i: {"month": ctx["month"], "region": "EAST", "count": 40 + i % 20},
        lambda p: {"input": {"month": p["month"], "scope": "STORE", "region": p["region"], "targetCount": p["count"]}},
    ),
]

BY_NAME = {op.name: op for op in OPERATIONS}
