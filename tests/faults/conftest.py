"""The fault suite runs against the same real data directory as the server tests; the
abuse tests serve it from PostgreSQL reached through the controllable relay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from catalog import Catalog, open_catalog
from catalog.tokens import create_token
from streaming import create_app
from tests.streaming.conftest import site  # noqa: F401  (the session fixture)

from .relay import Relay
from .test_database import hanging  # noqa: F401  (the relayed PostgreSQL fixture)


@dataclass
class Served:
    """A test client of the site served from PostgreSQL through `relay`."""

    client: Any
    catalog: Catalog
    relay: Relay
    auth: dict[str, str]
    clock: dict[str, Any]


@pytest.fixture
async def served(hanging, site, aiohttp_client) -> AsyncIterator[Served]:  # noqa: F811
    url, schema, relay = hanging
    catalog = open_catalog(url, schema=schema, migrate=False)
    with catalog.session() as session:
        token = create_token(session, "studio-1")
    clock = {"now": site.now}
    app = create_app(catalog, site.data_dir, clock=lambda: clock["now"], refresh_s=0)
    client = await aiohttp_client(app)
    yield Served(client, catalog, relay, {"Authorization": f"Bearer {token}"}, clock)
    catalog.dispose()
