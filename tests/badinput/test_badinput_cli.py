"""Door 2: the command line. Each row: the arguments, the exit code, and the fragments of the
one error message (naming the option or argument and what is wrong). Every row fails before
a flow run starts or VBR is contacted: ``DRFLOW_VBR_URL`` points at a closed port, so a row
that reached VBR would fail differently."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from typer.testing import CliRunner

import drflow.deployments.up
from drflow.cli import app

pytestmark = pytest.mark.badinput

CORPUS = Path(__file__).parent / "corpus"
PARAMS = CORPUS / "params"
VSPHERE = ["run", "vsphere-instant-recovery"]
AZURE_MIGRATE = ["run", "azure-instant-recovery", "--vm", "app01", "--then", "migrate"]
RUN_ID = str(uuid.UUID(int=1))
FUTURE = "2999-01-01T00:00:00+00:00"
SECRET = "s3cret-canary"

# (id, arguments, exit code, fragments of stderr)
ROWS: list[tuple[str, list[str], int, list[str]]] = [
    (
        "run-unknown-flow",
        ["run", "vsphere-recovery"],
        2,
        ["no flow called 'vsphere-recovery'", "vsphere-instant-recovery:"],
    ),
    ("run-missing-required", VSPHERE, 2, ["--vm: required, but missing"]),
    (
        "run-bare-flag-for-a-text",
        [*VSPHERE, "--vm"],
        2,
        ["--vm: Input should be a valid string", "got true"],
    ),
    ("run-positional", [*VSPHERE, "web01"], 2, ["expected an option like --vm NAME", "'web01'"]),
    (
        "run-unknown-option",
        [*VSPHERE, "--vm", "web01", "--isolate", "true"],
        2,
        ["--isolate: unknown parameter", "--help-params"],
    ),
    (
        "run-empty-option-name",
        [*VSPHERE, "--vm", "web01", "--=3"],
        2,
        ["expected an option like", "'--=3'"],
    ),
    ("run-dots-only", [*VSPHERE, "--vm", "web01", "--..", "3"], 2, ["'--..'"]),
    (
        "run-wrong-type-number",
        [*VSPHERE, "--vm", "web01", "--timeout-minutes", "soon"],
        2,
        ["--timeout-minutes: Input should be a valid number", 'got "soon"'],
    ),
    (
        "run-wrong-type-bool",
        [*VSPHERE, "--vm", "web01", "--isolated", "sometimes"],
        2,
        ["--isolated: Input should be a valid boolean", 'got "sometimes"'],
    ),
    (
        "run-out-of-range",
        [*VSPHERE, "--vm", "web01", "--timeout-minutes", "0"],
        2,
        ["--timeout-minutes: Input should be greater than 0", "got 0"],
    ),
    (
        "run-bad-choice",
        [*VSPHERE, "--vm", "web01", "--then", "explode"],
        2,
        ["--then: Input should be 'unmount', 'migrate', 'keep' or 'ask'", 'got "explode"'],
    ),
    (
        "run-needs-a-value-object",
        [*VSPHERE, "--vm", "web01", "--then", "migrate"],
        2,
        ["then=migrate needs migration"],
    ),
    (
        "run-not-an-object",
        [*VSPHERE, "--vm", "web01", "--vm.name", "x"],
        2,
        ["--vm.name: vm is not an object"],
    ),
    (
        "run-nested-wrong-type",
        [*VSPHERE, "--vm", "web01", "--restore-point", "5"],
        2,
        ["--restore-point: Input should be a valid dictionary"],
    ),
    (
        "run-restore-point-not-uuid",
        [*VSPHERE, "--vm", "web01", "--restore-point.restore-point-id", "last-friday"],
        2,
        ["--restore-point.restore-point-id: Input should be a valid UUID", '"last-friday"'],
    ),
    (
        "run-restore-point-number",
        [*VSPHERE, "--vm", "web01", "--restore-point.restore-point-id", "12"],
        2,
        ["--restore-point.restore-point-id: UUID input should be a string", "got 12"],
    ),
    (
        "run-before-not-a-time",
        [*VSPHERE, "--vm", "web01", "--restore-point.before", "yesterday"],
        2,
        ["--restore-point.before: Input should be a valid datetime", '"yesterday"'],
    ),
    (
        "run-before-without-timezone",
        [*VSPHERE, "--vm", "web01", "--restore-point.before", "2026-01-01T00:00"],
        2,
        ["--restore-point.before: Input should have timezone info"],
    ),
    (
        "run-unknown-check-kind",
        [*VSPHERE, "--vm", "web01", "--checks", '[{"kind": "smtp"}]'],
        2,
        ["--checks.0: Input tag 'smtp' found using 'kind'"],
    ),
    (
        "run-checks-bad-json",
        [*VSPHERE, "--vm", "web01", "--checks", '[{"kind": "http"'],
        2,
        ["--checks: Input should be a valid list", "got"],
    ),
    (
        "run-params-missing-file",
        [*VSPHERE, "--params", "@/nonexistent/params.json"],
        2,
        ["--params: cannot read /nonexistent/params.json: No such file or directory"],
    ),
    (
        "run-params-directory",
        [*VSPHERE, "--params", f"@{PARAMS}"],
        2,
        [f"--params: cannot read {PARAMS}: Is a directory"],
    ),
    (
        "run-params-truncated-json",
        [*VSPHERE, "--params", f"@{PARAMS / 'truncated.json'}"],
        2,
        ["--params: not JSON", "line 3"],
    ),
    (
        "run-params-not-utf8",
        [*VSPHERE, "--params", f"@{PARAMS / 'not-utf8.json'}"],
        2,
        ["--params:", "not-utf8.json is not UTF-8 text"],
    ),
    (
        "run-params-not-an-object",
        [*VSPHERE, "--params", f"@{PARAMS / 'list.json'}"],
        2,
        ["--params: expected a JSON object of parameters"],
    ),
    (
        "run-params-file-not-uuid",
        [*VSPHERE, "--params", f"@{PARAMS / 'not-a-uuid.json'}"],
        2,
        ["--restore-point.restore-point-id: Input should be a valid UUID"],
    ),
    (
        "run-params-file-wrong-type",
        [*VSPHERE, "--params", f"@{PARAMS / 'wrong-type.json'}"],
        2,
        ["--isolated: Input should be a valid boolean"],
    ),
    (
        "run-params-inline-bad-json",
        [*VSPHERE, "--params", "{vm: web01}"],
        2,
        ["--params: not JSON", "property name"],
    ),
    (
        "run-password-as-parameter",
        [*VSPHERE, "--vm", "web01", "--connection.password", SECRET],
        2,
        ["--connection.password: unknown parameter"],
    ),
    (
        "run-connection-bad-url",
        [*VSPHERE, "--vm", "web01", "--connection.url", "ftp://vbr01"],
        2,
        [
            "vsphere-instant-recovery: bad VBR connection settings",
            "url='ftp://vbr01'",
            "expected http(s)://host[:port]",
        ],
    ),
    (
        "run-connection-bad-fingerprint",
        [*VSPHERE, "--vm", "web01", "--connection.fingerprint", "ab:cd"],
        2,
        ["fingerprint='ab:cd'", "64 hexadecimal digits"],
    ),
    (
        "run-connection-missing-ca-bundle",
        [*VSPHERE, "--vm", "web01", "--connection.ca-bundle", "/nonexistent/ca.pem"],
        2,
        ["ca_bundle='/nonexistent/ca.pem'", "not a readable file"],
    ),
    (
        "run-connection-insecure-and-pinned",
        [
            *VSPHERE,
            "--vm",
            "web01",
            "--connection.insecure",
            "true",
            "--connection.fingerprint",
            "ab" * 32,
        ],
        2,
        ["insecure and fingerprint: insecure turns verification off", "choose one way"],
    ),
    (
        "run-switchover-in-the-past",
        [
            *AZURE_MIGRATE,
            "--switchover",
            '{"type": "Scheduled", "schedule_time": "2020-01-01T00:00Z"}',
        ],
        2,
        [
            "--switchover.schedule-time: 2020-01-01T00:00:00+00:00 is in the past",
            "needs a time in the future",
        ],
    ),
    (
        "run-switchover-without-time",
        [*AZURE_MIGRATE, "--switchover", '{"type": "Scheduled"}'],
        2,
        ["--switchover: switchover type Scheduled needs schedule_time"],
    ),
    (
        "run-switchover-unknown-type",
        [*AZURE_MIGRATE, "--switchover", '{"type": "Later"}'],
        2,
        ["--switchover.type: Input should be 'Auto', 'Manual' or 'Scheduled'"],
    ),
    (
        "drill-missing-plan",
        ["drill", "/nonexistent/plan.yaml"],
        2,
        ["/nonexistent/plan.yaml: 1 problem(s)", "cannot read it: No such file or directory"],
    ),
    ("drill-no-plan", ["drill"], 2, ["Missing argument 'file'"]),
    (
        "drill-bad-speed",
        ["drill", "plans/tier1.yaml", "--speed", "0.5"],
        2,
        ["Invalid value for '--speed'"],
    ),
    ("plan-validate-no-file", ["plan", "validate"], 2, ["Missing argument 'file'"]),
    (
        "plan-validate-directory",
        ["plan", "validate", str(PARAMS)],
        1,
        [f"{PARAMS}: 1 problem(s)", "cannot read it: Is a directory"],
    ),
    ("plan-unknown-command", ["plan", "check", "plans/tier1.yaml"], 2, ["No such command 'check'"]),
    (
        "plan-show-missing",
        ["plan", "show", "/nonexistent/plan.yaml"],
        1,
        ["cannot read it: No such file or directory"],
    ),
    (
        "resume-no-choice",
        ["resume", "run-42"],
        2,
        ["expected RUN CHOICE or PLAN WORKLOAD CHOICE", "drflow resume --list"],
    ),
    (
        "resume-too-many-words",
        ["resume", "tier1", "web01", "keep", "now"],
        2,
        ["expected RUN CHOICE or PLAN WORKLOAD CHOICE"],
    ),
    ("resume-list-and-a-run", ["resume", "--list", RUN_ID], 2, ["--list takes no RUN"]),
    (
        "resume-bad-choice",
        ["resume", RUN_ID, "destroy"],
        2,
        ["choice must be unmount, migrate or keep, not 'destroy'"],
    ),
    ("resume-missing-choice", ["resume", RUN_ID], 2, ["expected RUN CHOICE or PLAN WORKLOAD"]),
    (
        "history-missing-plan-file",
        ["history", "/nonexistent/plan.yaml"],
        2,
        ["cannot read it: No such file or directory"],
    ),
    ("history-last-zero", ["history", "tier1", "--last", "0"], 2, ["Invalid value for '--last'"]),
    (
        "history-last-not-a-number",
        ["history", "tier1", "--last", "many"],
        2,
        ["Invalid value for '--last'"],
    ),
    ("janitor-unknown-option", ["janitor", "--force"], 2, ["No such option: --force"]),
    (
        "azure-reschedule-not-a-uuid",
        ["azure", "reschedule", "mount-1", FUTURE],
        2,
        ["'mount-1' is not a mount id (a UUID)"],
    ),
    (
        "azure-reschedule-not-a-time",
        ["azure", "reschedule", RUN_ID, "tomorrow"],
        2,
        ["TIME 'tomorrow' is not an ISO 8601 time"],
    ),
    (
        "azure-reschedule-no-offset",
        ["azure", "reschedule", RUN_ID, "2999-01-01T00:00:00"],
        2,
        ["TIME '2999-01-01T00:00:00' has no UTC offset", "2999-01-01T00:00:00+00:00"],
    ),
    (
        "azure-reschedule-in-the-past",
        ["azure", "reschedule", RUN_ID, "2020-06-01T22:00:00+02:00"],
        2,
        ["TIME 2020-06-01T22:00:00+02:00 is in the past", "needs a future time"],
    ),
    (
        "azure-reschedule-missing-time",
        ["azure", "reschedule", RUN_ID],
        2,
        ["Missing argument 'TIME'"],
    ),
    (
        "simulator-bad-fault-json",
        ["simulator", "--fault", "{status: 500}"],
        2,
        ["--fault '{status: 500}'", "property name"],
    ),
    (
        "simulator-missing-estate",
        ["simulator", "--estate", "/nonexistent/estate.json"],
        2,
        ["/nonexistent/estate.json"],
    ),
    (
        "simulator-port-out-of-range",
        ["simulator", "--port", "99999"],
        2,
        ["Invalid value for '--port'", "less than or equal to 65535"],
    ),
    ("simulator-speed-zero", ["simulator", "--speed", "0"], 2, ["speed", "greater than 0"]),
    (
        "simulator-error-rate-above-one",
        ["simulator", "--error-rate", "2"],
        2,
        ["error_rate", "less than or equal to 1"],
    ),
    ("unknown-command", ["restore", "web01"], 2, ["No such command 'restore'"]),
    ("vbr-unknown-command", ["vbr", "points"], 2, ["No such command 'points'"]),
    ("run-flow-name-like-markup", ["run", "[/x]:cd:"], 2, ["no flow called '[/x]:cd:'"]),
    (
        "drill-path-like-markup",
        ["drill", "/nonexistent/[/x]:cd:.yaml"],
        2,
        ["/nonexistent/[/x]:cd:.yaml: 1 problem(s)"],
    ),
]


@pytest.mark.parametrize(
    ("args", "code", "fragments"), [pytest.param(*row[1:], id=row[0]) for row in ROWS]
)
def test_bad_command_line_is_one_clear_error(
    args: list[str], code: int, fragments: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).parents[2])
    monkeypatch.setenv("DRFLOW_VBR_URL", "http://127.0.0.1:9")  # discard: nothing answers
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "restore-operator")
    monkeypatch.setenv("DRFLOW_VBR_PASSWORD", SECRET)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    error = " ".join(result.stderr.split())  # the terminal may wrap the words
    for fragment in fragments:
        assert fragment in error, error
    assert "Traceback" not in result.output
    assert SECRET not in result.output
    assert result.stdout == ""


def test_plan_text_like_markup_is_shown_as_written() -> None:
    result = CliRunner().invoke(app, ["plan", "show", str(CORPUS / "markup-plan.yaml")])
    assert result.exit_code == 0, result.output
    assert "restore [/bold] then [red]check[/red] :cd: [link=x]" in result.stdout
    assert "group [/data]" in result.stdout


def test_up_on_a_taken_port_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_server(*args: object, **kwargs: object) -> None:
        raise AssertionError("drflow up started a Prefect server on a taken port")

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(drflow.deployments.up, "prefect_server", no_server)
    with (
        socket.socket() as taken,
        temporary_settings(updates={PREFECT_API_URL: None}),  # the flow tests' server, if any
    ):
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["up", "--port", str(port)])
    assert result.exit_code == 1, result.output
    assert f"port {port} is taken" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
