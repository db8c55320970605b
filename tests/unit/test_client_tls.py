"""drflow's shared TLS context for Prefect's API clients (drflow.flows.engine.client_tls):
clients share one verified context per CA file instead of loading the CA bundle each."""

from __future__ import annotations

import ssl
import time
from pathlib import Path

from prefect.client import orchestration
from prefect.client.orchestration import PrefectClient, SyncPrefectClient

from drflow.flows.engine import client_tls

API = "http://127.0.0.1:9/api"


def tls_context(client: PrefectClient | SyncPrefectClient) -> ssl.SSLContext:
    return client._client._transport._pool._ssl_context


def test_prefects_clients_share_one_verified_context_on_this_prefect() -> None:
    assert client_tls.install()
    first, second = SyncPrefectClient(API), PrefectClient(API)
    assert tls_context(first) is tls_context(second)
    assert tls_context(first).verify_mode == ssl.CERT_REQUIRED
    assert tls_context(first).check_hostname


def test_a_client_costs_no_ca_bundle_load() -> None:
    client_tls.install()
    SyncPrefectClient(API)
    started = time.process_time()
    for _ in range(20):
        SyncPrefectClient(API)
    per_client = (time.process_time() - started) / 20
    assert per_client < 0.01, f"{per_client * 1000:.1f} ms of CPU a client"


def test_other_contexts_are_the_standard_librarys_own() -> None:
    client_tls.install()
    shared = orchestration.ssl
    unverified = shared.create_default_context()  # Prefect changes this one: never shared
    assert unverified is not shared.create_default_context()
    assert shared.SSLContext is ssl.SSLContext


def test_each_ca_file_has_its_own_context(tmp_path: Path) -> None:
    import certifi

    client_tls.install()
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes())
    shared = orchestration.ssl
    default = shared.create_default_context(cafile=certifi.where())
    own = shared.create_default_context(cafile=str(bundle))
    assert own is not default
    assert own is shared.create_default_context(cafile=str(bundle))
