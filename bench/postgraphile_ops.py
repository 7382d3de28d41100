"""The six benchmark reads as PostGraphile v4 documents, asking for the same data as our API's documents.

PostGraphile's schema is generated from the tables, so the names differ (allMembers,
storeByHomeStoreId, visitsByMemberId...), lists are connections read through `nodes`, IDs are
the raw bigint primary keys and consent is three flat columns. Where it cannot say exactly
what our API computes, the document gets as close as is fair and the comment says what is
missing; bench/postgraphile/NOTES.md has the full list:

- `overdue` (CallbackAgenda, MemberProfile), `progress`, the pacing fields and `history`
  (EnrolmentProgress) are computed by our API; PostGraphile has no such column, so the client
  would derive them from dueOn, from targetCount/enrolledCount and the day, and from the earlier
  months' targets and counts. The documents fetch the inputs, not the answers.
- Business-time arguments (the Asia/Shanghai day of Segment, the month of EnrolmentProgress)
  are turned into UTC instants by `variables()`, on the client, as any PostGraphile client would.
- preferences and visit items come back as the stored jsonb (--dynamic-json), not normalised.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
CLOSED_FEEDBACK = ["NOT_UPHELD", "CLOSED"]
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")

# Latest N store visits per member: PostGraphile v4 compiles a nested `first:` into a per-parent
# subquery with ORDER BY ... LIMIT inside the one statement it sends, so the rows are exactly ours.
_RECENT_VISITS = (
    'visitsByMemberId(first: {n}, orderBy: [VISITED_AT_DESC, ID_DESC], condition: {{kind: "MEMBER_STORE"}})'
)

CALLBACK_AGENDA = """
query CallbackAgenda($assigneeId: BigInt!, $dueTo: Date!, $first: Int = 50, $closedFeedback: [String!]!) {
  allCallbacks(
    condition: { assigneeId: $assigneeId, status: "OPEN" }
    filter: { dueOn: { lessThanOrEqualTo: $dueTo } }
    orderBy: [PRIORITY_DESC, DUE_ON_ASC, ID_ASC]
    first: $first
  ) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id
        purpose
        channel
        dueOn  # overdue is not a column: every row is OPEN, so it is dueOn < today, on the client
        priority
        attempts
        notes
        memberByMemberId {
          id
          name
          phone
          tier
          lastVisitAt
          lifetimeSpend
          consentPhone
          consentSms
          consentWechat
          preferences
          feedbacksByMemberId(
            filter: { status: { notIn: $closedFeedback } }
            orderBy: [RECEIVED_AT_DESC, ID_DESC]
          ) {
            nodes { id kind status }
          }
        }
        dealerByDealerId { id name contactName contactPhone }
      }
    }
  }
}
"""

MEMBER_PAGE = (
    """
query MemberPage($storeId: BigInt!, $first: Int = 50) {
  allMembers(condition: { homeStoreId: $storeId }, orderBy: [ENROLLED_AT_DESC, ID_DESC], first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id
        memberNo
        name
        phone
        tier
        status
        enrolledAt
        lastVisitAt
        storeByHomeStoreId { id name dealerByDealerId { id name } }
        staffByManagerId { id displayName }
        RECENT_VISITS {
          nodes { id visitedAt purchaseAmount }
        }
      }
    }
  }
}
"""
).replace("RECENT_VISITS", _RECENT_VISITS.format(n=3))

# Our API fetches the member with node(id:) and a global ID; memberById(id:) is the direct equivalent.
MEMBER_PROFILE = (
    """
query MemberProfile($id: BigInt!, $closedFeedback: [String!]!) {
  memberById(id: $id) {
    id
    memberNo
    name
    phone
    gender
    birthday
    tier
    status
    enrolledAt
    lastVisitAt
    version
    consentPhone
    consentSms
    consentWechat
    preferences
    tags
    notes
    storeByHomeStoreId { id name city dealerByDealerId { id name } }
    staffByManagerId { id displayName }
    staffByEnrolledById { id displayName }
    RECENT_VISITS {
      nodes {
        id
        visitedAt
        purchaseAmount
        itemCount
        items
        storeByStoreId { id name }
      }
    }
    callbacksByMemberId(condition: { status: "OPEN" }, orderBy: [DUE_ON_ASC, ID_ASC]) {
      nodes {
        id
        purpose
        channel
        dueOn  # overdue: dueOn < today (every row is OPEN), on the client
        attempts
        staffByAssigneeId { id displayName }
      }
    }
    feedbacksByMemberId(filter: { status: { notIn: $closedFeedback } }, orderBy: [RECEIVED_AT_DESC, ID_DESC]) {
      nodes {
        id
        kind
        channel
        status
        content
        receivedAt
        feedbackEventsByFeedbackId(orderBy: [CREATED_AT_ASC, ID_ASC]) {
          nodes {
            fromStatus
            toStatus
            note
            createdAt
            staffByActorId { id displayName }
          }
        }
      }
    }
  }
}
"""
).replace("RECENT_VISITS", _RECENT_VISITS.format(n=20))

# enrolledCount is exact for STORE targets: the store's members enrolled within the month's
# Asia/Shanghai bounds (UTC instants from variables()), duplicates left out (duplicateOfId null).
# progress and the pacing fields (expectedByToday, forecast, neededPerDay, daysRemaining, status,
# pacingCalendar) are computed by our API, not columns: the client derives them from targetCount,
# enrolledCount and the day with crm.targets.pacing's arithmetic, like overdue above. history(months: 6)
# is not a column either: the document fetches its inputs, the same store's STORE targets of the six
# months before and, per month, the store's members enrolled then (one aliased count per month, bounds
# from variables()), and the client pairs them up. HISTORY_MONTHS is fixed in the document, as the
# operation sends it (our document's default).
HISTORY_MONTHS = 6
# Month k before the target's runs from $from<k> to $from<k-1> ($from for k = 1).
_HISTORY_COUNTS = "\n".join(
    f"""          enrolledMinus{k}: membersByHomeStoreId(
            filter: {{ enrolledAt: {{ greaterThanOrEqualTo: $from{k}, lessThan: $from{k - 1 or ""} }}, \
duplicateOfId: {{ isNull: true }} }}
          ) {{ totalCount }}"""
    for k in range(HISTORY_MONTHS, 0, -1)
)
ENROLMENT_PROGRESS = """
query EnrolmentProgress(
  $month: Date!
  $from: Datetime!
  $to: Datetime!
  $historyFrom: Date!
  HISTORY_BOUNDS
  $first: Int = 100
) {
  allEnrolmentTargets(
    condition: { month: $month, scope: "STORE" }
    orderBy: [SCOPE_ASC, SCOPE_KEY_ASC, ID_ASC]
    first: $first
  ) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id
        month
        scope
        region
        targetCount
        storeByStoreId {
          id
          name
          enrolled: membersByHomeStoreId(
            filter: { enrolledAt: { greaterThanOrEqualTo: $from, lessThan: $to }, duplicateOfId: { isNull: true } }
          ) {
            totalCount
          }
          history: enrolmentTargetsByStoreId(
            condition: { scope: "STORE" }
            filter: { month: { greaterThanOrEqualTo: $historyFrom, lessThan: $month } }
            orderBy: [MONTH_ASC]
          ) {
            nodes { month targetCount }
          }
HISTORY_COUNTS
        }
        staffByStaffId { id displayName }
        dealerByDealerId { id name }
      }
    }
  }
}
""".replace("HISTORY_BOUNDS", "\n  ".join(f"$from{k}: Datetime!" for k in range(HISTORY_MONTHS, 0, -1))).replace(
    "HISTORY_COUNTS", _HISTORY_COUNTS
)

# LAST_VISIT_AT_NULLS_LAST_DESC comes from bench/postgraphile/nulls-last-order.js: the built-in
# LAST_VISIT_AT_DESC would put never-seen members first; ours sorts them as 1900-01-01, i.e. last.
SEGMENT = """
query Segment($tier: String!, $before: Datetime!, $first: Int = 50) {
  allMembers(
    condition: { tier: $tier }
    filter: { or: [{ lastVisitAt: { lessThan: $before } }, { lastVisitAt: { isNull: true } }] }
    orderBy: [LAST_VISIT_AT_NULLS_LAST_DESC, ID_DESC]
    first: $first
  ) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id
        memberNo
        name
        phone
        tier
        status
        enrolledAt
        lastVisitAt
        storeByHomeStoreId { id name city region }
      }
    }
  }
}
"""

STORE_EXPORT = (
    """
query StoreExport($first: Int = 50, $members: Int = 20) {
  allStores(orderBy: [CODE_ASC, ID_ASC], first: $first) {
    totalCount
    edges {
      node {
        id
        code
        name
        city
        region
        dealerByDealerId { id name }
        membersByHomeStoreId(first: $members, orderBy: [ENROLLED_AT_DESC, ID_DESC]) {
          nodes {
            id
            memberNo
            name
            tier
            lastVisitAt
            RECENT_VISITS {
              nodes { id visitedAt purchaseAmount }
            }
            callbacksByMemberId(condition: { status: "OPEN" }, orderBy: [DUE_ON_ASC, ID_ASC]) {
              nodes { id purpose dueOn status }
            }
          }
        }
      }
    }
  }
}
"""
).replace("RECENT_VISITS", _RECENT_VISITS.format(n=3))

DOCUMENTS: dict[str, str] = {
    "CallbackAgenda": CALLBACK_AGENDA,
    "MemberPage": MEMBER_PAGE,
    "MemberProfile": MEMBER_PROFILE,
    "EnrolmentProgress": ENROLMENT_PROGRESS,
    "Segment": SEGMENT,
    "StoreExport": STORE_EXPORT,
}


def _day_start(day: dt.date) -> str:
    """The UTC instant an Asia/Shanghai day starts, as PostGraphile's Datetime input takes it."""
    return dt.datetime.combine(day, dt.time(), BUSINESS_TZ).astimezone(dt.UTC).isoformat()


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months after (n < 0: before) the month of `month`."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _month(raw: str) -> tuple[dt.date, dt.date]:
    match = _MONTH.match(raw)
    if match is None:
        raise ValueError(f"month must be YYYY-MM, not {raw!r}")
    start = dt.date(int(match.group(1)), int(match.group(2)), 1)
    return start, add_months(start, 1)


def variables(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """PostGraphile variables for an operation's plain parameters (BigInt IDs travel as strings)."""
    if name == "CallbackAgenda":
        return {
            "assigneeId": str(params["assignee_id"]),
            "dueTo": str(params["due_to"]),
            "first": params.get("first", 50),
            "closedFeedback": CLOSED_FEEDBACK,
        }
    if name == "MemberPage":
        return {"storeId": str(params["store_id"]), "first": params.get("first", 50)}
    if name == "MemberProfile":
        return {"id": str(params["member_id"]), "closedFeedback": CLOSED_FEEDBACK}
    if name == "EnrolmentProgress":
        start, following = _month(str(params["month"]))
        if params.get("months", HISTORY_MONTHS) != HISTORY_MONTHS:
            raise ValueError(f"the PostGraphile document asks for {HISTORY_MONTHS} months of history")
        history = [add_months(start, -k) for k in range(1, HISTORY_MONTHS + 1)]
        return {
            "month": start.isoformat(),
            "from": _day_start(start),
            "to": _day_start(following),
            "historyFrom": history[-1].isoformat(),
            **{f"from{k}": _day_start(m) for k, m in enumerate(history, 1)},
            "first": params.get("first", 100),
        }
    if name == "Segment":
        return {
            "tier": params["tier"],
            "before": _day_start(dt.date.fromisoformat(str(params["last_visit_before"]))),
            "first": params.get("first", 50),
        }
    if name == "StoreExport":
        return {"first": params.get("first", 50), "members": params.get("members", 20)}
    raise KeyError(f"no PostGraphile document for {name}")
