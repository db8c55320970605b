"""Clean-up when a run ends without its own code running: cancelled or crashed.

A flow's ``finally`` unmounts what it mounted when it fails. When the run is cancelled or its
process dies, that code may never run; these hooks (run by Prefect's runner or worker) find what
the run started by its mark and remove it. What even they miss, the janitor removes later.
"""

from __future__ import annotations

import logging
from typing import Any

from drflow.tasks import VBRConnection, get_client
from drflow.vbr import VBRError
from drflow.vbr.marks import find_marked, mark_for, remove

logger = logging.getLogger("drflow")


def remove_what_the_run_started(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_cancellation`` / ``on_crashed`` hook: unmount every object marked with this run."""
    params = (flow_run.parameters or {}).get("params") or {}
    connection = VBRConnection.model_validate(params.get("connection") or {})
    client = get_client(connection)
    for found in find_marked(client, mark_for(flow_run.id)):
        try:
            remove(client, found)
            logger.warning(
                "run %s ended %s: removed %s %s", flow_run.id, state.name, found.kind, found.name
            )
        except VBRError as exc:
            logger.error(
                "could not remove %s %s (the janitor will): %s", found.kind, found.name, exc
            )


CLEANUP_HOOKS: dict[str, list[Any]] = {
    "on_cancellation": [remove_what_the_run_started],
    "on_crashed": [remove_what_the_run_started],
}
"""Keyword arguments for ``@flow`` that install the hooks."""
