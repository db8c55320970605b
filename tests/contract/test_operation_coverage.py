"""Every restore operation of the spec has a client method, a task and a simulator route.

The table is ``drflow.vbr.operations.OPERATIONS``; this compares it, the simulator's routes and
the simulator's OpenAPI document with the shared spec, so a new or renamed operation fails here.
"""

from __future__ import annotations

import pytest

from drflow.simulator.app import create_app
from drflow.vbr.operations import OPERATIONS
from tests.contract.vbr_spec import VBRSpec

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module")
def spec() -> VBRSpec:
    return VBRSpec.load()


@pytest.fixture(scope="module")
def routes() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path) of every route the simulator serves (from its OpenAPI)."""
    document = create_app().openapi()
    return {
        operation["operationId"]: (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "operationId" in operation
    }


def restore_operation_ids(spec: VBRSpec) -> set[str]:
    return {
        op.operation_id
        for op in spec.operations()
        if op.path_template.startswith("/api/v1/restore/")
    }


def test_the_spec_has_51_restore_operations(spec: VBRSpec) -> None:
    assert len(restore_operation_ids(spec)) == 51


def test_table_covers_exactly_the_spec(spec: VBRSpec) -> None:
    assert set(OPERATIONS) == restore_operation_ids(spec)


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_simulator_serves_the_operation(
    operation_id: str, spec: VBRSpec, routes: dict[str, tuple[str, str]]
) -> None:
    documented = next(op for op in spec.operations() if op.operation_id == operation_id)
    assert operation_id in routes, f"the simulator has no route for {operation_id}"
    method, path = routes[operation_id]
    assert (method, path) == (documented.method.upper(), documented.path_template)


def test_simulator_openapi_lists_every_path_of_the_spec(spec: VBRSpec) -> None:
    document = create_app().openapi()
    listed = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    missing = sorted(
        f"{op.method.upper()} {op.path_template}"
        for op in spec.operations()
        if (op.method.upper(), op.path_template) not in listed
    )
    assert missing == []
