"""End-to-end recovery flows, composed from :mod:`drflow.tasks`.

``FLOWS`` maps each flow's name (as the CLI and deployments call it) to the flow and the
pydantic model of its ``params``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import BaseModel

from ._report import RecoveryFailed, RecoveryReport
from .hyperv import HyperVRecoveryParams, hyperv_instant_recovery
from .params import AskOptions, RecoveryParams, RestorePointPolicy
from .vsphere import MigrationTarget, VSphereRecoveryParams, vsphere_instant_recovery


class FlowEntry(NamedTuple):
    flow: Any
    params: type[BaseModel]


FLOWS: dict[str, FlowEntry] = {
    "vsphere-instant-recovery": FlowEntry(vsphere_instant_recovery, VSphereRecoveryParams),
    "hyperv-instant-recovery": FlowEntry(hyperv_instant_recovery, HyperVRecoveryParams),
}

__all__ = [
    "FLOWS",
    "AskOptions",
    "FlowEntry",
    "HyperVRecoveryParams",
    "MigrationTarget",
    "RecoveryFailed",
    "RecoveryParams",
    "RecoveryReport",
    "RestorePointPolicy",
    "VSphereRecoveryParams",
    "hyperv_instant_recovery",
    "vsphere_instant_recovery",
]
