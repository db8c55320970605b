"""VBR operations grouped by what they act on; each group is an attribute of ``VBRClient``.

One method per operation of :mod:`drflow.vbr.operations` (a list also walks its pages with
``list...()`` beside its ``list..._page()``), and nothing else: one HTTP exchange under the
client's retry policy. What is built on them lives beside this package: waits
(:mod:`drflow.vbr.waiting`), shared reads, adoption of lost starts, persistent stops and the
choice of a restore point.
"""

from ._base import InstantVMRecoveryAPI
from .azure import AzureAPI
from .entra_id import EntraIdAPI
from .fcd import FcdAPI
from .flr import FlrAPI
from .hyperv import HyperVAPI
from .restore_points import BackupsAPI, RestorePointsAPI, ServerAPI
from .sessions import SessionsAPI
from .unstructured import UnstructuredDataAPI
from .vm_restore import VMRestoreAPI
from .vsphere import VSphereAPI

__all__ = [
    "AzureAPI",
    "BackupsAPI",
    "EntraIdAPI",
    "FcdAPI",
    "FlrAPI",
    "HyperVAPI",
    "InstantVMRecoveryAPI",
    "RestorePointsAPI",
    "ServerAPI",
    "SessionsAPI",
    "UnstructuredDataAPI",
    "VMRestoreAPI",
    "VSphereAPI",
]
