"""VBR operations grouped by what they act on; each group is an attribute of ``VBRClient``."""

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
    "RestorePointsAPI",
    "ServerAPI",
    "SessionsAPI",
    "UnstructuredDataAPI",
    "VMRestoreAPI",
    "VSphereAPI",
]
