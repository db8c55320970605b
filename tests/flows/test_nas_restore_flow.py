"""The file share and object storage restore flows against the simulator, over HTTP, in Prefect.

Neither has ``then`` or ``ask``: a restore is permanent (``then`` is always ``keep``).
"""

from __future__ import annotations

import uuid

import pytest
from tests.flows.support import artifact, run_flow

from drflow.flows.engine import RecoveryFailed, RecoveryReport
from drflow.flows.nas_restore import (
    FileShareRestoreParams,
    ObjectStorageRestoreParams,
    file_share_restore,
    object_storage_restore,
)
from drflow.simulator.estate import estate_uuid

pytestmark = pytest.mark.flow

FINANCE = "\\\\fs01\\finance"


def server(name: str) -> str:
    """The VBR id of an unstructured data server of the simulator's estate."""
    return str(estate_uuid("unstructuredServer", name))


def nas_restores(vbr: object) -> list[object]:
    return list(vbr.sessions.list(type_filter=["NasRestore"]))


def consented(kwargs: dict[str, object]) -> dict[str, object]:
    """The tests restore to the original location on purpose: they consent to it."""
    return {"allow_overwrite": kwargs.get("location", "original") == "original", **kwargs}


def share(**kwargs: object) -> RecoveryReport | RecoveryFailed:
    return run_flow(file_share_restore, FileShareRestoreParams(**consented(kwargs)))


def bucket(**kwargs: object) -> RecoveryReport | RecoveryFailed:
    return run_flow(object_storage_restore, ObjectStorageRestoreParams(**consented(kwargs)))


@pytest.mark.parametrize("model", [FileShareRestoreParams, ObjectStorageRestoreParams])
def test_original_location_needs_consent_and_nothing_starts_without_it(model, sim, vbr) -> None:
    name = {"share": FINANCE} if model is FileShareRestoreParams else {"bucket": "invoices"}
    with pytest.raises(ValueError, match="allow_overwrite: a restore to the original location"):
        model(**name)
    with pytest.raises(ValueError, match="allow_overwrite"):
        model(**name, location="original", allow_overwrite=False)
    assert model(**name, allow_overwrite=True).location == "original"
    assert nas_restores(vbr) == []  # refused before any VBR call


def test_share_to_original_location_overwriting(sim, connection, vbr) -> None:
    report = share(share=FINANCE, overwrite_mode="Overwrite", connection=connection)
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed"
    assert report.choice == "keep"
    assert report.reason == ""
    assert report.rto_seconds is not None
    assert report.details["to"] == "its original location"
    assert report.details["VBR result"].startswith("Success")
    assert "warning" not in report.details
    [session] = nas_restores(vbr)
    assert str(session.id) == report.session_ids[0]
    assert session.result.result == "Success"
    assert "fs01.lab.local" in session.result.message


def test_skip_to_original_location_passes_with_a_warning(sim, connection, vbr) -> None:
    report = share(share=FINANCE, connection=connection)  # overwrite_mode Skip by default
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed"
    assert report.details["warning"].startswith("Warning:")
    assert "skipped" in report.details["warning"]
    assert report.reason.startswith("restored, with a warning from VBR")
    evidence = artifact("recovery-fs01-finance", report.flow_run_id)
    assert "PASSED" in evidence
    assert "skipped" in evidence


def test_share_to_another_server(sim, connection, vbr) -> None:
    report = share(
        share=FINANCE,
        location="other",
        target={"server_id": server("fs-dr01.lab.local"), "path": "D:\\restore\\finance"},
        connection=connection,
    )
    assert isinstance(report, RecoveryReport), report
    assert "warning" not in report.details
    [session] = nas_restores(vbr)
    assert "fs-dr01.lab.local (D:\\restore\\finance)" in session.result.message


def test_bucket_to_original_and_to_another_bucket(sim, connection, vbr) -> None:
    first = bucket(bucket="invoices", overwrite_mode="ReplaceOlder", connection=connection)
    assert isinstance(first, RecoveryReport), first
    second = bucket(
        bucket="media-assets",
        location="other",
        target={
            "server_id": server("s3.lab.local"),
            "new_bucket_name": "media-assets-restored",
            "region": "us-east-1",
        },
        connection=connection,
    )
    assert isinstance(second, RecoveryReport), second
    messages = {s.result.message for s in nas_restores(vbr)}
    assert any("invoices has been restored to the original location" in m for m in messages)
    assert any("s3.lab.local (media-assets-restored)" in m for m in messages)


def test_unknown_server_fails_with_vbr_reason_and_starts_nothing(sim, connection, vbr) -> None:
    unknown = uuid.uuid4()
    outcome = share(
        share=FINANCE,
        location="other",
        target={"server_id": str(unknown), "path": "/restore"},
        connection=connection,
    )
    assert isinstance(outcome, RecoveryFailed), outcome
    reason = outcome.report.reason
    assert reason.startswith("VBR refused to start the restore of \\\\fs01\\finance (404")
    assert str(unknown) in reason
    assert outcome.report.session_ids == []
    assert nas_restores(vbr) == []


def test_a_bucket_is_not_restored_as_a_share(sim, connection, vbr) -> None:
    outcome = share(share="invoices", connection=connection)
    assert isinstance(outcome, RecoveryFailed), outcome
    assert "use object-storage-restore" in outcome.report.reason
    assert nas_restores(vbr) == []


def test_timeout_stops_the_restore(sim, admin, connection, vbr) -> None:
    admin.put("/_sim/config", json={"speed": 1}).raise_for_status()  # the restore takes 92 s
    outcome = share(
        share=FINANCE, overwrite_mode="Overwrite", timeout_minutes=0.01, connection=connection
    )
    assert isinstance(outcome, RecoveryFailed), outcome
    assert outcome.report.reason.startswith("timed out")
    assert outcome.report.cleaned_up is True
    [session] = nas_restores(vbr)
    assert session.state == "Stopped"
    assert session.result.is_canceled


def test_parameters_name_the_field() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        FileShareRestoreParams(share=FINANCE, location="other")
    assert "target" in str(info.value)
    with pytest.raises(ValidationError) as info:
        FileShareRestoreParams(share=FINANCE, then="ask")  # no then/ask: a restore is final
    assert info.value.errors()[0]["loc"] == ("then",)
    with pytest.raises(ValidationError) as info:
        ObjectStorageRestoreParams(
            bucket="invoices",
            location="other",
            rollback=True,
            target={"server_id": server("s3.lab.local"), "new_bucket_name": "x"},
        )
    assert "rollback" in str(info.value)
    with pytest.raises(ValidationError) as info:
        ObjectStorageRestoreParams(
            bucket="invoices", location="other", target={"new_bucket_name": "x"}
        )
    assert "server_id" in str(info.value)
