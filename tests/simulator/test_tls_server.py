"""The server on 127.0.0.1 (HTTP and HTTPS), certificates and fingerprints, the CLI."""

from __future__ import annotations

import hashlib
import io
import socket
import ssl

import httpx
import pytest
from cryptography import x509

from drflow.simulator import (
    SimulatorConfig,
    SimulatorServer,
    fingerprint_hex,
    generate_self_signed,
    normalize_fingerprint,
)
from drflow.simulator import server as server_module
from drflow.simulator.cli import build_config, main
from tests.simulator.sim_support import VERSION


def test_certificate_is_a_ca_for_localhost(tmp_path):
    material = generate_self_signed(tmp_path)
    cert = x509.load_pem_x509_certificate(material.cert_path.read_bytes())
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    der = ssl.PEM_cert_to_DER_cert(material.cert_path.read_text())
    expected = hashlib.sha256(der).hexdigest().upper()
    assert material.fingerprint == ":".join(expected[i : i + 2] for i in range(0, 64, 2))
    assert oct(material.key_path.stat().st_mode & 0o777) == "0o600"


COLONS = ":".join(["AB", "CD"] * 16)


@pytest.mark.parametrize(
    "spelling",
    [
        COLONS.lower(),
        "ABCD" * 16,
        "sha256:" + "abcd" * 16,
        "SHA256 Fingerprint=" + COLONS,
        " " + "ab cd " * 16,
        "SHA-256: " + COLONS.replace(":", "-"),
    ],
)
def test_fingerprint_spellings_normalise(spelling):
    assert fingerprint_hex(spelling) == "ABCD" * 16
    assert normalize_fingerprint(spelling) == COLONS


@pytest.mark.parametrize("bad", ["", "abcd", "zz" * 32, "ab" * 33, "ab" * 31])
def test_bad_fingerprints_are_refused(bad):
    with pytest.raises(ValueError, match="fingerprint"):
        normalize_fingerprint(bad)


@pytest.mark.integration
def test_tls_server_trusted_with_its_bundle_refused_by_default():
    with SimulatorServer(SimulatorConfig(), tls=True) as server:
        assert server.url.startswith("https://127.0.0.1:")
        assert server.ca_bundle is not None
        assert server.ca_bundle.exists()
        context = ssl.create_default_context(cafile=str(server.ca_bundle))
        response = httpx.get(server.url + "/api/v1/sessions", headers=VERSION, verify=context)
        assert response.status_code == 401  # reached the API over verified TLS
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(server.url + "/_sim/stats")
        served = ssl.get_server_certificate(("127.0.0.1", server.port))
        der = ssl.PEM_cert_to_DER_cert(served)
        assert normalize_fingerprint(hashlib.sha256(der).hexdigest()) == server.fingerprint
    assert not server.ca_bundle.exists()  # the temporary directory is gone


@pytest.mark.integration
def test_http_server_picks_a_free_port_and_stops():
    with SimulatorServer() as server:
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.fingerprint is None
        response = httpx.post(
            server.url + "/api/oauth2/token",
            data={"grant_type": "Password", "username": "viewer", "password": "simulator"},
            headers=VERSION,
        )
        assert response.status_code == 200
        assert server.state.stats()["tokens"]["issued"] == 1
        port = server.port
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", port), timeout=2),
    ):
        pass


def test_serve_prints_the_essentials_and_warns_off_loopback(monkeypatch, tmp_path):
    monkeypatch.setattr(server_module.uvicorn.Server, "run", lambda self, sockets=None: None)
    out, err = io.StringIO(), io.StringIO()
    everywhere = "0.0.0.0"  # noqa: S104 - the point of the test
    server_module.serve(
        SimulatorConfig(), host=everywhere, port=0, tls=True, tls_dir=tmp_path, out=out, err=err
    )
    text = out.getvalue()
    assert "https://127.0.0.1:" in text
    assert "password: simulator" in text
    assert "restore-operator" in text
    assert str(tmp_path / "simulator-cert.pem") in text
    assert "SHA-256 fingerprint: " in text
    assert "WARNING" in err.getvalue()


def test_serve_on_loopback_does_not_warn(monkeypatch):
    monkeypatch.setattr(server_module.uvicorn.Server, "run", lambda self, sockets=None: None)
    out, err = io.StringIO(), io.StringIO()
    server_module.serve(SimulatorConfig(), port=0, out=out, err=err)
    assert "http://127.0.0.1:" in out.getvalue()
    assert "WARNING" not in out.getvalue() + err.getvalue()


def test_cli_options_build_the_config(tmp_path):
    config = build_config(
        password="pw",
        token_ttl=60,
        speed=5,
        error_rate=0.05,
        latency=0.5,
        faults=['{"path": "^/api/v1/sessions", "status": 429, "retry_after": 2}'],
    )
    assert (config.password, config.token_ttl, config.speed) == ("pw", 60, 5)
    assert [(r.latency, r.status, r.error_rate) for r in config.faults] == [
        (0.5, None, 1.0),
        (0.0, 503, 0.05),
        (0.0, 429, 1.0),
    ]
    with pytest.raises(ValueError, match="--fault"):
        build_config(faults=["{not json"])


def test_cli_reports_a_bad_estate_and_exits_2(tmp_path, capsys):
    bad = tmp_path / "estate.json"
    bad.write_text('{"version": 1}')
    with pytest.raises(SystemExit) as exit_info:
        main(["--estate", str(bad), "--port", "0"])
    assert exit_info.value.code == 2
    assert "repositories" in capsys.readouterr().err
