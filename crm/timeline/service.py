"""Timelines: a member's or a dealer's history (visits, calls, feedback, enrolment) as one keyset-paged list.

Every page is one UNION ALL statement over the sources, whatever the page size and however many
members or dealers a request asks about (the loader batches them; a window per subject cuts
each one's page).

Access, decided once here:
- The subject (member or dealer) must be in the actor's scope; out of scope it has no entries
  (and `timeline` gives None, as an out-of-scope object is absent everywhere else).
- A visit, call or feedback of a subject in scope is in scope (scoping.visits, .callbacks and
  .feedback say as much), so the subject's scope stands for the entries'. Each source also needs
  its read operation (VISIT_READ, CALLBACK_READ, FEEDBACK_READ; STORE_READ for a dealer's stores):
  a source the actor may not read is left out of the list, not an error, so a store clerk sees
  a member's visits and feedback but no calls.
- Free text (visit notes, what was said on a call, the feedback's words, notes on its steps) is
  in `note`, null for roles that see members' personal data masked (dealer-facing staff,
  marketing). The summary is built from structured fields only: kinds, statuses, amounts, counts.
"""

from __future__ import annotations

import decimal
import enum
import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Select,
    String,
    Subquery,
    Text,
    and_,
    cast,
    column,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth import scoping
from crm.auth.actor import Actor
from crm.auth.permissions import Op
from crm.callbacks.models import Callback, CallbackAttempt
from crm.config import BUSINESS_TZ
from crm.db import fetch_rows
from crm.dealers.models import Dealer, Store
from crm.enums import (
    CallbackPurpose,
    CallbackStatus,
    CallOutcome,
    Channel,
    DealerVisitPurpose,
    FeedbackChannel,
    FeedbackKind,
    FeedbackStatus,
    NonConversionReason,
    VisitKind,
)
from crm.feedback.models import Feedback, FeedbackEvent, FeedbackEventKind
from crm.members.models import Member
from crm.pagination import OrderKey, Page, as_datetime, check_first, decode_cursor, encode_cursor
from crm.visits.models import Visit

# Free text in an entry is cut here; the whole text is on the visit, callback or feedback itself.
NOTE_LENGTH = 200


class Subject(enum.StrEnum):
    """Whose timeline."""

    MEMBER = "MEMBER"
    DEALER = "DEALER"


class EntryKind(enum.StrEnum):
    """What a timeline entry records."""

    ENROLMENT = "ENROLMENT"
    STORE_OPENED = "STORE_OPENED"
    VISIT = "VISIT"
    CALL_ATTEMPT = "CALL_ATTEMPT"
    CALL_CLOSED = "CALL_CLOSED"
    FEEDBACK_RECEIVED = "FEEDBACK_RECEIVED"
    FEEDBACK_EVENT = "FEEDBACK_EVENT"


_NO_ID = cast(null(), BigInteger)


def _note(actor: Actor, column: Any) -> Any:
    """Free text for roles that may read it, cut to NOTE_LENGTH; null for the others."""
    return cast(null(), Text) if actor.masks_personal_data else func.left(column, NOTE_LENGTH)


def _detail(**values: Any) -> Any:
    """The structured fields a summary is written from, as one JSONB value."""
    pairs: list[Any] = []
    for key, value in values.items():
        pairs += [literal(key, String), value]
    return func.jsonb_build_object(*pairs, type_=JSONB)


def _entry(
    subject_id: Any,
    at: Any,
    kind: EntryKind,
    pk: Any,
    *,
    staff_id: Any = None,
    visit_id: Any = None,
    callback_id: Any = None,
    feedback_id: Any = None,
    store_id: Any = None,
    note: Any = None,
    detail: Any = None,
) -> list[Any]:
    """The columns of one branch of the union, in the union's order."""

    def ref(column: Any) -> Any:
        return _NO_ID if column is None else column

    return [
        subject_id.label("subject_id"),
        at.label("at"),
        literal(kind.value, String).label("kind"),
        pk.label("id"),
        ref(staff_id).label("staff_id"),
        ref(visit_id).label("visit_id"),
        ref(callback_id).label("callback_id"),
        ref(feedback_id).label("feedback_id"),
        ref(store_id).label("store_id"),
        (cast(null(), Text) if note is None else note).label("note"),
        (detail if detail is not None else _detail()).label("detail"),
    ]


def _subjects(actor: Actor, subject: Subject, ids: Sequence[int]) -> Select[Any]:
    """The ids among `ids` of members (dealers) in the actor's scope."""
    if subject is Subject.MEMBER:
        return scoping.where(select(Member.id).where(Member.id.in_(ids)), scoping.members(actor))
    return scoping.where(select(Dealer.id).where(Dealer.id.in_(ids)), scoping.dealers(actor))


def _branches(actor: Actor, subject: Subject, ids: Sequence[int]) -> list[Select[Any]]:
    """One SELECT per source the actor may read, for the subjects `ids` in scope."""
    mine = _subjects(actor, subject, ids)
    is_member = subject is Subject.MEMBER
    branches: list[Select[Any]] = []

    if is_member:
        branches.append(
            select(
                *_entry(
                    Member.id,
                    Member.enrolled_at,
                    EntryKind.ENROLMENT,
                    Member.id,
                    staff_id=Member.enrolled_by_id,
                    store_id=Member.home_store_id,
                    detail=_detail(duplicate=Member.duplicate_of_id.is_not(None)),
                )
            ).where(Member.id.in_(mine))
        )
    elif actor.may(Op.STORE_READ):
        # A dealer has no enrolment day; the days its stores opened mark its history instead.
        opened = func.timezone(str(BUSINESS_TZ), cast(Store.opened_on, DateTime), type_=DateTime(timezone=True))
        branches.append(
            scoping.where(
                select(
                    *_entry(
                        Store.dealer_id,
                        opened,
                        EntryKind.STORE_OPENED,
                        Store.id,
                        store_id=Store.id,
                        detail=_detail(name=Store.name, code=Store.code),
                    )
                ).where(Store.dealer_id.in_(mine), Store.opened_on.is_not(None)),
                scoping.stores(actor),
            )
        )

    if actor.may(Op.VISIT_READ):
        visit_party = Visit.member_id if is_member else Visit.dealer_id
        kind = VisitKind.MEMBER_STORE if is_member else VisitKind.DEALER_SHOWROOM
        branches.append(
            select(
                *_entry(
                    visit_party,
                    Visit.visited_at,
                    EntryKind.VISIT,
                    Visit.id,
                    staff_id=Visit.recorded_by_id,
                    visit_id=Visit.id,
                    store_id=Visit.store_id,
                    note=_note(actor, Visit.notes),
                    detail=_detail(
                        visit_kind=Visit.kind,
                        amount=cast(Visit.purchase_amount, Text),
                        items=Visit.item_count,
                        purpose=Visit.purpose,
                        quantity=Visit.quantity,
                    ),
                )
            ).where(visit_party.in_(mine), Visit.kind == kind)
        )

    if actor.may(Op.CALLBACK_READ):
        call_party = Callback.member_id if is_member else Callback.dealer_id
        branches.append(
            select(
                *_entry(
                    call_party,
                    CallbackAttempt.attempted_at,
                    EntryKind.CALL_ATTEMPT,
                    CallbackAttempt.id,
                    staff_id=CallbackAttempt.actor_id,
                    callback_id=Callback.id,
                    note=_note(actor, CallbackAttempt.notes),
                    detail=_detail(
                        purpose=Callback.purpose,
                        channel=CallbackAttempt.channel,
                        reached=CallbackAttempt.reached,
                        outcome=CallbackAttempt.outcome,
                        satisfaction=CallbackAttempt.satisfaction,
                        reason=CallbackAttempt.non_conversion_reason,
                    ),
                )
            )
            .select_from(CallbackAttempt)
            .join(Callback, Callback.id == CallbackAttempt.callback_id)
            .where(call_party.in_(mine))
        )
        # A call closed without a single try (mostly cancelled) would otherwise leave no trace.
        tried = exists().where(CallbackAttempt.callback_id == Callback.id)
        branches.append(
            select(
                *_entry(
                    call_party,
                    Callback.closed_at,
                    EntryKind.CALL_CLOSED,
                    Callback.id,
                    staff_id=Callback.assignee_id,
                    callback_id=Callback.id,
                    note=_note(actor, Callback.outcome_notes),
                    detail=_detail(purpose=Callback.purpose, status=Callback.status),
                )
            ).where(call_party.in_(mine), Callback.status != CallbackStatus.OPEN, ~tried)
        )

    if actor.may(Op.FEEDBACK_READ):
        feedback_party = Feedback.member_id if is_member else Feedback.dealer_id
        branches.append(
            select(
                *_entry(
                    feedback_party,
                    Feedback.received_at,
                    EntryKind.FEEDBACK_RECEIVED,
                    Feedback.id,
                    staff_id=Feedback.received_by_id,
                    feedback_id=Feedback.id,
                    store_id=Feedback.store_id,
                    note=_note(actor, Feedback.content),
                    detail=_detail(feedback_kind=Feedback.kind, channel=Feedback.channel),
                )
            ).where(feedback_party.in_(mine))
        )
        # The intake event (no status before) repeats FEEDBACK_RECEIVED, which has the day it came in.
        branches.append(
            select(
                *_entry(
                    feedback_party,
                    FeedbackEvent.created_at,
                    EntryKind.FEEDBACK_EVENT,
                    FeedbackEvent.id,
                    staff_id=FeedbackEvent.actor_id,
                    feedback_id=Feedback.id,
                    note=_note(actor, FeedbackEvent.note),
                    detail=_detail(
                        feedback_kind=Feedback.kind,
                        event_kind=FeedbackEvent.kind,
                        from_status=FeedbackEvent.from_status,
                        to_status=FeedbackEvent.to_status,
                    ),
                )
            )
            .select_from(FeedbackEvent)
            .join(Feedback, Feedback.id == FeedbackEvent.feedback_id)
            .where(feedback_party.in_(mine), FeedbackEvent.from_status.is_not(None))
        )
    return branches


def _all_entries(actor: Actor, subject: Subject, pk: int) -> Select[Any]:
    return select(entries(actor, subject, [pk]))


def entries(actor: Actor, subject: Subject, ids: Sequence[int]) -> Subquery:
    """Every timeline entry of the subjects `ids` the actor may see, as one UNION ALL subquery."""
    return union_all(*_branches(actor, subject, ids)).subquery("entry")


def order_keys(entry: Subquery) -> list[OrderKey]:
    """Newest first; at the same instant by kind, then the newest row."""
    return [
        OrderKey(entry.c.at, descending=True, decode=as_datetime),
        OrderKey(entry.c.kind),
        OrderKey(entry.c.id, descending=True),
    ]


def order_name(subject: Subject, subject_id: int) -> str:
    """A cursor's order name: a cursor of one timeline is refused by another."""
    return f"timeline:{subject.value}:{subject_id}"


# The same keys by column name alone: enough to decode a cursor without building the union.
_CURSOR_KEYS = [
    OrderKey(column("at"), descending=True, decode=as_datetime),
    OrderKey(column("kind")),
    OrderKey(column("id"), descending=True),
]


def decode_after(subject: Subject, subject_id: int, after: str | None) -> tuple[Any, ...] | None:
    """The sort values an `after` cursor points at, or raise INVALID_CURSOR."""
    if not after:
        return None
    return tuple(decode_cursor(after, order_name(subject, subject_id), _CURSOR_KEYS))


def _after(keys: Sequence[OrderKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order `keys` (each key in its own direction)."""
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j].expr == values[j] for j in range(i)]
        step = key.expr < values[i] if key.descending else key.expr > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)


async def pages(
    session: AsyncSession,
    actor: Actor,
    subject: Subject,
    subject_ids: Sequence[int],
    *,
    size: int,
    after: tuple[Any, ...] | None,
) -> dict[int, Page]:
    """One page per subject, all after the same position, in one statement."""
    entry = entries(actor, subject, subject_ids)
    keys = order_keys(entry)
    position = func.row_number().over(
        partition_by=entry.c.subject_id,
        order_by=[key.expr.desc() if key.descending else key.expr.asc() for key in keys],
    )
    ranked = select(entry, position.label("position"))
    if after is not None:
        ranked = ranked.where(_after(keys, after))
    inner = ranked.subquery("ranked")
    statement = select(inner).where(inner.c.position <= size + 1).order_by(inner.c.subject_id, inner.c.position)
    found: dict[int, list[Row[Any]]] = {pk: [] for pk in subject_ids}
    for row in await fetch_rows(session, statement):
        found[row.subject_id].append(row)
    result = {}
    for pk, rows in found.items():
        name = order_name(subject, pk)
        result[pk] = Page(
            rows=rows[:size],
            cursors=[encode_cursor(name, [r.at, r.kind, r.id]) for r in rows[:size]],
            has_next=len(rows) > size,
            has_previous=after is not None,
            # The subject's whole timeline, built only if the client asks for totalCount.
            counted=functools.partial(_all_entries, actor, subject, pk),
            session=session,
        )
    return result


async def timeline(
    session: AsyncSession, actor: Actor, subject: Subject, subject_id: int, *, first: int | None, after: str | None
) -> Page | None:
    """A page of one member's (dealer's) timeline, newest first; None when the subject is not in scope."""
    actor.require(Op.MEMBER_READ if subject is Subject.MEMBER else Op.DEALER_READ)
    size = check_first(first)
    values = decode_after(subject, subject_id, after)
    if await session.scalar(_subjects(actor, subject, [subject_id])) is None:
        return None
    return (await pages(session, actor, subject, [subject_id], size=size, after=values))[subject_id]


# --- summaries ----------------------------------------------------------------------------------
# Written as the staff talk (Traditional Chinese, as in the rest of the data), from structured
# fields only: never a name, a phone number or free text.

PURPOSE = {
    CallbackPurpose.SATISFACTION: "滿意度回訪",
    CallbackPurpose.COMPLAINT_FOLLOW_UP: "投訴處理後回訪",
    CallbackPurpose.BIRTHDAY: "生日祝福",
    CallbackPurpose.REACTIVATION: "沉睡會員喚醒",
    CallbackPurpose.PROMOTION: "優惠政策傳達",
    CallbackPurpose.DEALER_SALES_TALK: "銷售及庫存溝通",
    CallbackPurpose.PAYMENT_REMINDER: "匯款催促",
    CallbackPurpose.OTHER: "其他跟進",
}
CHANNEL = {Channel.PHONE: "電話", Channel.SMS: "短信", Channel.WECHAT: "微信"}
OUTCOME = {
    CallOutcome.WILL_VISIT: "會到店",
    CallOutcome.PURCHASED: "已購買",
    CallOutcome.SATISFIED: "滿意",
    CallOutcome.NOT_INTERESTED: "沒有興趣",
    CallOutcome.CALL_LATER: "稍後再聯繫",
    CallOutcome.COMPLAINT: "提出投訴",
    CallOutcome.OTHER: "其他",
}
REASON = {
    NonConversionReason.PRICE: "價格",
    NonConversionReason.QUALITY: "質量",
    NonConversionReason.STYLE: "款式",
    NonConversionReason.SIZE: "尺碼",
    NonConversionReason.SERVICE: "服務",
    NonConversionReason.COMPETITOR: "競爭對手",
    NonConversionReason.MOVED: "已搬遷",
    NonConversionReason.OTHER: "其他",
}
CALL_STATUS = {
    CallbackStatus.OPEN: "待跟進",
    CallbackStatus.DONE: "已完成",
    CallbackStatus.UNREACHABLE: "無法聯繫",
    CallbackStatus.CANCELLED: "已取消",
}
FEEDBACK_KIND = {
    FeedbackKind.SUGGESTION: "建議",
    FeedbackKind.COMPLAINT: "投訴",
    FeedbackKind.PRAISE: "表揚",
    FeedbackKind.QUALITY_REPORT: "質量問題反映",
}
FEEDBACK_CHANNEL = {
    FeedbackChannel.STORE: "門店",
    FeedbackChannel.PHONE: "電話",
    FeedbackChannel.ONLINE: "網上",
    FeedbackChannel.SOCIAL_MEDIA: "社交媒體",
    FeedbackChannel.SUGGESTION_BOX: "意見箱",
}
FEEDBACK_STATUS = {
    FeedbackStatus.RECEIVED: "已受理",
    FeedbackStatus.ASSESSED: "已判斷",
    FeedbackStatus.NOT_UPHELD: "不成立",
    FeedbackStatus.INVESTIGATING: "調查中",
    FeedbackStatus.SOLUTION_PROPOSED: "已提出方案",
    FeedbackStatus.RESOLVED: "已解決",
    FeedbackStatus.RETURN_VISIT_DONE: "已回訪",
    FeedbackStatus.CLOSED: "已結案",
}
DEALER_VISIT = {
    DealerVisitPurpose.SEE_GOODS: "看貨",
    DealerVisitPurpose.ORDER: "訂貨",
    DealerVisitPurpose.RETURN_DEFECTIVE: "退殘次品",
}


def _label(labels: dict[Any, str], value: Any) -> str:
    return labels.get(value, str(value)) if value is not None else ""


def _visit(d: dict[str, Any]) -> str:
    if d.get("visit_kind") == VisitKind.DEALER_SHOWROOM:
        quantity = d.get("quantity")
        return f"來訪{_label(DEALER_VISIT, d.get('purpose'))}" + (f"，{quantity}件" if quantity else "")
    amount, items = d.get("amount"), d.get("items")
    if amount is None:
        return "到店"
    spent = decimal.Decimal(amount)
    if not spent and not items:
        return "到店（未購物）"
    return f"到店消費 ¥{spent:,.2f}" + (f"，{items}件" if items else "")


def _call(d: dict[str, Any]) -> str:
    parts = ["已接通" if d.get("reached") else "未接通"]
    if d.get("outcome"):
        parts.append(_label(OUTCOME, d["outcome"]))
    if d.get("satisfaction") is not None:
        parts.append(f"滿意度 {d['satisfaction']}/5")
    if d.get("reason"):
        parts.append(f"未轉化原因：{_label(REASON, d['reason'])}")
    return f"{_label(PURPOSE, d.get('purpose'))}（{_label(CHANNEL, d.get('channel'))}）：" + "，".join(parts)


def _feedback_event(d: dict[str, Any]) -> str:
    kind = _label(FEEDBACK_KIND, d.get("feedback_kind"))
    if d.get("event_kind") == FeedbackEventKind.ESCALATION:
        return f"{kind}：逾時升級至主管（{_label(FEEDBACK_STATUS, d.get('to_status'))}）"
    return f"{kind}：{_label(FEEDBACK_STATUS, d.get('from_status'))} → {_label(FEEDBACK_STATUS, d.get('to_status'))}"


def summary(kind: str, detail: dict[str, Any] | None) -> str:
    """A one-line description of an entry, from its structured fields."""
    d = detail or {}
    match kind:
        case EntryKind.ENROLMENT:
            return "辦理VIP會員" + ("（重複登記）" if d.get("duplicate") else "")
        case EntryKind.STORE_OPENED:
            return f"店鋪開業：{d.get('name')}（{d.get('code')}）"
        case EntryKind.VISIT:
            return _visit(d)
        case EntryKind.CALL_ATTEMPT:
            return _call(d)
        case EntryKind.CALL_CLOSED:
            return f"{_label(PURPOSE, d.get('purpose'))}：{_label(CALL_STATUS, d.get('status'))}（未有聯繫記錄）"
        case EntryKind.FEEDBACK_RECEIVED:
            channel = _label(FEEDBACK_CHANNEL, d.get("channel"))
            return f"收到{_label(FEEDBACK_KIND, d.get('feedback_kind'))}（{channel}）"
        case EntryKind.FEEDBACK_EVENT:
            return _feedback_event(d)
    return str(kind)
