"""PIPL requests: export all data on a member; erase their personal data but keep the numbers."""

from __future__ import annotations

import decimal

from sqlalchemy import func, select

from crm.audit.models import AuditEvent
from crm.callbacks.models import Callback
from crm.enums import CallbackStatus, Role
from crm.feedback.models import Feedback
from crm.members.models import Member
from crm.visits.models import Visit
from tests.builders import gid, make_callback, make_feedback, make_member, make_store, make_visit

EXPORT = """
mutation($input: MemberPrivacyInput!) { memberExport(input: $input) { data userErrors { field code } } }
"""
ERASE = """
mutation($input: MemberPrivacyInput!) {
  memberErase(input: $input) { member { id name phone birthday status tags notes consent { phone sms wechat } }
                               userErrors { field code } }
}
"""
ENROL = """
mutation($input: MemberEnrolInput!) { memberEnrol(input: $input) { member { id } userErrors { field code } } }
"""


async def _member_with_history(session):
    store = await make_store(session)
    member = await make_member(session, store=store, phone="+8613811112222", notes="喜歡黑色", tags=["高消費"])
    await make_visit(session, member=member, purchase_amount=decimal.Decimal("1299.00"), notes="試穿了大衣")
    await make_callback(session, member=member, notes="問尺碼")
    await make_feedback(session, member=member, content="拉鏈壞了，王小姐電話13811112222")
    return store, member


async def test_export_holds_everything_on_the_member_and_is_audited(gql, session):
    # given
    _, member = await _member_with_history(session)
    # when
    data = await gql(EXPORT, {"input": {"id": gid("Member", member.id)}})
    # then
    export = data["memberExport"]["data"]
    assert export["member"]["phone"] == "+8613811112222"
    assert [v["purchase_amount"] for v in export["visits"]] == ["1299.00"]
    assert len(export["callbacks"]) == 1
    assert export["feedback"][0]["content"].startswith("拉鏈壞了")
    actions = await session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == member.id))
    assert "memberExport" in list(actions)


async def test_only_admins_may_export_or_erase(gql_as, session):
    # given
    _, member = await _member_with_history(session)
    manager = await gql_as(Role.VIP_MANAGER)
    # when
    export = await manager.raw(EXPORT, {"input": {"id": gid("Member", member.id)}})
    erase = await manager.raw(ERASE, {"input": {"id": gid("Member", member.id)}})
    # then
    assert export["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert erase["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stored = await session.get(Member, member.id)
    assert stored.erased_at is None


async def test_erase_anonymises_personal_data_and_keeps_the_numbers(gql, session):
    # given
    _, member = await _member_with_history(session)
    visits_before = await session.scalar(select(func.count()).select_from(Visit).where(Visit.member_id == member.id))
    # when
    data = await gql(ERASE, {"input": {"id": gid("Member", member.id)}})
    # then: the member is anonymous
    erased = data["memberErase"]["member"]
    assert data["memberErase"]["userErrors"] == []
    assert erased["name"] == "(已刪除)"
    assert erased["phone"] != "+8613811112222"
    assert erased["birthday"] is None and erased["notes"] is None and erased["tags"] == []
    assert erased["status"] == "CLOSED"
    assert erased["consent"] == {"phone": False, "sms": False, "wechat": False}
    # and the free text around them is gone, the numbers are not
    visits = (await session.scalars(select(Visit).where(Visit.member_id == member.id))).all()
    assert len(visits) == visits_before
    assert visits[0].purchase_amount == decimal.Decimal("1299.00") and visits[0].notes is None
    callback = await session.scalar(select(Callback).where(Callback.member_id == member.id))
    assert callback.status == CallbackStatus.CANCELLED and callback.notes is None
    feedback = await session.scalar(select(Feedback).where(Feedback.member_id == member.id))
    assert "13811112222" not in feedback.content
    # and the audit trail holds no personal data either
    trail = (await session.scalars(select(AuditEvent).where(AuditEvent.entity_id == member.id))).all()
    assert all("13811112222" not in str(e.before) + str(e.after) for e in trail)
    assert [e.action for e in trail if e.action == "memberErase"] == ["memberErase"]


async def test_after_erasure_the_phone_can_enrol_again_and_the_old_record_is_frozen(gql, session):
    # given
    store, member = await _member_with_history(session)
    await gql(ERASE, {"input": {"id": gid("Member", member.id)}})
    # when
    again = await gql(
        ENROL, {"input": {"name": "王小姐", "phone": "13811112222", "homeStoreId": gid("Store", store.id)}}
    )
    update = await gql(
        "mutation($input: MemberUpdateInput!) { memberUpdate(input: $input) { member { id } userErrors { code } } }",
        {"input": {"id": gid("Member", member.id), "name": "回來了"}},
    )
    twice = await gql(ERASE, {"input": {"id": gid("Member", member.id)}})
    # then
    assert again["memberEnrol"]["userErrors"] == []
    assert update["memberUpdate"]["userErrors"] == [{"code": "INVALID_STATE"}]
    assert twice["memberErase"]["userErrors"] == [{"field": "id", "code": "INVALID_STATE"}]


async def test_unknown_member_is_not_found(gql):
    # when
    data = await gql(ERASE, {"input": {"id": gid("Member", 999999)}})
    export = await gql(EXPORT, {"input": {"id": gid("Member", 999999)}})
    # then
    assert data["memberErase"]["userErrors"] == [{"field": "id", "code": "NOT_FOUND"}]
    assert export["memberExport"]["userErrors"] == [{"field": "id", "code": "NOT_FOUND"}]
