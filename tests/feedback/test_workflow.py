"""The closed complaint loop at the service level: the transition table, each step's data, the SLA
clocks, escalation of overdue cases and the statistics, on real PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.auth.actor import Actor, Forbidden
from crm.callbacks.models import Callback
from crm.callbacks.planning import plan_complaint_follow_up
from crm.enums import (
    CallbackPurpose,
    CallbackStatus,
    Department,
    FeedbackCause,
    FeedbackChannel,
    FeedbackKind,
    FeedbackStatus,
    Region,
    Role,
)
from crm.errors import DomainError, ErrorCode
from crm.feedback import service, workflow
from crm.feedback.models import Feedback, FeedbackEvent, FeedbackSla, FeedbackSlaStep
from crm.feedback.service import StatsDimension
from crm.feedback.workflow import ALLOWED, DEFAULT_SLA_HOURS
from crm.migrate import upgrade
from crm.staff.models import Staff
from tests.builders import make_callback, make_dealer, make_feedback, make_member, make_staff, make_store

S = FeedbackStatus
HOUR = dt.timedelta(hours=1)
# What each step needs when the case has nothing set yet.
STEP_DATA: dict[FeedbackStatus, dict[str, Any]] = {
    S.ASSESSED: {"note": "情況屬實，已告知顧客三日內回覆。"},
    S.NOT_UPHELD: {"note": "商品已穿著一年，非質量問題，已耐心說明。"},
    S.INVESTIGATING: {
        "department": Department.SERVICE,
        "cause": FeedbackCause.SERVICE,
        "responsible_person": "李店長",
        "note": "轉服務部調查。",
    },
    S.SOLUTION_PROPOSED: {"solution": "店長致歉並贈送積分。"},
    S.RESOLVED: {"note": "顧客接受方案。"},
    S.RETURN_VISIT_DONE: {"note": "回訪確認滿意。"},
    S.CLOSED: {"review_note": "納入門店月度服務考核。"},
}
# Columns a case has by the time it reaches a status (as if it had run the loop).
REACHED: dict[FeedbackStatus, dict[str, Any]] = {
    S.INVESTIGATING: {"department": Department.SERVICE, "cause": FeedbackCause.SERVICE, "responsible_person": "李"},
    S.SOLUTION_PROPOSED: {
        "department": Department.SERVICE,
        "cause": FeedbackCause.SERVICE,
        "responsible_person": "李",
        "solution": "換新",
    },
}


def actor_of(staff: Staff) -> Actor:
    return Actor(
        staff_id=staff.id,
        role=Role(staff.role),
        store_id=staff.store_id,
        region=Region(staff.region) if staff.region else None,
        token_id=0,
    )


async def _count(session, model, *where) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def _events(session, feedback_id: int) -> list[FeedbackEvent]:
    stmt = select(FeedbackEvent).where(FeedbackEvent.feedback_id == feedback_id).order_by(FeedbackEvent.id)
    return list((await session.scalars(stmt)).all())


async def _case_at(session, status: FeedbackStatus, **kw: Any) -> Feedback:
    """A case of a new member already at `status`; a RESOLVED one has its return call DONE."""
    member = kw.pop("member", None) or await make_member(session)
    feedback = await make_feedback(session, member=member, status=status, **{**REACHED.get(status, {}), **kw})
    if status == S.RESOLVED:
        await make_callback(
            session,
            member=member,
            purpose=CallbackPurpose.COMPLAINT_FOLLOW_UP,
            feedback_id=feedback.id,
            status=CallbackStatus.DONE,
        )
    return feedback


@pytest.fixture
async def handler(session) -> Staff:
    return await make_staff(session, Role.SUPERVISOR, username="loop.handler")


@pytest.fixture
def actor(handler: Staff) -> Actor:
    return actor_of(handler)


# ---------------------------------------------------------------------------
# The transition table


@pytest.mark.parametrize(("frm", "to"), sorted(ALLOWED), ids=[f"{a}-{b}" for a, b in sorted(ALLOWED)])
async def test_every_allowed_transition(session, actor, handler, frm, to):
    # given
    feedback = await _case_at(session, frm)
    data = dict(STEP_DATA[to])
    if (frm, to) == (S.SOLUTION_PROPOSED, S.INVESTIGATING):
        data = {"note": "顧客不接受換新，要求退款。"}
    audits = await _count(session, AuditEvent, AuditEvent.entity_id == feedback.id)
    before = dt.datetime.now(dt.UTC)
    # when
    moved = await workflow.transition(session, actor, feedback.id, to, data)
    # then
    assert moved.status == to
    assert moved.version == 2
    assert before <= moved.status_changed_at <= dt.datetime.now(dt.UTC)
    [event] = await _events(session, feedback.id)
    assert (event.from_status, event.to_status, event.kind) == (frm, to, "TRANSITION")
    assert event.actor_id == handler.id
    assert event.note == data.get("note")
    assert event.created_at == moved.status_changed_at
    assert moved.handler_id == handler.id
    assert (moved.due_at is None) == (to in workflow.FINAL_STATUSES)
    assert await _count(session, AuditEvent, AuditEvent.entity_id == feedback.id) == audits + 1


async def test_illegal_transitions_are_refused_and_write_nothing(session, actor):
    # given
    cases = {status: await _case_at(session, status) for status in S}
    illegal = [(a, b) for a, b in itertools.product(S, S) if (a, b) not in ALLOWED]
    before = (await _count(session, FeedbackEvent), await _count(session, AuditEvent))
    # when / then
    for frm, to in illegal:
        with pytest.raises(DomainError) as refused:
            await workflow.transition(session, actor, cases[frm].id, to, dict(STEP_DATA.get(to, {})))
        [error] = refused.value.errors
        assert (error.field, error.code) == ("to", ErrorCode.INVALID_TRANSITION), (frm, to)
    assert (await _count(session, FeedbackEvent), await _count(session, AuditEvent)) == before
    for status, case in cases.items():
        await session.refresh(case)
        assert (case.status, case.version) == (status, 1)


async def test_a_refusal_names_the_allowed_next_steps(session, actor):
    # given
    received = await _case_at(session, S.RECEIVED)
    closed = await _case_at(session, S.CLOSED)
    # when
    with pytest.raises(DomainError) as from_received:
        await workflow.transition(session, actor, received.id, S.RESOLVED, {})
    with pytest.raises(DomainError) as from_closed:
        await workflow.transition(session, actor, closed.id, S.RECEIVED, {})
    # then
    assert from_received.value.errors[0].message == (
        "A case that is RECEIVED cannot move to RESOLVED; it can move to ASSESSED, NOT_UPHELD."
    )
    assert "ends the loop" in from_closed.value.errors[0].message
    assert workflow.next_steps(S.SOLUTION_PROPOSED) == [S.INVESTIGATING, S.RESOLVED]
    assert workflow.next_steps(S.NOT_UPHELD) == []


async def test_each_step_requires_its_data(session, actor, handler):
    # given
    received = await _case_at(session, S.RECEIVED)
    assessed = await _case_at(session, S.ASSESSED)
    assessed_with_department = await _case_at(session, S.ASSESSED, department=Department.QUALITY)
    investigating = await _case_at(session, S.INVESTIGATING)
    proposed = await _case_at(session, S.SOLUTION_PROPOSED)
    visited = await _case_at(session, S.RETURN_VISIT_DONE)
    marketing = await make_staff(session, Role.MARKETING)
    gone = await make_staff(session, Role.VIP_MANAGER, active=False)

    async def errors(feedback: Feedback, to: FeedbackStatus, **data: Any) -> set[tuple[str | None, ErrorCode]]:
        with pytest.raises(DomainError) as refused:
            await workflow.transition(session, actor, feedback.id, to, data)
        return {(e.field, e.code) for e in refused.value.errors}

    # when / then
    assert await errors(received, S.NOT_UPHELD) == {("note", ErrorCode.REQUIRED)}
    assert await errors(received, S.NOT_UPHELD, note="   ") == {("note", ErrorCode.REQUIRED)}
    assert await errors(received, S.ASSESSED, upheld=False) == {("upheld", ErrorCode.INVALID)}
    assert await errors(received, S.NOT_UPHELD, note="x", upheld=True) == {("upheld", ErrorCode.INVALID)}
    assert await errors(received, S.ASSESSED, solution="換新") == {("solution", ErrorCode.INVALID)}
    assert await errors(received, S.ASSESSED, note="好" * 2001) == {("note", ErrorCode.TOO_LONG)}
    assert await errors(assessed, S.INVESTIGATING) == {
        ("department", ErrorCode.REQUIRED),
        ("cause", ErrorCode.REQUIRED),
        ("responsible_person", ErrorCode.REQUIRED),
    }
    assert await errors(assessed_with_department, S.INVESTIGATING, cause=FeedbackCause.QUALITY) == {
        ("responsible_person", ErrorCode.REQUIRED)
    }
    too_long = {**STEP_DATA[S.INVESTIGATING], "responsible_person": "李" * 61}
    assert await errors(assessed, S.INVESTIGATING, **too_long) == {("responsible_person", ErrorCode.TOO_LONG)}
    assert await errors(investigating, S.SOLUTION_PROPOSED) == {("solution", ErrorCode.REQUIRED)}
    assert await errors(investigating, S.SOLUTION_PROPOSED, solution="x", review_note="y") == {
        ("review_note", ErrorCode.INVALID)
    }
    assert await errors(proposed, S.INVESTIGATING) == {("note", ErrorCode.REQUIRED)}
    assert await errors(visited, S.CLOSED) == {("review_note", ErrorCode.REQUIRED)}
    assert await errors(received, S.ASSESSED, handler_id=987654321) == {("handler_id", ErrorCode.NOT_FOUND)}
    assert await errors(received, S.ASSESSED, handler_id=marketing.id) == {("handler_id", ErrorCode.INVALID)}
    assert await errors(received, S.ASSESSED, handler_id=gone.id) == {("handler_id", ErrorCode.INVALID)}
    assert await _count(session, FeedbackEvent) == 0


async def test_the_whole_loop_records_its_milestones(session, actor, handler):
    # given
    member = await make_member(session)
    colleague = await make_staff(session, Role.VIP_MANAGER)
    feedback = await service.submit(
        session,
        actor,
        {"member_id": member.id, "kind": FeedbackKind.COMPLAINT, "channel": FeedbackChannel.STORE, "content": "開膠"},
    )
    path = [S.ASSESSED, S.INVESTIGATING, S.SOLUTION_PROPOSED, S.RESOLVED]
    # when
    for to in path:
        extra = {"handler_id": colleague.id} if to == S.INVESTIGATING else {}
        feedback = await workflow.transition(session, actor, feedback.id, to, {**STEP_DATA[to], **extra})
    resolved = feedback.resolved_at
    [call] = (await session.scalars(select(Callback).where(Callback.feedback_id == feedback.id))).all()
    call.status, call.closed_at = CallbackStatus.DONE, dt.datetime.now(dt.UTC)
    await session.flush()
    for to in (S.RETURN_VISIT_DONE, S.CLOSED):
        feedback = await workflow.transition(session, actor, feedback.id, to, dict(STEP_DATA[to]))
    # then
    events = await _events(session, feedback.id)
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, S.RECEIVED),
        (S.RECEIVED, S.ASSESSED),
        (S.ASSESSED, S.INVESTIGATING),
        (S.INVESTIGATING, S.SOLUTION_PROPOSED),
        (S.SOLUTION_PROPOSED, S.RESOLVED),
        (S.RESOLVED, S.RETURN_VISIT_DONE),
        (S.RETURN_VISIT_DONE, S.CLOSED),
    ]
    assert [e.note for e in events[1:]] == [STEP_DATA[s].get("note") for s in [*path, S.RETURN_VISIT_DONE, S.CLOSED]]
    assert all(e.actor_id == handler.id for e in events[1:])
    assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    assert feedback.status == S.CLOSED
    assert feedback.version == 1 + 6
    assert feedback.acknowledged_at == events[1].created_at
    assert feedback.resolved_at == resolved == events[4].created_at
    assert feedback.upheld is True
    assert feedback.customer_accepted is True
    assert feedback.assessment_note == STEP_DATA[S.ASSESSED]["note"]
    assert (feedback.department, feedback.cause, feedback.responsible_person) == ("SERVICE", "SERVICE", "李店長")
    assert feedback.solution == STEP_DATA[S.SOLUTION_PROPOSED]["solution"]
    assert feedback.review_note == STEP_DATA[S.CLOSED]["review_note"]
    assert feedback.handler_id == colleague.id
    assert feedback.due_at is None
    assert feedback.status_changed_at == events[-1].created_at
    assert workflow.within_sla(feedback.resolve_due_at, feedback.resolved_at, feedback.status) is True


async def test_not_upheld_keeps_the_explanation_and_ends_the_loop(session, actor):
    # given
    received = await _case_at(session, S.RECEIVED)
    investigating = await _case_at(session, S.INVESTIGATING)
    # when
    judged = await workflow.transition(session, actor, received.id, S.NOT_UPHELD, {"note": "已過退換期。"})
    found = await workflow.transition(session, actor, investigating.id, S.NOT_UPHELD, {"note": "監控顯示不符。"})
    # then
    for case, note in ((judged, "已過退換期。"), (found, "監控顯示不符。")):
        assert (case.status, case.upheld, case.assessment_note, case.due_at) == (S.NOT_UPHELD, False, note, None)
        assert case.resolved_at is None
        assert workflow.within_sla(case.resolve_due_at, case.resolved_at, case.status) is None
    assert judged.acknowledged_at == judged.status_changed_at


async def test_a_turned_down_solution_goes_back_to_investigation(session, actor):
    # given
    proposed = await _case_at(session, S.SOLUTION_PROPOSED)
    # when
    back = await workflow.transition(session, actor, proposed.id, S.INVESTIGATING, {"note": "顧客要求退款。"})
    again = await workflow.transition(session, actor, back.id, S.SOLUTION_PROPOSED, {"solution": "全額退款。"})
    # then
    assert back.customer_accepted is False
    assert again.solution == "全額退款。"
    assert again.version == 3


async def test_stale_version_is_refused(session, actor):
    # given
    feedback = await _case_at(session, S.RECEIVED, version=4)
    # when
    with pytest.raises(DomainError) as stale:
        await workflow.transition(session, actor, feedback.id, S.ASSESSED, {"version": 3})
    moved = await workflow.transition(session, actor, feedback.id, S.ASSESSED, {"version": 4})
    # then
    assert [(e.field, e.code) for e in stale.value.errors] == [("version", ErrorCode.STALE_VERSION)]
    assert moved.version == 5
    assert len(await _events(session, feedback.id)) == 1


async def test_access_needs_feedback_handle_and_scope(session):
    # given
    south = await make_store(session, region=Region.SOUTH)
    feedback = await _case_at(session, S.RECEIVED, member=await make_member(session, store=south))
    east_manager = actor_of(await make_staff(session, Role.VIP_MANAGER, region=Region.EAST))
    marketing = actor_of(await make_staff(session, Role.MARKETING))
    clerk = actor_of(await make_staff(session, Role.SALES_CLERK))
    # when / then
    for actor in (marketing, clerk):
        with pytest.raises(Forbidden):
            await workflow.transition(session, actor, feedback.id, S.ASSESSED, {})
    with pytest.raises(DomainError) as absent:
        await workflow.transition(session, east_manager, feedback.id, S.ASSESSED, {})
    assert [(e.field, e.code) for e in absent.value.errors] == [("id", ErrorCode.NOT_FOUND)]
    assert await _count(session, FeedbackEvent) == 0


# ---------------------------------------------------------------------------
# Return call


async def test_resolving_plans_exactly_one_return_call(session, actor):
    # given
    manager = await make_staff(session, Role.VIP_MANAGER)
    member = await make_member(session, manager_id=manager.id)
    proposed = await _case_at(session, S.SOLUTION_PROPOSED, member=member)
    # when
    resolved = await workflow.transition(session, actor, proposed.id, S.RESOLVED, {})
    again = await plan_complaint_follow_up(session, resolved, resolved.resolved_at)
    # then
    calls = (await session.scalars(select(Callback).where(Callback.feedback_id == proposed.id))).all()
    assert [(c.purpose, c.status, c.member_id, c.assignee_id) for c in calls] == [
        (CallbackPurpose.COMPLAINT_FOLLOW_UP, CallbackStatus.OPEN, member.id, manager.id)
    ]
    assert again is not None and again.id == calls[0].id
    assert resolved.customer_accepted is True


@pytest.mark.parametrize("kind", list(FeedbackKind))
async def test_every_kind_runs_the_loop_and_gets_a_return_call(session, actor, kind):
    # given
    proposed = await _case_at(session, S.SOLUTION_PROPOSED, kind=kind)
    # when
    await workflow.transition(session, actor, proposed.id, S.RESOLVED, {})
    # then
    assert await _count(session, Callback, Callback.feedback_id == proposed.id) == 1


async def test_the_return_visit_needs_the_return_call_closed(session, actor):
    # given
    member = await make_member(session)
    silent = await make_member(session, consent_phone=False, consent_sms=False, consent_wechat=False)
    open_call = await _case_at(session, S.SOLUTION_PROPOSED, member=member)
    open_call = await workflow.transition(session, actor, open_call.id, S.RESOLVED, {})
    no_channel = await _case_at(session, S.SOLUTION_PROPOSED, member=silent)
    no_channel = await workflow.transition(session, actor, no_channel.id, S.RESOLVED, {})
    unreachable = await _case_at(session, S.RESOLVED, member=await make_member(session))
    call = await session.scalar(select(Callback).where(Callback.feedback_id == unreachable.id))
    call.status = CallbackStatus.UNREACHABLE
    await session.flush()

    async def refused(feedback: Feedback, **data: Any) -> list[tuple[str | None, ErrorCode]]:
        with pytest.raises(DomainError) as exc:
            await workflow.transition(session, actor, feedback.id, S.RETURN_VISIT_DONE, data)
        return [(e.field, e.code) for e in exc.value.errors]

    # when / then
    assert await refused(open_call, note="打過了") == [("to", ErrorCode.INVALID_TRANSITION)]
    assert await _count(session, Callback, Callback.feedback_id == no_channel.id) == 0
    assert await refused(no_channel) == [("note", ErrorCode.REQUIRED)]
    assert await refused(unreachable) == [("note", ErrorCode.REQUIRED)]
    done = await workflow.transition(session, actor, unreachable.id, S.RETURN_VISIT_DONE, {"note": "到店時當面確認。"})
    assert done.status == S.RETURN_VISIT_DONE
    visited = await workflow.transition(session, actor, no_channel.id, S.RETURN_VISIT_DONE, {"note": "店內面談。"})
    assert visited.status == S.RETURN_VISIT_DONE
    call = await session.scalar(select(Callback).where(Callback.feedback_id == open_call.id))
    call.status, call.closed_at = CallbackStatus.DONE, dt.datetime.now(dt.UTC)
    await session.flush()
    assert (await workflow.transition(session, actor, open_call.id, S.RETURN_VISIT_DONE, {})).due_at is not None


# ---------------------------------------------------------------------------
# SLA clocks


async def test_the_migration_seeds_the_default_clocks(session):
    # when
    rows = (await session.execute(select(FeedbackSla.kind, FeedbackSla.step, FeedbackSla.hours))).all()
    # then
    assert {(k, s): h for k, s, h in rows} == {
        (kind, step): hours for kind, steps in DEFAULT_SLA_HOURS.items() for step, hours in steps.items()
    }
    assert DEFAULT_SLA_HOURS[FeedbackKind.COMPLAINT][FeedbackSlaStep.RECEIVED] == 24
    assert DEFAULT_SLA_HOURS[FeedbackKind.COMPLAINT][FeedbackSlaStep.RESOLVE] == 72


@pytest.mark.parametrize("kind", list(FeedbackKind))
async def test_intake_and_each_step_set_their_deadlines(session, actor, kind):
    # given
    hours = DEFAULT_SLA_HOURS[kind]
    member = await make_member(session)
    received_at = dt.datetime(2026, 11, 2, 1, 30, tzinfo=dt.UTC)
    # when
    feedback = await service.submit(
        session,
        actor,
        {
            "member_id": member.id,
            "kind": kind,
            "channel": FeedbackChannel.PHONE,
            "content": "x",
            "received_at": received_at,
        },
    )
    # then
    resolve_due = received_at + hours[FeedbackSlaStep.RESOLVE] * HOUR
    assert feedback.status_changed_at == received_at
    assert feedback.resolve_due_at == resolve_due
    assert feedback.due_at == received_at + hours[FeedbackSlaStep.RECEIVED] * HOUR
    assert feedback.acknowledged_at is None and feedback.upheld is None
    # and each step's clock starts when it is entered, never running past the resolve deadline before RESOLVED
    at = received_at
    for step in (S.ASSESSED, S.INVESTIGATING, S.SOLUTION_PROPOSED, S.RESOLVED, S.RETURN_VISIT_DONE, S.CLOSED):
        at += 20 * HOUR
        if step == S.RETURN_VISIT_DONE:
            call = await session.scalar(select(Callback).where(Callback.feedback_id == feedback.id))
            call.status, call.closed_at = CallbackStatus.DONE, at
            await session.flush()
        feedback = await workflow.transition(session, actor, feedback.id, step, dict(STEP_DATA[step]), now=at)
        if step == S.CLOSED:
            assert feedback.due_at is None
            continue
        expected = at + hours[FeedbackSlaStep(step)] * HOUR
        if step in workflow.BEFORE_RESOLUTION:
            expected = min(expected, resolve_due)
        assert feedback.due_at == expected, step
        assert feedback.status_changed_at == at
    assert feedback.acknowledged_at == received_at + 20 * HOUR
    assert feedback.resolved_at == received_at + 80 * HOUR
    assert workflow.within_sla(feedback.resolve_due_at, feedback.resolved_at, feedback.status) is (
        hours[FeedbackSlaStep.RESOLVE] >= 80
    )


async def test_a_step_entered_late_is_due_at_the_resolve_deadline(session, actor):
    # given: a complaint received 70 hours ago (resolve within 72)
    now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    received = now - 70 * HOUR
    feedback = await _case_at(session, S.RECEIVED, received_at=received, resolve_due_at=received + 72 * HOUR)
    # when
    assessed = await workflow.transition(session, actor, feedback.id, S.ASSESSED, {}, now=now)
    # then: the assessed step's 12 hours would end after the resolve deadline
    assert assessed.due_at == received + 72 * HOUR


async def test_a_changed_clock_applies_to_cases_received_afterwards(session, actor):
    # given
    member = await make_member(session)
    data = {"member_id": member.id, "kind": FeedbackKind.COMPLAINT, "channel": FeedbackChannel.PHONE, "content": "x"}
    earlier = await service.submit(session, actor, dict(data))
    # when
    sla = await service.set_sla(
        session, actor, {"kind": FeedbackKind.COMPLAINT, "step": FeedbackSlaStep.RECEIVED, "hours": 4}
    )
    later = await service.submit(session, actor, dict(data))
    # then
    assert (sla.kind, sla.step, sla.hours, sla.updated_by_id) == ("COMPLAINT", "RECEIVED", 4, actor.staff_id)
    assert earlier.due_at == earlier.received_at + 24 * HOUR
    assert later.due_at == later.received_at + 4 * HOUR
    assert await _count(session, AuditEvent, AuditEvent.action == "feedbackSlaSet", AuditEvent.entity_id == sla.id) == 1


async def test_clock_changes_are_checked_and_need_feedback_configure(session, actor):
    # given
    manager = actor_of(await make_staff(session, Role.VIP_MANAGER))
    # when / then
    for hours, code in ((0, ErrorCode.OUT_OF_RANGE), (8761, ErrorCode.OUT_OF_RANGE), (None, ErrorCode.REQUIRED)):
        with pytest.raises(DomainError) as refused:
            await service.set_sla(session, actor, {"kind": "PRAISE", "step": "RESOLVE", "hours": hours})
        assert [(e.field, e.code) for e in refused.value.errors] == [("hours", code)]
    with pytest.raises(Forbidden):
        await service.set_sla(session, manager, {"kind": "PRAISE", "step": "RESOLVE", "hours": 5})
    assert [r.hours for r in await service.list_slas(session, manager, FeedbackKind.PRAISE)] == list(
        DEFAULT_SLA_HOURS[FeedbackKind.PRAISE].values()
    )


# ---------------------------------------------------------------------------
# Overdue and escalation


async def test_overdue_cases_escalate_once_to_a_supervisor_of_their_region(session, actor, handler):
    # given: the handler is the first head-office supervisor (no region)
    now = dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC)
    head_office = handler
    await make_staff(session, Role.SUPERVISOR, region=None)
    south_boss = await make_staff(session, Role.SUPERVISOR, region=Region.SOUTH)
    await make_staff(session, Role.SUPERVISOR, region=Region.NORTH, active=False)
    south_store = await make_store(session, region=Region.SOUTH)
    north_dealer = await make_dealer(session, region=Region.NORTH)
    south_member = await make_member(session, store=south_store)
    late = now - HOUR
    at_store = await _case_at(session, S.INVESTIGATING, store=south_store, due_at=late)
    from_member = await _case_at(session, S.RESOLVED, member=south_member, due_at=late)
    from_dealer = await make_feedback(session, dealer=north_dealer, status=S.ASSESSED, due_at=late)
    on_time = await _case_at(session, S.RECEIVED, store=south_store, due_at=now + HOUR)
    no_clock = await _case_at(session, S.RECEIVED, due_at=None)
    finished = await _case_at(session, S.CLOSED, due_at=late)
    earlier = await _case_at(session, S.RECEIVED, due_at=late, escalated_at=late, escalated_to_id=head_office.id)
    # when
    first = await workflow.escalate_overdue(session, now, actor)
    second = await workflow.escalate_overdue(session, now + HOUR, actor)
    # then
    assert (first, second) == (3, 0)
    expected = {at_store.id: south_boss.id, from_member.id: south_boss.id, from_dealer.id: head_office.id}
    for case in (at_store, from_member, from_dealer, on_time, no_clock, finished, earlier):
        await session.refresh(case)
    for case in (at_store, from_member, from_dealer):
        assert (case.escalated_at, case.escalated_to_id, case.version) == (now, expected[case.id], 2)
        [event] = await _events(session, case.id)
        assert (event.kind, event.from_status, event.to_status, event.actor_id) == (
            "ESCALATION",
            case.status,
            case.status,
            actor.staff_id,
        )
        assert event.created_at == now
        assert event.note.startswith("Overdue since 2026-11-20 09:00 (Asia/Shanghai): escalated to ")
    for case in (on_time, no_clock, finished):
        assert (case.escalated_at, case.version) == (None, 1)
    assert (earlier.escalated_at, earlier.version) == (late, 1)
    audits = await session.scalars(select(AuditEvent).where(AuditEvent.action == "feedbackEscalateOverdue"))
    assert sorted(a.entity_id for a in audits) == sorted(expected)


async def test_escalation_without_any_supervisor_still_marks_the_case(session):
    # given
    now = dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC)
    late = await _case_at(session, S.RECEIVED, due_at=now - HOUR)
    # when
    count = await workflow.escalate_overdue(session, now)
    # then
    await session.refresh(late)
    assert (count, late.escalated_at, late.escalated_to_id) == (1, now, None)
    [event] = await _events(session, late.id)
    assert event.actor_id is None
    assert event.note.endswith("escalated to no supervisor (none active).")


async def test_overdue_and_escalated_filters(session, actor):
    # given
    now = dt.datetime.now(dt.UTC)
    overdue = await _case_at(session, S.INVESTIGATING, due_at=now - HOUR)
    escalated = await _case_at(session, S.ASSESSED, due_at=now - 2 * HOUR, escalated_at=now - HOUR)
    on_time = await _case_at(session, S.RECEIVED, due_at=now + HOUR)
    closed = await _case_at(session, S.CLOSED, due_at=None, escalated_at=now - 9 * HOUR)

    async def ids(**kw: Any) -> set[int]:
        page = await service.list_feedback(session, actor, service.FeedbackFilter(**kw), first=100, after=None)
        return {row.id for row in page.rows}

    # when / then
    assert await ids(overdue=True) == {overdue.id, escalated.id}
    assert await ids(overdue=False) == {on_time.id, closed.id}
    assert await ids(escalated=True) == {escalated.id, closed.id}
    assert await ids(escalated=False) == {overdue.id, on_time.id}
    assert await ids(overdue=True, escalated=False) == {overdue.id}
    assert workflow.is_overdue(S.INVESTIGATING, now - HOUR) is True
    assert workflow.is_overdue(S.CLOSED, now - HOUR) is False


# ---------------------------------------------------------------------------
# Statistics


def _shanghai(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text + "+08:00").astimezone(dt.UTC)


async def test_statistics_group_in_one_statement(session, actor, statements):
    # given: received late on 31 October in Shanghai (15:30 UTC) still counts in October
    member = await make_member(session)
    october = _shanghai("2026-10-31T23:30:00")
    november = _shanghai("2026-11-01T00:30:00")
    assert october == dt.datetime(2026, 10, 31, 15, 30, tzinfo=dt.UTC)

    async def case(received: dt.datetime, hours_to_resolve: float | None, **kw: Any) -> Feedback:
        resolved = received + hours_to_resolve * HOUR if hours_to_resolve is not None else None
        return await make_feedback(
            session,
            member=member,
            received_at=received,
            resolve_due_at=received + 72 * HOUR,
            resolved_at=resolved,
            **kw,
        )

    await case(october, 10, status=S.CLOSED, department=Department.SERVICE, cause=FeedbackCause.SERVICE)
    await case(october - 24 * HOUR, 100, status=S.RESOLVED, department=Department.SERVICE, cause=FeedbackCause.SERVICE)
    await case(october - 48 * HOUR, None, status=S.NOT_UPHELD)
    await case(november, 40, status=S.RETURN_VISIT_DONE, department=Department.QUALITY, cause=FeedbackCause.QUALITY)
    await case(november, None, status=S.INVESTIGATING, department=Department.QUALITY, kind=FeedbackKind.SUGGESTION)
    statements.reset()
    statements.active = True
    # when
    by_month = await service.stats(session, actor, [StatsDimension.MONTH])
    statements.active = False
    by_outcome = await service.stats(session, actor, [StatsDimension.OUTCOME, StatsDimension.MONTH])
    by_department = await service.stats(session, actor, [StatsDimension.DEPARTMENT, StatsDimension.DEPARTMENT])
    total = await service.stats(session, actor, [])
    october_only = await service.stats(
        session, actor, [StatsDimension.KIND], first=dt.date(2026, 10, 1), last=dt.date(2026, 10, 31)
    )
    nothing = await service.stats(session, actor, [], first=dt.date(2020, 1, 1), last=dt.date(2020, 1, 31))
    # then
    assert statements.count == 1
    assert [(r.values[StatsDimension.MONTH], r.count, r.resolved, r.resolved_within_sla) for r in by_month] == [
        ("2026-10", 3, 2, 1),
        ("2026-11", 2, 1, 1),
    ]
    october_row, november_row = by_month
    assert october_row.within_sla_share == 0.5
    assert october_row.average_hours_to_resolve == 55.0
    assert november_row.within_sla_share == 1.0
    assert november_row.average_hours_to_resolve == 40.0
    assert [(r.values[StatsDimension.OUTCOME], r.values[StatsDimension.MONTH], r.count) for r in by_outcome] == [
        ("CLOSED", "2026-10", 1),
        ("NOT_UPHELD", "2026-10", 1),
        ("OPEN", "2026-11", 1),
        ("RESOLVED", "2026-10", 1),
        ("RESOLVED", "2026-11", 1),
    ]
    assert [(r.values, r.count, r.within_sla_share) for r in by_department] == [
        ({StatsDimension.DEPARTMENT: "QUALITY"}, 2, 1.0),
        ({StatsDimension.DEPARTMENT: "SERVICE"}, 2, 0.5),
        ({StatsDimension.DEPARTMENT: None}, 1, None),
    ]
    [row] = total
    assert (row.count, row.resolved, row.resolved_within_sla, row.values) == (5, 3, 2, {})
    assert [(r.values[StatsDimension.KIND], r.count) for r in october_only] == [("COMPLAINT", 3)]
    [empty] = nothing
    assert (empty.count, empty.within_sla_share, empty.average_hours_to_resolve) == (0, None, None)


async def test_statistics_count_only_the_feedback_in_scope(session):
    # given
    east = await make_store(session, region=Region.EAST)
    south = await make_store(session, region=Region.SOUTH)
    await make_feedback(session, member=await make_member(session, store=east))
    await make_feedback(session, member=await make_member(session, store=south))
    await make_feedback(session, member=await make_member(session, store=south))
    manager = actor_of(await make_staff(session, Role.VIP_MANAGER, region=Region.EAST))
    marketing = actor_of(await make_staff(session, Role.MARKETING))
    # when
    [mine] = await service.stats(session, manager, [])
    [everyone] = await service.stats(session, marketing, [])
    # then
    assert (mine.count, everyone.count) == (1, 3)


# ---------------------------------------------------------------------------
# Migration backfill


async def _backfill_given(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        store = await conn.fetchval(
            "INSERT INTO store (code, name, kind, region, city) VALUES ('S1', '店', 'SELF_OPERATED', 'EAST', '上海')"
            " RETURNING id"
        )
        member = await conn.fetchval(
            "INSERT INTO member (name, phone, home_store_id, enrolled_at) VALUES ('王', '+8613800138000', $1, now())"
            " RETURNING id",
            store,
        )
        received = dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC)
        for fid, kind, path in (
            (1, "COMPLAINT", ["RECEIVED"]),
            (2, "COMPLAINT", ["RECEIVED", "ASSESSED", "INVESTIGATING"]),
            (3, "QUALITY_REPORT", ["RECEIVED", "ASSESSED", "INVESTIGATING", "SOLUTION_PROPOSED", "RESOLVED"]),
            (4, "SUGGESTION", ["RECEIVED", "NOT_UPHELD"]),
        ):
            await conn.execute(
                "INSERT INTO feedback (id, party_kind, member_id, kind, channel, content, status, received_at)"
                " VALUES ($1, 'MEMBER', $2, $3, 'PHONE', 'x', $4, $5)",
                fid,
                member,
                kind,
                path[-1],
                received,
            )
            for step, (frm, to) in enumerate(zip([None, *path], path, strict=False)):
                await conn.execute(
                    "INSERT INTO feedback_event (feedback_id, from_status, to_status, created_at)"
                    " VALUES ($1, $2, $3, $4)",
                    fid,
                    frm,
                    to,
                    received + 10 * step * HOUR,
                )
    finally:
        await conn.close()


async def _backfilled(url: str) -> dict[int, Any]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT * FROM feedback ORDER BY id")
        return {r["id"]: r for r in rows}
    finally:
        await conn.close()


def test_the_migration_backfills_existing_feedback(empty_db_url: str):
    # given feedback written before the clocks existed
    upgrade(empty_db_url, "0003")
    asyncio.run(_backfill_given(empty_db_url))
    received = dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC)
    # when
    upgrade(empty_db_url)
    rows = asyncio.run(_backfilled(empty_db_url))
    # then: clocks from the events and the default hours
    fresh, investigating, resolved, rejected = rows[1], rows[2], rows[3], rows[4]
    assert (fresh["status_changed_at"], fresh["due_at"]) == (received, received + 24 * HOUR)
    assert (fresh["acknowledged_at"], fresh["upheld"], fresh["resolve_due_at"]) == (None, None, received + 72 * HOUR)
    assert investigating["status_changed_at"] == received + 20 * HOUR
    assert investigating["acknowledged_at"] == received + 10 * HOUR
    assert investigating["due_at"] == received + 44 * HOUR  # 24 hours to investigate
    assert investigating["upheld"] is True
    assert resolved["resolved_at"] == received + 40 * HOUR
    assert resolved["due_at"] == received + (40 + 72) * HOUR
    assert resolved["resolve_due_at"] == received + 168 * HOUR
    assert (rejected["upheld"], rejected["due_at"], rejected["resolved_at"]) == (False, None, None)
    assert all(r["escalated_at"] is None for r in rows.values())
