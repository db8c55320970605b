"""Start once: a start whose answer is lost adopts what it started, and starts again only when
VBR shows nothing of it, also after as long again as the request was in flight."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.unit.support import TOKEN

from drflow.vbr import (
    AmbiguousAdoption,
    BadRequest,
    RetryPolicy,
    ServerError,
    VBRClient,
    VBRSettings,
    start_or_adopt,
)
from drflow.vbr.adoption import find_session, find_vm_mount
from drflow.vbr.models import (
    InstantViVMOriginalLocationRecoverySpec,
    SecureRestoreSpec,
    SessionType,
)

VI = "/api/v1/restore/instantRecovery/vSphere/vm"
SESSIONS = "/api/v1/sessions"
MOUNT_ID = "6a1b2c3d-0000-4000-8000-000000000001"
OTHER_ID = "6a1b2c3d-0000-4000-8000-000000000002"
POINT_ID = "6a1b2c3d-0000-4000-8000-000000000003"
MARK = "drflow-run:run-1"


def session(session_id: str = MOUNT_ID, **fields: Any) -> dict[str, Any]:
    return {
        "id": session_id,
        "name": "Quick Migration Job",  # what a real VBR calls them: never matched on
        "jobId": OTHER_ID,
        "sessionType": "InstantRecovery",
        "creationTime": datetime.now(UTC).isoformat(),
        "state": "Working",
        "usn": 1,
        "initiatedBy": "restore-operator",
        **fields,
    }


def mount(reason: str = MARK) -> dict[str, Any]:
    return {
        "id": MOUNT_ID,
        "sessionId": MOUNT_ID,
        "state": "Mounting",
        "vmName": "web01",
        "jobName": "Backup Job 1",
        "restorePointDate": "2026-01-01T00:00:00Z",
        "spec": {
            "type": "OriginalLocation",
            "restorePointId": POINT_ID,
            "secureRestore": {"antivirusScanEnabled": False},
            "reason": reason,
        },
    }


def page(*items: dict[str, Any]) -> dict[str, Any]:
    n = len(items)
    return {"data": list(items), "pagination": {"total": n, "count": n, "skip": 0, "limit": 200}}


class FakeVBR:
    """Answers from ``routes``: (method, path) -> a function of the request, called in turn."""

    def __init__(self, routes: dict[tuple[str, str], Callable[[httpx.Request], Any]]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []
        self.now = 0.0
        self.sleeps: list[float] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth2/token":
            return httpx.Response(200, json=TOKEN)
        self.requests.append(request)
        answer = self.routes[(request.method, request.url.path)](request)
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)

    def sent(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if (r.method, r.url.path) == (method, path))

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def client(self, **settings: Any) -> VBRClient:
        return VBRClient(
            VBRSettings(
                url="http://vbr.test", username="restore-operator", password="p", **settings
            ),
            transport=httpx.MockTransport(self.handler),
            retry=RetryPolicy(jitter=0.0, clock=self.clock, sleep=self.sleep),
        )


def start_vsphere(client: VBRClient) -> Any:
    spec = InstantViVMOriginalLocationRecoverySpec(
        restore_point_id=POINT_ID,
        secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
        reason=MARK,
    )
    return start_or_adopt(
        client,
        lambda: client.vsphere.start_instant_recovery(spec),
        lambda _since: find_vm_mount(client.vsphere, "web01", MARK),
        then=lambda started: client.vsphere.get_mount(started.id),
        what="instant recovery of web01",
    )


class Mounts:
    """VBR's mount list, which a start may fill."""

    def __init__(self) -> None:
        self.held: list[dict[str, Any]] = []

    def listed(self, _request: httpx.Request) -> dict[str, Any]:
        return page(*self.held)


def test_a_start_committed_then_failed_is_adopted_not_repeated() -> None:
    mounts = Mounts()

    def commit_then_500(_request: httpx.Request) -> httpx.Response:
        mounts.held.append(mount())
        return httpx.Response(500, json={"errorCode": "UnknownError", "message": "after commit"})

    fake = FakeVBR({("POST", VI): commit_then_500, ("GET", VI): mounts.listed})
    started = start_vsphere(fake.client())
    assert started.adopted
    assert str(started.value.id) == MOUNT_ID
    assert fake.sent("POST", VI) == 1
    assert fake.sleeps == []  # found at the first look


def test_a_dropped_start_that_started_nothing_is_sent_again_after_a_second_look() -> None:
    mounts = Mounts()
    posts = iter(
        [
            httpx.RemoteProtocolError("Server disconnected without sending a response"),
            session(),
        ]
    )

    def post(_request: httpx.Request) -> Any:
        answer = next(posts)
        if isinstance(answer, Exception):
            raise answer
        mounts.held.append(mount())
        return httpx.Response(201, json=answer)

    fake = FakeVBR(
        {
            ("POST", VI): post,
            ("GET", VI): mounts.listed,
            ("GET", f"{VI}/{MOUNT_ID}"): lambda _r: mount(),
        }
    )
    started = start_vsphere(fake.client())
    assert not started.adopted
    assert str(started.value.id) == MOUNT_ID
    assert fake.sent("POST", VI) == 2
    assert fake.sent("GET", VI) == 2  # looked twice before starting again
    assert fake.sleeps == [1.0]  # the second look a second later


def test_a_start_that_timed_out_is_looked_for_again_once_it_had_as_long_again() -> None:
    """VBR was slow: the start lands only after the client gave up on its answer."""
    mounts = Mounts()
    fake: FakeVBR

    def slow_post(_request: httpx.Request) -> Any:
        fake.now += 30  # the read timeout
        raise httpx.ReadTimeout("timed out")

    def listed(request: httpx.Request) -> dict[str, Any]:
        if fake.sleeps:  # by the second look, the slow start has landed
            mounts.held = [mount()]
        return mounts.listed(request)

    fake = FakeVBR({("POST", VI): slow_post, ("GET", VI): listed})
    started = start_vsphere(fake.client())
    assert started.adopted
    assert fake.sent("POST", VI) == 1
    assert fake.sleeps == [30.0]  # as long again as it was in flight


def test_a_refused_start_is_not_looked_for() -> None:
    fake = FakeVBR(
        {("POST", VI): lambda _r: httpx.Response(400, json={"errorCode": "UnexpectedContent"})}
    )
    with pytest.raises(BadRequest):
        start_vsphere(fake.client())
    assert [r.method for r in fake.requests] == ["POST"]


def test_when_the_budget_is_spent_the_lost_answer_is_the_error() -> None:
    fake = FakeVBR(
        {
            ("POST", VI): lambda _r: httpx.Response(503, json={"errorCode": "ServiceUnavailable"}),
            ("GET", VI): lambda _r: page(),
        }
    )
    with pytest.raises(ServerError):
        start_vsphere(fake.client(outage_tolerance=0))
    assert fake.sent("POST", VI) == 1
    assert fake.sent("GET", VI) == 2


def test_a_vbr_refusing_every_start_is_asked_less_and_less_often() -> None:
    fake = FakeVBR(
        {
            ("POST", VI): lambda _r: httpx.Response(503, json={"errorCode": "ServiceUnavailable"}),
            ("GET", VI): lambda _r: page(),
        }
    )
    with pytest.raises(ServerError):
        start_vsphere(fake.client(outage_tolerance=60))
    assert fake.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0, 10.0, 5.0]
    assert fake.sent("POST", VI) == len(fake.sleeps)


# --- sessions: by type, time window and the object they act on, never by name --------------


def sessions_client(*listed: dict[str, Any], logs: dict[str, list[str]] | None = None) -> Any:
    routes: dict[tuple[str, str], Callable[[httpx.Request], Any]] = {
        ("GET", SESSIONS): lambda _r: page(*listed)
    }
    for session_id, titles in (logs or {}).items():
        records = [{"id": i, "title": t} for i, t in enumerate(titles)]
        routes[("GET", f"{SESSIONS}/{session_id}/logs")] = lambda _r, rs=records: {
            "totalRecords": len(rs),
            "records": rs,
        }
    fake = FakeVBR(routes)
    return fake, fake.client()


SINCE = datetime.now(UTC) - timedelta(minutes=5)


def test_a_migration_is_found_by_the_mount_it_acts_on() -> None:
    ours = session(OTHER_ID, sessionType="QuickMigration", resourceId=MOUNT_ID)
    theirs = session(POINT_ID, sessionType="QuickMigration", resourceId=POINT_ID)
    fake, client = sessions_client(theirs, ours)
    found = find_session(client, [SessionType.QUICK_MIGRATION], SINCE, resource_id=MOUNT_ID)
    assert found is not None
    assert str(found.id) == OTHER_ID
    query = fake.requests[0].url.params
    assert query.get_list("typeFilter") == ["QuickMigration"]
    assert query["createdAfterFilter"] == SINCE.isoformat()
    assert "nameFilter" not in query


def test_a_session_from_before_the_window_or_of_another_user_is_not_it() -> None:
    old = session(
        OTHER_ID,
        sessionType="QuickMigration",
        resourceId=MOUNT_ID,
        creationTime=(SINCE - timedelta(seconds=1)).isoformat(),
    )
    someone_elses = session(
        POINT_ID, sessionType="QuickMigration", resourceId=MOUNT_ID, initiatedBy="LAB\\alice"
    )
    _, client = sessions_client(old, someone_elses)
    assert find_session(client, [SessionType.QUICK_MIGRATION], SINCE, resource_id=MOUNT_ID) is None


def test_a_restore_is_found_by_the_mark_its_log_carries() -> None:
    ours = session(OTHER_ID, sessionType="RestoreVm", initiatedBy="LAB\\Restore-Operator")
    theirs = session(POINT_ID, sessionType="RestoreVm")
    _, client = sessions_client(
        theirs,
        ours,
        logs={
            POINT_ID: ["Restore reason: drflow-run:run-2"],
            OTHER_ID: ["Starting restore", f"Restore reason: {MARK}"],
        },
    )
    found = find_session(client, [SessionType.RESTORE_VM], SINCE, mark=MARK)
    assert found is not None
    assert str(found.id) == OTHER_ID


def test_with_nothing_to_tie_it_the_only_candidate_is_it_and_two_are_refused() -> None:
    one = session(OTHER_ID, sessionType="EntraIdRestore")
    stopped = session(MOUNT_ID, sessionType="EntraIdRestore", state="Stopped")
    _, client = sessions_client(one, stopped)
    found = find_session(client, [SessionType.ENTRA_ID_RESTORE], SINCE, running=True)
    assert found is not None
    assert str(found.id) == OTHER_ID

    two = session(POINT_ID, sessionType="EntraIdRestore")
    _, client = sessions_client(one, two)
    with pytest.raises(AmbiguousAdoption) as info:
        find_session(client, [SessionType.ENTRA_ID_RESTORE], SINCE, running=True)
    assert info.value.candidates == [OTHER_ID, POINT_ID]
