"""Stops persist: through outages, for the cleanup budget, until what they stop is gone; what is
already being stopped, or gone, is done."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.unit.support import TOKEN

from drflow.vbr import BadRequest, RetryPolicy, VBRClient, VBRSettings, budget, stop
from drflow.vbr.mounts import HYPERV_VM
from drflow.vbr.stops import FLR_MOUNT

HV = "/api/v1/restore/instantRecovery/hyperV/vm"
MOUNT_ID = "7b1b2c3d-0000-4000-8000-000000000001"
SESSION_PATH = f"/api/v1/sessions/{MOUNT_ID}"
SESSION = {
    "id": MOUNT_ID,
    "name": "File Level Restore",
    "jobId": MOUNT_ID,
    "sessionType": "FileLevelRestore",
    "creationTime": "2026-01-01T00:00:00Z",
    "state": "Working",
    "usn": 1,
}


def hv_mount(state: str) -> dict[str, Any]:
    return {
        "id": MOUNT_ID,
        "sessionId": MOUNT_ID,
        "state": state,
        "vmName": "hv-web01",
        "jobName": "Hyper-V cluster",
        "restorePointDate": "2026-01-01T00:00:00Z",
        "spec": {
            "restorePointId": MOUNT_ID,
            "type": "OriginalLocation",
            "secureRestore": {"antivirusScanEnabled": False},
        },
    }


REFUSED = httpx.ConnectError("connection refused")
GONE = httpx.Response(404, json={"errorCode": "NotFound", "message": "gone"})


class FakeVBR:
    """Answers each (method, path) from its own list, the last answer repeated; the retry
    policy's clock moves only when it waits."""

    def __init__(self, answers: dict[tuple[str, str], list[Any]]) -> None:
        self.answers = {key: iter(values) for key, values in answers.items()}
        self.last: dict[tuple[str, str], Any] = {}
        self.sent: list[tuple[str, str]] = []
        self.now = 0.0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth2/token":
            return httpx.Response(200, json=TOKEN)
        key = (request.method, request.url.path)
        self.sent.append(key)
        answer = next(self.answers[key], self.last.get(key))
        self.last[key] = answer
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def client(self, **settings: Any) -> VBRClient:
        return VBRClient(
            VBRSettings(
                url="http://vbr.test",
                username="u",
                password="p",
                poll_initial=0.001,
                poll_max=0.002,
                **settings,
            ),
            transport=httpx.MockTransport(self.handler),
            retry=RetryPolicy(jitter=0.0, clock=lambda: self.now, sleep=self.sleep),
        )


def test_a_held_mount_is_unmounted_and_waited_for() -> None:
    fake = FakeVBR(
        {
            ("GET", f"{HV}/{MOUNT_ID}"): [
                hv_mount("Mounted"),
                hv_mount("Dismounting"),
                hv_mount("Dismounting"),
                GONE,
            ],
            ("POST", f"{HV}/{MOUNT_ID}/unmount"): [httpx.Response(201, json=SESSION)],
        }
    )
    stopped = stop(fake.client(), HYPERV_VM, MOUNT_ID)
    assert stopped.before == "held"
    assert str(stopped.answer.id) == MOUNT_ID
    assert fake.sent.count(("POST", f"{HV}/{MOUNT_ID}/unmount")) == 1
    assert fake.sent[-1] == ("GET", f"{HV}/{MOUNT_ID}")  # waited until it was gone


@pytest.mark.parametrize(("state", "before"), [("Dismounting", "going"), (None, "gone")])
def test_what_is_being_stopped_or_gone_is_not_stopped_again(state: str | None, before: str) -> None:
    first = hv_mount(state) if state else GONE
    fake = FakeVBR({("GET", f"{HV}/{MOUNT_ID}"): [first, GONE]})
    assert stop(fake.client(), HYPERV_VM, MOUNT_ID).before == before
    assert all(method == "GET" for method, _ in fake.sent)


def test_a_stop_keeps_trying_through_an_outage_beyond_the_outage_tolerance() -> None:
    """VBR is gone for 15 minutes of the policy's clock: longer than the outage tolerance of
    10, within the cleanup budget of 30."""
    fake = FakeVBR(
        {
            ("GET", f"{HV}/{MOUNT_ID}"): [hv_mount("Mounted"), *[REFUSED] * 90, GONE],
            ("POST", f"{HV}/{MOUNT_ID}/unmount"): [httpx.Response(201, json=SESSION)],
        }
    )
    client = fake.client(outage_tolerance="10m", cleanup_budget="30m")
    with budget(0):  # the workload's time is spent: a clean-up still gets its own
        stopped = stop(client, HYPERV_VM, MOUNT_ID)
    assert stopped.before == "held"
    assert fake.now > 600
    assert len(client.outages.records()) == 1


def test_a_resent_stop_that_finds_the_mount_stopping_is_done() -> None:
    """The first unmount reached VBR but its answer was lost: the client sends it again (a
    stop is idempotent), and VBR refuses it as the mount is being unmounted already."""
    fake = FakeVBR(
        {
            ("GET", f"{HV}/{MOUNT_ID}"): [
                hv_mount("Mounted"),
                hv_mount("Dismounting"),
                GONE,
            ],
            ("POST", f"{HV}/{MOUNT_ID}/unmount"): [
                httpx.ReadTimeout("timed out"),
                httpx.Response(400, json={"errorCode": "UnexpectedContent", "message": "busy"}),
            ],
        }
    )
    stopped = stop(fake.client(), HYPERV_VM, MOUNT_ID)
    assert (stopped.before, stopped.answer) == ("held", None)
    assert fake.sent.count(("POST", f"{HV}/{MOUNT_ID}/unmount")) == 2


def test_a_stop_refused_for_what_is_still_held_is_an_error() -> None:
    fake = FakeVBR(
        {
            ("GET", f"{HV}/{MOUNT_ID}"): [hv_mount("Mounted")],
            ("POST", f"{HV}/{MOUNT_ID}/unmount"): [
                httpx.Response(400, json={"errorCode": "UnexpectedContent", "message": "migrating"})
            ],
        }
    )
    with pytest.raises(BadRequest, match="migrating"):
        stop(fake.client(), HYPERV_VM, MOUNT_ID)


def test_a_budget_that_runs_out_ends_the_stop_with_the_outage() -> None:
    fake = FakeVBR({("GET", f"{HV}/{MOUNT_ID}"): [REFUSED]})
    with pytest.raises(Exception, match="cannot connect"):
        stop(fake.client(), HYPERV_VM, MOUNT_ID, within=60)
    assert 60 <= fake.now < 61


def test_what_a_session_holds_is_ended_by_its_own_operation() -> None:
    fake = FakeVBR(
        {
            ("GET", SESSION_PATH): [SESSION],
            ("POST", f"/api/v1/restore/flr/{MOUNT_ID}/unmount"): [
                httpx.Response(201, json={**SESSION, "state": "Stopping"})
            ],
        }
    )
    stopped = stop(fake.client(), FLR_MOUNT, MOUNT_ID, wait=False)
    assert (stopped.before, str(stopped.answer.state)) == ("held", "Stopping")

    ended = FakeVBR({("GET", SESSION_PATH): [{**SESSION, "state": "Stopped"}]})
    assert stop(ended.client(), FLR_MOUNT, MOUNT_ID).before == "gone"
    assert ended.sent == [("GET", SESSION_PATH)]
