"""The permission matrix, cell by cell: each role tries one representative operation for each Op.

Every user works on data in their own scope (an EAST dealer's store, its dealer and a member
enrolled there), so that an allowed operation succeeds outright and a refused one can only be
refused for the role.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import parse, validate
from sqlalchemy import func, select

import crm.models  # noqa: F401  (every table, for the "nothing written" check)
from crm.auth.permissions import MATRIX, Op
from crm.businesstime import today
from crm.db import Base
from crm.dealers.models import Dealer, Store
from crm.enums import Region, Role
from crm.feedback.models import Feedback
from crm.graphql.schema import schema
from crm.members.models import Member
from crm.staff.models import Staff
from tests.builders import gid, make_dealer, make_feedback, make_member, make_staff, make_store, unique_phone

_seq = itertools.count(1)


@dataclass(frozen=True, slots=True)
class World:
    """What a user of any role needs in scope: an EAST dealer, its store, a member there and their complaint."""

    me: Staff
    dealer: Dealer
    store: Store
    member: Member
    feedback: Feedback


@dataclass(frozen=True, slots=True)
class Case:
    """One GraphQL operation that needs exactly one Op; `writes`: it changes data when allowed."""

    document: str
    variables: Callable[[World], dict[str, Any]]
    writes: bool


def _none(_: World) -> dict[str, Any]:
    return {}


def _read(field: str, arguments: str = "(first: 5)") -> Case:
    return Case(f"query {{ {field}{arguments} {{ totalCount }} }}", _none, writes=False)


def _mutation(field: str, input_type: str, variables: Callable[[World], dict[str, Any]]) -> Case:
    document = (
        f"mutation Run($input: {input_type}!) {{ {field}(input: $input) {{ userErrors {{ field code message }} }} }}"
    )
    return Case(document, lambda w: {"input": variables(w)}, writes=True)


def _this_month() -> str:
    now = today()
    return f"{now.year:04d}-{now.month:02d}"


CASES: dict[Op, Case] = {
    Op.MEMBER_READ: _read("members"),
    Op.MEMBER_ENROL: _mutation(
        "memberEnrol",
        "MemberEnrolInput",
        lambda w: {"name": "新會員", "phone": unique_phone(), "homeStoreId": gid("Store", w.store.id)},
    ),
    Op.MEMBER_UPDATE: _mutation(
        "memberUpdate", "MemberUpdateInput", lambda w: {"id": gid("Member", w.member.id), "notes": "喜歡米白色"}
    ),
    Op.MEMBER_EXPORT: _mutation("memberExport", "MemberPrivacyInput", lambda w: {"id": gid("Member", w.member.id)}),
    Op.MEMBER_ERASE: _mutation("memberErase", "MemberPrivacyInput", lambda w: {"id": gid("Member", w.member.id)}),
    Op.VISIT_READ: _read("visits"),
    Op.VISIT_RECORD_MEMBER: _mutation(
        "visitRecord", "VisitRecordInput", lambda w: {"memberId": gid("Member", w.member.id)}
    ),
    Op.VISIT_RECORD_DEALER: _mutation(
        "visitRecord", "VisitRecordInput", lambda w: {"dealerId": gid("Dealer", w.dealer.id), "purpose": "SEE_GOODS"}
    ),
    Op.CALLBACK_READ: _read("callbacks"),
    Op.CALLBACK_WRITE: _mutation(
        "callbackCreate",
        "CallbackCreateInput",
        lambda w: {
            "memberId": gid("Member", w.member.id),
            "purpose": "SATISFACTION",
            "dueOn": (today() + dt.timedelta(days=7)).isoformat(),
        },
    ),
    Op.CALLBACK_PLAN: _mutation(
        "callbacksPlan",
        "CallbacksPlanInput",
        lambda w: {"from": today().isoformat(), "to": today().isoformat(), "commit": True},
    ),
    Op.CALLBACK_POLICY_WRITE: _mutation(
        "callbackPolicyUpdate", "CallbackPolicyUpdateInput", lambda w: {"purpose": "BIRTHDAY", "offsetDays": 5}
    ),
    Op.FEEDBACK_READ: _read("feedback"),
    Op.FEEDBACK_SUBMIT: _mutation(
        "feedbackSubmit",
        "FeedbackSubmitInput",
        lambda w: {
            "memberId": gid("Member", w.member.id),
            "kind": "SUGGESTION",
            "channel": "STORE",
            "content": "多些尺碼",
        },
    ),
    Op.FEEDBACK_HANDLE: _mutation(
        "feedbackTransition",
        "FeedbackTransitionInput",
        lambda w: {"id": gid("Feedback", w.feedback.id), "to": "ASSESSED", "note": "已告知顧客三日內回覆"},
    ),
    Op.FEEDBACK_CONFIGURE: _mutation(
        "feedbackSlaSet", "FeedbackSlaSetInput", lambda w: {"kind": "COMPLAINT", "step": "RECEIVED", "hours": 12}
    ),
    Op.DEALER_READ: _read("dealers"),
    Op.DEALER_WRITE: _mutation(
        "dealerCreate",
        "DealerCreateInput",
        lambda w: {"code": f"PD{next(_seq):05d}", "name": "新經銷商", "region": "EAST", "city": "寧波"},
    ),
    Op.STORE_READ: _read("stores"),
    Op.STORE_WRITE: _mutation(
        "storeCreate",
        "StoreCreateInput",
        lambda w: {
            "code": f"PS{next(_seq):05d}",
            "name": "新店",
            "kind": "SELF_OPERATED",
            "region": "EAST",
            "city": "蘇州",
        },
    ),
    Op.STAFF_READ: _read("staff"),
    Op.STAFF_WRITE: _mutation(
        "staffCreate",
        "StaffCreateInput",
        lambda w: {"username": f"perm.user{next(_seq)}", "displayName": "新同事", "role": "MARKETING"},
    ),
    Op.TARGET_READ: _read("enrolmentTargets", '(month: "2026-06", first: 5)'),
    Op.TARGET_SET: _mutation(
        "targetSet",
        "TargetSetInput",
        lambda w: {"month": _this_month(), "scope": "STORE", "scopeId": gid("Store", w.store.id), "targetCount": 12},
    ),
    Op.SCORECARD_READ: _read("staffScorecards", '(from: "2026-10-01", to: "2026-10-31", first: 5)'),
    Op.AUDIT_READ: _read("auditEvents"),
    Op.TOKEN_MANAGE: _mutation(
        "apiTokenCreate",
        "ApiTokenCreateInput",
        lambda w: {"staffId": gid("Staff", w.me.id), "name": "report script", "scopes": ["MEMBER_READ"]},
    ),
}

CELLS = [(role, op) for op in MATRIX for role in Role]


async def _world(session, role: Role) -> World:
    dealer = await make_dealer(session, region=Region.EAST)
    store = await make_store(session, dealer=dealer, region=Region.EAST)
    member = await make_member(session, store=store)
    feedback = await make_feedback(session, member=member, store=store)
    me = await make_staff(session, role, store=store if role is Role.STORE_STAFF else None)
    return World(me=me, dealer=dealer, store=store, member=member, feedback=feedback)


async def _row_counts(session) -> dict[str, int]:
    return {
        table.name: int(await session.scalar(select(func.count()).select_from(table)))
        for table in Base.metadata.sorted_tables
    }


def test_every_operation_of_the_matrix_has_a_valid_case():
    # given
    documents = {op: parse(case.document) for op, case in CASES.items()}
    # when
    problems = {op: [e.message for e in validate(schema._schema, doc)] for op, doc in documents.items()}
    # then: a new Op needs a representative operation here, and each one is valid
    assert set(CASES) == set(Op) == set(MATRIX)
    assert {op: p for op, p in problems.items() if p} == {}


@pytest.mark.parametrize(("role", "op"), CELLS, ids=[f"{r.value}-{o.value}" for r, o in CELLS])
async def test_matrix_cell(gql_as, session, role: Role, op: Op):
    # given
    case = CASES[op]
    world = await _world(session, role)
    as_role = await gql_as(role, staff=world.me)
    variables = case.variables(world)
    before = await _row_counts(session)
    # when
    result = await as_role.raw(case.document, variables)
    # then
    after = await _row_counts(session)
    if role in MATRIX[op]:
        assert "errors" not in result, result["errors"]
        if case.writes:
            (payload,) = result["data"].values()
            assert payload["userErrors"] == []
            assert after["audit_event"] == before["audit_event"] + 1
        else:
            assert after == before
    else:
        assert result["data"] is None
        assert [e["extensions"]["code"] for e in result["errors"]] == ["FORBIDDEN"]
        assert result["errors"][0]["message"] == f"Your role may not do this ({op.value})."
        assert after == before
