"""Member queries and mutations: thin wrappers over the member service."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from crm.auth.actor import Actor
from crm.db import SerialSession
from crm.enums import Gender, MemberStatus, MemberTier
from crm.graphql.context import Info
from crm.graphql.payloads import UserError, decode_ids, mutate, mutate_once, pop_pk, provided
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, to_connection
from crm.ids import pk_of
from crm.members import privacy, service
from crm.members.models import Member
from crm.members.service import MemberOrder
from crm.members.types import MemberType


@strawberry.input(description="Filters for the member list; all given filters must match.")
class MemberFilter:
    search: str | None = strawberry.field(
        default=None, description="Name (part of it), mobile number (whole or part) or membership number."
    )
    store_id: strawberry.ID | None = strawberry.field(default=None, description="Home store.")
    dealer_id: strawberry.ID | None = strawberry.field(default=None, description="Dealer of the home store.")
    tier: MemberTier | None = strawberry.field(default=None, description="VIP tier.")
    status: MemberStatus | None = strawberry.field(default=None, description="Member status.")
    manager_id: strawberry.ID | None = strawberry.field(default=None, description="Responsible VIP manager.")
    enrolled_from: dt.date | None = strawberry.field(
        default=None, description="Enrolled on or after this day (Asia/Shanghai)."
    )
    enrolled_to: dt.date | None = strawberry.field(
        default=None, description="Enrolled on or before this day (Asia/Shanghai)."
    )
    last_visit_before: dt.date | None = strawberry.field(
        default=None, description="Last visit before this day, or never visited."
    )
    tag: str | None = strawberry.field(default=None, description="Carries this tag.")


@strawberry.input(description="A birthday kept by the lunar calendar (農曆生日).")
class LunarBirthdayInput:
    month: int = strawberry.field(description="Lunar month, 1 to 12 (a leap month counts as its ordinary month).")
    day: int = strawberry.field(description="Day of the lunar month, 1 to 30 (30 falls on 29 in a short month).")


@strawberry.input(description="Contact consent per channel.")
class ConsentInput:
    phone: bool = strawberry.field(description="Phone calls allowed.")
    sms: bool = strawberry.field(description="Text messages allowed.")
    wechat: bool = strawberry.field(description="WeChat messages allowed.")


@strawberry.input(description="Sizes by garment kind (at most 10 characters each).")
class SizesInput:
    shoe: str | None = strawberry.field(default=None, description="Shoe size.")
    top: str | None = strawberry.field(default=None, description="Top size.")
    bottom: str | None = strawberry.field(default=None, description="Trousers size.")


@strawberry.input(description="What a member likes; replaces the stored preferences as a whole.")
class PreferencesInput:
    sizes: SizesInput | None = strawberry.field(default=None, description="Sizes.")
    colours: list[str] | None = strawberry.field(default=None, description="At most 10 colours.")
    styles: list[str] | None = strawberry.field(default=None, description="At most 10 styles.")


def _member_data(data: dict[str, object]) -> dict[str, object]:
    consent = data.pop("consent", strawberry.UNSET)
    if consent is not None and consent is not strawberry.UNSET:
        assert isinstance(consent, ConsentInput)
        data.update(consent_phone=consent.phone, consent_sms=consent.sms, consent_wechat=consent.wechat)
    prefs = data.get("preferences")
    if isinstance(prefs, PreferencesInput):
        sizes = prefs.sizes
        data["preferences"] = {
            "sizes": {"shoe": sizes.shoe, "top": sizes.top, "bottom": sizes.bottom} if sizes else {},
            "colours": prefs.colours,
            "styles": prefs.styles,
        }
    decode_ids(data, {"home_store_id": "Store", "manager_id": "Staff", "enrolled_by_id": "Staff"})
    return data


@strawberry.input(description="A new VIP member. Name, phone and home store are required.")
class MemberEnrolInput:
    name: str = strawberry.field(description="Full name, at most 60 characters.")
    phone: str = strawberry.field(
        description="Mainland mobile number: 11 digits starting with 1; +86 and spaces allowed."
    )
    home_store_id: strawberry.ID = strawberry.field(description="Store where the member enrols.")
    gender: Gender | None = strawberry.field(default=strawberry.UNSET, description="Gender (default UNDISCLOSED).")
    birthday: dt.date | None = strawberry.field(default=strawberry.UNSET, description="Birthday, in the past.")
    lunar_birthday: LunarBirthdayInput | None = strawberry.field(
        default=strawberry.UNSET, description="Lunar-calendar birthday, when the member celebrates that one."
    )
    tier: MemberTier | None = strawberry.field(default=strawberry.UNSET, description="Tier (default SILVER).")
    manager_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Responsible VIP manager."
    )
    enrolled_by_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Staff member enrolling."
    )
    enrolled_at: dt.datetime | None = strawberry.field(
        default=strawberry.UNSET, description="When enrolled (default now); not in the future."
    )
    consent: ConsentInput | None = strawberry.field(
        default=strawberry.UNSET, description="Contact consent (default all)."
    )
    preferences: PreferencesInput | None = strawberry.field(default=strawberry.UNSET, description="Preferences.")
    tags: list[str] | None = strawberry.field(default=strawberry.UNSET, description="At most 20 tags of 30 characters.")
    notes: str | None = strawberry.field(default=strawberry.UNSET, description="Notes, at most 2000 characters.")
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (e.g. a UUID) from a client that may retry: the same key with the same input"
        " writes once and returns the first result; with another input it gives IDEMPOTENCY_KEY_REUSED.",
    )


@strawberry.input(description="Changes to a member; only the fields sent are changed.")
class MemberUpdateInput:
    id: strawberry.ID = strawberry.field(description="The member to change.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Full name.")
    phone: str | None = strawberry.field(default=strawberry.UNSET, description="Mainland mobile number.")
    gender: Gender | None = strawberry.field(default=strawberry.UNSET, description="Gender.")
    birthday: dt.date | None = strawberry.field(default=strawberry.UNSET, description="Birthday; null clears it.")
    lunar_birthday: LunarBirthdayInput | None = strawberry.field(
        default=strawberry.UNSET, description="Lunar-calendar birthday; null clears it."
    )
    tier: MemberTier | None = strawberry.field(default=strawberry.UNSET, description="Tier.")
    status: MemberStatus | None = strawberry.field(default=strawberry.UNSET, description="Status.")
    home_store_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description="Home store.")
    manager_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="VIP manager; null clears it."
    )
    consent: ConsentInput | None = strawberry.field(default=strawberry.UNSET, description="Contact consent.")
    preferences: PreferencesInput | None = strawberry.field(default=strawberry.UNSET, description="Preferences.")
    tags: list[str] | None = strawberry.field(default=strawberry.UNSET, description="Tags; replaces the list.")
    notes: str | None = strawberry.field(default=strawberry.UNSET, description="Notes; null clears them.")
    version: int | None = strawberry.field(
        default=None, description="The version the change is based on; a newer stored one gives STALE_VERSION."
    )


@strawberry.type(description="Result of a member mutation.")
class MemberPayload:
    member: MemberType | None = strawberry.field(description="The member as saved; null when refused.")
    user_errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


def _filter(flt: MemberFilter | None) -> service.MemberFilter:
    if flt is None:
        return service.MemberFilter()
    return service.MemberFilter(
        search=flt.search,
        store_id=pk_of(flt.store_id, "Store") if flt.store_id else None,
        dealer_id=pk_of(flt.dealer_id, "Dealer") if flt.dealer_id else None,
        tier=flt.tier,
        status=flt.status,
        manager_id=pk_of(flt.manager_id, "Staff") if flt.manager_id else None,
        enrolled_from=flt.enrolled_from,
        enrolled_to=flt.enrolled_to,
        last_visit_before=flt.last_visit_before,
        tag=flt.tag,
    )


@strawberry.type
class Query:
    @strawberry.field(description="Members, filtered and in a stable order, a page at a time.")
    async def members(
        self,
        info: Info,
        filter: Annotated[MemberFilter | None, strawberry.argument(description="Filters.")] = None,  # noqa: A002
        order_by: Annotated[MemberOrder, strawberry.argument(description="Sort order.")] = MemberOrder.ENROLLED_AT_DESC,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[MemberType]:
        page = await service.list_members(
            info.context.session, info.context.signed_in, _filter(filter), order_by, first=first, after=after
        )
        return to_connection(page, MemberType.from_row)


@strawberry.input(description="A member to mark as a duplicate enrolment, or to clear the mark of.")
class MemberMarkDuplicateInput:
    id: strawberry.ID = strawberry.field(description="The member enrolled a second time.")
    duplicate_of_id: strawberry.ID | None = strawberry.field(
        description="The member it duplicates (the original enrolment, not a duplicate itself); null clears the mark."
    )
    version: int | None = strawberry.field(
        default=None, description="The version the change is based on; a newer stored one gives STALE_VERSION."
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Enrol a new VIP member (辦理VIP). A phone already enrolled gives DUPLICATE_PHONE."
    )
    async def member_enrol(
        self,
        info: Info,
        input_: Annotated[MemberEnrolInput, strawberry.argument(name="input", description="The member to enrol.")],
    ) -> MemberPayload:
        data = provided(input_)
        key = data.pop("idempotency_key", None)
        member, errors = await mutate_once(
            info,
            key,
            "memberEnrol",
            dict(data),
            lambda s, actor: service.enrol(s, actor, _member_data(data)),
            lambda s, pk: s.get(Member, pk),
        )
        return MemberPayload(member=MemberType.from_row(member) if member else None, user_errors=errors)

    @strawberry.mutation(description="Change a member's details, consent or preferences.")
    async def member_update(
        self,
        info: Info,
        input_: Annotated[
            MemberUpdateInput, strawberry.argument(name="input", description="The member and the changes.")
        ],
    ) -> MemberPayload:
        data = provided(input_)
        member, errors = await mutate(
            info, lambda s, actor: service.update(s, actor, pop_pk(data, "Member"), _member_data(data))
        )
        return MemberPayload(member=MemberType.from_row(member) if member else None, user_errors=errors)

    @strawberry.mutation(
        description="Mark a member as a second enrolment of the same person (or clear the mark). A duplicate"
        " stays on record but no longer counts towards enrolment targets."
    )
    async def member_mark_duplicate(
        self,
        info: Info,
        input_: Annotated[
            MemberMarkDuplicateInput,
            strawberry.argument(name="input", description="The member and the member it duplicates."),
        ],
    ) -> MemberPayload:
        async def work(s: SerialSession, actor: Actor) -> Member:
            ids = {"id": input_.id, "duplicate_of_id": input_.duplicate_of_id}
            data = decode_ids(ids, {"id": "Member", "duplicate_of_id": "Member"})
            return await service.mark_duplicate(s, actor, data["id"], data["duplicate_of_id"], input_.version)

        member, errors = await mutate(info, work)
        return MemberPayload(member=MemberType.from_row(member) if member else None, user_errors=errors)


@strawberry.input(description="The member a privacy request (PIPL) concerns.")
class MemberPrivacyInput:
    id: strawberry.ID = strawberry.field(description="The member.")


@strawberry.type(description="Everything held on one member (PIPL access request).")
class MemberExportPayload:
    data: JSON | None = strawberry.field(
        description="Member, visits, callbacks, feedback with its history and the member's audit trail;"
        " null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description="Why it was refused; empty on success.")


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(description="Export all data held on one member (admins; the export is audited).")
    async def member_export(
        self,
        info: Info,
        input_: Annotated[MemberPrivacyInput, strawberry.argument(name="input", description="The member.")],
    ) -> MemberExportPayload:
        data, errors = await mutate(
            info, lambda s, actor: privacy.export(s, actor, pop_pk({"id": input_.id}, "Member"))
        )
        return MemberExportPayload(data=JSON(data) if data is not None else None, user_errors=errors)

    @strawberry.mutation(
        description="Erase a member's personal data (admins): name, phone, birthday, notes and free text are"
        " anonymised, open calls cancelled; visits and amounts stay for the aggregates; the erasure is audited."
    )
    async def member_erase(
        self,
        info: Info,
        input_: Annotated[MemberPrivacyInput, strawberry.argument(name="input", description="The member.")],
    ) -> MemberPayload:
        member, errors = await mutate(
            info, lambda s, actor: privacy.erase(s, actor, pop_pk({"id": input_.id}, "Member"))
        )
        return MemberPayload(member=MemberType.from_row(member) if member else None, user_errors=errors)
