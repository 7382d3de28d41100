"""Callback queries and mutations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from crm.auth.actor import Actor
from crm.callbacks import planning, service
from crm.callbacks.models import Callback
from crm.callbacks.service import CallbackOrder
from crm.callbacks.types import CallbackPolicyType, CallbackType
from crm.db import SerialSession
from crm.enums import (
    CallbackPurpose,
    CallbackStatus,
    CallOutcome,
    Channel,
    MemberTier,
    NonConversionReason,
    PartyKind,
    Region,
)
from crm.graphql.context import Info
from crm.graphql.payloads import UserError, decode_ids, mutate, mutate_once, pop_pk, provided
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, load_one, to_connection
from crm.ids import pk_of
from crm.staff.types import StaffType


@strawberry.input(description="Filters for the callback list; all given filters must match.")
class CallbackFilter:
    assignee_id: strawberry.ID | None = strawberry.field(default=None, description="Staff member making the calls.")
    status: CallbackStatus | None = strawberry.field(default=None, description="Status.")
    purpose: CallbackPurpose | None = strawberry.field(default=None, description="Purpose.")
    party_kind: PartyKind | None = strawberry.field(default=None, description="Member or dealer callbacks.")
    member_id: strawberry.ID | None = strawberry.field(default=None, description="Member contacted.")
    dealer_id: strawberry.ID | None = strawberry.field(default=None, description="Dealer contacted.")
    due_from: dt.date | None = strawberry.field(default=None, description="Due on or after this day.")
    due_to: dt.date | None = strawberry.field(default=None, description="Due on or before this day.")
    overdue: bool | None = strawberry.field(
        default=None, description="true: open and past due (Asia/Shanghai); false: the others."
    )


@strawberry.input(description="A new callback to a member (memberId) or a dealer (dealerId).")
class CallbackCreateInput:
    member_id: strawberry.ID | None = strawberry.field(default=None, description="Member to contact.")
    dealer_id: strawberry.ID | None = strawberry.field(default=None, description="Dealer to contact.")
    purpose: CallbackPurpose = strawberry.field(description="Why the contact is made.")
    due_on: dt.date = strawberry.field(description="Day it is due, today or later (Asia/Shanghai).")
    channel: Channel | None = strawberry.field(
        default=strawberry.UNSET, description="Channel (default PHONE); the member must have agreed to it."
    )
    assignee_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="Who makes it.")
    priority: int | None = strawberry.field(default=strawberry.UNSET, description="0 (default) to 3.")
    feedback_id: strawberry.ID | None = strawberry.field(default=None, description="Complaint it follows up.")
    notes: str | None = strawberry.field(default=strawberry.UNSET, description="Notes, at most 2000 characters.")


@strawberry.input(description="Changes to an open callback; only the fields sent are changed.")
class CallbackUpdateInput:
    id: strawberry.ID = strawberry.field(description="The callback to change.")
    purpose: CallbackPurpose | None = strawberry.field(default=strawberry.UNSET, description="Purpose.")
    due_on: dt.date | None = strawberry.field(default=strawberry.UNSET, description="New due day, today or later.")
    channel: Channel | None = strawberry.field(default=strawberry.UNSET, description="Channel.")
    assignee_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="New assignee; null leaves it unassigned."
    )
    priority: int | None = strawberry.field(default=strawberry.UNSET, description="0 to 3.")
    notes: str | None = strawberry.field(default=strawberry.UNSET, description="Notes; null clears them.")
    version: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The version the change is based on; a newer stored one gives STALE_VERSION.",
    )


@strawberry.input(description="The outcome that closes a callback.")
class CallbackCloseInput:
    id: strawberry.ID = strawberry.field(description="The callback to close.")
    status: CallbackStatus = strawberry.field(description="DONE (reached), UNREACHABLE or CANCELLED.")
    satisfaction: int | None = strawberry.field(default=None, description="1 to 5, when reached.")
    non_conversion_reason: NonConversionReason | None = strawberry.field(
        default=None, description="Why the person will not come back or buy, when reached and they said so."
    )
    outcome_notes: str | None = strawberry.field(default=None, description="What was said, at most 2000 characters.")
    version: int | None = strawberry.field(
        default=None, description="The version the change is based on; a newer stored one gives STALE_VERSION."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (e.g. a UUID) from a client that may retry: the same key with the same input"
        " writes once and returns the first result; with another input it gives IDEMPOTENCY_KEY_REUSED.",
    )


_IDEMPOTENCY = (
    "Any unique string (e.g. a UUID) from a client that may retry: the same key with the same input"
    " writes once and returns the first result; with another input it gives IDEMPOTENCY_KEY_REUSED."
)


@strawberry.input(description="One try at an open callback.")
class CallbackLogAttemptInput:
    id: strawberry.ID = strawberry.field(description="The callback tried.")
    reached: bool = strawberry.field(description="Whether the person was reached.")
    outcome: CallOutcome | None = strawberry.field(
        default=None, description="What came of it; required when reached. CALL_LATER keeps the callback open."
    )
    satisfaction: int | None = strawberry.field(default=None, description="1 to 5, when reached.")
    non_conversion_reason: NonConversionReason | None = strawberry.field(
        default=None, description="Why the person will not come back or buy, when reached and they said so."
    )
    notes: str | None = strawberry.field(default=None, description="What was said, at most 2000 characters.")
    channel: Channel | None = strawberry.field(
        default=None, description="Channel used (default the callback's); the member must have agreed to it."
    )
    call_again_on: dt.date | None = strawberry.field(
        default=None, description="With CALL_LATER: the day the person asked to be called (default tomorrow)."
    )
    version: int | None = strawberry.field(
        default=None, description="The version the change is based on; a newer stored one gives STALE_VERSION."
    )
    idempotency_key: str | None = strawberry.field(default=None, description=_IDEMPOTENCY)


@strawberry.input(description="Changes to a purpose's planning policy; only the fields sent are changed.")
class CallbackPolicyUpdateInput:
    purpose: CallbackPurpose = strawberry.field(description="The policy to change.")
    enabled: bool | None = strawberry.field(default=strawberry.UNSET, description="Plan calls of this purpose.")
    offset_days: int | None = strawberry.field(default=strawberry.UNSET, description="0 to 365 days.")
    idle_days: int | None = strawberry.field(default=strawberry.UNSET, description="1 to 3650 days.")
    quiet_days: int | None = strawberry.field(default=strawberry.UNSET, description="0 to 365 days.")
    weekday: int | None = strawberry.field(default=strawberry.UNSET, description="1 (Monday) to 7.")
    priority: int | None = strawberry.field(default=strawberry.UNSET, description="0 to 3.")
    channel: Channel | None = strawberry.field(default=strawberry.UNSET, description="Preferred channel.")
    tiers: list[MemberTier] | None = strawberry.field(default=strawberry.UNSET, description="Tiers; empty: all.")
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="At most 20 tags of 30 characters; empty: all."
    )
    regions: list[Region] | None = strawberry.field(default=strawberry.UNSET, description="Regions; empty: all.")
    campaign_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="Promotion code: 1-30 letters, digits, '-' or '_'."
    )
    campaign_starts_on: dt.date | None = strawberry.field(default=strawberry.UNSET, description="First day.")
    campaign_ends_on: dt.date | None = strawberry.field(default=strawberry.UNSET, description="Last day.")
    max_attempts: int | None = strawberry.field(default=strawberry.UNSET, description="1 to 10.")
    retry_delay_days: int | None = strawberry.field(default=strawberry.UNSET, description="0 to 30 days.")
    conversion_days: int | None = strawberry.field(default=strawberry.UNSET, description="1 to 90 days.")
    version: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The version the change is based on; a newer stored one gives STALE_VERSION.",
    )


@strawberry.type(description="Result of callbackPolicyUpdate.")
class CallbackPolicyPayload:
    policy: CallbackPolicyType | None = strawberry.field(description="The policy as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


@strawberry.input(description="The period to plan calls for.")
class CallbacksPlanInput:
    from_: dt.date = strawberry.field(name="from", description="First day (Asia/Shanghai), today or later.")
    to: dt.date = strawberry.field(description="Last day; at most 31 days after the first.")
    commit: bool = strawberry.field(
        default=False, description="false (default): a preview that writes nothing; true: create the calls."
    )


@strawberry.type(description="Calls of one purpose in a plan.")
class CallbackPlanPurpose:
    purpose: CallbackPurpose = strawberry.field(description="Purpose.")
    created: int = strawberry.field(description="Calls created (or that would be, in a preview).")
    deferred: int = strawberry.field(
        description="Calls that did not fit anyone's daily capacity in the period; a later run plans them."
    )
    no_consent: int = strawberry.field(description="Members skipped: they agreed to no channel at all.")
    already_planned: int = strawberry.field(description="Calls an earlier run (or a person) already created.")


@strawberry.type(description="Calls of one assignee in a plan.")
class CallbackPlanAssignee:
    count: int = strawberry.field(description="Calls created for this person.")
    assignee_id: strawberry.Private[int | None]

    @strawberry.field(description="Who makes them; null for calls nobody is assigned to.")
    async def assignee(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.assignee_id, StaffType.from_row)


@strawberry.type(description="Calls on one day in a plan.")
class CallbackPlanDay:
    day: dt.date = strawberry.field(description="Due day (Asia/Shanghai).")
    count: int = strawberry.field(description="Calls due that day.")


@strawberry.type(description="What call planning created, or would create in a preview.")
class CallbackPlan:
    from_: dt.date = strawberry.field(name="from", description="First day planned.")
    to: dt.date = strawberry.field(description="Last day planned.")
    committed: bool = strawberry.field(description="Whether the calls were created (false: a preview).")
    created: int = strawberry.field(description="Calls created in all.")
    channel_changed: int = strawberry.field(
        description="Calls moved to another channel because the member refused the policy's one."
    )
    by_purpose: list[CallbackPlanPurpose] = strawberry.field(description="Counts per purpose.")
    by_assignee: list[CallbackPlanAssignee] = strawberry.field(description="Calls per assignee, most first.")
    by_day: list[CallbackPlanDay] = strawberry.field(description="Calls per day, in order.")

    @classmethod
    def from_result(cls, result: planning.PlanResult) -> CallbackPlan:
        return cls(
            from_=result.start,
            to=result.end,
            committed=result.committed,
            created=result.created,
            channel_changed=result.channel_changed,
            by_purpose=[
                CallbackPlanPurpose(
                    purpose=c.purpose,
                    created=c.created,
                    deferred=c.deferred,
                    no_consent=c.no_consent,
                    already_planned=c.already_planned,
                )
                for c in result.by_purpose.values()
            ],
            by_assignee=[
                CallbackPlanAssignee(assignee_id=k, count=n)
                for k, n in sorted(result.by_assignee.items(), key=lambda kv: (-kv[1], kv[0] or 0))
            ],
            by_day=[CallbackPlanDay(day=d, count=n) for d, n in sorted(result.by_day.items())],
        )


@strawberry.type(description="Result of callbacksPlan.")
class CallbacksPlanPayload:
    plan: CallbackPlan | None = strawberry.field(description="The plan; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


@strawberry.type(description="Result of a callback mutation.")
class CallbackPayload:
    callback: CallbackType | None = strawberry.field(description="The callback as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


def _filter(flt: CallbackFilter | None) -> service.CallbackFilter:
    if flt is None:
        return service.CallbackFilter()
    return service.CallbackFilter(
        assignee_id=pk_of(flt.assignee_id, "Staff") if flt.assignee_id else None,
        status=flt.status,
        purpose=flt.purpose,
        party_kind=flt.party_kind,
        member_id=pk_of(flt.member_id, "Member") if flt.member_id else None,
        dealer_id=pk_of(flt.dealer_id, "Dealer") if flt.dealer_id else None,
        due_from=flt.due_from,
        due_to=flt.due_to,
        overdue=flt.overdue,
    )


_IDS = {"member_id": "Member", "dealer_id": "Dealer", "assignee_id": "Staff", "feedback_id": "Feedback"}


def _payload(callback: object, errors: list[UserError]) -> CallbackPayload:
    return CallbackPayload(callback=CallbackType.from_row(callback) if callback else None, user_errors=errors)


async def _change_once(
    info: Info,
    data: dict[str, Any],
    operation: str,
    change: Callable[[SerialSession, Actor, int, dict[str, Any]], Awaitable[Callback]],
) -> CallbackPayload:
    """Run a change to one callback at most once per idempotency key."""
    key = data.pop("idempotency_key", None)
    callback, errors = await mutate_once(
        info,
        key,
        operation,
        dict(data),
        lambda s, actor: change(s, actor, pop_pk(data, "Callback"), data),
        lambda s, pk: s.get(Callback, pk),
    )
    return _payload(callback, errors)


@strawberry.type
class Query:
    @strawberry.field(description="Callbacks, filtered, in a stable order, a page at a time.")
    async def callbacks(
        self,
        info: Info,
        filter: Annotated[CallbackFilter | None, strawberry.argument(description="Filters.")] = None,  # noqa: A002
        order_by: Annotated[CallbackOrder, strawberry.argument(description="Sort order.")] = CallbackOrder.DUE_ON,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[CallbackType]:
        page = await service.list_callbacks(
            info.context.session, info.context.signed_in, _filter(filter), order_by, first=first, after=after
        )
        return to_connection(page, CallbackType.from_row)

    @strawberry.field(description="Every purpose's call-planning policy.")
    async def callback_policies(self, info: Info) -> list[CallbackPolicyType]:
        rows = await service.list_policies(info.context.session, info.context.signed_in)
        return [CallbackPolicyType.from_row(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Plan a callback. A channel the member refused gives NO_CONSENT.")
    async def callback_create(
        self,
        info: Info,
        input_: Annotated[CallbackCreateInput, strawberry.argument(name="input", description="The callback to plan.")],
    ) -> CallbackPayload:
        callback, errors = await mutate(
            info, lambda s, actor: service.create(s, actor, decode_ids(provided(input_), _IDS))
        )
        return _payload(callback, errors)

    @strawberry.mutation(description="Reschedule, reassign or change an open callback.")
    async def callback_update(
        self,
        info: Info,
        input_: Annotated[
            CallbackUpdateInput, strawberry.argument(name="input", description="The callback and the changes.")
        ],
    ) -> CallbackPayload:
        data = provided(input_)
        callback, errors = await mutate(
            info, lambda s, actor: service.update(s, actor, pop_pk(data, "Callback"), decode_ids(data, _IDS))
        )
        return _payload(callback, errors)

    @strawberry.mutation(description="Close a callback with its outcome; a closed one gives INVALID_STATE.")
    async def callback_close(
        self,
        info: Info,
        input_: Annotated[
            CallbackCloseInput, strawberry.argument(name="input", description="The callback and its outcome.")
        ],
    ) -> CallbackPayload:
        return await _change_once(info, provided(input_), "callbackClose", service.close)

    @strawberry.mutation(
        description="Record one try at a callback: reached with an outcome closes it (CALL_LATER keeps it open);"
        " not reached retries it after the policy's delay, up to its attempt limit, then closes it UNREACHABLE."
    )
    async def callback_log_attempt(
        self,
        info: Info,
        input_: Annotated[
            CallbackLogAttemptInput, strawberry.argument(name="input", description="The callback and the try.")
        ],
    ) -> CallbackPayload:
        return await _change_once(info, provided(input_), "callbackLogAttempt", service.log_attempt)

    @strawberry.mutation(description="Change a purpose's call-planning policy (admins).")
    async def callback_policy_update(
        self,
        info: Info,
        input_: Annotated[
            CallbackPolicyUpdateInput, strawberry.argument(name="input", description="The policy and the changes.")
        ],
    ) -> CallbackPolicyPayload:
        data = provided(input_)
        purpose = data.pop("purpose")
        policy, errors = await mutate(info, lambda s, actor: service.update_policy(s, actor, purpose, data))
        return CallbackPolicyPayload(policy=CallbackPolicyType.from_row(policy) if policy else None, user_errors=errors)

    @strawberry.mutation(
        description="Plan the calls the enabled policies call for over a period: a preview by default, or create"
        " them (commit: true). Running it twice creates nothing new; nobody gets more calls a day than their"
        " capacity."
    )
    async def callbacks_plan(
        self,
        info: Info,
        input_: Annotated[CallbacksPlanInput, strawberry.argument(name="input", description="The period.")],
    ) -> CallbacksPlanPayload:
        result, errors = await mutate(
            info, lambda s, actor: planning.plan(s, actor, input_.from_, input_.to, commit=input_.commit)
        )
        return CallbacksPlanPayload(plan=CallbackPlan.from_result(result) if result else None, user_errors=errors)
