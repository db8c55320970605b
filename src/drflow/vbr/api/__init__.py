"""VBR operations grouped by what they act on; each group is an attribute of ``VBRClient``."""

from .restore_points import BackupsAPI, RestorePointsAPI, ServerAPI
from .sessions import SessionsAPI
from .vsphere import VSphereAPI

__all__ = ["BackupsAPI", "RestorePointsAPI", "ServerAPI", "SessionsAPI", "VSphereAPI"]
