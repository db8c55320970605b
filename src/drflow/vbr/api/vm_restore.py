"""Entire VM restore: ``/api/v1/restore/vmRestore/{vSphere,hyperV,cloudDirector}``."""

from __future__ import annotations

from ..models import (
    EntireCloudDirectorVMRestoreSpec,
    EntireHvVMRestoreSpec,
    EntireViVMRestoreSpec,
    SessionModel,
)
from ._base import API

_PATH = "/api/v1/restore/vmRestore"


class VMRestoreAPI(API):
    """Restore whole VMs from backups; each start answers the restore session.

    VBR offers no list of restores in progress other than sessions: none of these starts is
    retried once the request may have reached VBR.
    """

    def restore_vsphere_vm(self, spec: EntireViVMRestoreSpec) -> SessionModel:
        """``EntireVmRestoreVmware``: restore a vSphere VM."""
        return self._client.request(
            "POST", f"{_PATH}/vSphere", json=spec.to_api(), model=SessionModel
        )

    def restore_hyperv_vm(self, spec: EntireHvVMRestoreSpec) -> SessionModel:
        """``EntireVmRestoreHv``: restore a Hyper-V VM."""
        return self._client.request(
            "POST", f"{_PATH}/hyperV", json=spec.to_api(), model=SessionModel
        )

    def restore_cloud_director_vm(self, spec: EntireCloudDirectorVMRestoreSpec) -> SessionModel:
        """``EntireVmRestoreCloudDirector``: restore a VMware Cloud Director VM."""
        return self._client.request(
            "POST", f"{_PATH}/cloudDirector", json=spec.to_api(), model=SessionModel
        )
