"""prefect.yaml: every deployment loads, and its default parameters are valid for its flow."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from prefect.flows import load_flow_from_entrypoint

from drflow.deployments import definitions

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = definitions(ROOT / "prefect.yaml")


@pytest.mark.parametrize("entry", DEPLOYMENTS, ids=lambda e: f"{e['entrypoint']}/{e['name']}")
def test_deployment_parameters_are_valid(entry: dict) -> None:
    flow = load_flow_from_entrypoint(entry["entrypoint"])
    parameters = entry.get("parameters") or {}
    signature = inspect.signature(flow.fn)
    assert set(parameters) <= set(signature.parameters)
    if "params" in parameters:
        signature.parameters["params"].annotation.model_validate(parameters["params"])
    if "plan" in parameters:
        from drflow.plans import load_plan

        load_plan(ROOT / parameters["plan"])


def test_every_recovery_flow_has_a_deployment() -> None:
    from drflow.flows import FLOWS

    deployed = {load_flow_from_entrypoint(e["entrypoint"]).name for e in DEPLOYMENTS}
    internal = {"switchover-confirm"}  # started by the Azure/file share flows, not by people
    assert set(FLOWS) - internal <= deployed


def test_weekly_drill_is_scheduled_with_a_timezone() -> None:
    [drill] = [e for e in DEPLOYMENTS if e["name"] == "weekly-drill-tier1"]
    [schedule] = drill["schedules"]
    assert schedule["cron"]
    assert schedule["timezone"]


def test_every_kind_of_the_registry_is_deployed_as_it_says() -> None:
    from drflow.flows import KINDS

    deployed = {
        f"{load_flow_from_entrypoint(e['entrypoint']).name}/{e['name']}" for e in DEPLOYMENTS
    }
    missing = {kind.name: kind.deployment_name for kind in KINDS.values()}
    missing = {name: where for name, where in missing.items() if where not in deployed}
    assert missing == {}, f"kinds whose registry deployment prefect.yaml lacks: {missing}"
