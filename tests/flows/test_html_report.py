"""The audit report of a drill: ``drflow drill --html`` and ``drflow report`` against the
simulator over real HTTP, in Prefect (the session's test server). What the report shows is
read back from the HTML: the embedded evidence and its SHA-256, the charts' ``data-*``
attributes against the drill's JSON, the plan's order, the simulator banner, the Prefect UI's
chart artifact."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.flows.support import artifact
from typer.testing import CliRunner

from drflow.cli import app
from drflow.drills.evidence import unfenced
from drflow.tasks import close_clients

pytestmark = pytest.mark.flow

HEALTH = {"kind": "http", "url": "${DRFLOW_VBR_URL}/_sim/guests/{vm}/health", "deadline": 5}
VOID = {"br", "meta", "link", "img", "input", "hr"}


class Elements(HTMLParser):
    """Every element of a document (HTML and inline SVG): its tag, attributes and text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.all: list[dict[str, Any]] = []
        self._open: list[dict[str, Any]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = {"tag": tag, **dict(attrs), "text": "", "children": []}
        if self._open:
            self._open[-1]["children"].append(element)
        self.all.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()["tag"] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element["text"] += data

    def find(self, tag: str | None = None, **attrs: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.all
            if (tag is None or e["tag"] == tag)
            and all(e.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str | None = None, **attrs: str) -> dict[str, Any]:
        [element] = self.find(tag, **attrs)
        return element


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "300"})


@pytest.fixture(scope="module")
def drilled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two drills of one plan against the same simulator (one for the module: a drill takes
    seconds): their JSON reports, and the HTML report ``drflow drill --html`` wrote after the
    second."""
    from drflow.simulator.config import SimulatorConfig
    from drflow.simulator.server import SimulatorServer

    tmp_path = tmp_path_factory.mktemp("audited")
    with (
        SimulatorServer(SimulatorConfig(speed=200)) as sim,
        pytest.MonkeyPatch.context() as monkeypatch,
    ):
        monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
        monkeypatch.setenv("DRFLOW_VBR_USERNAME", "administrator")
        monkeypatch.setenv("DRFLOW_VBR_PASSWORD", "simulator")
        monkeypatch.setenv("DRFLOW_VBR_POLL_INITIAL", "0.05")
        yield _drill_twice(tmp_path, sim)
        close_clients()


def _drill_twice(tmp_path: Path, sim: Any) -> dict[str, Any]:
    plan = {
        "name": "audited",
        "description": "Two groups; web02 after web01.",
        "vbr": {"url": "${DRFLOW_VBR_URL}"},
        "defaults": {"rpo_hours": 26, "rto_minutes": 30, "timeout_minutes": 2, "checks": [HEALTH]},
        "workload_runs": "task-runs",  # the report is the same either way; task runs cost less
        "groups": [
            {
                "name": "data",
                "workloads": [
                    {"name": "db01", "kind": "vsphere", "vm": "db01", "rto_minutes": 15},
                    {"name": "hv-sql01", "kind": "hyperv", "vm": "hv-sql01"},
                ],
            },
            {
                "name": "front",
                "workloads": [
                    {"name": "web01", "kind": "vsphere", "vm": "web01"},
                    {"name": "web02", "kind": "vsphere", "vm": "web02", "depends_on": ["web01"]},
                ],
            },
        ],
    }
    path = tmp_path / "audited.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    first = invoke("drill", str(path), "--simulator", "--report", str(tmp_path / "first.json"))
    assert first.exit_code == 0, first.output
    second = invoke(
        "drill",
        str(path),
        "--simulator",
        "--report",
        str(tmp_path / "second.json"),
        "--html",
        str(tmp_path / "second.html"),
    )
    assert second.exit_code == 0, second.output
    return {
        "plan": str(path),
        "first": (tmp_path / "first.json").read_bytes(),
        "second": (tmp_path / "second.json").read_bytes(),
        "html": (tmp_path / "second.html").read_text(),
        "sim": sim,
    }


def embedded(doc: Elements) -> bytes:
    """The evidence embedded in a report, checked against the SHA-256 it shows."""
    link = doc.one("a", id="evidence-json")
    data = base64.b64decode(link["href"].removeprefix("data:application/json;base64,"))
    shown = doc.one(id="sha256")["text"]
    assert hashlib.sha256(data).hexdigest() == shown == link["data-sha256"]
    return data


def test_the_report_embeds_the_evidence_it_renders_and_its_sha256(
    drilled: dict[str, Any], tmp_path: Path
) -> None:
    second = json.loads(drilled["second"])
    doc = Elements(drilled["html"])
    assert embedded(doc) == drilled["second"]  # the bytes of --report, exactly
    published = artifact("drill-audited-json", second["flow_run_id"])
    assert published is not None
    assert unfenced(published).encode() == drilled["second"]

    latest = tmp_path / "latest.html"
    result = invoke("report", drilled["plan"], "--html", str(latest))
    assert result.exit_code == 0, result.output
    assert embedded(Elements(latest.read_text())) == drilled["second"]

    first = json.loads(drilled["first"])
    older = tmp_path / "first.html"
    result = invoke("report", "audited", "--run", first["flow_run_id"], "--html", str(older))
    assert result.exit_code == 0, result.output
    older_doc = Elements(older.read_text())
    assert embedded(older_doc) == drilled["first"]
    [trend] = [e for e in older_doc.find("svg", data_chart="trend") if e["data-workload"] == "db01"]
    [point] = [c for c in trend["children"] if c["tag"] == "circle"]  # nothing after it
    assert point["data-run"] == first["flow_run_id"]


def test_the_report_names_the_simulator_and_shows_the_plan_and_its_order(
    drilled: dict[str, Any],
) -> None:
    doc = Elements(drilled["html"])
    banner = doc.one(id="simulator-banner")["text"]
    assert "SIMULATOR" in banner
    assert drilled["sim"].url in banner
    assert "not a real VBR server" in banner
    assert doc.one(id="verdict")["text"] == "PASSED"
    assert doc.one("td", id="vbr")["text"].startswith(
        f"the drflow VBR SIMULATOR at {drilled['sim'].url}"
    )
    order = [li["text"] for li in doc.one("ol", id="order")["children"]]
    assert order == ["db01, hv-sql01", "web01", "web02"]
    rows = {tr["data-workload"]: tr for tr in doc.find("tr") if tr.get("data-group")}
    assert {name: row["data-group"] for name, row in rows.items()} == {
        "db01": "data",
        "hv-sql01": "data",
        "web01": "front",
        "web02": "front",
    }
    assert "web01" in rows["web02"]["text"]  # depends on
    assert "the plan's" in rows["db01"]["text"]  # checks: the plan's defaults, shown once
    [defaults] = [p for p in doc.find("p") if p["text"].startswith("Checks of every workload")]
    assert "/_sim/guests/{vm}/health -> 200" in defaults["text"]


def test_the_charts_show_the_drills_data(drilled: dict[str, Any]) -> None:
    report = json.loads(drilled["second"])
    results = {r["name"]: r for r in report["results"]}
    started = datetime.fromisoformat(report["started_at"])
    doc = Elements(drilled["html"])

    bars = doc.find("rect", **{"class": "phase"})
    shown = {(b["data-workload"], b["data-phase"]): b for b in bars}
    expected = {
        (name, phase["name"]): phase
        for name, r in results.items()
        for phase in r["report"]["phases"]
    }
    assert set(shown) == set(expected)
    for key, phase in expected.items():
        begun, ended = (datetime.fromisoformat(phase[k]) for k in ("started", "ended"))
        assert float(shown[key]["data-seconds"]) == pytest.approx(
            (ended - begun).total_seconds(), abs=1e-3
        )
        assert float(shown[key]["data-start"]) == pytest.approx(
            (begun - started).total_seconds(), abs=1e-3
        )
        assert shown[key]["data-group"] == ("data" if key[0] in ("db01", "hv-sql01") else "front")
    assert {"select restore point", "recover", "verify", "unmount"} <= {p for _, p in shown}

    for measure in ("rto", "rpo"):
        chart = doc.one("svg", data_chart=measure)
        values = {g["data-workload"]: g for g in chart["children"] if g["tag"] == "g"}
        assert set(values) == set(results)
        for name, result in results.items():
            value, target = result[f"{measure}_seconds"], result[f"{measure}_target_seconds"]
            assert float(values[name]["data-seconds"]) == pytest.approx(value)
            assert float(values[name]["data-target-seconds"]) == target
            assert float(values[name]["data-percent"]) == pytest.approx(
                100 * value / target, abs=0.01
            )
            assert values[name]["data-met"] == "true"
    rto = {
        g["data-workload"]: g
        for g in doc.one("svg", data_chart="rto")["children"]
        if g["tag"] == "g"
    }
    assert float(rto["db01"]["data-target-seconds"]) == 15 * 60

    first = json.loads(drilled["first"])
    firsts = {r["name"]: r["rto_seconds"] for r in first["results"]}
    for trend in doc.find("svg", data_chart="trend"):
        points = [c for c in trend["children"] if c["tag"] == "circle"]
        name = trend["data-workload"]
        assert [p["data-run"] for p in points] == [first["flow_run_id"], report["flow_run_id"]]
        assert [float(p["data-seconds"]) for p in points] == pytest.approx(
            [firsts[name], results[name]["rto_seconds"]], abs=1e-3
        )
        assert [p["data-current"] for p in points] == ["false", "true"]


def test_the_report_shows_checks_cleanup_and_decisions(drilled: dict[str, Any]) -> None:
    report = json.loads(drilled["second"])
    doc = Elements(drilled["html"])
    for result in report["results"]:
        name, recovery = result["name"], result["report"]
        [checks] = [t for t in doc.find("table") if t.get("data-workload") == name]
        assert f"/_sim/guests/{name}/health -> 200" in checks["text"]
        assert "passed" in checks["text"]
        objects = [tr for tr in doc.find("tr") if tr.get("data-object")]
        mine = [tr for tr in objects if tr["data-workload"] == name]
        assert [tr["data-object"] for tr in mine] == [
            o["object"]["id"] for o in recovery["objects"]
        ]
        assert all(tr["data-disposition"] == "released" for tr in mine)
        for session in recovery["session_ids"]:
            assert session in mine[0]["text"]
    decisions = doc.one("section", id="decisions")["text"]
    assert decisions.count("(parameters)") == len(report["results"])


def test_the_report_is_self_contained(drilled: dict[str, Any]) -> None:
    html = drilled["html"]
    assert "<script" not in html
    assert "<link" not in html
    assert "@import" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert not re.search(r"url\(", html)


def test_the_prefect_ui_gets_the_same_charts(drilled: dict[str, Any]) -> None:
    report = json.loads(drilled["second"])
    markdown = artifact("drill-audited-charts", report["flow_run_id"])
    assert markdown is not None
    images = re.findall(r"!\[([^\]]+)\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", markdown)
    svgs = {alt: base64.b64decode(data).decode() for alt, data in images}
    assert {"timeline", "RTO", "RPO", "db01", "web02"} <= set(svgs)
    ui = Elements(svgs["timeline"]).find("rect", **{"class": "phase"})
    html = Elements(drilled["html"]).find("rect", **{"class": "phase"})
    assert [(b["data-workload"], b["data-phase"], b["data-seconds"]) for b in ui] == [
        (b["data-workload"], b["data-phase"], b["data-seconds"]) for b in html
    ]


def test_report_exits_1_without_evidence_and_2_on_a_wrong_run_id(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    missing = invoke("report", "never-drilled", "--html", str(out))
    assert missing.exit_code == 1, missing.output
    assert "no evidence of its latest drill of plan 'never-drilled'" in missing.stderr
    wrong = invoke("report", "never-drilled", "--run", "last-tuesday", "--html", str(out))
    assert wrong.exit_code == 2, wrong.output
    assert "is not a flow run id" in wrong.stderr
    assert not out.exists()
