"""The simulated estate: backup jobs, their VMs and restore points, the server, traps.

The estate is read from a JSON file (``SimulatorConfig.estate``; the packaged demo is
``drflow/simulator/data/estate.json``) validated by :class:`EstateFile`::

    {
      "version": 1,
      "note": "free text, ignored",
      "server": {"name": "vbr01.lab.local", "build_version": "13.0.1.180", ...},
      "vcenter": "vcenter01.lab.local",
      "durations": {"start": 2, "mount": 20, "unmount": 5, "migrate": 60, "boot": 5},
      "repositories": ["Default Backup Repository", ...],
      "jobs": [
        {"name": "Web tier", "platform": "VMware",            # or "HyperV"
         "repository": "Default Backup Repository",
         "restore_point_ages_hours": [4, 28, 52],           # one restore point per age
         "vms": [
           {"name": "web01", "host": "esx01.lab.local", "guest_os": "Linux",
            "disks_gb": [40, 100],
            "restore_point_ages_hours": [2, 26],             # optional, overrides the job's
            "durations": {"mount": 30},                      # optional, per operation
            "malware": {"52": "Suspicious"},                 # optional, age -> malwareStatus
            "trap": {"kind": "mount_fails", "message": "..."}}   # optional
         ]}
      ]
    }

Durations are seconds at speed 1 (``start``: time a session spends in ``Starting``; ``mount``:
until the VM is mounted; ``unmount``; ``migrate``: Quick Migration; ``boot``: from mounted to a
healthy workload). Restore point times are "now" (when the estate is loaded) minus the age; the
oldest restore point of a machine is a ``Full``, the others ``Increment``.

Traps (``trap.kind``): ``mount_fails`` (instant recovery session fails with ``message``; the
mount ends ``Failed``), ``never_healthy`` (mounts fine, its workload never answers the probe).

Restore workloads (Hyper-V instant recovery, entire VM restore, FCD, FLR) add, all optional:

- ``durations.restore`` (entire VM restore, default 90 s) and ``durations.quick_rollback``
  (entire VM restore with ``quickRollback``, default 20 s); both can be overridden per VM;
- ``"platform": "CloudDirector"`` jobs (``cloud_director``: the server's name); their VMs may
  name their ``vapp``; restore points offer ``StartEntireVmRestoreCloudDirector`` and
  ``StartFlrRestore``;
- per VM: ``fcd`` (default true; false: its restore points do not offer
  ``StartFCDInstantRecovery``), ``missing`` (the production VM no longer exists, so a restore
  to the original location needs no ``overwrite``), ``damaged`` (age -> message: restoring data
  from that restore point fails with the message);
- ``guest_credentials``: the credentials records FLR credential validation knows
  (``estate_uuid("credentials", name)``), each for a ``guest_os``, ``valid`` false for a
  record whose password no longer works.

Agent backups, Azure targets, unstructured data (file shares, buckets) and Entra ID tenants:
the optional ``agent_jobs``, ``azure``, ``unstructured`` and ``entra_id`` sections, described in
:mod:`.spec` (served as ``Estate.extra``).

Ids are deterministic: ``estate_uuid(kind, *parts)`` = uuid5 of ``"kind:part:..."`` in a fixed
namespace. Kinds: ``job``/``backup`` (job name), ``repository`` (name), ``vm``/``backupObject``
(VM name), ``restorePoint``/``backupFile`` (VM name, age formatted with ``%g``, e.g. ``"4"``,
``"0.5"``), ``jobSession`` (job name, age), ``server`` (server name). For example the restore
point of web01 taken 4 hours ago is ``estate_uuid("restorePoint", "web01", "4")``.

Modules: :mod:`.spec` (the file's schema), :mod:`.model` (what is served), :mod:`.build`
(:func:`build_estate`, generated estates) with :mod:`.builder`, :mod:`.vms` and
:mod:`.sections`, :mod:`.ids`.
"""

from .build import (
    GENERATED_JOB_SIZE,
    build_estate,
    generated_estate_file,
    generated_vm_name,
    load_estate,
)
from .ids import ZERO_UUID, estate_uuid, format_age
from .model import (
    VM,
    EntraTenant,
    Estate,
    Job,
    JobRun,
    MountServer,
    RestorePoint,
    UnstructuredObject,
)
from .spec import EstateError, EstateFile, GuestCredentialSpec, load_estate_file

__all__ = [
    "GENERATED_JOB_SIZE",
    "VM",
    "ZERO_UUID",
    "EntraTenant",
    "Estate",
    "EstateError",
    "EstateFile",
    "GuestCredentialSpec",
    "Job",
    "JobRun",
    "MountServer",
    "RestorePoint",
    "UnstructuredObject",
    "build_estate",
    "estate_uuid",
    "format_age",
    "generated_estate_file",
    "generated_vm_name",
    "load_estate",
    "load_estate_file",
]
