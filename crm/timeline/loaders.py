"""DataLoader for timelines: the pages asked for in one request, one statement per kind of page."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from strawberry.dataloader import DataLoader

from crm.auth.actor import Actor
from crm.db import SerialSession
from crm.errors import RequestError
from crm.pagination import Page, check_first
from crm.timeline import service
from crm.timeline.service import Subject

TimelineKey = tuple[Subject, int, int | None, str | None]
"""(MEMBER or DEALER, its id, first, after) of a requested page."""


def timeline_pages(session: SerialSession, actor: Actor) -> DataLoader[TimelineKey, Page]:
    """Load timeline pages; pages of the same kind, size and position share one statement.

    A list of members each showing `timeline(first: 5)` costs one statement, not one per member.
    A bad `first` or cursor fails that page only.
    """

    async def load(keys: list[TimelineKey]) -> list[Page | BaseException]:
        results: list[Page | BaseException | None] = [None] * len(keys)
        groups: dict[tuple[Subject, int, tuple[Any, ...] | None], list[int]] = defaultdict(list)
        for i, (subject, pk, first, cursor) in enumerate(keys):
            try:
                groups[(subject, check_first(first), service.decode_after(subject, pk, cursor))].append(i)
            except RequestError as exc:
                results[i] = exc
        for (subject, size, position), indexes in groups.items():
            ids = sorted({keys[i][1] for i in indexes})
            found = await service.pages(session, actor, subject, ids, size=size, after=position)
            for i in indexes:
                results[i] = found[keys[i][1]]
        return [r for r in results if r is not None]

    return DataLoader(load_fn=load)
