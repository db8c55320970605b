"""Door 4: VBR answers that break the contract, served over real HTTP by :class:`BrokenVBR`
in front of the simulator, read by :class:`VBRClient`.

Each row: the route and the broken answer, the error class expected (``None``: tolerated, the
call must succeed) and the fragments its one message must contain (the route and the status,
and what was wrong). Nothing may be started on the simulator by any of them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.badinput.broken_vbr import HTML_PAGE, Answer, BrokenVBR

from drflow.vbr import (
    RetryPolicy,
    ServerError,
    Unauthorized,
    UnexpectedResponse,
    VBRClient,
    VBRSettings,
)

pytestmark = [pytest.mark.badinput, pytest.mark.integration]

POINTS = "/api/v1/restorePoints"
TOKEN = "/api/oauth2/token"
ATTEMPTS = 3


def _json(**patch: Any):
    """A rewrite that patches the first item (or the object) of the simulator's answer."""

    def rewrite(response: httpx.Response) -> Answer:
        body = response.json()
        target = body["data"][0] if "data" in body else body
        for key, value in patch.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
        return Answer(response.status_code, json.dumps(body))

    return rewrite


# (id, rules, error class or None, fragments of its message)
BROKEN: list[Any] = [
    pytest.param(
        [("GET", POINTS, Answer(200, '{"data": [{"id": '))],
        UnexpectedResponse,
        ["GET /api/v1/restorePoints -> 200", "not JSON"],
        id="malformed-json-200",
    ),
    pytest.param(
        [("GET", POINTS, Answer(200, HTML_PAGE.format(title="Sign in"), "text/html"))],
        UnexpectedResponse,
        ["GET /api/v1/restorePoints -> 200", "not JSON but an HTML page", "proxy"],
        id="html-page-200",
    ),
    pytest.param(
        [("GET", POINTS, Answer(502, HTML_PAGE.format(title="502 Bad Gateway"), "text/html"))],
        ServerError,
        ["GET /api/v1/restorePoints -> 502", "HTML page, not VBR's JSON", "proxy"],
        id="html-page-502",
    ),
    pytest.param(
        [("GET", POINTS, Answer(401, "", None))],
        Unauthorized,
        ["GET /api/v1/restorePoints -> 401", "refused the request again after a fresh login"],
        id="empty-401-on-a-request",
    ),
    pytest.param(
        [("POST", TOKEN, Answer(401, "", None))],
        Unauthorized,
        ["POST /api/oauth2/token -> 401", "VBR refused the login of user 'restore-operator'"],
        id="empty-401-on-login",
    ),
    pytest.param(
        [("POST", TOKEN, _json(access_token=None))],
        UnexpectedResponse,
        ["POST /api/oauth2/token -> 200", "access_token: Field required"],
        id="token-200-without-access-token",
    ),
    pytest.param(
        [("GET", POINTS, _json(id=None, creationTime=None))],
        UnexpectedResponse,
        ["GET /api/v1/restorePoints -> 200", "not what the contract says", "id: Field required"],
        id="list-200-without-required-fields",
    ),
    pytest.param(
        [("GET", POINTS, Answer(200, '{"pagination": {"total": 0, "count": 0}}'))],
        UnexpectedResponse,
        ["GET /api/v1/restorePoints -> 200", "data: Field required"],
        id="list-200-without-data",
    ),
]


@pytest.fixture(scope="module")
def sim() -> Iterator[object]:
    """One simulator for the module: nothing here may change its state (which is asserted)."""
    from drflow.simulator.config import SimulatorConfig
    from drflow.simulator.server import SimulatorServer

    with SimulatorServer(SimulatorConfig(speed=50)) as server:
        yield server


class PolicyClock:
    """A clock that moves only when the retry policy sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def client_of() -> Iterator[Any]:
    made: list[VBRClient] = []

    def make(url: str) -> VBRClient:
        # retries 1 s apart on a clock that moves only when the policy waits: ATTEMPTS tries
        # in an outage tolerance of ATTEMPTS - 1 seconds, taking no time at all
        clock = PolicyClock()
        client = VBRClient(
            VBRSettings(
                url=url,
                username="restore-operator",
                password="simulator",
                outage_tolerance=ATTEMPTS - 1,
            ),
            retry=RetryPolicy(
                initial_wait=1.0, max_wait=1.0, jitter=0.0, clock=clock, sleep=clock.sleep
            ),
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def _nothing_started(admin: httpx.Client, broken: BrokenVBR) -> None:
    assert broken.started(r"^/api/v1/restore/") == []
    assert admin.get("/_sim/mounts", params={"include_gone": True}).json()["mounts"] == []
    assert admin.get("/_sim/stats").json()["restore_sessions"]["peak"] == 0


@pytest.mark.parametrize(("rules", "error", "fragments"), BROKEN)
def test_broken_answer_is_one_clear_error(
    sim, admin, client_of, rules: list[Any], error: type[Exception], fragments: list[str]
) -> None:
    with BrokenVBR(sim.url, rules) as broken:
        client = client_of(broken.url)
        with pytest.raises(error) as info:
            client.restore_points.list_page(limit=5)
        message = str(info.value)
        for fragment in fragments:
            assert fragment in message, message
        assert "Traceback" not in message
        _nothing_started(admin, broken)
    if error is ServerError:  # transient: retried within the policy, then given up
        assert broken.seen.count(("GET", POINTS)) == ATTEMPTS
    else:  # a broken contract is not retried (a 401 is re-authenticated and resent once)
        assert broken.seen.count(("GET", POINTS)) <= 2


def test_unknown_enum_values_and_fields_are_tolerated(sim, admin, client_of) -> None:
    """A newer VBR (1.3-rev2: new session states, types, fields) must not break reading."""
    session_id = str(uuid.uuid4())
    session = {
        "id": session_id,
        "name": "web01 restore",
        "jobId": str(uuid.uuid4()),
        "sessionType": "QuantumRestore",
        "creationTime": "2026-01-01T00:00:00+00:00",
        "state": "ActionRequired",
        "result": {"result": "PartiallySucceeded", "message": "", "isCanceled": False},
        "usn": 7,
        "newCounter": 3,
    }
    rules = [
        ("GET", POINTS, _json(platformName="VMwareNext", futureField={"x": 1})),
        ("GET", f"/api/v1/sessions/{session_id}", Answer(200, json.dumps(session))),
    ]
    with BrokenVBR(sim.url, rules) as broken:
        client = client_of(broken.url)
        point = client.restore_points.list_page(limit=1).data[0]
        assert str(point.platform_name) == "VMwareNext"
        read = client.sessions.get(session_id)
        assert str(read.state) == "ActionRequired"
        assert str(read.session_type) == "QuantumRestore"
        assert str(read.result.result) == "PartiallySucceeded"
        assert not read.finished
        _nothing_started(admin, broken)
