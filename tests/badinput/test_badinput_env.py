"""Door 3: the ``DRFLOW_VBR_*`` environment. Each row: the variables and the fragments of the
one message, which names the variable, its value (never a password's) and what is wrong.

Checked for the client (``VBRClient()``, which reads the environment) and for the commands
that talk to VBR: they refuse with exit 2 before any flow run starts or VBR is contacted.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import certifi
import pytest
from typer.testing import CliRunner

from drflow.cli import app
from drflow.vbr import VBRClient, VBRConfigError

pytestmark = pytest.mark.badinput

ROOT = Path(__file__).parents[2]
CORPUS = Path(__file__).parent / "corpus" / "env"
CANARY = "canary-pa55word"
PIN = "ab" * 32

# (id, variables (None: unset), fragments of the message)
ROWS: list[tuple[str, dict[str, str | None], list[str]]] = [
    (
        "url-other-scheme",
        {"DRFLOW_VBR_URL": "ftp://vbr01"},
        ["DRFLOW_VBR_URL='ftp://vbr01'", "expected http(s)://host[:port]"],
    ),
    (
        "url-without-scheme",
        {"DRFLOW_VBR_URL": "vbr01.example.com"},
        ["DRFLOW_VBR_URL='vbr01.example.com'", "expected http(s)://host[:port]"],
    ),
    (
        "url-port-out-of-range",
        {"DRFLOW_VBR_URL": "https://vbr01:99999"},
        ["DRFLOW_VBR_URL='https://vbr01:99999'", "not a URL", "out of range"],
    ),
    ("url-empty", {"DRFLOW_VBR_URL": ""}, ["DRFLOW_VBR_URL=''", "expected http(s)://host"]),
    (
        "connect-timeout-not-a-number",
        {"DRFLOW_VBR_CONNECT_TIMEOUT": "ten"},
        ["DRFLOW_VBR_CONNECT_TIMEOUT='ten'", "valid number"],
    ),
    (
        "read-timeout-zero",
        {"DRFLOW_VBR_READ_TIMEOUT": "0"},
        ["DRFLOW_VBR_READ_TIMEOUT='0'", "greater than 0"],
    ),
    (
        "poll-max-negative",
        {"DRFLOW_VBR_POLL_MAX": "-1"},
        ["DRFLOW_VBR_POLL_MAX='-1'", "greater than 0"],
    ),
    (
        "fingerprint-too-short",
        {"DRFLOW_VBR_FINGERPRINT": "AB:CD:EF"},
        ["DRFLOW_VBR_FINGERPRINT='AB:CD:EF'", "64 hexadecimal digits"],
    ),
    (
        "fingerprint-not-hex",
        {"DRFLOW_VBR_FINGERPRINT": "zz" * 32},
        ["DRFLOW_VBR_FINGERPRINT=", "64 hexadecimal digits"],
    ),
    (
        "ca-bundle-missing",
        {"DRFLOW_VBR_CA_BUNDLE": "/nonexistent/vbr-ca.pem"},
        ["DRFLOW_VBR_CA_BUNDLE=", "/nonexistent/vbr-ca.pem", "not a readable file"],
    ),
    (
        "ca-bundle-directory",
        {"DRFLOW_VBR_CA_BUNDLE": str(CORPUS)},
        ["DRFLOW_VBR_CA_BUNDLE=", "not a readable file"],
    ),
    (
        "ca-bundle-not-pem",
        {"DRFLOW_VBR_CA_BUNDLE": str(CORPUS / "not-a-certificate.pem")},
        ["DRFLOW_VBR_CA_BUNDLE=", "holds no usable PEM certificate"],
    ),
    (
        "insecure-and-fingerprint",
        {"DRFLOW_VBR_INSECURE": "true", "DRFLOW_VBR_FINGERPRINT": PIN},
        ["DRFLOW_VBR_INSECURE and DRFLOW_VBR_FINGERPRINT", "choose one way to trust the server"],
    ),
    (
        "insecure-and-ca-bundle",
        {"DRFLOW_VBR_INSECURE": "1", "DRFLOW_VBR_CA_BUNDLE": certifi.where()},
        ["DRFLOW_VBR_INSECURE and DRFLOW_VBR_CA_BUNDLE", "choose one way to trust the server"],
    ),
    (
        "insecure-not-a-boolean",
        {"DRFLOW_VBR_INSECURE": "perhaps"},
        ["DRFLOW_VBR_INSECURE='perhaps'", "valid boolean"],
    ),
    (
        "api-version-empty",
        {"DRFLOW_VBR_API_VERSION": ""},
        ["DRFLOW_VBR_API_VERSION=''", "at least 1 character"],
    ),
    (
        "username-unset",
        {"DRFLOW_VBR_USERNAME": None},
        ["no VBR credentials", "DRFLOW_VBR_USERNAME and DRFLOW_VBR_PASSWORD"],
    ),
    (
        "password-unset",
        {"DRFLOW_VBR_PASSWORD": None},
        ["no VBR credentials", "DRFLOW_VBR_USERNAME and DRFLOW_VBR_PASSWORD"],
    ),
    (
        "password-empty",
        {"DRFLOW_VBR_PASSWORD": ""},
        ["no VBR credentials", "DRFLOW_VBR_USERNAME and DRFLOW_VBR_PASSWORD"],
    ),
    (
        "several-at-once",
        {
            "DRFLOW_VBR_URL": "vbr01",
            "DRFLOW_VBR_READ_TIMEOUT": "slow",
            "DRFLOW_VBR_PASSWORD": "x:y",
        },
        ["DRFLOW_VBR_URL='vbr01'", "DRFLOW_VBR_READ_TIMEOUT='slow'"],
    ),
]
CASES = [pytest.param(row[1], row[2], id=row[0]) for row in ROWS]

COMMANDS = {
    "run": ["run", "vsphere-instant-recovery", "--vm", "web01"],
    "drill": ["drill", "plans/tier1.yaml"],
    "azure-reschedule": ["azure", "reschedule", str(uuid.UUID(int=7)), "2999-01-01T00:00:00Z"],
    "vbr-mounts": ["vbr", "mounts"],
}


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch):
    """A clean DRFLOW_VBR_* environment, good but for the row's variables."""
    import os

    for name in list(os.environ):
        if name.startswith("DRFLOW_VBR_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(ROOT)

    def apply(variables: dict[str, str | None]) -> None:
        good = {
            "DRFLOW_VBR_URL": "http://127.0.0.1:9",  # discard: nothing answers there
            "DRFLOW_VBR_USERNAME": "restore-operator",
            "DRFLOW_VBR_PASSWORD": CANARY,
        }
        for name, value in {**good, **variables}.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)

    return apply


@pytest.mark.parametrize(("variables", "fragments"), CASES)
def test_client_names_the_bad_variable(environment, variables, fragments) -> None:
    environment(variables)
    with pytest.raises(VBRConfigError) as info:
        VBRClient()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert CANARY not in message


@pytest.mark.parametrize(
    ("variables", "fragments", "command"),
    [
        pytest.param(*case.values, command, id=f"{case.id}-{command}")
        for case in CASES
        for command in COMMANDS
        # for drill an empty DRFLOW_VBR_URL means none: it drills the embedded simulator
        if not (command == "drill" and case.values[0].get("DRFLOW_VBR_URL") == "")
    ],
)
def test_command_refuses_bad_settings_before_starting(
    environment, variables, fragments, command: str
) -> None:
    environment(variables)
    result = CliRunner().invoke(app, COMMANDS[command])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    error = " ".join(result.stderr.split())
    for fragment in fragments:
        assert fragment in error, error
    assert "Traceback" not in result.output
    assert CANARY not in result.output
