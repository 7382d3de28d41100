"""The whole schema: every domain's Query and Mutation merged, plus `node`."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition

import crm.graphql.enums  # noqa: F401  (registers enum descriptions before types use them)
from crm.audit import schema as audit
from crm.auth import schema as auth
from crm.callbacks import schema as callbacks
from crm.callbacks.types import CallbackType
from crm.dealers import schema as dealers
from crm.dealers.types import DealerType, StoreType
from crm.feedback import schema as feedback
from crm.feedback.types import FeedbackType
from crm.graphql.context import Info, Loaders
from crm.graphql.engine import AcyclicExecutor, compiled_executor_class
from crm.graphql.relay import Node
from crm.ids import from_global_id
from crm.members import schema as members
from crm.members.types import MemberType
from crm.staff import schema as staff
from crm.staff import scorecard_schema as scorecards
from crm.staff.types import StaffType
from crm.targets import schema as targets
from crm.targets.types import EnrolmentTargetType
from crm.visits import schema as visits
from crm.visits.types import VisitType

# Type name -> (loader on the request's Loaders, row -> GraphQL object).
NODE_TYPES: dict[str, tuple[Callable[[Loaders], Any], Callable[[Any], Node]]] = {
    "Member": (lambda ld: ld.member_by_id, MemberType.from_row),
    "Store": (lambda ld: ld.store_by_id, StoreType.from_row),
    "Dealer": (lambda ld: ld.dealer_by_id, DealerType.from_row),
    "Staff": (lambda ld: ld.staff_by_id, StaffType.from_row),
    "Visit": (lambda ld: ld.visit_by_id, VisitType.from_row),
    "Callback": (lambda ld: ld.callback_by_id, CallbackType.from_row),
    "Feedback": (lambda ld: ld.feedback_by_id, FeedbackType.from_row),
    "EnrolmentTarget": (lambda ld: ld.target_by_id, EnrolmentTargetType.from_row),
}


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Fetch any object by its global ID; null when there is no such object.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],  # noqa: A002
    ) -> Node | None:
        type_name, pk = from_global_id(id)
        entry = NODE_TYPES.get(type_name)
        if entry is None:
            return None
        get_loader, convert = entry
        row = await get_loader(info.context.loaders).load(pk)
        return convert(row) if row is not None else None


Query = merge_types(
    "Query",
    (
        NodeQuery,
        auth.Query,
        members.Query,
        dealers.Query,
        staff.Query,
        visits.Query,
        callbacks.Query,
        feedback.Query,
        targets.Query,
        audit.Query,
        scorecards.Query,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        auth.Mutation,
        members.Mutation,
        members.PrivacyMutation,
        visits.Mutation,
        callbacks.Mutation,
        feedback.Mutation,
        dealers.Mutation,
        staff.Mutation,
        targets.Mutation,
    ),
)


get_object_definition(Query, strict=True).description = "Everything that can be read: lists, objects by ID."
get_object_definition(
    Mutation, strict=True
).description = "Everything that can be changed; each mutation takes one input and returns userErrors."


class CrmSchema(strawberry.Schema):
    """Schema whose errors are logged by the HTTP layer, with the request id, not here."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        return None


PLAN_CACHE_SIZE = 512  # like the parser and validation caches: documents the clients send


def build_schema(*, compiled_execution: bool = True) -> CrmSchema:
    """Build the schema with parsed and validated documents cached, and, by default, compiled execution.

    With `compiled_execution`, each operation runs from a plan built on its first use and kept in
    an LRU next to the parser and validation caches (crm/graphql/engine); without it, graphql-core
    executes every request field by field.
    """
    return CrmSchema(
        query=Query,
        mutation=Mutation,
        types=[
            MemberType,
            StoreType,
            DealerType,
            StaffType,
            VisitType,
            CallbackType,
            FeedbackType,
            EnrolmentTargetType,
        ],
        extensions=[lambda: ParserCache(maxsize=512), lambda: ValidationCache(maxsize=512)],
        execution_context_class=compiled_executor_class(PLAN_CACHE_SIZE) if compiled_execution else AcyclicExecutor,
    )


schema = build_schema()


@cache
def schema_for(*, compiled_execution: bool) -> CrmSchema:
    """The process's schema with compiled execution on (`schema`) or off (built on first use)."""
    return schema if compiled_execution else build_schema(compiled_execution=False)
