"""Restores and handovers while VBR goes dark for 30 (simulated) seconds: refusing connections
or answering 503, in turn.

- Entire VM restore, file share restore and bucket restore (the ``final`` ending): the start
  (refused, or carried out with its answer lost: the restore is adopted by the run's mark in
  its session's log, never started again), the wait for the restore session's result, and the
  verification of the restored VM (a workload check takes VBR dark while the checks run).
- File-level restore and the Entra ID audit log mount (``hand over``): the start, the wait until
  the mount is ready, the validation of the guest credentials (FLR), and the unmount.

Each recovery must pass, leave no restore session running and nothing mounted, start nothing
twice, and report the time VBR was unavailable when the client saw it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from tests.flows.faults.support import (
    OUTAGE_SPEED,
    OutageScenario,
    outage_command,
    outage_rule,
    recovery_report,
    set_faults,
)
from tests.flows.support import run_flow

from drflow.checks import CommandCheck, HttpCheck
from drflow.flows.entra_id import EntraIdAuditLogRestoreParams, entra_id_audit_log_restore
from drflow.flows.flr import FileLevelRestoreParams, file_level_restore
from drflow.flows.nas_restore import (
    FileShareRestoreParams,
    ObjectStorageRestoreParams,
    file_share_restore,
    object_storage_restore,
)
from drflow.flows.vm_restore import EntireVMRestoreParams, entire_vm_restore
from drflow.simulator.estate import estate_uuid
from drflow.tasks import VBRConnection, get_client

pytestmark = [pytest.mark.flow, pytest.mark.faults]

VM_RESTORE = "/api/v1/restore/vmRestore/vSphere"
SHARE_RESTORE = "/api/v1/restore/unstructuredData/fileShare"
BUCKET_RESTORE = "/api/v1/restore/unstructuredData/objectStorage"
FLR = "/api/v1/restore/flr"
AUDIT_LOG = "/api/v1/restore/entraId/auditLog"
SESSION = "^/api/v1/sessions/[^/]+$"
"""One session read by id: what the waits poll. A wait's outage starts at its first poll (the
starts read no session by id): a later poll may never come on a loaded machine, where the
restore can end between two polls."""
FINANCE = "\\\\fs01\\finance"
TENANT = "contoso.onmicrosoft.com"
ROOT = estate_uuid("credentials", "root")

Run = Callable[[Any, VBRConnection], Any]
"""Runs a flow against the simulator (``sim``) through ``connection``; its outcome."""


@pytest.fixture
def fast(admin: httpx.Client) -> None:
    admin.put("/_sim/config", json={"speed": OUTAGE_SPEED}).raise_for_status()


def _entire_vm(sim: Any, connection: VBRConnection, *, verify: bool = False) -> Any:
    checks: list[CommandCheck | HttpCheck] = []
    if verify:  # VBR dark (connections refused) while the restored VM's guest is checked
        checks = [
            CommandCheck(command=outage_command(sim.url, "refuse"), deadline=10, interval=0.5),
            HttpCheck(url=f"{sim.url}/_sim/guests/{{vm}}/health", deadline=10, interval=0.1),
        ]
    params = EntireVMRestoreParams(
        vm="web02", allow_overwrite=True, checks=checks, connection=connection
    )
    return run_flow(entire_vm_restore, params)


def _share(sim: Any, connection: VBRConnection) -> Any:
    params = FileShareRestoreParams(
        share=FINANCE, overwrite_mode="Overwrite", allow_overwrite=True, connection=connection
    )
    return run_flow(file_share_restore, params)


def _bucket(sim: Any, connection: VBRConnection) -> Any:
    params = ObjectStorageRestoreParams(
        bucket="invoices",
        overwrite_mode="ReplaceOlder",
        allow_overwrite=True,
        connection=connection,
    )
    return run_flow(object_storage_restore, params)


def _flr(sim: Any, connection: VBRConnection) -> Any:
    params = FileLevelRestoreParams(
        vm="web01", credentials_id=ROOT, keep_minutes=0, connection=connection
    )
    return run_flow(file_level_restore, params)


def _audit_log(sim: Any, connection: VBRConnection) -> Any:
    params = EntraIdAuditLogRestoreParams(tenant=TENANT, keep_minutes=0, connection=connection)
    return run_flow(entra_id_audit_log_restore, params)


CASES: dict[str, tuple[dict[str, Any] | None, str, Run]] = {
    "entire-vm/start-refused/503": (
        outage_rule("POST", f"^{VM_RESTORE}$", "503"),
        "vm_restore",
        _entire_vm,
    ),
    "entire-vm/start-lost/refuse": (
        outage_rule("POST", f"^{VM_RESTORE}$", "refuse", request="lost"),
        "vm_restore",
        _entire_vm,
    ),
    "entire-vm/wait/503": (outage_rule("GET", SESSION, "503"), "vm_restore", _entire_vm),
    "entire-vm/verify/refuse": (
        None,
        "vm_restore",
        lambda sim, connection: _entire_vm(sim, connection, verify=True),
    ),
    "file-share-restore/start-lost/503": (
        outage_rule("POST", f"^{SHARE_RESTORE}$", "503", request="lost"),
        "nas_restore",
        _share,
    ),
    "file-share-restore/wait/refuse": (
        outage_rule("GET", SESSION, "refuse"),
        "nas_restore",
        _share,
    ),
    "bucket-restore/start-refused/refuse": (
        outage_rule("POST", f"^{BUCKET_RESTORE}$", "refuse"),
        "nas_restore",
        _bucket,
    ),
    "bucket-restore/wait/503": (outage_rule("GET", SESSION, "503"), "nas_restore", _bucket),
    "flr/start-lost/refuse": (
        outage_rule("POST", f"^{FLR}$", "refuse", request="lost"),
        "flr",
        _flr,
    ),
    "flr/start-refused/503": (outage_rule("POST", f"^{FLR}$", "503"), "flr", _flr),
    "flr/wait/503": (outage_rule("GET", SESSION, "503"), "flr", _flr),
    "flr/validate-credentials-lost/refuse": (
        outage_rule("POST", "/validateCredentials$", "refuse", request="lost"),
        "flr",
        _flr,
    ),
    "flr/unmount-lost/503": (outage_rule("POST", "/unmount$", "503", request="lost"), "flr", _flr),
    "entra-audit-log/start-lost/503": (
        outage_rule("POST", f"^{AUDIT_LOG}$", "503", request="lost"),
        "entra_id",
        _audit_log,
    ),
    "entra-audit-log/wait/refuse": (
        outage_rule("GET", SESSION, "refuse"),
        "entra_id",
        _audit_log,
    ),
    "entra-audit-log/unmount-lost/refuse": (
        outage_rule("POST", "/unmount$", "refuse", request="lost"),
        "entra_id",
        _audit_log,
    ),
}
"""Case (workload/phase/mode) -> (the rule that starts the outage, or None: a workload check
does; the simulator's workload kind; how the flow is run)."""


@pytest.mark.parametrize("case", list(CASES))
def test_restore_rides_out_an_outage(
    sim, admin: httpx.Client, connection: VBRConnection, fast: None, case: str
) -> None:
    rule, kind, run = CASES[case]
    measured = OutageScenario(f"outage/{case}", admin, get_client(connection))
    if rule is not None:
        set_faults(admin, [rule])

    report = recovery_report(run(sim, connection))

    measured.finish([report], starts={kind: 1}, triggered=rule is not None, seen=rule is not None)
    if rule is None:
        guest = report.checks[1]
        assert guest.passed, guest
        assert guest.attempts > 1, "the guest check never met the outage"
