"""The janitor: remove what drflow runs started and no running flow run still owns."""

from uuid import UUID

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from pydantic import BaseModel

from drflow.tasks import VBRConnection, get_client
from drflow.vbr import VBRError
from drflow.vbr.marks import find_marked, remove

ACTIVE = {"RUNNING", "PENDING", "PAUSED", "SCHEDULED", "CANCELLING"}


class JanitorReport(BaseModel):
    """What the janitor found and what it did with it."""

    removed: list[str] = []
    kept: list[str] = []
    failed: list[str] = []


def owner_state(run_id: str | None) -> str | None:
    """The state type of the flow run that started an object (None: no such run)."""
    from prefect import get_client as prefect_client
    from prefect.exceptions import ObjectNotFound

    if not run_id:
        return None
    try:
        UUID(run_id)
    except ValueError:
        return None
    with prefect_client(sync_client=True) as client:
        try:
            run = client.read_flow_run(UUID(run_id))
        except ObjectNotFound:
            return None
    return run.state.type.value if run.state else None


@flow(name="janitor")
def janitor(connection: VBRConnection | None = None, dry_run: bool = False) -> JanitorReport:
    """Remove mounts that drflow runs started (found by their mark) whose run is not active.

    Args:
        connection: How to reach VBR; the environment when empty.
        dry_run: Only report what would be removed.
    """
    logger = get_run_logger()
    client = get_client(connection or VBRConnection())
    report = JanitorReport()
    for found in find_marked(client):
        state = owner_state(found.run_id())
        label = f"{found.kind} {found.name} (run {found.run_id()}, {state or 'unknown run'})"
        if state in ACTIVE:
            report.kept.append(label)
            continue
        if dry_run:
            report.removed.append(f"would remove {label}")
            continue
        try:
            remove(client, found)
        except VBRError as exc:
            logger.error("could not remove %s: %s", label, exc)
            report.failed.append(f"{label}: {exc}")
            continue
        logger.warning("removed orphan %s", label)
        report.removed.append(label)
    create_markdown_artifact(
        _markdown(report), key="janitor", description=f"{len(report.removed)} orphans removed"
    )
    return report


def _markdown(report: JanitorReport) -> str:
    lines = ["# Janitor", ""]
    for title, items in (
        ("Removed", report.removed),
        ("Kept (run active)", report.kept),
        ("Failed", report.failed),
    ):
        lines += [f"## {title}", *(f"- {item}" for item in items or ["none"]), ""]
    return "\n".join(lines)
