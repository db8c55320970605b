"""The automations of ``drflow up --notify BLOCK`` on a real Prefect server: created once, and
a flow run that pauses for a decision sends a notification through the block (a custom webhook
to a receiver on 127.0.0.1) naming the run, its UI page and how to answer it."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.support import Child, PrefectAPI, api_of_this_process, poll, prefect_server

from drflow.deployments.notify import (
    AUTOMATION_NAME,
    DECISION_AUTOMATION_NAME,
    ensure_automations,
)

pytestmark = pytest.mark.e2e

PAUSED = {"type": {"any_": ["PAUSED"]}}
PAUSING_FLOW = """
from prefect import flow
from prefect.flow_runs import pause_flow_run

@flow(name="asks-the-operator", flow_run_name="asks-the-operator[web01]")
def asks() -> None:
    pause_flow_run(timeout=300)

asks()
"""


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A webhook receiver on 127.0.0.1: its URL and the JSON bodies it was sent."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_a_paused_run_is_notified_through_the_block(tmp_path: Path, receiver: Any) -> None:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    url, received = receiver
    with prefect_server(tmp_path) as (api, env), api_of_this_process(api):
        CustomWebhookNotificationBlock(
            name="ops", url=url, json_data={"subject": "{{subject}}", "body": "{{body}}"}
        ).save("ops-webhook")
        created = ensure_automations("custom-webhook/ops-webhook")
        again = ensure_automations("custom-webhook/ops-webhook")
        assert [a.id for a in again] == [a.id for a in created]
        prefect = PrefectAPI(api)
        try:
            names = [a["name"] for a in prefect.post("/automations/filter")]
            assert sorted(names) == sorted([AUTOMATION_NAME, DECISION_AUTOMATION_NAME])

            asking = Child([sys.executable, "-c", PAUSING_FLOW], env, tmp_path / "flow.log")
            try:
                run = poll(
                    lambda: next(iter(prefect.flow_runs(state=PAUSED)), None),
                    60,
                    "the flow run to pause",
                    alive=asking,
                )
                note = poll(
                    lambda: next((r for r in received if run["id"] in r["body"]), None),
                    60,
                    "the notification of the paused run",
                    interval=0.2,
                )
                assert note["subject"] == "A run waits for a decision: asks-the-operator[web01]"
                ui = api.removesuffix("/api")
                assert f"{ui}/runs/flow-run/{run['id']}" in note["body"]
                assert f"drflow resume {run['id']} CHOICE" in note["body"]
                assert "drflow resume --list" in note["body"]
                prefect.post(f"/flow_runs/{run['id']}/resume")
                asking.process.wait(timeout=60)
                assert asking.process.returncode == 0, asking.tail()
            finally:
                asking.stop()
        finally:
            prefect.close()
    # one notification, of the pause: the drill automation is not for this run
    assert [r["subject"] for r in received] == [note["subject"]]
