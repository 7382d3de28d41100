"""The closed complaint loop through the GraphQL API: feedbackTransition, the SLA clocks, escalation,
statistics, and who may do what."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from typing import Any

import asyncpg
from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.callbacks.models import Callback
from crm.config import PROJECT_ROOT
from crm.enums import CallbackPurpose, Department, FeedbackCause, FeedbackKind, FeedbackStatus, Region, Role
from crm.feedback.models import FeedbackEvent
from crm.feedback.workflow import DEFAULT_SLA_HOURS
from crm.ids import from_global_id
from tests.builders import gid, make_dealer, make_feedback, make_member, make_staff, make_store

S = FeedbackStatus
HOUR = dt.timedelta(hours=1)
WEB = PROJECT_ROOT / "schema" / "operations" / "web"
TRANSITION = (WEB / "FeedbackTransition.graphql").read_text(encoding="utf-8")
STATS = (WEB / "FeedbackStats.graphql").read_text(encoding="utf-8")
LIST = (WEB / "FeedbackList.graphql").read_text(encoding="utf-8")

SUBMIT = """
mutation($input: FeedbackSubmitInput!) {
  feedbackSubmit(input: $input) {
    feedback { id receivedAt status dueAt resolveDueAt statusChangedAt overdue withinSla version }
    userErrors { field code }
  }
}
"""
CLOSE_CALL = """
mutation($input: CallbackCloseInput!) { callbackClose(input: $input) { userErrors { field code } } }
"""
SLAS = """
query($kind: FeedbackKind) { feedbackSlas(kind: $kind) { kind step hours updatedBy { id } } }
"""
SLA_SET = """
mutation($input: FeedbackSlaSetInput!) {
  feedbackSlaSet(input: $input) { sla { kind step hours updatedBy { id } } userErrors { field code } }
}
"""
ESCALATE = "mutation { feedbackEscalateOverdue { escalatedCount userErrors { field code } } }"


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


async def _count(session, model, *where) -> int:
    return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


async def _move(gql, feedback_id: str, to: str, **data: Any) -> dict[str, Any]:
    result = await gql(TRANSITION, {"input": {"id": feedback_id, "to": to, **data}})
    payload: dict[str, Any] = result["feedbackTransition"]
    return payload


async def test_notes_on_a_member_s_case_are_hidden_from_roles_that_see_personal_data_masked(gql, gql_as, session):
    # given: a member's complaint with a solution, and a dealer's one, both with notes on their steps
    cases = [
        (await make_feedback(session, member=await make_member(session)), "免費換新，顧客腳傷需賠償"),
        (await make_feedback(session, dealer=await make_dealer(session)), "補發二十雙"),
    ]
    for case, solution in cases:
        fid = gid("Feedback", case.id)
        moves = [
            ("ASSESSED", {"note": "情況屬實"}),
            ("INVESTIGATING", {"department": "PRODUCTION", "cause": "PRODUCTION", "responsiblePerson": "王廠長"}),
            ("SOLUTION_PROPOSED", {"solution": solution, "note": "已致電說明"}),
        ]
        for to, data in moves:
            assert (await _move(gql, fid, to, **data))["userErrors"] == []
    marketing = await gql_as(Role.MARKETING)
    query = """
    query($id: ID!) { node(id: $id) { ... on Feedback { assessmentNote solution events { note } } } }
    """
    # when
    member_case = await marketing(query, {"id": gid("Feedback", cases[0][0].id)})
    dealer_case = await marketing(query, {"id": gid("Feedback", cases[1][0].id)})
    ours = await gql(query, {"id": gid("Feedback", cases[0][0].id)})
    # then
    assert member_case["node"]["assessmentNote"] is None and member_case["node"]["solution"] is None
    assert all(e["note"] is None for e in member_case["node"]["events"])
    assert dealer_case["node"]["solution"] == "補發二十雙"
    assert ours["node"]["solution"] == "免費換新，顧客腳傷需賠償"
    assert "已致電說明" in [e["note"] for e in ours["node"]["events"]]


async def test_the_whole_loop_through_the_api(gql, session, admin):
    # given
    member = await make_member(session)
    submitted = await gql(
        SUBMIT,
        {"input": {"memberId": gid("Member", member.id), "kind": "COMPLAINT", "channel": "PHONE", "content": "開膠"}},
    )
    intake = submitted["feedbackSubmit"]["feedback"]
    fid = intake["id"]
    received = _utc(intake["receivedAt"])
    steps = [
        ("ASSESSED", {"note": "情況屬實，三日內回覆。", "upheld": True, "department": "PRODUCTION"}),
        ("INVESTIGATING", {"cause": "PRODUCTION", "responsiblePerson": "王廠長", "note": "轉生產部。"}),
        ("SOLUTION_PROPOSED", {"solution": "免費換新並贈送護理套裝。"}),
        ("RESOLVED", {"note": "顧客接受，表示感謝。"}),
    ]
    # when
    payloads = [await _move(gql, fid, to, **data) for to, data in steps]
    call = await session.scalar(select(Callback).where(Callback.feedback_id == from_global_id(fid)[1]))
    closed = await gql(CLOSE_CALL, {"input": {"id": gid("Callback", call.id), "status": "DONE", "satisfaction": 5}})
    payloads.append(await _move(gql, fid, "RETURN_VISIT_DONE", note="回訪：顧客滿意。"))
    payloads.append(await _move(gql, fid, "CLOSED", reviewNote="同批次膠水問題，已要求工廠加強檢驗。"))
    # then
    assert intake["status"] == "RECEIVED"
    assert _utc(intake["dueAt"]) == received + 24 * HOUR
    assert _utc(intake["resolveDueAt"]) == received + 72 * HOUR
    assert (intake["overdue"], intake["withinSla"], intake["version"]) == (False, None, 1)
    assert closed["callbackClose"]["userErrors"] == []
    assert all(p["userErrors"] == [] for p in payloads)
    feedbacks = [p["feedback"] for p in payloads]
    assert [f["status"] for f in feedbacks] == [
        "ASSESSED",
        "INVESTIGATING",
        "SOLUTION_PROPOSED",
        "RESOLVED",
        "RETURN_VISIT_DONE",
        "CLOSED",
    ]
    assert [f["version"] for f in feedbacks] == [2, 3, 4, 5, 6, 7]
    assert [f["nextStatuses"] for f in feedbacks] == [
        ["INVESTIGATING"],
        ["NOT_UPHELD", "SOLUTION_PROPOSED"],
        ["INVESTIGATING", "RESOLVED"],
        ["RETURN_VISIT_DONE"],
        ["CLOSED"],
        [],
    ]
    assessed, investigating, _, resolved, visited, final = feedbacks
    assert _utc(assessed["dueAt"]) == _utc(assessed["statusChangedAt"]) + 12 * HOUR
    assert assessed["upheld"] is True and assessed["assessmentNote"] == "情況屬實，三日內回覆。"
    assert (investigating["department"], investigating["cause"], investigating["responsiblePerson"]) == (
        "PRODUCTION",
        "PRODUCTION",
        "王廠長",
    )
    assert _utc(investigating["dueAt"]) == _utc(investigating["statusChangedAt"]) + 24 * HOUR
    assert resolved["customerAccepted"] is True
    assert _utc(resolved["resolvedAt"]) == _utc(resolved["statusChangedAt"])
    assert _utc(resolved["dueAt"]) == _utc(resolved["resolvedAt"]) + 72 * HOUR
    assert visited["dueAt"] is not None
    assert final["dueAt"] is None and final["overdue"] is False and final["withinSla"] is True
    assert final["handler"] == {"id": gid("Staff", admin.id), "displayName": admin.display_name}
    assert final["acknowledgedAt"] == assessed["statusChangedAt"]
    events = final["events"]
    assert [(e["kind"], e["fromStatus"], e["toStatus"]) for e in events] == [
        ("TRANSITION", None, "RECEIVED"),
        ("TRANSITION", "RECEIVED", "ASSESSED"),
        ("TRANSITION", "ASSESSED", "INVESTIGATING"),
        ("TRANSITION", "INVESTIGATING", "SOLUTION_PROPOSED"),
        ("TRANSITION", "SOLUTION_PROPOSED", "RESOLVED"),
        ("TRANSITION", "RESOLVED", "RETURN_VISIT_DONE"),
        ("TRANSITION", "RETURN_VISIT_DONE", "CLOSED"),
    ]
    assert [e["note"] for e in events[1:]] == [
        "情況屬實，三日內回覆。",
        "轉生產部。",
        None,
        "顧客接受，表示感謝。",
        "回訪：顧客滿意。",
        None,
    ]
    assert all(e["actor"]["id"] == gid("Staff", admin.id) for e in events[1:])
    assert (call.purpose, call.member_id) == (CallbackPurpose.COMPLAINT_FOLLOW_UP, member.id)


async def test_refusals_are_user_errors_and_write_nothing(gql, session):
    # given
    feedback = await make_feedback(session, status=S.RECEIVED)
    fid = gid("Feedback", feedback.id)
    before = (await _count(session, FeedbackEvent), await _count(session, AuditEvent))

    async def errors(to: str, **data: Any) -> list[tuple[str | None, str]]:
        payload = await _move(gql, fid, to, **data)
        assert payload["feedback"] is None
        return [(e["field"], e["code"]) for e in payload["userErrors"]]

    # when / then
    assert await errors("RESOLVED") == [("to", "INVALID_TRANSITION")]
    assert await errors("RECEIVED") == [("to", "INVALID_TRANSITION")]
    assert await errors("NOT_UPHELD") == [("note", "REQUIRED")]
    assert await errors("ASSESSED", reviewNote="x") == [("reviewNote", "INVALID")]
    assert await errors("ASSESSED", handlerId="nonsense") == [("handlerId", "INVALID_ID")]
    assert await errors("ASSESSED", version=7) == [("version", "STALE_VERSION")]
    assert await errors("ASSESSED", idempotencyKey="") == [("idempotencyKey", "INVALID")]
    message = (await _move(gql, fid, "CLOSED"))["userErrors"][0]["message"]
    assert message == "A case that is RECEIVED cannot move to CLOSED; it can move to ASSESSED, NOT_UPHELD."
    assert (await _count(session, FeedbackEvent), await _count(session, AuditEvent)) == before
    investigating = await make_feedback(session, status=S.ASSESSED)
    payload = await _move(gql, gid("Feedback", investigating.id), "INVESTIGATING")
    assert {(e["field"], e["code"]) for e in payload["userErrors"]} == {
        ("department", "REQUIRED"),
        ("cause", "REQUIRED"),
        ("responsiblePerson", "REQUIRED"),
    }


async def test_a_retried_resolution_writes_once(gql, session):
    # given
    proposed = await make_feedback(
        session,
        status=S.SOLUTION_PROPOSED,
        department=Department.LOGISTICS,
        cause=FeedbackCause.LOGISTICS,
        responsible_person="倉庫",
        solution="補發",
    )
    request = {"id": gid("Feedback", proposed.id), "to": "RESOLVED", "version": 1, "idempotencyKey": "resolve-1"}
    # when
    first = await gql(TRANSITION, {"input": request})
    retry = await gql(TRANSITION, {"input": request})
    other = await gql(TRANSITION, {"input": {**request, "note": "另一個請求"}})
    # then
    assert first["feedbackTransition"]["userErrors"] == []
    assert retry["feedbackTransition"] == first["feedbackTransition"]
    assert [e["code"] for e in other["feedbackTransition"]["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert await _count(session, FeedbackEvent, FeedbackEvent.feedback_id == proposed.id) == 1
    assert await _count(session, Callback, Callback.feedback_id == proposed.id) == 1
    stale = await _move(gql, gid("Feedback", proposed.id), "RETURN_VISIT_DONE", version=1)
    assert [(e["field"], e["code"]) for e in stale["userErrors"]] == [("version", "STALE_VERSION")]


async def test_access_needs_feedback_handle_and_the_case_in_scope(gql_as, session):
    # given
    south = await make_store(session, region=Region.SOUTH)
    feedback = await make_feedback(session, member=await make_member(session, store=south))
    fid = gid("Feedback", feedback.id)
    marketing = await gql_as(Role.MARKETING)
    store_staff = await gql_as(Role.STORE_STAFF, store=south)
    east_manager = await gql_as(Role.VIP_MANAGER, region=Region.EAST)
    south_manager = await gql_as(Role.VIP_MANAGER, region=Region.SOUTH)
    variables = {"input": {"id": fid, "to": "ASSESSED"}}
    # when
    forbidden = [await client.raw(TRANSITION, variables) for client in (marketing, store_staff)]
    absent = await east_manager(TRANSITION, variables)
    node = await east_manager.raw("query($id: ID!) { node(id: $id) { id } }", {"id": fid})
    allowed = await south_manager(TRANSITION, variables)
    # then
    for result in forbidden:
        assert result["data"] is None
        assert [e["extensions"]["code"] for e in result["errors"]] == ["FORBIDDEN"]
        assert result["errors"][0]["message"] == "Your role may not do this (FEEDBACK_HANDLE)."
    assert absent["feedbackTransition"] == {
        "feedback": None,
        "userErrors": [{"field": "id", "message": "No such feedback.", "code": "NOT_FOUND"}],
    }
    assert node["data"]["node"] is None
    assert allowed["feedbackTransition"]["feedback"]["status"] == "ASSESSED"


# ---------------------------------------------------------------------------
# SLA clocks


async def test_clocks_are_read_by_all_and_set_by_supervisors(gql, gql_as, session, admin):
    # given
    member = await make_member(session)
    marketing = await gql_as(Role.MARKETING)
    manager = await gql_as(Role.VIP_MANAGER)
    # when
    listed = await marketing(SLAS, {})
    complaint = await gql(SLAS, {"kind": "COMPLAINT"})
    saved = await gql(SLA_SET, {"input": {"kind": "COMPLAINT", "step": "RECEIVED", "hours": 6}})
    out_of_range = await gql(SLA_SET, {"input": {"kind": "COMPLAINT", "step": "RECEIVED", "hours": 0}})
    refused = await manager.raw(SLA_SET, {"input": {"kind": "COMPLAINT", "step": "RECEIVED", "hours": 1}})
    submitted = await gql(
        SUBMIT,
        {"input": {"memberId": gid("Member", member.id), "kind": "COMPLAINT", "channel": "STORE", "content": "x"}},
    )
    # then
    assert len(listed["feedbackSlas"]) == sum(len(steps) for steps in DEFAULT_SLA_HOURS.values())
    assert [(r["step"], r["hours"]) for r in complaint["feedbackSlas"]] == [
        (step.value, hours) for step, hours in DEFAULT_SLA_HOURS[FeedbackKind.COMPLAINT].items()
    ]
    assert saved["feedbackSlaSet"] == {
        "sla": {"kind": "COMPLAINT", "step": "RECEIVED", "hours": 6, "updatedBy": {"id": gid("Staff", admin.id)}},
        "userErrors": [],
    }
    assert out_of_range["feedbackSlaSet"] == {"sla": None, "userErrors": [{"field": "hours", "code": "OUT_OF_RANGE"}]}
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    feedback = submitted["feedbackSubmit"]["feedback"]
    assert _utc(feedback["dueAt"]) == _utc(feedback["receivedAt"]) + 6 * HOUR
    assert _utc(feedback["resolveDueAt"]) == _utc(feedback["receivedAt"]) + 72 * HOUR


# ---------------------------------------------------------------------------
# Overdue and escalation


async def test_overdue_cases_are_escalated_once(gql, gql_as, session):
    # given
    now = dt.datetime.now(dt.UTC)
    supervisor = await make_staff(session, Role.SUPERVISOR, region=Region.EAST)
    store = await make_store(session, region=Region.EAST)
    late = await make_feedback(session, store=store, status=S.INVESTIGATING, due_at=now - 3 * HOUR)
    dealer_late = await make_feedback(
        session, dealer=await make_dealer(session, region=Region.EAST), status=S.RECEIVED, due_at=now - HOUR
    )
    on_time = await make_feedback(session, store=store, status=S.RECEIVED, due_at=now + HOUR)
    manager = await gql_as(Role.VIP_MANAGER, region=Region.EAST)
    # when
    refused = await manager.raw(ESCALATE)
    first = await gql(ESCALATE)
    second = await gql(ESCALATE)
    overdue = await gql(LIST, {"filter": {"overdue": True}})
    escalated = await gql(LIST, {"filter": {"escalated": True}})
    calm = await gql(LIST, {"filter": {"overdue": False, "escalated": False}})
    # then
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert first["feedbackEscalateOverdue"] == {"escalatedCount": 2, "userErrors": []}
    assert second["feedbackEscalateOverdue"] == {"escalatedCount": 0, "userErrors": []}
    nodes = {e["node"]["id"]: e["node"] for e in escalated["feedback"]["edges"]}
    assert set(nodes) == {gid("Feedback", late.id), gid("Feedback", dealer_late.id)}
    assert {e["node"]["id"] for e in overdue["feedback"]["edges"]} == set(nodes)
    assert [e["node"]["id"] for e in calm["feedback"]["edges"]] == [gid("Feedback", on_time.id)]
    node = nodes[gid("Feedback", late.id)]
    assert node["overdue"] is True
    assert node["escalatedTo"] == {"id": gid("Staff", supervisor.id), "displayName": supervisor.display_name}
    assert node["version"] == 2
    [event] = node["events"]
    assert (event["kind"], event["fromStatus"], event["toStatus"]) == ("ESCALATION", "INVESTIGATING", "INVESTIGATING")
    assert _utc(event["createdAt"]) == _utc(node["escalatedAt"])


async def test_the_feedback_list_loads_relations_in_batches(gql, session, statements):
    # given
    now = dt.datetime.now(dt.UTC)
    supervisors = [await make_staff(session, Role.SUPERVISOR) for _ in range(3)]

    async def page_statements(n: int) -> int:
        for i in range(n):
            await make_feedback(session, escalated_at=now, escalated_to_id=supervisors[i % 3].id, due_at=now)
        statements.reset()
        statements.active = True
        await gql(LIST, {"filter": {"escalated": True}, "first": 50})
        statements.active = False
        return statements.count

    # when
    few = await page_statements(2)
    many = await page_statements(8)
    # then
    assert few == many


async def test_escalate_command(fresh_db_url: str) -> None:
    # given an overdue case in a migrated database
    conn = await asyncpg.connect(fresh_db_url)
    try:
        store_id = await conn.fetchval(
            "INSERT INTO store (code, name, kind, region, city) VALUES ('S1', '店', 'SELF_OPERATED', 'EAST', '上海')"
            " RETURNING id"
        )
        member_id = await conn.fetchval(
            "INSERT INTO member (name, phone, home_store_id, enrolled_at) VALUES ('王', '+8613800138000', $1, now())"
            " RETURNING id",
            store_id,
        )
        boss = await conn.fetchval(
            "INSERT INTO staff (username, display_name, role, region) VALUES ('boss', '主管', 'SUPERVISOR', 'EAST')"
            " RETURNING id"
        )
        await conn.execute(
            "INSERT INTO feedback (party_kind, member_id, kind, channel, content, received_at, due_at)"
            " VALUES ('MEMBER', $1, 'COMPLAINT', 'PHONE', 'x', now() - interval '2 days', now() - interval '1 day')",
            member_id,
        )
    finally:
        await conn.close()
    env = {**os.environ, "DATABASE_URL": fresh_db_url}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "crm.cli", "escalate"],
            text=True,
            capture_output=True,
            env=env,
            cwd=PROJECT_ROOT,
            check=False,
        )

    # when it runs twice
    first, second = run(), run()
    # then the case is escalated once, to the region's supervisor
    assert first.returncode == 0, first.stderr
    assert "escalated 1 overdue feedback cases" in first.stderr
    assert "escalated 0 overdue feedback cases" in second.stderr
    conn = await asyncpg.connect(fresh_db_url)
    try:
        row = await conn.fetchrow("SELECT escalated_to_id, escalated_at FROM feedback")
        events = await conn.fetchval("SELECT count(*) FROM feedback_event WHERE kind = 'ESCALATION'")
    finally:
        await conn.close()
    assert row["escalated_to_id"] == boss and row["escalated_at"] is not None
    assert events == 1


# ---------------------------------------------------------------------------
# Statistics


async def test_statistics_by_month_in_shanghai_time(gql, gql_as, session):
    # given: 23:30 on 31 October in Shanghai (15:30 UTC) is October; 00:30 on 1 November is November
    member = await make_member(session)
    october = dt.datetime(2026, 10, 31, 15, 30, tzinfo=dt.UTC)
    november = dt.datetime(2026, 10, 31, 16, 30, tzinfo=dt.UTC)
    for received, hours, kind in (
        (october, 30, FeedbackKind.COMPLAINT),
        (october, 80, FeedbackKind.COMPLAINT),
        (november, 12, FeedbackKind.QUALITY_REPORT),
        (november, None, FeedbackKind.COMPLAINT),
    ):
        await make_feedback(
            session,
            member=member,
            kind=kind,
            received_at=received,
            resolve_due_at=received + 72 * HOUR,
            resolved_at=received + hours * HOUR if hours is not None else None,
            status=S.RESOLVED if hours is not None else S.ASSESSED,
        )
    marketing = await gql_as(Role.MARKETING)
    # when
    by_month = await marketing(STATS, {"groupBy": ["MONTH"]})
    by_kind = await gql(STATS, {"groupBy": ["KIND", "OUTCOME"], "from": "2026-11-01", "to": "2026-11-30"})
    reversed_range = await gql.raw(STATS, {"groupBy": [], "from": "2026-11-02", "to": "2026-11-01"})
    # then
    rows = by_month["feedbackStats"]
    assert [(r["month"], r["count"], r["resolvedCount"], r["resolvedWithinSlaCount"]) for r in rows] == [
        ("2026-10", 2, 2, 1),
        ("2026-11", 2, 1, 1),
    ]
    assert [(r["withinSlaShare"], r["averageHoursToResolve"]) for r in rows] == [(0.5, 55.0), (1.0, 12.0)]
    assert all(r["kind"] is None and r["outcome"] is None for r in rows)
    assert [(r["kind"], r["outcome"], r["count"], r["withinSlaShare"]) for r in by_kind["feedbackStats"]] == [
        ("COMPLAINT", "OPEN", 1, None),
        ("QUALITY_REPORT", "RESOLVED", 1, 1.0),
    ]
    assert [e["extensions"]["code"] for e in reversed_range["errors"]] == ["INVALID_ARGUMENT"]
