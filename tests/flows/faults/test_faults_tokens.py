"""Drills while access tokens expire quickly and a refresh token is refused once.

The issue asks for tokens that expire every 30 s. The simulator's ``token_ttl`` is in real
seconds (``speed`` does not shorten it), and a drill here lasts 5-30 s, so a 30 s token would
expire at most once in it. The lifetime is compressed instead: 2 s tokens, renewed ~1 s
before they expire (the client renews a tenth of the lifetime, at least 1 s, early), so the
client goes through a renewal every second of the drill: the same code paths as 30 s tokens,
many times per drill.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from tests.flows.faults.support import (
    Scenario,
    drill_client,
    example_plan,
    named,
    outcomes,
    run_drill,
    stats,
)

pytestmark = [pytest.mark.flow, pytest.mark.faults]

TOKEN_TTL = 2
"""Access-token lifetime in these drills, in real seconds (see the module docstring)."""
DRILL_SPEED = 20
"""The simulator's speed here: slow enough that the drill outlasts several token lifetimes
whichever way its workloads run (as task runs of the drill, Prefect's part of it is short)."""


def test_drill_with_expiring_tokens_and_a_refused_refresh(
    sim,
    admin: httpx.Client,
    connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    workload_runs: str,
) -> None:
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    admin.put(
        "/_sim/config", json={"speed": DRILL_SPEED, "token_ttl": TOKEN_TTL}
    ).raise_for_status()
    path = example_plan("tier1", tmp_path)
    client = drill_client(path)
    measured = Scenario(
        named(f"tokens-expire-{TOKEN_TTL}s-refresh-refused-once/tier1", workload_runs),
        admin,
        client,
    )
    admin.post("/_sim/tokens/refuse-refresh").raise_for_status()

    report, _ = run_drill(path, workload_runs)
    measured.drilled(report)

    assert report.verdict == "passed", report.model_dump_json(indent=2)
    assert set(outcomes(report).values()) == {"passed"}
    measured.finish(expect_faults=False)
    tokens = stats(admin)["tokens"]
    assert tokens["refused"] == 1  # the refused refresh happened during the drill
    # every token but the last was renewed: by a refresh, or by a login after the refusal
    assert tokens["issued"] == 1 + tokens["refreshed"] + client.auth.logins - 1
    assert client.auth.logins == 2  # the first login, and one after the refused refresh
    assert tokens["refreshed"] >= 2, tokens  # tokens expired again and again in the drill
    assert stats(admin)["statuses"].get("401", 0) == 1  # only the refused refresh
