"""GraphQL types for members."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from crm.businesstime import today as business_today
from crm.dealers.types import DealerType, StoreType
from crm.enums import Gender, MemberStatus, MemberTier
from crm.errors import RequestError
from crm.graphql.context import Info
from crm.graphql.relay import Node, load_one
from crm.ids import to_global_id
from crm.members.birthdays import next_birthday
from crm.staff.types import StaffType

if TYPE_CHECKING:
    from crm.callbacks.types import CallbackType
    from crm.feedback.types import FeedbackType
    from crm.timeline.types import TimelineConnection
    from crm.visits.types import VisitType

MAX_RECENT_VISITS = 20


@strawberry.type(description="A birthday kept by the lunar calendar (農曆生日).")
class LunarBirthday:
    month: int = strawberry.field(description="Lunar month, 1 to 12.")
    day: int = strawberry.field(description="Day of the lunar month, 1 to 30.")


@strawberry.type(description="Which channels a member agreed to be contacted through.")
class Consent:
    phone: bool = strawberry.field(description="Phone calls allowed.")
    sms: bool = strawberry.field(description="Text messages allowed.")
    wechat: bool = strawberry.field(description="WeChat messages allowed.")


@strawberry.type(description="A member's sizes by garment kind.")
class Sizes:
    shoe: str | None = strawberry.field(description="Shoe size, e.g. 38.")
    top: str | None = strawberry.field(description="Top size, e.g. M.")
    bottom: str | None = strawberry.field(description="Trousers size, e.g. 27.")


@strawberry.type(description="What a member likes to buy.")
class Preferences:
    sizes: Sizes = strawberry.field(description="Sizes by garment kind.")
    colours: list[str] = strawberry.field(description="Preferred colours.")
    styles: list[str] = strawberry.field(description="Preferred styles.")


def _preferences(raw: dict[str, Any] | None) -> Preferences:
    raw = raw or {}
    sizes = raw.get("sizes") or {}
    return Preferences(
        sizes=Sizes(shoe=sizes.get("shoe"), top=sizes.get("top"), bottom=sizes.get("bottom")),
        colours=list(raw.get("colours") or []),
        styles=list(raw.get("styles") or []),
    )


@strawberry.type(name="Member", description="A VIP member (VIP會員) enrolled at a store.")
class MemberType(Node):
    pk: strawberry.Private[int]
    member_no: str = strawberry.field(description="Membership number printed on the card, e.g. M00001234.")
    name: str = strawberry.field(description="Full name; masked (王**) for roles without access to personal data.")
    phone: str = strawberry.field(
        description="Mobile number, E.164 (+86...), unique among members; masked (138****5678) for roles"
        " without access to personal data."
    )
    gender: Gender = strawberry.field(description="Gender.")
    birthday: dt.date | None = strawberry.field(
        description="Birthday (solar calendar); null for roles without access to personal data."
    )
    tier: MemberTier = strawberry.field(description="VIP tier.")
    status: MemberStatus = strawberry.field(description="Active, dormant or closed.")
    enrolled_at: dt.datetime = strawberry.field(description="When the member was enrolled (UTC).")
    consent: Consent = strawberry.field(description="Channels the member agreed to be contacted through.")
    preferences: Preferences = strawberry.field(description="Sizes, colours and styles the member likes.")
    tags: list[str] = strawberry.field(description="Free labels, e.g. 高消費.")
    notes: str | None = strawberry.field(description="Notes by staff.")
    last_visit_at: dt.datetime | None = strawberry.field(description="Latest store visit (UTC), null if none.")
    lifetime_spend: decimal.Decimal = strawberry.field(description="Sum of the member's purchases, in CNY.")
    lunar_birthday: LunarBirthday | None = strawberry.field(
        description="Birthday kept by the lunar calendar; null when none, or for roles without access to personal data."
    )
    version: int = strawberry.field(description="Changes with every update; send it back with memberUpdate.")
    home_store_id: strawberry.Private[int]
    manager_id: strawberry.Private[int | None]
    enrolled_by_id: strawberry.Private[int | None]
    duplicate_of_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> MemberType:
        return cls(
            id=strawberry.ID(to_global_id("Member", row.id)),
            pk=row.id,
            member_no=row.member_no,
            name=row.name,
            phone=row.phone,
            gender=row.gender,
            birthday=row.birthday,
            tier=row.tier,
            status=row.status,
            enrolled_at=row.enrolled_at,
            consent=Consent(phone=row.consent_phone, sms=row.consent_sms, wechat=row.consent_wechat),
            preferences=_preferences(row.preferences),
            tags=list(row.tags or []),
            notes=row.notes,
            last_visit_at=row.last_visit_at,
            lifetime_spend=row.lifetime_spend,
            lunar_birthday=LunarBirthday(month=row.lunar_birthday_month, day=row.lunar_birthday_day)
            if row.lunar_birthday_month is not None
            else None,
            version=row.version,
            home_store_id=row.home_store_id,
            manager_id=row.manager_id,
            enrolled_by_id=row.enrolled_by_id,
            duplicate_of_id=row.duplicate_of_id,
        )

    @strawberry.field(
        description="Next birthday on or after today (Asia/Shanghai), solar date of the lunar one when the member"
        " keeps that; null when unknown or hidden."
    )
    def next_birthday(self) -> dt.date | None:
        lunar = self.lunar_birthday
        return next_birthday(
            self.birthday, lunar.month if lunar else None, lunar.day if lunar else None, business_today()
        )

    @strawberry.field(description="Home store, where the member was enrolled.")
    async def store(self, info: Info) -> StoreType:
        store = await load_one(info.context.loaders.store_by_id, self.home_store_id, StoreType.from_row)
        assert store is not None  # foreign key
        return store

    @strawberry.field(description="Dealer running the home store; null for a self-operated store.")
    async def dealer(self, info: Info) -> DealerType | None:
        store = await info.context.loaders.store_by_id.load(self.home_store_id)
        if store is None:
            return None
        return await load_one(info.context.loaders.dealer_by_id, store.dealer_id, DealerType.from_row)

    @strawberry.field(description="VIP manager responsible for this member.")
    async def manager(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.manager_id, StaffType.from_row)

    @strawberry.field(description="Staff member who enrolled this member.")
    async def enrolled_by(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.enrolled_by_id, StaffType.from_row)

    @strawberry.field(
        description="The member this one is a second enrolment of (memberMarkDuplicate); a duplicate does not"
        " count towards enrolment targets. Null for an original enrolment."
    )
    async def duplicate_of(self, info: Info) -> MemberType | None:
        return await load_one(info.context.loaders.member_by_id, self.duplicate_of_id, MemberType.from_row)

    @strawberry.field(description=f"The latest store visits, newest first (at most {MAX_RECENT_VISITS}).")
    async def recent_visits(
        self,
        info: Info,
        limit: Annotated[int, strawberry.argument(description=f"How many visits, 1 to {MAX_RECENT_VISITS}.")] = 3,
    ) -> list[Annotated[VisitType, strawberry.lazy("crm.visits.types")]]:
        from crm.visits.types import VisitType

        if not 1 <= limit <= MAX_RECENT_VISITS:
            raise RequestError(f"limit must be between 1 and {MAX_RECENT_VISITS}.", "INVALID_ARGUMENT")
        rows = await info.context.loaders.recent_visits_by_member.load((self.pk, limit))
        return [VisitType.from_row(r) for r in rows]

    @strawberry.field(description="Open callbacks to this member, by due date.")
    async def open_callbacks(self, info: Info) -> list[Annotated[CallbackType, strawberry.lazy("crm.callbacks.types")]]:
        from crm.callbacks.types import CallbackType

        rows = await info.context.loaders.open_callbacks_by_member.load(self.pk)
        return [CallbackType.from_row(r) for r in rows]

    @strawberry.field(description="Feedback from this member that is not closed yet, newest first.")
    async def open_feedback(self, info: Info) -> list[Annotated[FeedbackType, strawberry.lazy("crm.feedback.types")]]:
        from crm.feedback.types import FeedbackType

        rows = await info.context.loaders.open_feedback_by_member.load(self.pk)
        return [FeedbackType.from_row(r) for r in rows]

    @strawberry.field(
        description="The member's history as one list, newest first: enrolment, store visits, call attempts,"
        " feedback and each of its steps. Kinds of record your role may not read are left out; free text is"
        " null for roles that see personal data masked."
    )
    async def timeline(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description="How many entries, 0 to 100 (default 20).")] = 20,
        after: Annotated[str | None, strawberry.argument(description="Entries after this cursor.")] = None,
    ) -> Annotated[TimelineConnection, strawberry.lazy("crm.timeline.types")]:
        from crm.timeline.service import Subject
        from crm.timeline.types import timeline

        return await timeline(info, Subject.MEMBER, self.pk, first, after)
