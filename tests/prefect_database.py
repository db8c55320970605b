"""A migrated Prefect database for the Prefect servers the tests start on SQLite.

A Prefect server started on an empty SQLite file first creates its schema (Prefect's Alembic
migrations) and registers Prefect's block types: 6 of the 14 s of CPU its start takes here.
The tests start a dozen such servers on two cores, so the schema is made once per Prefect
version (by Prefect's own code, under a file lock that xdist's workers share) and each server
starts on a copy of it, told not to migrate or register again: a server started on a database
that is already up to date, as after a restart.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

SKIP_SETUP = {
    "PREFECT_SERVER_DATABASE_MIGRATE_ON_START": "false",
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
}
"""Settings (as environment variables) of a server started on a copy of :func:`template`."""

_BUILD = """
import asyncio
from prefect.server.database import provide_database_interface
from prefect.server.models.block_registration import run_block_auto_registration

async def build():
    db = provide_database_interface()
    await db.create_db()
    async with await db.session() as session:
        await run_block_auto_registration(session=session)
        await session.commit()

asyncio.run(build())
"""


def template() -> Path:
    """The migrated database of the installed Prefect, made the first time it is needed."""
    import prefect

    path = Path(tempfile.gettempdir()) / f"drflow-tests-prefect-{prefect.__version__}.db"
    if path.exists():
        return path
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = path.with_suffix(f".{os.getpid()}.tmp")
            env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
            env["PREFECT_HOME"] = str(building.with_suffix(".home"))
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{building}"
            subprocess.run([sys.executable, "-c", _BUILD], env=env, check=True, timeout=300)
            shutil.rmtree(building.with_suffix(".home"), ignore_errors=True)
            os.replace(building, path)  # whole or not at all, for the other workers
    return path


def seeded(directory: Path, name: str = "prefect.db") -> Path:
    """A copy of :func:`template` in ``directory``, for one server."""
    directory.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(template(), directory / name))


def server_env(directory: Path) -> dict[str, str]:
    """The environment of a server whose database is a fresh copy of :func:`template`."""
    url = f"sqlite+aiosqlite:///{seeded(directory)}"
    return {"PREFECT_SERVER_DATABASE_CONNECTION_URL": url, **SKIP_SETUP}


@contextmanager
def seeded_test_harness(server_startup_timeout: int = 120) -> Iterator[None]:
    """Prefect's ``prefect_test_harness``, its database a copy of :func:`template`.

    The harness makes its database in a new temporary directory (``mkdtemp``): that directory
    is handed over with the copy already in it, under the name the harness gives its file.
    """
    import prefect.settings
    import prefect.testing.utilities as harness

    def seeded_directory() -> str:
        directory = tempfile.mkdtemp()
        seeded(Path(directory), "prefect-test.db")
        return directory

    skip = {getattr(prefect.settings, name): value for name, value in SKIP_SETUP.items()}
    with (
        prefect.settings.temporary_settings(updates=skip),
        mock.patch.object(harness, "mkdtemp", seeded_directory),
        harness.prefect_test_harness(server_startup_timeout=server_startup_timeout),
    ):
        yield
