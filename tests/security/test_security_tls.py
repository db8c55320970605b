"""TLS refusals, beyond tests/integration/test_tls.py: what the messages say, and that nothing
(credentials included) is sent and nothing retried before the server is trusted.

The accepted paths (verified by default, CA bundle, pinned fingerprint, ``insecure`` warned
once) are in tests/integration/test_tls.py, marked ``security`` too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drflow.simulator import SimulatorConfig, SimulatorServer, generate_self_signed
from drflow.vbr import RetryPolicy, VBRClient, VBRSettings, VBRTLSError

pytestmark = [pytest.mark.security, pytest.mark.integration]


@pytest.fixture(scope="module")
def tls_sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatorConfig(), tls=True) as server:
        yield server


def refusal(sim: SimulatorServer, **trust: object) -> tuple[str, RetryPolicy]:
    """The message of the error a client trusting the server this way gets, and its policy."""
    policy = RetryPolicy(initial_wait=0.01, max_wait=0.05, jitter=0.0)
    settings = VBRSettings(url=sim.url, username="restore-operator", password="simulator", **trust)
    before = sim.state.stats()
    with pytest.raises(VBRTLSError) as info, VBRClient(settings, retry=policy) as vbr:
        vbr.backups.list_page()
    after = sim.state.stats()
    assert after["tokens"]["issued"] == before["tokens"]["issued"], "credentials were sent"
    assert after["requests"] == before["requests"], "a request reached the server"
    assert policy.retries == 0, "a refused certificate was retried"
    return str(info.value), policy


def test_wrong_fingerprint_shows_the_presented_one_and_the_setting(tls_sim) -> None:
    message, _ = refusal(tls_sim, fingerprint="AB" * 32)
    assert tls_sim.fingerprint in message
    assert "AB" * 32 in message.replace(":", "")  # the expected one, as configured
    assert "DRFLOW_VBR_FINGERPRINT" in message


def test_untrusted_certificate_shows_its_fingerprint_and_every_way_to_trust_it(tls_sim) -> None:
    message, _ = refusal(tls_sim)
    assert tls_sim.fingerprint in message
    for setting in ("DRFLOW_VBR_CA_BUNDLE", "DRFLOW_VBR_FINGERPRINT", "DRFLOW_VBR_INSECURE"):
        assert setting in message


def test_a_ca_bundle_of_another_server_is_refused(tls_sim, tmp_path: Path) -> None:
    other = generate_self_signed(tmp_path)
    assert other.fingerprint != tls_sim.fingerprint
    message, _ = refusal(tls_sim, ca_bundle=other.cert_path)
    assert tls_sim.fingerprint in message
    assert "DRFLOW_VBR_CA_BUNDLE" in message
