"""The simulator's workload kinds, in one registry (:data:`KINDS`).

Each kind is one module or package exporting a :class:`~drflow.simulator.workload.Workload`
(its state, its router, its hooks); the simulator holds one of each, in this order, and
everything that spans kinds iterates over them (see :mod:`drflow.simulator.workload`).

Adding a kind: a module ``workloads/<kind>.py`` (or a package) with its ``Workload`` subclass
and routes, and its class in :data:`KINDS`. The instant-recovery mounts of VMs and disks share
:mod:`.mounts` (and VMs :mod:`.vm_recovery`), browse mounts :mod:`.browse`, switchovers
:mod:`.switchover`.
"""

from typing import Any

from ..workload import Workload
from .azure import AzureWorkload
from .entra_id import EntraIdWorkload
from .fcd import FcdWorkload
from .file_share import FileShareWorkload
from .flr import FlrWorkload
from .hyperv import HyperVWorkload
from .nas_restore import NasRestoreWorkload
from .unstructured_flr import UnstructuredFlrWorkload
from .vm_restore import VmRestoreWorkload
from .vsphere import VsphereWorkload

KINDS: tuple[type[Workload[Any]], ...] = (
    VsphereWorkload,
    HyperVWorkload,
    FcdWorkload,
    VmRestoreWorkload,
    FlrWorkload,
    AzureWorkload,
    FileShareWorkload,
    NasRestoreWorkload,
    UnstructuredFlrWorkload,
    EntraIdWorkload,
)
"""Every workload kind the simulator serves, in the order it asks them."""

__all__ = [
    "KINDS",
    "AzureWorkload",
    "EntraIdWorkload",
    "FcdWorkload",
    "FileShareWorkload",
    "FlrWorkload",
    "HyperVWorkload",
    "NasRestoreWorkload",
    "UnstructuredFlrWorkload",
    "VmRestoreWorkload",
    "VsphereWorkload",
]
