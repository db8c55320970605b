"""Microsoft Entra ID restore (``/api/v1/restore/entraId``): tenant mounts, the operator's
sign-in, audit-log mounts.

- Tenant mount (``POST .../entraId/tenant``, 201 ``EntraIdTenantBrowseMountModel``): a holding
  ``EntraIdRestore`` session, mounted after ``start`` + ``mount`` seconds, until stopped.
- Restore from a backup copy (``.../tenant/fromCopy``, 201 ``SessionModel``): a holding
  ``EntraIdRestoreFromCopy`` session that first brings the copy's data back (``from_copy``
  seconds) then stays mounted like a tenant mount.
- Stop (``.../tenant/{sessionId}/stop``, 201 ``SessionModel``): ``gracefulStop`` (default
  true) unmounts in ``unmount`` seconds; false stops at once. Stopping a stopped session
  answers it as it is.
- The operator's sign-in, by device code or authorization code: :mod:`.sign_in`.
- Audit-log mount (``.../entraId/auditLog``, 201 ``UnstructuredDataFlrBrowseMountModel``) and
  unmount (201 ``SessionModel``): browse mounts (:mod:`drflow.simulator.workloads.browse`).

Unknown sessions or backups in request bodies answer 400 (those operations document no 404);
an unknown ``sessionId`` in the stop and unmount paths answers 404.

Modules: :mod:`.state` (what it keeps), :mod:`.workload` (tenant sessions, audit logs),
:mod:`.sign_in`, :mod:`.routes` (with the ``/_sim/entra`` sign-in routes).
"""

from . import routes  # noqa: F401 - registers the routes on EntraIdWorkload.router
from .workload import EntraIdWorkload

__all__ = ["EntraIdWorkload"]
