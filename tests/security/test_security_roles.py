"""Roles, client side: every restore operation attempted as ``viewer`` and ``restore-operator``.

What the contract's "Available to" line denies must come back as one :class:`Forbidden` that
names the roles the operation needs, sent once (never retried) and starting nothing. What it
allows must not be refused (the random ids make most of those answer 404 or 400, which is fine:
the point is that the role gate let them through).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.simulator.test_roles import _roles_in_spec, _spec_operations

from drflow.simulator import Role, SimulatorConfig, SimulatorServer
from drflow.vbr import Forbidden, RetryPolicy, VBRAPIError, VBRClient, VBRSettings
from drflow.vbr.operations import OPERATIONS

pytestmark = [pytest.mark.security, pytest.mark.integration]

USERS = {"viewer": Role.BACKUP_VIEWER, "restore-operator": Role.RESTORE_OPERATOR}
SPEC_ROLES = {op_id: _roles_in_spec(text) for op_id, (_, _, text) in _spec_operations().items()}
"""What the shared spec says each operation is available to (not drflow's own table)."""


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatorConfig(speed=50)) as server:
        yield server


@pytest.fixture(scope="module")
def clients(server: SimulatorServer) -> Iterator[dict[str, VBRClient]]:
    made = {
        user: VBRClient(
            VBRSettings(url=server.url, username=user, password="simulator"),
            retry=RetryPolicy(initial_wait=0.01, max_wait=0.05, jitter=0.0),
        )
        for user in (*USERS, "administrator")
    }
    yield made
    for client in made.values():
        client.close()


@pytest.fixture(scope="module")
def sim_admin(server: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def what_runs(sim_admin: httpx.Client, admin: VBRClient) -> dict[str, Any]:
    """Everything a request could have started: mounts, sessions, restore sessions running."""
    return {
        "mounts": sim_admin.get("/_sim/mounts").json()["mounts"],
        "sessions": admin.request("GET", "/api/v1/sessions", model=dict)["pagination"]["total"],
        "restore_sessions": sim_admin.get("/_sim/stats").json()["restore_sessions"],
    }


def sent(sim_admin: httpx.Client, method: str, template: str) -> int:
    """How many ``method template`` requests reached the simulator."""
    return sim_admin.get("/_sim/stats").json()["requests"].get(f"{method} {template}", 0)


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_operation_as_role(sim_admin, clients, user: str, operation_id: str) -> None:
    op = OPERATIONS[operation_id]
    client = clients[user]
    allowed = SPEC_ROLES[operation_id]
    path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), op.path)
    body = {} if op.method in ("POST", "PUT") else None
    before = what_runs(sim_admin, clients["administrator"])
    retries, requests = client.retry.retries, sent(sim_admin, op.method, op.path)

    try:
        client.request(op.method, path, json=body)
        error: VBRAPIError | None = None
    except VBRAPIError as exc:
        error = exc

    if USERS[user] in allowed:
        assert not isinstance(error, Forbidden), f"{user} was refused {operation_id}: {error}"
        return
    assert isinstance(error, Forbidden), f"{user} was not refused {operation_id}: {error!r}"
    assert error.operation_id == operation_id
    assert error.required_roles == allowed
    # what the client adds after VBR's own words, which may not name the roles
    named = str(error).split(f"{operation_id} needs one of the VBR roles ", 1)[1]
    assert {role for role in Role if role.value in named} == allowed
    assert client.retry.retries == retries, "a Forbidden was retried"
    assert sent(sim_admin, op.method, op.path) == requests + 1
    assert what_runs(sim_admin, clients["administrator"]) == before
