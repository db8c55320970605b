"""Instant recovery to Microsoft Azure (``/api/v1/restore/instantRecovery/azure/vm``).

Life of a mount (its ``id`` is not a session id: the mount's sessions are listed under
``.../azure/vm/{mountId}/sessions``):

- start (201, the mount): ``Starting`` for ``start`` + ``mount`` seconds (+ ``boot`` when the
  spec asks ``verifyVMBoot``), then ``Ready``. An ``AzureInstantRecovery`` session covers the
  whole life of the mount: ``Working`` 100 % / ``Success`` while the VM runs in Azure (as a
  holding instant recovery session does), ``Stopped`` when the mount ends;
- migrate (201, the mount; only from ``Ready``): an ``AzureInstantRecoveryMigration`` session
  works for ``start`` + ``migrate`` seconds (mount ``Migrating``), then the switchover settings
  decide: ``Auto`` switches at once, ``Scheduled`` at ``scheduleTime`` (or when the migration
  ends, if later), ``Manual`` waits in ``ReadyToSwitch`` for ``POST .../switchover``.
  Switching is an ``AzureInstantRecoverySwitchover`` session of ``switchover`` seconds
  (+ ``boot`` when the switchover settings ask ``verifyVMBoot``); then the VM runs from Azure
  storage, the mount is ``Stopped`` and the instant recovery session ends ``Success``;
- switchover settings are readable at any time and changeable (PUT, 201) until switching
  starts; a change applies from the moment it is made (a switch never starts in the past);
  ``Scheduled`` needs a ``scheduleTime`` in the future. A switchover requested while the
  migration still runs happens as soon as it ends;
- unmount (201, the mount): ``Stopping`` for ``unmount`` seconds, then ``Stopped``; it cancels
  a running migration or a pending switchover, and is refused while switching.

Durations (estate ``azure.durations``) are scaled by the speed when the operation that needs
them starts (a switchover's when it is planned: migrate, settings change, switchover request).
Stopped mounts stay listed. The helper appliance must exist: the spec's ``appliance.subnet``
must be one the estate deployed an appliance in, for the same subscription and location.

Modules: :mod:`.mount` (a mount's timeline), :mod:`.workload` (the operations),
:mod:`.routes`; when a switchover starts: :mod:`drflow.simulator.workloads.switchover`.
"""

from . import routes  # noqa: F401 - registers the routes on AzureWorkload.router
from .workload import AzureWorkload

__all__ = ["AzureWorkload"]
