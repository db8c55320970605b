"""The workload probe of a machine (``GET /_sim/guests/{vm}/health``) over every workload.

vSphere instant recovery answers first (:func:`drflow.simulator.vsphere.guest_health`); the
restore workloads (Hyper-V instant recovery, entire VM restore) then add what they know. A
machine is healthy when any of them runs it healthily; otherwise the reason is the one of the
most recent thing that happened to it (vSphere's own reason when only vSphere knows it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import hyperv, vm_restore, vsphere
from .restore_support import GuestState

if TYPE_CHECKING:
    from .state import Simulator


def guest_health(sim: Simulator, vm_name: str) -> tuple[bool, str]:
    with sim.lock:
        healthy, reason = vsphere.guest_health(sim, vm_name)
        if healthy:
            return healthy, reason
        known: list[GuestState] = [
            state
            for state in (hyperv.guest_state(sim, vm_name), vm_restore.guest_state(sim, vm_name))
            if state is not None
        ]
        for state in known:
            if state.healthy:
                return True, state.reason
        if not known:
            return healthy, reason
        latest = max(known, key=lambda state: state.since)
        vsphere_since = [
            mount.session.created
            for mount in sim.vsphere_mounts.values()
            if mount.vm_name.lower() == vm_name.lower()
        ]
        if vsphere_since and max(vsphere_since) >= latest.since:
            return healthy, reason  # vSphere instant recovery is the most recent word
        return False, latest.reason
