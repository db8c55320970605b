"""Recovery plans: a corpus of broken plans (exact path, line and message of every problem),
the order and parameters of a valid plan, and ``drflow plan validate|show``."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from typer.testing import CliRunner

from drflow.cli import app
from drflow.plans import PlanError, Problem, load_plan, parse_plan, waves, workload_params
from drflow.plans.graph import dependencies, find_cycle

ROOT = Path(__file__).resolve().parents[2]
TIER1 = ROOT / "plans" / "tier1.yaml"

UNKNOWN = "unknown key {!r}: check its spelling against the documentation"
MISSING = "required, but missing"
ONE_SOURCE = "name exactly one source: secret_block: <block name>, or environment: true"


def problems_of(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(PlanError) as caught:
        parse_plan(dedent(text), "broken.yaml")
    assert caught.value.source == "broken.yaml"
    return [(p.path, p.line, p.message) for p in caught.value.problems]


# Each case: the plan (line 1 is its first line) and every problem it must be reported with.
BROKEN: list[object] = [
    pytest.param(
        """\
        name: broken
        groups:
          - name: data
            workloads: web01: vsphere
        """,
        [("(YAML)", 4, "not valid YAML: mapping values are not allowed here")],
        id="malformed-yaml",
    ),
    pytest.param(
        """\
        - name: broken
        - groups: []
        """,
        [("(top)", None, "a plan is a mapping with name, groups, ...")],
        id="not-a-mapping",
    ),
    pytest.param(
        """\
        name: broken
        max_parallel: many
        deadline_minutes: [60]
        groups:
          - name: data
            max_parallel: 0
            workloads:
              - name: web01
                kind: vsphere
                vm: web01
                rto_minutes: fast
                isolated: maybe
        """,
        [
            (
                "max_parallel",
                2,
                "Input should be a valid integer, unable to parse string as an integer",
            ),
            ("deadline_minutes", 3, "Input should be a valid number"),
            ("groups[0].max_parallel", 6, "Input should be greater than or equal to 1"),
            (
                "groups[0].workloads[0].rto_minutes",
                11,
                "Input should be a valid number, unable to parse string as a number",
            ),
            (
                "groups[0].workloads[0].isolated",
                12,
                "Input should be a valid boolean, unable to interpret input",
            ),
        ],
        id="wrong-types",
    ),
    pytest.param(
        """\
        name: broken
        groups: web01
        """,
        [("groups", 2, "Input should be a valid list")],
        id="groups-not-a-list",
    ),
    pytest.param(
        """\
        name: broken
        colour: blue
        groups:
          - name: data
            maxparallel: 2
            workloads:
              - name: web01
                kind: vsphere
                vm: web01
                isolatd: true
                checks:
                  - kind: http
                    url: http://web01/health
                    timeout: 3
        """,
        [
            ("colour", 2, UNKNOWN.format("colour")),
            ("groups[0].maxparallel", 5, UNKNOWN.format("maxparallel")),
            ("groups[0].workloads[0].isolatd", 10, UNKNOWN.format("isolatd")),
            ("groups[0].workloads[0].checks[0].timeout", 14, UNKNOWN.format("timeout")),
        ],
        id="unknown-keys",
    ),
    pytest.param(
        """\
        name: broken
        defaults:
          rto_minutes: 30
          checks:
            - kind: tcp
              host: "{vm}"
              prot: 443
        groups:
          - name: data
            workloads:
              - {name: web01, kind: vsphere, vm: web01}
        """,
        [
            ("defaults.checks[0].port", 5, MISSING),
            ("defaults.checks[0].prot", 7, UNKNOWN.format("prot")),
        ],
        id="unknown-key-in-a-default-check",
    ),
    pytest.param(
        """\
        description: no name, no groups
        """,
        [("name", 1, MISSING), ("groups", 1, MISSING)],
        id="missing-name-and-groups",
    ),
    pytest.param(
        """\
        name: broken
        groups: []
        """,
        [("groups", 2, "List should have at least 1 item after validation, not 0")],
        id="no-groups",
    ),
    pytest.param(
        """\
        name: broken
        groups:
          - name: data
            workloads:
              - name: web01
                kind: vsphere
              - kind: vsphere
                vm: web02
        """,
        [
            ("groups[0].workloads[0].vm", 5, MISSING),
            ("groups[0].workloads[1].name", 7, MISSING),
        ],
        id="missing-vm-and-workload-name",
    ),
    pytest.param(
        """\
        name: broken
        groups:
          - name: data
            workloads:
              - name: web01
                kind: vmware
                vm: web01
        """,
        [
            (
                "groups[0].workloads[0].kind",
                6,
                "Input should be 'vsphere', 'hyperv', 'azure', 'file-share' or 'fcd', got 'vmware'",
            )
        ],
        id="bad-kind",
    ),
    pytest.param(
        """\
        name: broken
        groups:
          - name: data
            workloads:
              - {name: app01, kind: vsphere, vm: app01, depends_on: [mq01]}
              - {name: mq01, kind: vsphere, vm: mq01, depends_on: [db01]}
              - {name: db01, kind: vsphere, vm: db01, depends_on: [app01]}
        """,
        [
            (
                "groups[0].workloads[0].depends_on",
                5,
                "dependency cycle: app01 -> mq01 -> db01 -> app01: remove one of these depends_on",
            )
        ],
        id="cycle-in-a-group",
    ),
    pytest.param(
        """\
        name: broken
        groups:
          - name: data
            workloads:
              - {name: db01, kind: vsphere, vm: db01, depends_on: [web01]}
          - name: front
            workloads:
              - {name: web01, kind: vsphere, vm: web01}
        """,
        [
            (
                "groups[0].workloads[0].depends_on",
                5,
                "dependency cycle: db01 -> web01 -> db01 "
                "(groups run in order: a workload cannot depend on one of a later group)",
            )
        ],
        id="cycle-across-groups",
    ),
    pytest.param(
        """\
        name: broken
        groups:
          - name: data
            workloads:
              - name: web01
                kind: vsphere
                vm: web01
                depends_on:
                  - db01
                  - web01
        """,
        [
            (
                "groups[0].workloads[0].depends_on[0]",
                9,
                "no workload is called 'db01' (known: web01)",
            ),
            ("groups[0].workloads[0].depends_on[1]", 10, "a workload cannot depend on itself"),
        ],
        id="unknown-and-self-dependency",
    ),
    pytest.param(
        """\
        name: broken
        groups:
          - name: data
            workloads:
              - {name: web01, kind: vsphere, vm: web01}
          - name: front
            workloads:
              - {name: web01, kind: vsphere, vm: web02}
        """,
        [
            (
                "groups[1].workloads[0].name",
                8,
                "'web01' is already the name of groups[0].workloads[0]: "
                "workload names must be unique",
            )
        ],
        id="duplicate-names",
    ),
    pytest.param(
        """\
        name: broken
        sample: 3
        groups:
          - name: data
            workloads:
              - {name: web01, kind: vsphere, vm: web01}
              - {name: web02, kind: vsphere, vm: web02}
        """,
        [("sample", 2, "sample is 3 but the plan has 2 workloads")],
        id="sample-larger-than-the-plan",
    ),
    pytest.param(
        """\
        name: broken
        groups:
          - name: data
            workloads:
              - name: web01
                kind: vsphere
                vm: web01
                restore_point:
                  restore_point_id: latest
        """,
        [
            (
                "groups[0].workloads[0].restore_point.restore_point_id",
                9,
                "Input should be a valid UUID, invalid character: found `l` at 0",
            )
        ],
        id="restore-point-id-not-a-uuid",
    ),
    pytest.param(
        """\
        name: broken
        vbr:
          url: https://vbr01.lab.local:9419
          username: administrator
          password: hunter2
        groups:
          - name: data
            workloads:
              - {name: web01, kind: vsphere, vm: web01}
        """,
        [
            (
                "vbr",
                2,
                "username does not belong in a plan file: keep credentials in a Prefect Secret "
                "block (credentials.secret_block) or the environment "
                "(credentials.environment: true)",
            )
        ],
        id="credentials-in-the-file",
    ),
    pytest.param(
        """\
        name: broken
        vbr:
          credentials:
            secret_block: vbr-credentials
            environment: true
        groups:
          - name: data
            workloads:
              - {name: web01, kind: vsphere, vm: web01}
        """,
        [("vbr.credentials", 3, ONE_SOURCE)],
        id="credentials-both-sources",
    ),
    pytest.param(
        """\
        name: broken
        vbr:
          credentials: {}
        groups:
          - name: data
            workloads:
              - {name: web01, kind: vsphere, vm: web01}
        """,
        [("vbr.credentials", 3, ONE_SOURCE)],
        id="credentials-no-source",
    ),
    pytest.param(
        """\
        name: broken
        vbr:
          url: ${DRFLOW_TEST_UNSET_URL}
        groups:
          - name: data
            workloads:
              - {name: web01, kind: vsphere, vm: web01}
        """,
        [
            (
                "(environment)",
                3,
                "${DRFLOW_TEST_UNSET_URL} is used but DRFLOW_TEST_UNSET_URL is not set",
            )
        ],
        id="unset-variable",
    ),
    pytest.param(
        """\
        name: broken
        groups:
          - name: data
            workloads:
              - name: web01
                kind: vsphere
                vm: web01
                then: migrate
        """,
        [
            (
                "groups[0].workloads[0]",
                5,
                "then=migrate needs migration (vcenter, host): where to move the VM",
            )
        ],
        id="migrate-without-target",
    ),
]


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRFLOW_TEST_UNSET_URL", raising=False)
    monkeypatch.delenv("DRFLOW_TEST_UNSET_COUNT", raising=False)


@pytest.mark.parametrize(("text", "expected"), BROKEN)
def test_broken_plan_reports_exact_path_line_and_message(
    text: str, expected: list[tuple[str, int | None, str]]
) -> None:
    assert problems_of(text) == expected


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    found = problems_of(
        """\
        name: Broken Plan
        max_parallel: 0
        colour: blue
        vbr:
          url: ${DRFLOW_TEST_UNSET_URL}
          password: hunter2
        sample: 9
        groups:
          - name: data
            workloads:
              - name: db01
                kind: vsphere
                vm: db01
                depends_on: [ghost]
              - name: db01
                kind: hyperv
                vm: hv-sql01
                isolated: true
              - name: web01
                kind: vmware
                vm: web01
        """
    )
    assert found == [  # in the order of the file
        ("name", 1, "String should match pattern '^[a-z0-9][a-z0-9-]*$'"),
        ("max_parallel", 2, "Input should be greater than or equal to 1"),
        ("colour", 3, UNKNOWN.format("colour")),
        (
            "vbr",
            4,
            "password does not belong in a plan file: keep credentials in a Prefect Secret "
            "block (credentials.secret_block) or the environment (credentials.environment: true)",
        ),
        (
            "(environment)",
            5,
            "${DRFLOW_TEST_UNSET_URL} is used but DRFLOW_TEST_UNSET_URL is not set",
        ),
        ("sample", 7, "sample is 9 but the plan has 2 workloads"),
        (
            "groups[0].workloads[0].depends_on[0]",
            14,
            "no workload is called 'ghost' (known: db01, web01)",
        ),
        (
            "groups[0].workloads[1].name",
            15,
            "'db01' is already the name of groups[0].workloads[0]: workload names must be unique",
        ),
        ("groups[0].workloads[1].isolated", 18, UNKNOWN.format("isolated")),
        (
            "groups[0].workloads[2].kind",
            20,
            "Input should be 'vsphere', 'hyperv', 'azure', 'file-share' or 'fcd', got 'vmware'",
        ),
    ]


def test_problem_text_names_the_place_and_the_line() -> None:
    problem = Problem("groups[0].workloads[1].vm", MISSING, 7)
    assert str(problem) == "groups[0].workloads[1].vm (line 7): required, but missing"
    assert str(Problem("(top)", "x")) == "(top): x"
    with pytest.raises(PlanError) as caught:
        parse_plan("name: broken\n", "p.yaml")
    assert str(caught.value) == "p.yaml: 1 problem(s)\n  groups (line 1): required, but missing"


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(tmp_path / "nope.yaml")
    [problem] = caught.value.problems
    assert problem.path == "(file)"
    assert problem.message.startswith("cannot read it: No such file")


# --- environment ------------------------------------------------------------------------------


def test_variables_and_defaults_are_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRFLOW_TEST_URL", "https://vbr01.lab.local:9419")
    plan = parse_plan(
        dedent(
            """\
            name: env
            # ${DRFLOW_TEST_UNSET_COUNT} in a comment is not a problem
            vbr:
              url: ${DRFLOW_TEST_URL}
            max_parallel: ${DRFLOW_TEST_UNSET_COUNT:-2}
            groups:
              - name: data
                workloads:
                  - {name: web01, kind: vsphere, vm: web01}
            """
        )
    )
    assert plan.vbr.url == "https://vbr01.lab.local:9419"
    assert plan.max_parallel == 2


# --- a valid plan -----------------------------------------------------------------------------


@pytest.fixture
def tier1(monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.delenv("DRFLOW_VBR_URL", raising=False)
    return load_plan(TIER1)


def test_tier1_order(tier1) -> None:
    assert waves(tier1) == [["db01", "hv-sql01"], ["app01", "mq01"], ["web01"], ["web02"]]
    assert waves(tier1, only={"web02", "db01"}) == [["db01"], ["web02"]]
    edges = dependencies(tier1)
    assert edges["db01"] == set()
    assert edges["web02"] == {"db01", "hv-sql01", "app01", "mq01", "web01"}
    assert find_cycle(edges) is None
    assert find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]


def test_drill_params_are_isolated_and_unmounted(tier1) -> None:
    params = workload_params(tier1, "db01", "drill")
    assert params["vm"] == "db01"
    assert params["then"] == "unmount"
    assert params["isolated"] is True
    assert params["timeout_minutes"] == 20  # plan default
    assert params["checks"] == [
        {
            "kind": "http",
            "url": "http://127.0.0.1:9419/_sim/guests/{vm}/health",  # ${DRFLOW_VBR_URL:-...}
            "deadline": 60.0,
            "interval": 2.0,
            "expect_status": 200,
            "body_contains": None,
            "verify_tls": True,
        }
    ]
    assert "rto_minutes" not in params
    assert "depends_on" not in params
    hyperv = workload_params(tier1, "hv-sql01", "drill")
    assert hyperv["then"] == "unmount"
    assert "isolated" not in hyperv  # Hyper-V instant recovery has no such option


def test_recover_params_keep_on_production_networks(tier1) -> None:
    params = workload_params(tier1, "web01", "recover")
    assert params["then"] == "keep"  # a failover keeps what it recovers
    assert params["isolated"] is False
    assert workload_params(tier1, "hv-sql01", "recover")["then"] == "keep"


def test_recover_params_migrate_where_the_plan_says_so() -> None:
    plan = parse_plan(
        dedent(
            """\
            name: moving
            groups:
              - name: all
                workloads:
                  - name: web01
                    kind: vsphere
                    vm: web01
                    then: migrate
                    migration: {vcenter: vc01, host: esx01}
                  - {name: app01, kind: vsphere, vm: app01, then: ask}
            """
        )
    )
    assert workload_params(plan, "web01", "recover")["then"] == "migrate"
    assert workload_params(plan, "app01", "recover")["then"] == "keep"
    assert workload_params(plan, "web01", "drill")["then"] == "unmount"


def test_the_workload_own_values_win_over_defaults() -> None:
    plan = parse_plan(
        dedent(
            """\
            name: own
            vbr:
              url: https://vbr01.lab.local:9419
              credentials: {secret_block: vbr-credentials}
            defaults:
              timeout_minutes: 20
              checks: [{kind: tcp, host: "{vm}", port: 22}]
            groups:
              - name: data
                workloads:
                  - name: web01
                    kind: vsphere
                    vm: web01
                    timeout_minutes: 5
                    checks: [{kind: tcp, host: "{vm}", port: 443}]
                  - name: web02
                    kind: vsphere
                    vm: web02
                    isolated: false
                    then: keep
                    connection: {fingerprint: "AB:CD"}
            """
        )
    )
    own = workload_params(plan, "web01", "drill")
    assert own["timeout_minutes"] == 5
    assert own["checks"] == [{"kind": "tcp", "host": "{vm}", "port": 443}]
    assert own["connection"] == {
        "url": "https://vbr01.lab.local:9419",
        "credentials_block": "vbr-credentials",
    }
    other = workload_params(plan, "web02", "drill")
    assert other["then"] == "unmount"  # a drill always unmounts
    assert other["isolated"] is False  # but an explicit choice of network is kept
    assert other["timeout_minutes"] == 20
    assert [c["port"] for c in other["checks"]] == [22]
    assert other["connection"]["fingerprint"] == "AB:CD"
    assert other["connection"]["url"] == "https://vbr01.lab.local:9419"
    assert workload_params(plan, "web02", "recover")["then"] == "keep"


# --- the command line -------------------------------------------------------------------------


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_cli_validate_accepts_the_example_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRFLOW_VBR_URL", raising=False)
    result = invoke("plan", "validate", str(TIER1))
    assert result.exit_code == 0, result.output
    assert "plan 'tier1' is valid: 6 workloads in 3 groups" in result.stdout


def test_cli_validate_lists_every_problem_without_traceback(tmp_path: Path) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text(
        dedent(
            """\
            name: broken
            colour: blue
            groups:
              - name: data
                workloads:
                  - name: web01
                    kind: vsphere
                    depends_on: [ghost]
                  - name: very-long-workload-name-that-would-wrap-on-a-narrow-terminal
                    kind: vsphere
                    vm: web02
                    then: migrate
            """
        )
    )
    result = invoke("plan", "validate", str(file))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines == [
        f"{file}: 4 problem(s)",
        f"  colour (line 2): {UNKNOWN.format('colour')}",
        "  groups[0].workloads[0].vm (line 6): required, but missing",
        "  groups[0].workloads[0].depends_on[0] (line 8): no workload is called 'ghost' "
        "(known: very-long-workload-name-that-would-wrap-on-a-narrow-terminal, web01)",
        "  groups[0].workloads[1] (line 9): then=migrate needs migration (vcenter, host): "
        "where to move the VM",
    ]
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_show_prints_the_tree_and_start_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRFLOW_VBR_URL", raising=False)
    result = invoke("plan", "show", str(TIER1))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "tier1: Web shop tier 1" in out
    assert "(max 3 at once, deadline 60 min)" in out
    for line in (
        "group data",
        "db01 (vsphere; RTO 15 min, RPO 26 h)",
        "hv-sql01 (hyperv; RTO 30 min, RPO 26 h)",
        "group applications (max 2 at once)",
        "group front",
        "web02 (vsphere after web01; RTO 30 min, RPO 26 h)",
    ):
        assert line in out, line
    assert out.index("group data") < out.index("group applications") < out.index("group front")
    order = out[out.index("Start order") :].splitlines()[1:]
    assert [line.strip() for line in order if line.strip()] == [
        "1. db01, hv-sql01",
        "2. app01, mq01",
        "3. web01",
        "4. web02",
    ]


def test_cli_show_of_a_broken_plan_fails_like_validate(tmp_path: Path) -> None:
    file = tmp_path / "cycle.yaml"
    file.write_text(
        "name: cycle\ngroups:\n  - name: a\n    workloads:\n"
        "      - {name: a, kind: vsphere, vm: web01, depends_on: [b]}\n"
        "      - {name: b, kind: vsphere, vm: web02, depends_on: [a]}\n"
    )
    result = invoke("plan", "show", str(file))
    assert result.exit_code == 1
    assert "dependency cycle: a -> b -> a" in result.stderr
    assert "Traceback" not in result.output
