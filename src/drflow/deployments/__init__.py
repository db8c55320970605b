"""drflow's deployments, read from ``prefect.yaml`` (the one place they are defined).

``prefect deploy --all`` registers them for a work pool; :func:`runner_deployments` turns the
same definitions into deployments that ``drflow up`` serves without a work pool.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from drflow.errors import DrflowError

PROJECT_FILE = "prefect.yaml"


class SetupError(DrflowError):
    """``drflow up`` cannot set up what it serves (a Prefect server, a notification block); the
    message says what to do."""


def definitions(path: str | Path = PROJECT_FILE) -> list[dict[str, Any]]:
    """The ``deployments`` entries of a ``prefect.yaml``."""
    document = yaml.safe_load(Path(path).read_text()) or {}
    return list(document.get("deployments") or [])


def runner_deployments(path: str | Path = PROJECT_FILE) -> list[Any]:
    """The deployments of ``prefect.yaml`` as ``RunnerDeployment`` objects for ``serve()``."""
    from prefect.flows import load_flow_from_entrypoint
    from prefect.types.entrypoint import EntrypointType

    out = []
    for entry in definitions(path):
        flow = load_flow_from_entrypoint(entry["entrypoint"])
        schedules = [_schedule(s) for s in entry.get("schedules") or []]
        out.append(
            flow.to_deployment(
                name=entry["name"],
                description=entry.get("description"),
                tags=entry.get("tags"),
                parameters=entry.get("parameters"),
                schedules=schedules or None,
                concurrency_limit=entry.get("concurrency_limit"),
                # The runner loads the flow by module (drflow.drills.drill:dr_drill), as the
                # entrypoints of prefect.yaml do: loaded by file path, a flow module and the
                # drflow package would hold two copies of the same classes.
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    return out


def _schedule(spec: dict[str, Any]) -> Any:
    from datetime import timedelta

    from prefect.schedules import Schedule

    common = {"timezone": spec.get("timezone"), "active": spec.get("active", True)}
    if "cron" in spec:
        return Schedule(cron=spec["cron"], **common)
    if "interval" in spec:
        return Schedule(interval=timedelta(seconds=spec["interval"]), **common)
    raise ValueError(f"unsupported schedule in {PROJECT_FILE}: {spec} (use cron or interval)")
