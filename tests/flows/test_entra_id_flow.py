"""The Entra ID tenant and audit log restore flows against the simulator, over HTTP, in Prefect.

The operator's sign-in is simulated by a thread that reads the user code from the run's
sign-in artifact and confirms it through the simulator's admin route.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from tests.flows.support import (
    artifact,
    artifact_since,
    now,
    poll,
    run_flow,
    run_in_background,
    run_logs,
    wait_for_paused_run,
)

from drflow.flows.engine import RecoveryFailed, RecoveryReport
from drflow.flows.entra_id import (
    EntraIdAuditLogRestoreParams,
    EntraIdTenantRestoreParams,
    entra_id_audit_log_restore,
    entra_id_tenant_restore,
)

pytestmark = pytest.mark.flow

TENANT = "contoso.onmicrosoft.com"
SIGN_IN_KEY = "entra-sign-in-contoso-onmicrosoft-com"
CODE = re.compile(r"enter the code \*\*`([A-Z0-9]+)`\*\*")


def held(admin: httpx.Client, kind: str) -> list[dict]:
    """Tenant sessions (``EntraIdTenant``) or audit log mounts (``EntraIdAuditLog``), gone too."""
    found = admin.get("/_sim/mounts", params={"include_gone": True}).json()["mounts"]
    return [m for m in found if m["kind"] == kind]


def user_code(since: datetime, deadline: float = 30.0) -> str:
    """The user code the run published in its sign-in artifact (polled)."""

    def published() -> str | None:
        text = artifact_since(SIGN_IN_KEY, since)
        found = CODE.search(text or "")
        return found.group(1) if found else None

    return poll(published, "the user code in the sign-in artifact", deadline)


def operator_signs_in(
    admin: httpx.Client, since: datetime, username: str = "alice@contoso.onmicrosoft.com"
) -> tuple[threading.Thread, dict[str, Any]]:
    """A thread that, once the user code is shown, signs in with it (the admin route)."""
    holder: dict[str, Any] = {}

    def sign_in() -> None:
        code = user_code(since)
        holder["code"] = code
        holder["answer"] = admin.post(
            f"/_sim/entra/deviceCodes/{code}/confirm", json={"username": username}
        ).json()

    thread = threading.Thread(target=sign_in, daemon=True)
    thread.start()
    return thread, holder


def tenant(**kwargs: object) -> EntraIdTenantRestoreParams:
    return EntraIdTenantRestoreParams(tenant=TENANT, **kwargs)


def test_device_code_confirmed_reports_the_account_and_stops_the_session(
    sim, admin, connection, vbr
) -> None:
    since = now()
    operator, signed = operator_signs_in(admin, since)
    report = run_flow(entra_id_tenant_restore, tenant(keep_minutes=0, connection=connection))
    operator.join(timeout=10)
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed"
    assert signed["answer"]["status"] == "Success"
    assert report.details["signed in as"] == "alice@contoso.onmicrosoft.com"
    assert [p.name for p in report.phases] == [
        "select restore point",
        "mount",
        "sign in",
        "keep",
        "stop",
    ]
    assert report.cleaned_up is True
    [mount] = held(admin, "EntraIdTenant")
    assert mount["state"] == "Stopped"
    assert mount["source"] == "backup"
    session = vbr.sessions.get(report.session_ids[0])
    assert session.session_type == "EntraIdRestore"
    assert session.state == "Stopped"
    assert session.result.result == "Success"
    # what the operator saw: the code and the address, then who signed in
    assert "Signed in as **alice@contoso.onmicrosoft.com**" in artifact(
        SIGN_IN_KEY, report.flow_run_id
    )
    logs = poll(
        lambda: [m for m in run_logs(report.flow_run_id) if signed["code"] in m],
        "the user code in the run's logs",
        10,
    )
    assert any("https://microsoft.com/devicelogin" in m for m in logs)


def test_device_code_expired_fails_and_stops_the_session(sim, admin, connection) -> None:
    admin.put("/_sim/config", json={"speed": 900}).raise_for_status()  # 900 s pass in 1 s
    outcome = run_flow(entra_id_tenant_restore, tenant(keep_minutes=0, connection=connection))
    assert isinstance(outcome, RecoveryFailed), outcome
    report = outcome.report
    assert "sign-in failed" in report.reason
    assert "expired" in report.reason
    assert report.cleaned_up is True
    assert "signed in as" not in report.details
    [mount] = held(admin, "EntraIdTenant")
    assert mount["state"] == "Stopped"


def test_from_copy_restores_from_the_backup_copy(sim, admin, connection, vbr) -> None:
    since = now()
    operator, _ = operator_signs_in(admin, since)
    report = run_flow(
        entra_id_tenant_restore, tenant(from_copy=True, keep_minutes=0, connection=connection)
    )
    operator.join(timeout=10)
    assert isinstance(report, RecoveryReport), report
    assert "Entra ID tenant copy" in report.details["Entra ID tenant backup copy"]
    [mount] = held(admin, "EntraIdTenant")
    assert mount["source"] == "backupCopy"
    assert mount["restorePointId"] == report.restore_point_id
    assert mount["state"] == "Stopped"
    session = vbr.sessions.get(report.session_ids[0])
    assert session.session_type == "EntraIdRestoreFromCopy"


def test_unknown_tenant_fails_before_anything_starts(sim, admin, connection) -> None:
    outcome = run_flow(
        entra_id_tenant_restore,
        EntraIdTenantRestoreParams(tenant="fabrikam.onmicrosoft.com", connection=connection),
    )
    assert isinstance(outcome, RecoveryFailed)
    assert "holds tenant 'fabrikam.onmicrosoft.com'" in outcome.report.reason
    assert held(admin, "EntraIdTenant") == []


def test_audit_log_is_mounted_published_and_unmounted(sim, admin, connection) -> None:
    report = run_flow(
        entra_id_audit_log_restore,
        EntraIdAuditLogRestoreParams(tenant=TENANT, keep_minutes=0, connection=connection),
    )
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed"
    assert report.workload == f"{TENANT} audit log"
    assert report.cleaned_up is True
    [mount] = held(admin, "EntraIdAuditLog")
    assert mount["state"] == "Unmounted"
    assert mount["restorePointIds"] == [report.restore_point_id]
    published = artifact("entra-audit-log-contoso-onmicrosoft-com-audit-log", report.flow_run_id)
    assert report.session_ids[0] in published


def test_audit_log_is_kept_until_the_operator_says_done(sim, admin, connection) -> None:
    from typer.testing import CliRunner

    from drflow.cli import app

    params = EntraIdAuditLogRestoreParams(tenant=TENANT, keep_minutes=10, connection=connection)
    thread, holder = run_in_background(entra_id_audit_log_restore, params)
    run_id = wait_for_paused_run("entra-id-audit-log-restore", since=now())
    [mount] = held(admin, "EntraIdAuditLog")
    assert mount["state"] == "Mounted"  # handed to the operator while the run waits
    result = CliRunner().invoke(app, ["resume", run_id, "unmount", "--note", "exported"])
    assert result.exit_code == 0, result.output
    thread.join(timeout=30)
    report = holder["outcome"]
    assert isinstance(report, RecoveryReport), report
    assert report.decided_by not in (None, "(keep time elapsed)")
    assert report.details["operator note"] == "exported"
    [mount] = held(admin, "EntraIdAuditLog")
    assert mount["state"] == "Unmounted"


def test_audit_log_keep_time_elapses_then_unmounts(sim, admin, connection) -> None:
    report = run_flow(
        entra_id_audit_log_restore,
        EntraIdAuditLogRestoreParams(tenant=TENANT, keep_minutes=0.02, connection=connection),
    )
    assert isinstance(report, RecoveryReport), report
    assert report.decided_by == "(keep time elapsed)"
    [mount] = held(admin, "EntraIdAuditLog")
    assert mount["state"] == "Unmounted"


def test_parameters_are_validated() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        EntraIdTenantRestoreParams(tenant=TENANT, then="keep")
    assert info.value.errors()[0]["loc"] == ("then",)
    with pytest.raises(ValidationError) as info:
        EntraIdTenantRestoreParams(tenant=TENANT, sign_in_minutes=0)
    assert info.value.errors()[0]["loc"] == ("sign_in_minutes",)


# --- cancellation: the restore session cannot be listed by mark; the hooks stop it ---------


@pytest.mark.parametrize(
    "runner", [[(entra_id_tenant_restore, "entra-cancel-test")]], indirect=True
)
def test_cancelled_while_waiting_for_sign_in_stops_the_session(
    sim, admin, connection, runner
) -> None:
    from prefect import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.deployments import run_deployment
    from prefect.states import Cancelling

    since = now()
    run = run_deployment(
        "entra-id-tenant-restore/entra-cancel-test",
        parameters={
            "params": {
                "tenant": TENANT,
                "keep_minutes": 0,
                "connection": connection.model_dump(exclude_none=True),
            }
        },
        timeout=0,
    )
    user_code(since, deadline=60)  # the run holds the session and polls the sign-in
    [mount] = held(admin, "EntraIdTenant")
    assert mount["state"] != "Stopped"
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(UUID(str(run.id)), Cancelling(), force=True)
        poll(
            lambda: client.read_flow_run(run.id).state.type == StateType.CANCELLED,
            "the run to be cancelled",
            60,
        )
    poll(
        lambda: held(admin, "EntraIdTenant")[0]["state"] == "Stopped",
        "the restore session to be stopped by the hooks",
        60,
    )
