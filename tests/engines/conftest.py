"""Engine-test fixtures: a real PostgreSQL server for the session (skipped with the reason when it cannot start)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def pg_server():
    pytest.importorskip("psycopg2", reason="psycopg2 not installed (pip install 'dualion[engines]')")
    pytest.importorskip("ase_db_backends", reason="ase-db-backends not installed (pip install 'dualion[engines]')")
    from tests.engines.pg import PgServer

    try:
        server = PgServer().start()
    except Exception as exc:  # noqa: BLE001 - no server binaries, no postgres user, ...
        pytest.skip(f"PostgreSQL test server not available: {exc}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server, request):
    """URL of a fresh, empty PostgreSQL database on the session server."""
    import re

    name = "t_" + re.sub(r"[^a-z0-9]", "_", request.node.name.lower())[:40] + f"_{id(request) % 100000}"
    return pg_server.fresh_db(name)
