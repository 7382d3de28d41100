"""Node interface and cursor connections shared by every domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from crm.pagination import MAX_PAGE_SIZE, Page

T = TypeVar("T")

FIRST_DESCRIPTION = f"How many items to return, 0 to {MAX_PAGE_SIZE} (default 20)."
AFTER_DESCRIPTION = "Return items after this cursor (an edge's `cursor` or `pageInfo.endCursor`)."


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="Global, opaque ID of the object.")


@strawberry.type(description="Where a page stands in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item of the page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item; pass it as `after`.")


@strawberry.type(description="An item of a list with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item in the list.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, in a stable order.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page stands in the list.")
    page: strawberry.Private[Page]

    @strawberry.field(description="How many items match the filters, over all pages.")
    async def total_count(self) -> int:
        return await self.page.total_count()


def to_connection(page: Page, convert: Callable[[Any], T]) -> Connection[T]:
    """Wrap a service page as a GraphQL connection."""
    edges = [Edge(cursor=c, node=convert(r)) for r, c in zip(page.rows, page.cursors, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        page=page,
    )


async def load_one(loader: DataLoader[int, Any], pk: int | None, convert: Callable[[Any], T]) -> T | None:
    """Resolve a to-one relation through a request's loader."""
    if pk is None:
        return None
    row = await loader.load(pk)
    return convert(row) if row is not None else None
