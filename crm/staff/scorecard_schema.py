"""Staff scorecard queries: thin wrappers over crm/staff/scorecard.py."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from crm.enums import Role
from crm.graphql.context import Info
from crm.graphql.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, to_connection
from crm.ids import pk_of
from crm.staff import scorecard as service
from crm.staff.types import StaffType

FROM_DESCRIPTION = "First day of the period (Asia/Shanghai), included."
TO_DESCRIPTION = f"Last day of the period (Asia/Shanghai), included; at most {service.MAX_PERIOD_DAYS} days in all."


@strawberry.type(
    name="StaffScorecard",
    description="What one staff member did in a period of business days (Asia/Shanghai): calls, conversions,"
    " complaints and enrolments against their target. Rates are shares from 0 to 1, null when there is nothing"
    " to divide by.",
)
class StaffScorecardType:
    staff: StaffType = strawberry.field(description="The staff member.")
    from_: dt.date = strawberry.field(name="from", description="First day of the period (Asia/Shanghai).")
    to: dt.date = strawberry.field(description="Last day of the period (Asia/Shanghai).")
    calls_made: int = strawberry.field(description="Callback attempts they made in the period.")
    reached: int = strawberry.field(description="Of those, the attempts that reached the person.")
    reach_rate: float | None = strawberry.field(description="reached / callsMade; null when no calls were made.")
    average_satisfaction: float | None = strawberry.field(
        description="Average satisfaction (1 to 5) of the reached attempts that got a rating; null when none did."
    )
    callbacks_completed: int = strawberry.field(description="Callbacks assigned to them and closed DONE in the period.")
    conversions: int = strawberry.field(description="Of those, the ones a later visit converted.")
    conversion_rate: float | None = strawberry.field(
        description="conversions / callbacksCompleted; null when none was completed."
    )
    complaints_handled: int = strawberry.field(
        description="Feedback cases they handle that were resolved (reached RESOLVED) in the period."
    )
    complaints_within_sla: int = strawberry.field(
        description="Of those, the ones resolved by their deadline (a case without a deadline is not within)."
    )
    within_sla_rate: float | None = strawberry.field(
        description="complaintsWithinSla / complaintsHandled; null when none was resolved."
    )
    enrolments: int = strawberry.field(
        description="Members they enrolled in the period; enrolments marked as duplicates do not count."
    )
    enrolment_target: float | None = strawberry.field(
        description="Their monthly enrolment targets for the period: a month partly inside counts pro rata by"
        " the weight of its days inside (weekends and holidays weigh more, as in target pacing), two decimals;"
        " null when no target was set for any month of the period."
    )
    enrolment_progress: float | None = strawberry.field(
        description="enrolments / enrolmentTarget; null without a target or with a target of 0."
    )

    @classmethod
    def of(cls, card: service.Scorecard) -> StaffScorecardType:
        return cls(
            staff=StaffType.from_row(card.staff),
            from_=card.period.first,
            to=card.period.last,
            calls_made=card.calls_made,
            reached=card.reached,
            reach_rate=card.reach_rate,
            average_satisfaction=card.average_satisfaction,
            callbacks_completed=card.callbacks_completed,
            conversions=card.conversions,
            conversion_rate=card.conversion_rate,
            complaints_handled=card.complaints_handled,
            complaints_within_sla=card.complaints_within_sla,
            within_sla_rate=card.within_sla_rate,
            enrolments=card.enrolments,
            enrolment_target=card.enrolment_target,
            enrolment_progress=card.enrolment_progress,
        )


@strawberry.type
class Query:
    @strawberry.field(
        description="One staff member's scorecard for a period (admins, supervisors, VIP managers); null when"
        " there is no such staff member in your scope."
    )
    async def staff_scorecard(
        self,
        info: Info,
        staff_id: Annotated[strawberry.ID, strawberry.argument(description="The staff member.")],
        from_: Annotated[dt.date, strawberry.argument(name="from", description=FROM_DESCRIPTION)],
        to: Annotated[dt.date, strawberry.argument(description=TO_DESCRIPTION)],
    ) -> StaffScorecardType | None:
        card = await service.scorecard(
            info.context.session, info.context.signed_in, pk_of(staff_id, "Staff"), from_, to
        )
        return StaffScorecardType.of(card) if card is not None else None

    @strawberry.field(
        description="Scorecards of the staff in your scope for a period, by username, a page at a time"
        " (admins, supervisors, VIP managers)."
    )
    async def staff_scorecards(
        self,
        info: Info,
        from_: Annotated[dt.date, strawberry.argument(name="from", description=FROM_DESCRIPTION)],
        to: Annotated[dt.date, strawberry.argument(description=TO_DESCRIPTION)],
        role: Annotated[Role | None, strawberry.argument(description="Only staff of this role.")] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[StaffScorecardType]:
        result = await service.scorecards(
            info.context.session, info.context.signed_in, from_, to, role=role, first=first, after=after
        )
        cards = {card.staff.id: card for card in result.scorecards}
        return to_connection(result.page, lambda row: StaffScorecardType.of(cards[row.id]))
