"""Fault injection through the admin API, in-process and over real HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from drflow.simulator import FaultRule, SimulatedConnectionDrop, SimulatorConfig, SimulatorServer
from tests.simulator.sim_support import IR_PATH, VERSION, ir_spec


def _faults(api, *rules):
    response = api.client.put("/_sim/faults", json={"rules": list(rules)})
    assert response.status_code == 200, response.text
    return response.json()


def test_error_rate_one_answers_the_status(api):
    api.headers()  # log in before the faults
    _faults(api, {"path": "^/api/v1/backups", "status": 503, "retry_after": 7})
    response = api.get("/api/v1/backups")
    assert response.status_code == 503
    assert response.json()["errorCode"] == "ServiceUnavailable"
    assert response.headers["retry-after"] == "7"
    assert api.get("/api/v1/restorePoints").status_code == 200  # other paths untouched
    stats = api.client.get("/_sim/stats").json()
    assert stats["faults_injected"] == {"status:503": 1}


def test_rate_limit_carries_retry_after(api):
    api.headers()
    _faults(api, {"method": "GET", "path": "^/api/v1/sessions$", "status": 429, "retry_after": 3})
    response = api.get("/api/v1/sessions")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert api.post("/api/v1/sessions").status_code == 405  # method did not match the rule


def test_rules_may_be_a_bare_list_and_429_always_says_when_to_retry(api):
    api.headers()
    response = api.client.put("/_sim/faults", json=[{"path": "^/api/v1/backups", "status": 429}])
    assert response.status_code == 200
    limited = api.get("/api/v1/backups")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"


def test_gateway_errors_have_no_json_body(api):
    api.headers()
    _faults(api, {"path": "^/api/v1/serverInfo", "status": 502})
    response = api.get("/api/v1/serverInfo")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/plain")


def test_max_count_limits_how_often_a_rule_fires(api):
    api.headers()
    _faults(api, {"path": "^/api/v1/backups$", "status": 500, "max_count": 2})
    statuses = [api.get("/api/v1/backups").status_code for _ in range(4)]
    assert statuses == [500, 500, 200, 200]
    assert api.client.get("/_sim/faults").json()["rules"][0]["fired"] == 2


def test_error_rate_is_seeded_and_reproducible(make_api):
    def run(seed: int) -> list[int]:
        api = make_api(SimulatorConfig(seed=seed))
        api.headers()
        _faults(api, {"path": "^/api/v1/backups$", "status": 500, "error_rate": 0.5})
        return [api.get("/api/v1/backups").status_code for _ in range(40)]

    first, again, other = run(1), run(1), run(2)
    assert first == again
    assert first != other
    assert 8 <= first.count(500) <= 32


def test_admin_routes_are_never_faulted(api):
    _faults(api, {"path": ".*", "status": 500})
    assert api.client.get("/_sim/stats").status_code == 200
    assert api.client.delete("/_sim/faults").json() == {"rules": []}
    assert api.get("/api/v1/backups").status_code == 200


def test_invalid_rules_are_refused(api):
    response = api.client.put("/_sim/faults", json={"rules": [{"path": "(", "status": 500}]})
    assert response.status_code == 400
    response = api.client.put("/_sim/faults", json={"rules": [{"status": 418}]})
    assert response.status_code == 400


def test_commit_then_fail_performs_the_operation(api):
    api.headers("restore-operator")
    _faults(
        api, {"method": "POST", "path": f"^{IR_PATH}$", "commit_then_fail": "500", "max_count": 1}
    )
    response = api.post(IR_PATH, user="restore-operator", json=ir_spec("web01", reason="run-7"))
    assert response.status_code == 500
    assert response.json()["errorCode"] == "UnknownError"
    mounts = api.client.get("/_sim/mounts").json()["mounts"]
    assert [(m["vmName"], m["reason"]) for m in mounts] == [("web01", "run-7")]
    listed = api.get(IR_PATH, params={"vmNameFilter": "web01"}).json()["data"]
    assert listed[0]["spec"]["reason"] == "run-7"


def test_drop_without_a_transport_raises_in_process(api):
    api.headers()
    _faults(api, {"path": "^/api/v1/backups", "drop_connection": True})
    with pytest.raises(SimulatedConnectionDrop):
        api.get("/api/v1/backups")


# --- over real HTTP -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with SimulatorServer(SimulatorConfig()) as running:
        yield running


@pytest.fixture
def http(server):
    server.state.reset()
    with httpx.Client(base_url=server.url, headers=VERSION, timeout=10) as client:
        token = client.post(
            "/api/oauth2/token",
            data={
                "grant_type": "Password",
                "username": "restore-operator",
                "password": "simulator",
            },
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


@pytest.mark.integration
def test_drop_connection_is_a_transport_error(server, http):
    server.state.faults.replace(
        [FaultRule(path="^/api/v1/backups$", drop_connection=True, max_count=1)]
    )
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        http.get("/api/v1/backups")
    assert http.get("/api/v1/backups").status_code == 200  # the server lives on
    assert server.state.stats()["faults_injected"] == {"drop": 1}


@pytest.mark.integration
def test_commit_then_drop_leaves_the_mount(server, http):
    server.state.faults.replace(
        [FaultRule(method="POST", path=f"^{IR_PATH}$", commit_then_fail="drop", max_count=1)]
    )
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        http.post(IR_PATH, json=ir_spec("app01", 3, reason="run-9"))
    mounts = http.get(IR_PATH, params={"vmNameFilter": "app01"}).json()["data"]
    assert [m["spec"]["reason"] for m in mounts] == ["run-9"]


@pytest.mark.integration
def test_latency_delays_the_answer(server, http):
    http.get("/api/v1/backups")  # warm the connection
    server.state.faults.replace([FaultRule(path="^/api/v1/backups$", latency=0.3)])
    started = time.monotonic()
    assert http.get("/api/v1/backups").status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert http.get("/api/v1/restorePoints", params={"limit": 1}).status_code == 200
    assert time.monotonic() - started < 0.3
