"""Tokens: issue, refresh (single use), expiry on the fake clock, logout."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from drflow.simulator import SimulatorConfig
from tests.simulator.sim_support import VERSION


def _token(api, **form):
    return api.client.post("/api/oauth2/token", data=form, headers=VERSION)


def _bearer(token: str) -> dict[str, str]:
    return VERSION | {"Authorization": f"Bearer {token}"}


def test_password_grant_issues_a_token_model(make_api, clock):
    api = make_api(SimulatorConfig(token_ttl=600))
    body = api.login("viewer")
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 600
    issued = datetime.fromisoformat(body[".issued"])
    expires = datetime.fromisoformat(body[".expires"])
    assert issued == clock.now()
    assert expires - issued == timedelta(seconds=600)
    assert body["access_token"] != body["refresh_token"]
    assert (
        api.client.get("/api/v1/sessions", headers=_bearer(body["access_token"])).status_code == 200
    )


@pytest.mark.parametrize("grant", ["Password", "password"])
def test_both_spellings_of_the_grant_type_are_accepted(api, grant):
    response = _token(api, grant_type=grant, username="administrator", password="simulator")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("user", "password"), [("administrator", "wrong"), ("nobody", "simulator")]
)
def test_bad_credentials_answer_401(api, user, password):
    response = _token(api, grant_type="Password", username=user, password=password)
    assert response.status_code == 401
    assert set(response.json()) >= {"errorCode", "message"}


def test_missing_form_field_is_named(api):
    response = _token(api, grant_type="Password", username="administrator")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "UnexpectedContent"
    assert "password" in response.json()["message"]


def test_json_body_is_refused(api):
    response = api.client.post(
        "/api/oauth2/token",
        json={"grant_type": "Password", "username": "administrator", "password": "simulator"},
        headers=VERSION,
    )
    assert response.status_code == 400


@pytest.mark.parametrize("grant", ["Refresh_token", "refresh_token"])
def test_refresh_tokens_are_single_use(api, grant):
    first = api.login()
    response = _token(api, grant_type=grant, refresh_token=first["refresh_token"])
    assert response.status_code == 200
    second = response.json()
    assert second["access_token"] != first["access_token"]
    assert (
        api.client.get("/api/v1/backups", headers=_bearer(second["access_token"])).status_code
        == 200
    )

    reused = _token(api, grant_type=grant, refresh_token=first["refresh_token"])
    assert reused.status_code == 401
    assert reused.json()["errorCode"] == "InvalidToken"
    # the new refresh token still works, once
    assert _token(api, grant_type=grant, refresh_token=second["refresh_token"]).status_code == 200


def test_unknown_refresh_token_is_invalid(api):
    response = _token(api, grant_type="Refresh_token", refresh_token="not-a-token")
    assert response.status_code == 401
    assert response.json()["errorCode"] == "InvalidToken"


def test_access_token_expires_on_the_clock(make_api, clock):
    api = make_api(SimulatorConfig(token_ttl=60))
    body = api.login()
    headers = _bearer(body["access_token"])
    clock.advance(59)
    assert api.client.get("/api/v1/sessions", headers=headers).status_code == 200
    clock.advance(1)
    response = api.client.get("/api/v1/sessions", headers=headers)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "ExpiredToken"
    # the refresh token outlives the access token
    assert (
        _token(api, grant_type="Refresh_token", refresh_token=body["refresh_token"]).status_code
        == 200
    )


def test_short_term_refresh_token_lives_ttl_plus_15_minutes(make_api, clock):
    api = make_api(SimulatorConfig(token_ttl=60))
    form = {"grant_type": "Password", "username": "administrator", "password": "simulator"}
    body = _token(api, **form, use_short_term_refresh="true").json()
    clock.advance(60 + 15 * 60)
    response = _token(api, grant_type="Refresh_token", refresh_token=body["refresh_token"])
    assert response.status_code == 401
    assert response.json()["errorCode"] == "ExpiredToken"


def test_token_ttl_can_change_at_run_time(api):
    assert api.client.put("/_sim/config", json={"token_ttl": 120}).json()["token_ttl"] == 120
    assert api.login()["expires_in"] == 120


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer nonsense", "Basic YWRtaW46c2ltdWxhdG9y"]
)
def test_missing_or_garbage_token_is_invalid(api, authorization):
    headers = dict(VERSION)
    if authorization is not None:
        headers["Authorization"] = authorization
    response = api.client.get("/api/v1/restorePoints", headers=headers)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "InvalidToken"


def test_logout_revokes_access_and_refresh_token(api):
    body = api.login()
    headers = _bearer(body["access_token"])
    response = api.client.post("/api/oauth2/logout", headers=headers)
    assert response.status_code == 200
    assert response.json() == {}
    after = api.client.get("/api/v1/sessions", headers=headers)
    assert after.status_code == 401
    assert after.json()["errorCode"] == "InvalidToken"
    refresh = _token(api, grant_type="Refresh_token", refresh_token=body["refresh_token"])
    assert refresh.status_code == 401


def test_stats_count_tokens_without_revealing_them(api):
    body = api.login()
    api.login("viewer")
    stats = api.client.get("/_sim/stats").json()
    assert stats["tokens"]["issued"] == 2
    assert body["access_token"] not in str(stats)


def test_admin_can_revoke_every_token(api):
    first, second = api.login(), api.login("viewer")
    assert api.client.post("/_sim/tokens/revoke").json() == {"revoked": 2}
    for body in (first, second):
        denied = api.client.get("/api/v1/sessions", headers=_bearer(body["access_token"]))
        assert denied.status_code == 401
        refresh = _token(api, grant_type="Refresh_token", refresh_token=body["refresh_token"])
        assert refresh.status_code == 401
    assert api.login()["access_token"]
