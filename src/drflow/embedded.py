"""The embedded VBR simulator, for the demo and for commands asked to use it (``--simulator``).

It runs in this process on a free port of 127.0.0.1, and the ``DRFLOW_VBR_*`` environment
points drflow at it for the duration of the block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from drflow.env import environment
from drflow.simulator.config import SimulatorConfig
from drflow.simulator.server import SimulatorServer

DEMO_USER = "restore-operator"
"""The demo recovers as a Veeam Restore Operator: the least a recovery needs."""
ADMIN_USER = "administrator"
"""Drills and recoveries asked to use the simulator log in as its Backup Administrator, who may
read ``serverInfo`` (their evidence names the server) and migrate FCDs and to Azure."""


@contextmanager
def embedded_simulator(
    speed: float, *, user: str = ADMIN_USER, port: int = 0
) -> Iterator[SimulatorServer]:
    """Run the simulator (on ``port``, 0: a free one), with ``DRFLOW_VBR_*`` pointing at it as
    ``user``, inside the block."""
    config = SimulatorConfig(speed=speed)
    with (
        SimulatorServer(config, port=port) as sim,
        environment(
            {
                "DRFLOW_VBR_URL": sim.url,
                "DRFLOW_VBR_USERNAME": user,
                "DRFLOW_VBR_PASSWORD": config.password,
                "DRFLOW_VBR_POLL_INITIAL": "0.2",
                "DRFLOW_VBR_POLL_MAX": "1",
            }
        ),
    ):
        yield sim
