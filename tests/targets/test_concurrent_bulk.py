"""Concurrent bulk target sets on committed data and real connections: they take turns, none fails."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select

from crm.auth.models import AuthToken
from crm.auth.service import new_token
from crm.dealers.models import Store
from crm.enums import Region, Role, StoreKind, TokenKind
from crm.staff.models import Staff
from crm.targets.models import EnrolmentTarget
from crm.validation import today
from tests.auth.test_safe_writes import World

WAVES = 4
BULK = """
mutation($input: TargetSetBulkInput!) {
  targetSetBulk(input: $input) { createdCount updatedCount userErrors { field code } }
}
"""


async def test_many_bulk_sets_of_one_region_at_once_all_succeed(fresh_db_url: str) -> None:
    # given: a region of 40 stores (codes in an order unlike their ids), half with a target already
    import httpx

    from crm.app import create_app

    w = World(fresh_db_url)
    month = today().replace(day=1)
    async with w.sessions() as session:
        stores = [
            Store(
                code=f"S{(i * 7919) % 1000:04d}",
                name=f"店{i}",
                kind=StoreKind.SELF_OPERATED,
                region=Region.EAST,
                city="上海",
            )
            for i in range(40)
        ]
        session.add_all(stores)
        admin = Staff(username="admin.bulk", display_name="管理員", role=Role.ADMIN)
        session.add(admin)
        await session.flush()
        session.add_all(
            EnrolmentTarget(month=month, scope="STORE", store_id=s.id, target_count=10) for s in stores[::2]
        )
        raw, digest = new_token()
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        session.add(AuthToken(token_hash=digest, staff_id=admin.id, kind=TokenKind.SESSION, expires_at=expires))
        await session.commit()
    app = create_app(w.settings, database_url=fresh_db_url)
    headers = {"Authorization": f"Bearer {raw}"}
    variables = {"month": f"{month:%Y-%m}", "scope": "STORE", "region": "EAST"}
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as client:
                # when: four waves of twelve managers set the whole region at the same moment
                results = []
                for wave in range(WAVES):
                    results += await asyncio.gather(
                        *(
                            client.post(
                                "/graphql",
                                json={"query": BULK, "variables": {"input": {**variables, "targetCount": 20 + i}}},
                            )
                            for i in range(12 * wave, 12 * wave + 12)
                        )
                    )
        # then: every request succeeded, and the region has one target per store
        bodies = [r.json() for r in results]
        assert [b.get("errors") for b in bodies] == [None] * (12 * WAVES)
        assert all(b["data"]["targetSetBulk"]["userErrors"] == [] for b in bodies)
        async with w.sessions() as session:
            counts = await session.execute(
                select(func.count(), func.count(func.distinct(EnrolmentTarget.store_id))).where(
                    EnrolmentTarget.month == month
                )
            )
            assert tuple(counts.one()) == (40, 40)
    finally:
        await w.engine.dispose()
