"""Instant file share recovery (``/api/v1/restore/instantRecovery/unstructuredData``).

One mount per share; mount ``id`` == its ``FileInstantRecovery`` session id, as in the vendor's
examples:

- start (201, one session per share): ``Publishing`` for ``start`` + ``publish`` seconds, then
  ``Published`` (the session holds: ``Working`` 100 % / ``Success``); a ``publish_fails`` trap
  share ends ``PublishFailed`` (``errorMessage``; the session ``Stopped``/``Failed``);
- unmount (200, the session): ``Unpublishing`` for ``unpublish`` seconds, then ``Unpublished``
  (still listed); it cancels a migration that has not switched over yet, and is refused while
  switching;
- migrate (201, a ``FileInstantRecoveryMigration`` session; SMB shares only, from
  ``Published``): the data moves for ``start`` + ``migrate`` seconds, then the switchover
  settings decide (:mod:`drflow.simulator.workloads.switchover`); switching takes
  ``switchover`` seconds, after which the share runs from its destination: the migration
  session ends ``Success`` and the mount is ``Unpublished`` (its session ends ``Success``). The
  migration session holds (``Working`` 100 %) while it waits for the switchover;
- switchover settings (SMB shares): readable at any time (``Auto`` until set), changeable
  (PUT, 200) until switching starts; ``Scheduled`` needs a future ``scheduleTime``;
- switchover (201, the migration session): now, or as soon as the data is migrated.

Modules: :mod:`.mount` (a mount's timeline), :mod:`.workload` (the operations), :mod:`.routes`.
"""

from . import routes  # noqa: F401 - registers the routes on FileShareWorkload.router
from .workload import FileShareWorkload

__all__ = ["FileShareWorkload"]
