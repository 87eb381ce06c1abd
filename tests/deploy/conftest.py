"""Fixtures for the deployment tests: a fresh database (SQLite file or throwaway PostgreSQL) and app hosts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import new_database
from tests.deploy.servers import Gunicorn


@pytest.fixture
def deploy_database(tmp_path: Path) -> Iterator[str]:
    yield from new_database(tmp_path)


@pytest.fixture
def host(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., Gunicorn]:
    """Start a gunicorn on loopback; every one started is stopped by the finalizer, pass or fail."""

    def start(database_url: str, workers: int = 2) -> Gunicorn:
        server = Gunicorn(database_url, workers, tmp_path / "logs")
        request.addfinalizer(server.stop)
        return server.start()

    return start
