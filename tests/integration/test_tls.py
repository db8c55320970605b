"""TLS trust against the simulator's --tls certificate: verified by default, pin or CA bundle."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from drflow.vbr import VBRClient, VBRSettings, VBRTLSError

pytestmark = [pytest.mark.integration, pytest.mark.security]


@pytest.fixture(scope="module")
def tls_sim() -> Iterator[object]:
    from drflow.simulator.config import SimulatorConfig
    from drflow.simulator.server import SimulatorServer

    with SimulatorServer(SimulatorConfig(), tls=True) as server:
        yield server


def client(sim: object, **trust: object) -> VBRClient:
    return VBRClient(VBRSettings(url=sim.url, username="viewer", password="simulator", **trust))


def test_url_is_https(tls_sim) -> None:
    assert tls_sim.url.startswith("https://127.0.0.1:")


def test_refused_without_trust_and_says_how(tls_sim) -> None:
    with pytest.raises(VBRTLSError) as info, client(tls_sim) as vbr:
        vbr.backups.list_page()
    message = str(info.value)
    assert "DRFLOW_VBR_CA_BUNDLE" in message
    assert "DRFLOW_VBR_FINGERPRINT" in message
    assert tls_sim.fingerprint.replace(":", "") in message.replace(":", "")


def test_pinned_fingerprint_is_trusted(tls_sim) -> None:
    with client(tls_sim, fingerprint=tls_sim.fingerprint) as vbr:
        assert vbr.backups.list_page().pagination.total > 0


def test_wrong_fingerprint_is_refused_before_credentials_leave(tls_sim) -> None:
    wrong = "AB" * 32
    with pytest.raises(VBRTLSError) as info, client(tls_sim, fingerprint=wrong) as vbr:
        vbr.backups.list_page()
    assert "does not match the pinned fingerprint" in str(info.value)


def test_ca_bundle_is_trusted(tls_sim) -> None:
    with client(tls_sim, ca_bundle=tls_sim.ca_bundle) as vbr:
        assert vbr.backups.list_page().pagination.total > 0


def test_insecure_works_and_warns_once(tls_sim, caplog: pytest.LogCaptureFixture) -> None:
    from drflow.vbr import _tls

    _tls._warned_insecure.clear()
    with caplog.at_level(logging.WARNING, logger="drflow.vbr"):
        for _ in range(2):
            with client(tls_sim, insecure=True) as vbr:
                vbr.backups.list_page()
    warnings = [r for r in caplog.records if "verification is OFF" in r.getMessage()]
    assert len(warnings) == 1
