"""GraphQL types for enrolment targets."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry

from crm import businesstime
from crm.dealers.types import DealerType, StoreType
from crm.enums import Region, TargetScope
from crm.errors import RequestError
from crm.graphql.context import Info
from crm.graphql.relay import Node, load_one
from crm.ids import to_global_id
from crm.staff.types import StaffType
from crm.targets import pacing, service
from crm.targets.service import MAX_HISTORY_MONTHS, format_month

TargetStatus = strawberry.enum(
    pacing.PaceStatus,
    name="TargetStatus",
    description="Where a target stands. NOT_STARTED: the month lies ahead. During the month: ON_TRACK"
    " (enrolled at least what was expected by today), AT_RISK (behind that, but the run-rate forecast"
    f" reaches {pacing.AT_RISK_SHARE:.0%} of the target), BEHIND (otherwise). Once the month is over:"
    " ACHIEVED or MISSED.",
)
PacingCalendar = strawberry.enum(
    pacing.CalendarSource,
    name="PacingCalendar",
    description="How a month's days were weighted for pacing: CHINESE_HOLIDAYS (workdays 1, weekends"
    f" {pacing.WEEKEND_WEIGHT:g}, public holidays {pacing.HOLIDAY_WEIGHT:g}, make-up workdays (調休) 1, by the"
    " official schedule) or WEEKENDS_ONLY (years whose holidays are not known: weekends"
    f" {pacing.WEEKEND_WEIGHT:g}, other days 1).",
)


@strawberry.type(name="TargetMonth", description="A past month of the same store, staff member, dealer or region.")
class TargetMonthType:
    month: str = strawberry.field(description="The month, YYYY-MM (Asia/Shanghai).")
    target_count: int | None = strawberry.field(description="The month's target; null when none was set.")
    enrolled_count: int = strawberry.field(description="Members enrolled in the month (duplicates left out).")
    progress: float | None = strawberry.field(
        description="Enrolled divided by the target (1.0 = reached); null without a target or for a target of 0."
    )
    status: TargetStatus | None = strawberry.field(  # type: ignore[valid-type]
        description="ACHIEVED or MISSED once the month is over (where it stands, for the current month);"
        " null without a target."
    )

    @classmethod
    def of(cls, figures: service.MonthFigures, today: dt.date) -> TargetMonthType:
        target = figures.target_count
        return cls(
            month=format_month(figures.month),
            target_count=target,
            enrolled_count=figures.enrolled,
            progress=round(figures.enrolled / target, 4) if target else None,
            status=pacing.status(today, figures.month, target, figures.enrolled) if target is not None else None,
        )


@strawberry.type(
    name="EnrolmentTarget", description="How many members a store, person, dealer or region should enrol in a month."
)
class EnrolmentTargetType(Node):
    pk: strawberry.Private[int]
    month: str = strawberry.field(description="The month, YYYY-MM (Asia/Shanghai).")
    scope: TargetScope = strawberry.field(description="What the target applies to.")
    region: Region | None = strawberry.field(description="The region (regional targets).")
    target_count: int = strawberry.field(description="Members to enrol in the month.")
    updated_at: dt.datetime = strawberry.field(description="When the target was last set (UTC).")
    month_start: strawberry.Private[dt.date]
    scope_key: strawberry.Private[str]
    store_id: strawberry.Private[int | None]
    staff_id: strawberry.Private[int | None]
    dealer_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> EnrolmentTargetType:
        return cls(
            id=strawberry.ID(to_global_id("EnrolmentTarget", row.id)),
            pk=row.id,
            month=format_month(row.month),
            scope=row.scope,
            region=row.region,
            target_count=row.target_count,
            updated_at=row.updated_at,
            month_start=row.month,
            scope_key=row.scope_key,
            store_id=row.store_id,
            staff_id=row.staff_id,
            dealer_id=row.dealer_id,
        )

    @strawberry.field(
        description="Members enrolled so far in the month (Asia/Shanghai days), duplicates left out, counted for"
        " their home store, the staff member who enrolled them, that store's dealer and its region."
    )
    async def enrolled_count(self, info: Info) -> int:
        return await info.context.loaders.enrolled_by_target.load((self.scope, self.month_start, self.scope_key))

    @strawberry.field(description="Enrolled so far divided by the target (1.0 = reached); null when the target is 0.")
    async def progress(self, info: Info) -> float | None:
        if self.target_count == 0:
            return None
        enrolled: int = await self.enrolled_count(info)
        return round(enrolled / self.target_count, 4)

    async def _pace(self, info: Info) -> pacing.Pace:
        enrolled: int = await self.enrolled_count(info)
        return service.progress(self.month_start, self.target_count, enrolled)

    @strawberry.field(
        description="Members that should have been enrolled by the start of today (Asia/Shanghai): the target"
        " pro rata of the month's elapsed days, weekends and public holidays weighing more (see PacingCalendar);"
        " the whole target once the month is over, 0 before it. Two decimals."
    )
    async def expected_by_today(self, info: Info) -> float:
        return (await self._pace(info)).expected

    @strawberry.field(
        description="Members the month will end with at the run rate of its elapsed days (weighted as for"
        " expectedByToday); the final count once the month is over; null until a day has elapsed. Two decimals."
    )
    async def forecast(self, info: Info) -> float | None:
        return (await self._pace(info)).forecast

    @strawberry.field(
        description="Members still to enrol per remaining day of the month (today included) to reach the"
        " target; 0 once reached; null once the month is over. Two decimals."
    )
    async def needed_per_day(self, info: Info) -> float | None:
        return (await self._pace(info)).needed_per_day

    @strawberry.field(description="Days of the month from today on, today included (0 once the month is over).")
    async def days_remaining(self, info: Info) -> int:
        return (await self._pace(info)).days_remaining

    @strawberry.field(description="Where the target stands today.")
    async def status(self, info: Info) -> TargetStatus:  # type: ignore[valid-type]
        return (await self._pace(info)).status

    @strawberry.field(description="How the month's days were weighted for expectedByToday and forecast.")
    def pacing_calendar(self) -> PacingCalendar:  # type: ignore[valid-type]
        return pacing.month_calendar(self.month_start).source

    @strawberry.field(
        description="The same store's, staff member's, dealer's or region's months before this one, oldest"
        " first, with the target set then (if any) and the members enrolled."
    )
    async def history(
        self,
        info: Info,
        months: Annotated[
            int, strawberry.argument(description=f"How many months back, 1 to {MAX_HISTORY_MONTHS}.")
        ] = 6,
    ) -> list[TargetMonthType]:
        if not 1 <= months <= MAX_HISTORY_MONTHS:
            raise RequestError(f"months must be between 1 and {MAX_HISTORY_MONTHS}.", "INVALID_ARGUMENT")
        key = (self.scope, self.scope_key, self.month_start, months)
        figures = await info.context.loaders.history_by_target.load(key)
        today = businesstime.today()
        return [TargetMonthType.of(f, today) for f in figures]

    @strawberry.field(description="The store (store targets).")
    async def store(self, info: Info) -> StoreType | None:
        return await load_one(info.context.loaders.store_by_id, self.store_id, StoreType.from_row)

    @strawberry.field(description="The staff member (staff targets).")
    async def staff(self, info: Info) -> StaffType | None:
        return await load_one(info.context.loaders.staff_by_id, self.staff_id, StaffType.from_row)

    @strawberry.field(description="The dealer (dealer targets).")
    async def dealer(self, info: Info) -> DealerType | None:
        return await load_one(info.context.loaders.dealer_by_id, self.dealer_id, DealerType.from_row)


@strawberry.type(name="TargetLeaderboardEntry", description="A target's place in a month's leaderboard.")
class TargetLeaderboardEntryType:
    rank: int = strawberry.field(
        description="Place by progress, then members enrolled (1 = best; ties share a place; targets of 0 come last)."
    )
    target: EnrolmentTargetType = strawberry.field(description="The target, with its progress.")
