"""The workload probe of a machine (``GET /_sim/guests/{vmName}/health``) over every workload.

Each workload kind says what it knows of a machine of that name
(:meth:`~drflow.simulator.workload.Workload.guest_state`): instant recovery of vSphere and
Hyper-V VMs, entire VM restore. A machine is healthy when any of them runs it healthily;
otherwise the reason is the one of the most recent thing that happened to it (the first kind of
the registry at a tie), or ``no running VM named ...`` when none knows it.

A guest's health is derived, like everything else, from timestamps: a machine is healthy once
it runs (mounted and powered on, or restored and powered on), its boot time has passed, and it
carries no ``never_healthy`` trap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .state import Simulator


@dataclass(frozen=True)
class GuestState:
    """What one source (a mount, a restore) says about a machine, as of ``since``."""

    healthy: bool
    reason: str
    since: datetime


def running_guest(
    *,
    started_at: datetime,
    powered_on: bool,
    boot_s: float,
    never_healthy: str | None,
    now: datetime,
    running_as: str,
    powered_off_reason: str,
    since: datetime | None = None,
) -> GuestState:
    """A machine that runs (or could run) from ``started_at``; what happened to it happened
    at ``since`` (default: ``started_at``)."""
    since = since or started_at
    if not powered_on:
        return GuestState(False, powered_off_reason, since)
    if now.timestamp() < started_at.timestamp() + boot_s:
        return GuestState(False, "guest OS is booting", since)
    if never_healthy is not None:
        return GuestState(False, never_healthy, since)
    return GuestState(True, running_as, since)


def guest_health(sim: Simulator, vm_name: str) -> tuple[bool, str]:
    """(healthy, reason) of the workload of ``vm_name``."""
    now = sim.now()
    with sim.lock:
        known = [
            state
            for workload in sim.workloads
            if (state := workload.guest_state(vm_name, now)) is not None
        ]
    for state in known:
        if state.healthy:
            return True, state.reason
    if not known:
        return False, f"no running VM named {vm_name}"
    latest = max(known, key=lambda state: state.since)
    return False, latest.reason
