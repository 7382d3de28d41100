"""Call planning from policies: which follow-up calls to make, by whom, on which day.

Everything is set-based: each policy adds its candidates to a temporary table with one
INSERT ... SELECT, and the candidates are placed on days with one statement per day of the
period (not per member). A candidate's key (purpose + what it is about) is unique in the
callback table, so planning a period twice creates nothing new.

Placing: each day, every assignee's waiting candidates (due that day or earlier) are ranked
most important first (policy priority, overdue, member tier, lifetime spend, earliest) and as
many as fit under the assignee's daily capacity (minus calls already due that day) are created.
What does not fit by the end of the period is deferred: the next run picks it up again. A birthday
greeting is never placed after the birthday (latest_on): one that does not fit by then is deferred.
Calls nobody is assigned to (a member without a manager) are created on their day, unassigned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.models import AuditEvent
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.businesstime import business_day_start, today
from crm.callbacks.models import Callback, CallbackPolicy
from crm.callbacks.service import reachable_channel
from crm.config import BUSINESS_TZ
from crm.dealers.models import Dealer
from crm.enums import CallbackPurpose, CallbackStatus, Channel, PartyKind
from crm.errors import ErrorCode
from crm.feedback.models import Feedback
from crm.members.birthdays import lunar_year_dates
from crm.members.models import Member
from crm.staff.models import Staff
from crm.validation import Checks

MAX_PERIOD_DAYS = 31
# How far back a trigger may lie and still be planned (a missed night is caught up).
CATCH_UP_DAYS = 7
COMPLAINT_CATCH_UP_DAYS = 30
TZ = str(BUSINESS_TZ)

# The channel to fall back on, in order, when a member refused the policy's channel (in SQL what
# service.reachable_channel does for one member).
_FALLBACK_SQL = """
CASE
    WHEN CASE CAST(:channel AS text) WHEN 'PHONE' THEN m.consent_phone WHEN 'SMS' THEN m.consent_sms
         ELSE m.consent_wechat END THEN CAST(:channel AS text)
    WHEN m.consent_wechat THEN 'WECHAT'
    WHEN m.consent_sms THEN 'SMS'
    WHEN m.consent_phone THEN 'PHONE'
END"""
_TIER_RANK = "CASE m.tier WHEN 'DIAMOND' THEN 3 WHEN 'PLATINUM' THEN 2 WHEN 'GOLD' THEN 1 ELSE 0 END"
_DEALER_RANK = "CASE d.tier WHEN 'STRATEGIC' THEN 2 WHEN 'KEY' THEN 1 ELSE 0 END"
# Members a policy may call: not closed, not erased, not a duplicate record of another member, in the
# policy's tiers, tags and regions.
_MEMBER_FILTER = """
    m.status <> 'CLOSED' AND m.erased_at IS NULL AND m.duplicate_of_id IS NULL
    AND (cardinality(CAST(:tiers AS text[])) = 0 OR m.tier = ANY(CAST(:tiers AS text[])))
    AND (cardinality(CAST(:tags AS text[])) = 0 OR m.tags && CAST(:tags AS varchar[]))
    AND (cardinality(CAST(:regions AS text[])) = 0 OR hs.region = ANY(CAST(:regions AS text[])))"""
_MEMBER_COLUMNS = f"""
    'MEMBER', m.id, NULL::bigint, CAST(:purpose AS text), CAST(:policy_id AS bigint),
    {_FALLBACK_SQL}, CAST(:channel AS text), CAST(:priority AS int), {_TIER_RANK}, m.lifetime_spend,
    CAST(:max_attempts AS int), ma.id, NULL::date"""
_MEMBER_FROM = """
    member m
    JOIN store hs ON hs.id = m.home_store_id
    LEFT JOIN staff ma ON ma.id = m.manager_id AND ma.active"""
_DEALER_COLUMNS = f"""
    'DEALER', NULL::bigint, d.id, CAST(:purpose AS text), CAST(:policy_id AS bigint),
    CAST(:channel AS text), CAST(:channel AS text), CAST(:priority AS int), {_DEALER_RANK}, 0,
    CAST(:max_attempts AS int), coalesce(sc.id, rc.id), NULL::date"""
_DEALER_FROM = """
    dealer d
    LEFT JOIN staff sc ON sc.id = d.sales_clerk_id AND sc.active
    LEFT JOIN staff rc ON rc.id = d.receptionist_id AND rc.active"""
_CANDIDATE_COLUMNS = """
    plan_key, ideal_on, source_visit_id, feedback_id, party_kind, member_id, dealer_id, purpose, policy_id,
    channel, wanted_channel, priority, tier_rank, value, max_attempts, assignee_id, latest_on"""

_CANDIDATES: dict[CallbackPurpose, str] = {
    # N days after a purchase visit.
    CallbackPurpose.SATISFACTION: f"""
        SELECT 'SATISFACTION:v' || v.id, (timezone('{TZ}', v.visited_at))::date + CAST(:offset_days AS int),
               v.id, NULL::bigint,
               {_MEMBER_COLUMNS}
        FROM visit v JOIN {_MEMBER_FROM} ON m.id = v.member_id
        WHERE v.kind = 'MEMBER_STORE' AND v.purchase_amount > 0
          AND v.visited_at >= :trigger_from AND v.visited_at < :trigger_to AND {_MEMBER_FILTER}""",
    # N days before the birthday (this year's solar date of a lunar birthday); never after it.
    CallbackPurpose.BIRTHDAY: f"""
        WITH occasion AS (
            SELECT m.id AS member_id, 'S' || y AS occasion,
                   make_date(y, extract(month FROM m.birthday)::int,
                             least(extract(day FROM m.birthday)::int,
                                   extract(day FROM make_date(y, extract(month FROM m.birthday)::int, 1)
                                           + interval '1 month - 1 day')::int)) AS day
            FROM member m, generate_series(CAST(:first_year AS int), CAST(:last_year AS int)) AS y
            WHERE m.birthday IS NOT NULL AND m.lunar_birthday_month IS NULL
            UNION ALL
            SELECT m.id, 'L' || l.lunar_year, l.solar
            FROM member m
            JOIN unnest(CAST(:lunar_years AS int[]), CAST(:lunar_months AS int[]), CAST(:lunar_days AS int[]),
                        CAST(:lunar_solar AS date[])) AS l(lunar_year, month, day, solar)
              ON l.month = m.lunar_birthday_month AND l.day = m.lunar_birthday_day
        )
        SELECT 'BIRTHDAY:m' || m.id || ':' || o.occasion, o.day - CAST(:offset_days AS int), NULL::bigint, NULL::bigint,
               {_MEMBER_COLUMNS.replace("NULL::date", "o.day")}
        FROM occasion o JOIN {_MEMBER_FROM} ON m.id = o.member_id
        WHERE o.day BETWEEN CAST(:start AS date) AND CAST(:end AS date) + CAST(:offset_days AS int)
          AND {_MEMBER_FILTER}""",
    # No visit for N days and not called (nor a call waiting) in the last M days.
    CallbackPurpose.REACTIVATION: f"""
        SELECT 'REACTIVATION:m' || m.id || ':' || CAST(:start AS date), CAST(:start AS date), NULL::bigint,
               NULL::bigint, {_MEMBER_COLUMNS}
        FROM {_MEMBER_FROM}
        WHERE coalesce(m.last_visit_at, m.enrolled_at) < :idle_before AND {_MEMBER_FILTER}
          AND NOT EXISTS (
              SELECT 1 FROM callback c WHERE c.member_id = m.id
                AND (c.status = 'OPEN' OR coalesce(c.last_attempt_at, c.closed_at, c.created_at) >= :quiet_since))""",
    # The mandatory return call after a complaint is resolved (a safety net: resolving creates it).
    CallbackPurpose.COMPLAINT_FOLLOW_UP: f"""
        SELECT 'COMPLAINT_FOLLOW_UP:f' || f.id, r.day + CAST(:offset_days AS int), NULL::bigint, f.id,
               {_MEMBER_COLUMNS.replace("ma.id", "coalesce(ma.id, f.handler_id)")}
        FROM feedback f
        JOIN LATERAL (SELECT (timezone('{TZ}', max(e.created_at)))::date AS day FROM feedback_event e
                      WHERE e.feedback_id = f.id AND e.to_status = 'RESOLVED') r ON true
        JOIN {_MEMBER_FROM} ON m.id = f.member_id
        WHERE f.status = 'RESOLVED' AND r.day >= CAST(:start AS date) - {COMPLAINT_CATCH_UP_DAYS}
          AND m.erased_at IS NULL
        UNION ALL
        SELECT 'COMPLAINT_FOLLOW_UP:f' || f.id, r.day + CAST(:offset_days AS int), NULL::bigint, f.id,
               {_DEALER_COLUMNS.replace("coalesce(sc.id, rc.id)", "coalesce(rc.id, sc.id, f.handler_id)")}
        FROM feedback f
        JOIN LATERAL (SELECT (timezone('{TZ}', max(e.created_at)))::date AS day FROM feedback_event e
                      WHERE e.feedback_id = f.id AND e.to_status = 'RESOLVED') r ON true
        JOIN {_DEALER_FROM} ON d.id = f.dealer_id
        WHERE f.status = 'RESOLVED' AND r.day >= CAST(:start AS date) - {COMPLAINT_CATCH_UP_DAYS}""",
    # A campaign over a member segment, from its first day within the period.
    CallbackPurpose.PROMOTION: f"""
        SELECT 'PROMOTION:' || CAST(:campaign_code AS text) || '\\:m' || m.id,
               greatest(CAST(:campaign_starts_on AS date), CAST(:start AS date)), NULL::bigint, NULL::bigint,
               {_MEMBER_COLUMNS}
        FROM {_MEMBER_FROM}
        WHERE CAST(:campaign_code AS text) IS NOT NULL
          AND CAST(:campaign_starts_on AS date) <= CAST(:end AS date)
          AND CAST(:campaign_ends_on AS date) >= CAST(:start AS date)
          AND {_MEMBER_FILTER}""",
    # Every active dealer once a week, on the policy's weekday.
    CallbackPurpose.DEALER_SALES_TALK: f"""
        SELECT 'DEALER_SALES_TALK:d' || d.id || ':' || to_char(w.day, 'IYYY-IW'), w.day::date, NULL::bigint,
               NULL::bigint, {_DEALER_COLUMNS}
        FROM {_DEALER_FROM},
             generate_series(CAST(:start AS date) - 6, CAST(:end AS date), interval '1 day') AS w(day)
        WHERE d.active AND extract(isodow FROM w.day) = CAST(:weekday AS int)""",
    # Dealers late or overdue with payment, at most once per quiet period.
    CallbackPurpose.PAYMENT_REMINDER: f"""
        SELECT 'PAYMENT_REMINDER:d' || d.id || ':' || CAST(:start AS date), CAST(:start AS date), NULL::bigint,
               NULL::bigint, {_DEALER_COLUMNS}
        FROM {_DEALER_FROM}
        WHERE d.active AND d.payment_standing IN ('LATE', 'OVERDUE')
          AND NOT EXISTS (
              SELECT 1 FROM callback c WHERE c.dealer_id = d.id AND c.purpose = 'PAYMENT_REMINDER'
                AND (c.status = 'OPEN' OR coalesce(c.last_attempt_at, c.closed_at, c.created_at) >= :quiet_since))""",
}

_CREATE_CANDIDATES = """
CREATE TEMPORARY TABLE plan_candidate (
    plan_key text PRIMARY KEY,
    ideal_on date NOT NULL,
    source_visit_id bigint,
    feedback_id bigint,
    party_kind text NOT NULL,
    member_id bigint,
    dealer_id bigint,
    purpose text NOT NULL,
    policy_id bigint,
    channel text,
    wanted_channel text NOT NULL,
    priority int NOT NULL,
    tier_rank int NOT NULL,
    value numeric NOT NULL,
    max_attempts int NOT NULL,
    assignee_id bigint,
    latest_on date,
    placed_on date
) ON COMMIT DROP"""

# One day: rank each assignee's waiting candidates, create as many as fit, mark them placed.
_PLACE_DAY = """
WITH ranked AS (
    SELECT c.plan_key, c.assignee_id,
           row_number() OVER (PARTITION BY c.assignee_id
                              ORDER BY c.priority DESC, (c.ideal_on < CAST(:start AS date)) DESC, c.tier_rank DESC,
                                       c.value DESC, c.ideal_on, c.plan_key) AS rn
    FROM plan_candidate c
    WHERE c.placed_on IS NULL AND c.ideal_on <= CAST(:day AS date)
      AND (c.latest_on IS NULL OR c.latest_on >= CAST(:day AS date))
), room AS (
    SELECT s.id AS assignee_id, greatest(s.daily_call_capacity - count(cb.id), 0) AS free
    FROM staff s
    LEFT JOIN callback cb ON cb.assignee_id = s.id AND cb.status = 'OPEN' AND cb.due_on = CAST(:day AS date)
    WHERE s.id IN (SELECT DISTINCT assignee_id FROM ranked WHERE assignee_id IS NOT NULL)
    GROUP BY s.id
), chosen AS (
    SELECT r.plan_key FROM ranked r LEFT JOIN room ON room.assignee_id = r.assignee_id
    WHERE r.assignee_id IS NULL OR r.rn <= room.free
), created AS (
    INSERT INTO callback (party_kind, member_id, dealer_id, purpose, channel, due_on, assignee_id, priority,
                          max_attempts, policy_id, plan_key, source_visit_id, feedback_id)
    SELECT c.party_kind, c.member_id, c.dealer_id, c.purpose, c.channel, CAST(:day AS date), c.assignee_id, c.priority,
           c.max_attempts, c.policy_id, c.plan_key, c.source_visit_id, c.feedback_id
    FROM plan_candidate c JOIN chosen USING (plan_key)
    ORDER BY c.plan_key
    ON CONFLICT (plan_key) DO NOTHING
    RETURNING plan_key
)
UPDATE plan_candidate c SET placed_on = CAST(:day AS date) FROM created WHERE c.plan_key = created.plan_key"""

_SUMMARY = """
SELECT grouping(purpose) AS g_purpose, grouping(assignee_id) AS g_assignee, grouping(placed_on) AS g_day,
       purpose, assignee_id, placed_on, (placed_on IS NULL) AS deferred, (channel <> wanted_channel) AS switched,
       count(*) AS n
FROM plan_candidate
GROUP BY GROUPING SETS ((purpose, placed_on IS NULL), (assignee_id, placed_on IS NULL), (placed_on),
                        (channel <> wanted_channel, placed_on IS NULL))"""


@dataclass(slots=True)
class PlanCount:
    """How many calls of one purpose were created, deferred or skipped."""

    purpose: CallbackPurpose
    created: int = 0
    deferred: int = 0
    no_consent: int = 0
    already_planned: int = 0


@dataclass(slots=True)
class PlanResult:
    """What a planning run created (or would create, when previewed)."""

    start: dt.date
    end: dt.date
    committed: bool
    by_purpose: dict[CallbackPurpose, PlanCount] = field(default_factory=dict)
    by_assignee: dict[int | None, int] = field(default_factory=dict)
    by_day: dict[dt.date, int] = field(default_factory=dict)
    channel_changed: int = 0

    @property
    def created(self) -> int:
        """Calls created in all."""
        return sum(c.created for c in self.by_purpose.values())

    def count(self, purpose: CallbackPurpose) -> PlanCount:
        """The counts of one purpose (zeros when it planned nothing)."""
        return self.by_purpose.setdefault(purpose, PlanCount(purpose))


def _lunar_arrays(start: dt.date, end: dt.date) -> dict[str, list[Any]]:
    years, months, days, solars = [], [], [], []
    # A lunar year starts in late January or February: the one before reaches into this January.
    for lunar_year in range(start.year - 1, end.year + 1):
        for month, day, solar in lunar_year_dates(lunar_year):
            years.append(lunar_year)
            months.append(month)
            days.append(day)
            solars.append(solar)
    return {"lunar_years": years, "lunar_months": months, "lunar_days": days, "lunar_solar": solars}


def _policy_params(policy: CallbackPolicy, start: dt.date, end: dt.date) -> dict[str, Any]:
    offset = policy.offset_days
    return {
        "purpose": policy.purpose,
        "policy_id": policy.id,
        "channel": policy.channel,
        "priority": policy.priority,
        "max_attempts": policy.max_attempts,
        "tiers": list(policy.tiers),
        "tags": list(policy.tags),
        "regions": list(policy.regions),
        "offset_days": offset,
        "start": start,
        "end": end,
        "trigger_from": business_day_start(start - dt.timedelta(days=offset + CATCH_UP_DAYS)),
        "trigger_to": business_day_start(end - dt.timedelta(days=offset - 1)),
        "first_year": start.year,
        "last_year": (end + dt.timedelta(days=offset)).year,
        "idle_before": business_day_start(start - dt.timedelta(days=policy.idle_days)),
        "quiet_since": business_day_start(start - dt.timedelta(days=policy.quiet_days)),
        "campaign_code": policy.campaign_code,
        "campaign_starts_on": policy.campaign_starts_on,
        "campaign_ends_on": policy.campaign_ends_on,
        "weekday": policy.weekday,
    }


def check_period(start: dt.date, end: dt.date, *, now: dt.date) -> None:
    """Refuse a period that is reversed, longer than a month or already over."""
    checks = Checks()
    if end < start:
        checks.add("to", "The period ends before it starts.", ErrorCode.INVALID_DATE)
    elif (end - start).days + 1 > MAX_PERIOD_DAYS:
        checks.add("to", f"Plan at most {MAX_PERIOD_DAYS} days at a time.", ErrorCode.OUT_OF_RANGE)
    if start < now:
        checks.add("from", "The period must not start in the past.", ErrorCode.INVALID_DATE)
    checks.raise_if_any()


async def plan(
    session: AsyncSession,
    actor: Actor | None,
    start: dt.date,
    end: dt.date,
    *,
    commit: bool = True,
    now: dt.date | None = None,
) -> PlanResult:
    """Create the callbacks the enabled policies call for in start..end (Asia/Shanghai days).

    With commit=False the same work runs inside a savepoint that is rolled back: a preview.
    `actor` None is the nightly job (`crm plan`).
    """
    if actor is not None:
        actor.require(Op.CALLBACK_PLAN)
    check_period(start, end, now=now or today())
    policies = (await session.scalars(select(CallbackPolicy).where(CallbackPolicy.enabled))).all()
    savepoint = await session.begin_nested()
    try:
        result = await _run(session, policies, start, end)
        result.committed = commit
        if commit:
            session.add(
                AuditEvent(
                    actor_id=actor.staff_id if actor else None,
                    token_id=actor.token_id if actor else None,
                    request_id=actor.request_id if actor else None,
                    action="callbacksPlan",
                    entity_type="callback_plan",
                    entity_id=0,
                    before=None,
                    after={"from": start.isoformat(), "to": end.isoformat(), "created": result.created},
                )
            )
            await session.execute(text("DROP TABLE plan_candidate"))
            await savepoint.commit()
        else:
            await savepoint.rollback()
    except BaseException:
        if savepoint.is_active:
            await savepoint.rollback()
        raise
    return result


async def _run(session: AsyncSession, policies: Any, start: dt.date, end: dt.date) -> PlanResult:
    result = PlanResult(start=start, end=end, committed=False)
    await session.execute(text(_CREATE_CANDIDATES))
    lunar = _lunar_arrays(start, end + dt.timedelta(days=366))
    for policy in policies:
        purpose = CallbackPurpose(policy.purpose)
        if purpose not in _CANDIDATES:
            continue
        result.count(purpose)
        params = _policy_params(policy, start, end)
        if purpose is CallbackPurpose.BIRTHDAY:
            params |= lunar
        sql = f"INSERT INTO plan_candidate ({_CANDIDATE_COLUMNS}) {_CANDIDATES[purpose]} ON CONFLICT DO NOTHING"
        await session.execute(text(sql), params)
    # Already planned (an earlier run, or created by hand for the same thing): nothing to do.
    rows = await session.execute(
        text("DELETE FROM plan_candidate c USING callback cb WHERE cb.plan_key = c.plan_key RETURNING c.purpose")
    )
    for (purpose,) in rows:
        result.count(CallbackPurpose(purpose)).already_planned += 1
    # Members who agreed to no channel at all are not contacted.
    rows = await session.execute(text("DELETE FROM plan_candidate WHERE channel IS NULL RETURNING purpose"))
    for (purpose,) in rows:
        result.count(CallbackPurpose(purpose)).no_consent += 1
    day = start
    while day <= end:
        await session.execute(text(_PLACE_DAY), {"day": day, "start": start})
        day += dt.timedelta(days=1)
    for row in await session.execute(text(_SUMMARY)):
        if row.g_purpose == 0:
            counts = result.count(CallbackPurpose(row.purpose))
            if row.deferred:
                counts.deferred += row.n
            else:
                counts.created += row.n
        elif row.g_assignee == 0:
            if not row.deferred:
                result.by_assignee[row.assignee_id] = row.n
        elif row.g_day == 0:
            if row.placed_on is not None:
                result.by_day[row.placed_on] = row.n
        elif row.switched and not row.deferred:
            result.channel_changed += row.n
    return result


async def plan_complaint_follow_up(
    session: AsyncSession, feedback: Feedback, resolved_at: dt.datetime
) -> Callback | None:
    """Create the mandatory return call (處理後有回訪) after a complaint is resolved; once per complaint.

    It goes to the member's manager (a dealer's receptionist), else the complaint's handler, on the
    policy's offset after the day it was resolved, on a channel the member agreed to. A member who
    agreed to no channel gets no call (None): the handler records the return visit some other way.
    The call is made even when the policy is disabled: the return visit is mandatory.
    """
    policy = await session.scalar(
        select(CallbackPolicy).where(CallbackPolicy.purpose == CallbackPurpose.COMPLAINT_FOLLOW_UP)
    )
    channel: str = policy.channel if policy else Channel.PHONE
    assignee_id: int | None = None
    if feedback.member_id is not None:
        member = await session.get(Member, feedback.member_id)
        assert member is not None
        reachable = reachable_channel(member, channel)
        if reachable is None:
            return None
        channel = reachable
        assignee_id = member.manager_id
    else:
        dealer = await session.get(Dealer, feedback.dealer_id)
        assert dealer is not None
        assignee_id = dealer.receptionist_id or dealer.sales_clerk_id
    if assignee_id is not None:
        active = await session.scalar(select(Staff.active).where(Staff.id == assignee_id))
        if not active:
            assignee_id = None
    key = f"{CallbackPurpose.COMPLAINT_FOLLOW_UP}:f{feedback.id}"
    due_on = resolved_at.astimezone(BUSINESS_TZ).date() + dt.timedelta(days=policy.offset_days if policy else 1)
    stmt = (
        insert(Callback)
        .values(
            party_kind=PartyKind.MEMBER if feedback.member_id is not None else PartyKind.DEALER,
            member_id=feedback.member_id,
            dealer_id=feedback.dealer_id,
            purpose=CallbackPurpose.COMPLAINT_FOLLOW_UP,
            channel=channel,
            due_on=due_on,
            assignee_id=assignee_id or feedback.handler_id,
            status=CallbackStatus.OPEN,
            priority=policy.priority if policy else 3,
            max_attempts=policy.max_attempts if policy else 5,
            policy_id=policy.id if policy else None,
            plan_key=key,
            feedback_id=feedback.id,
        )
        .on_conflict_do_nothing(index_elements=["plan_key"])
    )
    await session.execute(stmt)
    return await session.scalar(select(Callback).where(Callback.plan_key == key))
