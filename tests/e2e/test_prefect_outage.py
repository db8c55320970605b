"""A Prefect server restarted in the middle of a drill (down for a minute, SQLite): the
recoveries go on in VBR, the runs started meanwhile wait for Prefect, every state catches up
once it is back, and nothing is left in VBR or started twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.e2e.support import drill_through_a_prefect_outage

pytestmark = pytest.mark.e2e

OUTAGE = 60.0
"""Seconds the Prefect server is down: a restart of its host, say."""


def assert_rode_it_out(seen: dict) -> None:
    """What every drill through a Prefect outage must show."""
    assert seen["exit"] == 0, seen["log"]
    assert seen["outage"] >= OUTAGE
    report = seen["report"]
    assert report["verdict"] == "passed", report
    assert {r["name"]: r["outcome"] for r in report["results"]} == dict.fromkeys(
        ("db01", "app01", "web01", "web02"), "passed"
    )
    assert seen["left"] == []  # nothing left in VBR
    duplicates = {
        k: w["duplicates"] for k, w in seen["stats"]["workloads"].items() if w["duplicates"]
    }
    assert duplicates == {}  # nothing started twice
    assert seen["stats"]["workloads"]["vsphere"]["starts"] == 4
    assert len(seen["runs"]) == 5  # the drill and its four workloads, all Completed
    assert len(seen["tasks"]) >= 4 * 4  # and their tasks, whose states were sent meanwhile


def test_drill_rides_out_a_prefect_server_restart_on_sqlite(tmp_path: Path) -> None:
    assert_rode_it_out(drill_through_a_prefect_outage(tmp_path, OUTAGE))
