""" "Commit then fail" on every operation that starts work: VBR starts it, then the client sees a
500 or a dropped connection instead of the answer. drflow must adopt what was started, never
start it a second time, and leave nothing behind.

Instant recovery of the kinds in ``plans/branch-office.yaml`` (file share, FCD, Azure,
Hyper-V) is drilled through that plan; vSphere instant recovery, the restores (entire VM, file
share, bucket, Entra ID tenant) and the FLR mounts (VM guest files, Entra ID audit log) run
their own flows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.flows.faults.support import (
    SPEED,
    START_ROUTES,
    Scenario,
    drill_client,
    example_plan,
    named,
    outcomes,
    run_drill,
    set_faults,
    stats,
)
from tests.flows.support import now, run_flow

from drflow.checks import HttpCheck
from drflow.flows.engine import RecoveryFailed, RecoveryReport
from drflow.simulator.estate import estate_uuid
from drflow.tasks import VBRConnection, get_client

pytestmark = [pytest.mark.flow, pytest.mark.faults]


def commit_then_fail(kind: str, how: str) -> dict[str, Any]:
    """A rule: the first start of ``kind`` is done by VBR but answered by ``how``."""
    return {
        "method": "POST",
        "path": f"^{START_ROUTES[kind]}$",
        "commit_then_fail": how,
        "max_count": 1,
    }


def test_drill_adopts_instant_recoveries_committed_then_failed(
    sim,
    admin: httpx.Client,
    connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    workload_runs: str,
) -> None:
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    admin.put("/_sim/config", json={"speed": SPEED}).raise_for_status()
    path = example_plan("branch-office", tmp_path, whole=True)
    measured = Scenario(
        named("commit-then-fail/branch-office", workload_runs), admin, drill_client(path)
    )
    kinds = {"file-share": "500", "fcd": "drop", "azure": "500", "hyperv": "drop"}
    set_faults(admin, [commit_then_fail(kind, how) for kind, how in kinds.items()])

    report, _ = run_drill(path, workload_runs)
    measured.drilled(report)

    assert report.verdict == "passed", report.model_dump_json(indent=2)
    assert set(outcomes(report).values()) == {"passed"}
    figures = measured.finish()
    assert figures.faults == {"commit_then_fail:500": 2, "commit_then_fail:drop": 2}
    assert figures.starts == 4  # one per workload, though each start's answer was lost
    fired = admin.get("/_sim/faults").json()["rules"]
    assert [rule["fired"] for rule in fired] == [1, 1, 1, 1]


# --- flows of the kinds the example plans do not hold --------------------------------------------

FINANCE = "\\\\fs01\\finance"
TENANT = "contoso.onmicrosoft.com"


def _vsphere(sim: Any, connection: VBRConnection, admin: httpx.Client) -> Any:
    from drflow.flows.vsphere import VSphereRecoveryParams, vsphere_instant_recovery

    health = HttpCheck(url=f"{sim.url}/_sim/guests/{{vm}}/health", deadline=5, interval=0.1)
    params = VSphereRecoveryParams(vm="web02", checks=[health], connection=connection)
    return run_flow(vsphere_instant_recovery, params)


def _entire_vm(sim: Any, connection: VBRConnection, admin: httpx.Client) -> Any:
    from drflow.flows.vm_restore import EntireVMRestoreParams, entire_vm_restore

    # a restore takes minutes: at speed 20 it outlives the start task's retry delay, so the
    # retry finds it still running (a finished one is not adopted)
    admin.put("/_sim/config", json={"speed": 20}).raise_for_status()
    params = EntireVMRestoreParams(vm="web02", allow_overwrite=True, connection=connection)
    return run_flow(entire_vm_restore, params)


def _file_share_restore(sim: Any, connection: VBRConnection, admin: httpx.Client) -> Any:
    from drflow.flows.nas_restore import FileShareRestoreParams, file_share_restore

    params = FileShareRestoreParams(
        share=FINANCE, overwrite_mode="Overwrite", allow_overwrite=True, connection=connection
    )
    return run_flow(file_share_restore, params)


def _bucket_restore(sim: Any, connection: VBRConnection, admin: httpx.Client) -> Any:
    from drflow.flows.nas_restore import ObjectStorageRestoreParams, object_storage_restore

    params = ObjectStorageRestoreParams(
        bucket="invoices",
        overwrite_mode="ReplaceOlder",
        allow_overwrite=True,
        connection=connection,
    )
    return run_flow(object_storage_restore, params)


def _entra_tenant(sim: Any, connection: VBRConnection, admin: httpx.Client) -> Any:
    from tests.flows.test_entra_id_flow import operator_signs_in

    from drflow.flows.entra_id import EntraIdTenantRestoreParams, entra_id_tenant_restore

    operator, _ = operator_signs_in(admin, now())
    params = EntraIdTenantRestoreParams(tenant=TENANT, keep_minutes=0, connection=connection)
    outcome = run_flow(entra_id_tenant_restore, params)
    operator.join(timeout=10)
    return outcome


def _flr(sim: Any, connection: VBRConnection, admin: httpx.Client) -> Any:
    from drflow.flows.flr import FileLevelRestoreParams, file_level_restore

    params = FileLevelRestoreParams(
        vm="web01",
        credentials_id=estate_uuid("credentials", "root"),
        keep_minutes=0,
        connection=connection,
    )
    return run_flow(file_level_restore, params)


def _entra_audit_log(sim: Any, connection: VBRConnection, admin: httpx.Client) -> Any:
    from drflow.flows.entra_id import EntraIdAuditLogRestoreParams, entra_id_audit_log_restore

    params = EntraIdAuditLogRestoreParams(tenant=TENANT, keep_minutes=0, connection=connection)
    return run_flow(entra_id_audit_log_restore, params)


Runner = Callable[[Any, VBRConnection, httpx.Client], Any]
FLOWS: dict[str, tuple[str, str, Runner]] = {
    "vsphere-ir": ("vsphere", "drop", _vsphere),
    "entire-vm-restore": ("vm-restore-vsphere", "drop", _entire_vm),
    "file-share-restore": ("file-share-restore", "500", _file_share_restore),
    "bucket-restore": ("bucket-restore", "drop", _bucket_restore),
    "entra-id-tenant-restore": ("entra-id-restore", "500", _entra_tenant),
    "flr-mount": ("flr", "500", _flr),
    "entra-id-audit-log-mount": ("entra-id-audit-log", "drop", _entra_audit_log),
}
"""Case -> (start operation faulted, how its answer is lost, how the flow is run)."""


@pytest.mark.parametrize("case", list(FLOWS))
def test_flow_adopts_a_start_committed_then_failed(
    sim, admin: httpx.Client, connection: VBRConnection, case: str
) -> None:
    kind, how, run = FLOWS[case]
    admin.put("/_sim/config", json={"speed": SPEED}).raise_for_status()
    measured = Scenario(f"commit-then-fail:{how}/{case}", admin, get_client(connection))
    set_faults(admin, [commit_then_fail(kind, how)])

    outcome = run(sim, connection, admin)
    report = outcome.report if isinstance(outcome, RecoveryFailed) else outcome
    assert isinstance(report, RecoveryReport), outcome
    measured.drilled(report)

    assert report.verdict == "passed", report.reason
    figures = measured.finish()
    assert figures.faults == {f"commit_then_fail:{how}": 1}
    assert stats(admin)["requests"][f"POST {START_ROUTES[kind]}"] == 1  # adopted, not resent
