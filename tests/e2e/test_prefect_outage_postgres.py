"""A Prefect server on PostgreSQL restarted in the middle of a drill (down for a minute): the
same as on SQLite (:mod:`tests.e2e.test_prefect_outage`), the state kept in PostgreSQL.

PostgreSQL is installed from Debian's packages when it is missing (as root or with password-less
sudo); where it cannot be, the test is skipped and the reason says why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.support import (
    PostgresUnavailable,
    drill_through_a_prefect_outage,
    install_postgres,
    postgres_cluster,
)
from tests.e2e.test_prefect_outage import OUTAGE, assert_rode_it_out

pytestmark = pytest.mark.e2e


@pytest.fixture
def database() -> Iterator[str]:
    try:
        install_postgres()
        with postgres_cluster() as url:
            yield url
    except PostgresUnavailable as exc:
        pytest.skip(f"no PostgreSQL: {exc}")


def test_drill_rides_out_a_prefect_server_restart_on_postgresql(
    database: str, tmp_path: Path
) -> None:
    assert_rode_it_out(drill_through_a_prefect_outage(tmp_path, OUTAGE, database_url=database))
