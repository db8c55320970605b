"""How drflow trusts a VBR server's certificate.

Verification is on by default. A self-signed VBR certificate is trusted either through a CA
bundle or by pinning its SHA-256 fingerprint. Pinning fetches the certificate once (before any
credentials are sent), checks its fingerprint, then trusts exactly that certificate for every
connection, so a server presenting any other certificate is refused during the handshake.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import ssl
from functools import cache

from ._exceptions import VBRTLSError

logger = logging.getLogger("drflow.vbr")

_warned_insecure: set[str] = set()


@cache
def system_trust() -> ssl.SSLContext:
    """The system's certificate authorities, the default trust, loaded once per process
    (loading them costs tens of milliseconds of CPU, and a drill makes clients by the dozen)."""
    return ssl.create_default_context()


def fingerprint_of(der: bytes) -> str:
    """SHA-256 of a DER certificate as colon-separated upper-case hex."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def fetch_certificate(host: str, port: int, timeout: float = 10.0) -> bytes:
    """The DER certificate a TLS server presents, without verifying it."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((host, port), timeout=timeout) as sock,
        context.wrap_socket(sock, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise VBRTLSError(
            f"{host}:{port} presented no certificate",
            method="CONNECT",
            path="/",
            request_sent=False,
        )
    return der


def pinned_context(host: str, port: int, expected: str, timeout: float = 10.0) -> ssl.SSLContext:
    """An SSL context that trusts only the certificate whose fingerprint is ``expected``."""
    try:
        der = fetch_certificate(host, port, timeout)
    except OSError as exc:
        raise VBRTLSError(
            f"could not fetch the certificate of {host}:{port} to check its fingerprint: {exc}",
            method="CONNECT",
            path="/",
            request_sent=False,
        ) from exc
    actual = fingerprint_of(der)
    if actual.replace(":", "") != expected.replace(":", ""):
        raise VBRTLSError(
            f"the certificate of {host}:{port} does not match the pinned fingerprint: "
            f"server presented SHA-256 {actual}, expected {expected}. If the certificate was "
            "renewed on purpose, set DRFLOW_VBR_FINGERPRINT to the new value.",
            method="CONNECT",
            path="/",
            request_sent=False,
        )
    context = ssl.create_default_context(cadata=ssl.DER_cert_to_PEM_cert(der))
    # The pinned certificate is the trust anchor itself; its name need not match how we reach it.
    context.check_hostname = False
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context


def ssl_verify(
    host: str,
    port: int,
    *,
    ca_bundle: str | None,
    fingerprint: str | None,
    insecure: bool,
    timeout: float,
) -> ssl.SSLContext | bool:
    """The ``verify`` argument for httpx that implements the chosen trust."""
    if insecure:
        key = f"{host}:{port}"
        if key not in _warned_insecure:
            _warned_insecure.add(key)
            logger.warning(
                "TLS verification is OFF for %s: anyone on the path can read the VBR credentials. "
                "Trust the server with a CA bundle or a pinned fingerprint instead.",
                key,
            )
        return False
    if fingerprint:
        return pinned_context(host, port, fingerprint, timeout)
    if ca_bundle:
        return ssl.create_default_context(cafile=ca_bundle)
    return system_trust()


def untrusted_certificate_error(host: str, port: int, cause: Exception) -> VBRTLSError:
    """Explain a refused certificate and how to trust it (showing its fingerprint if we can)."""
    try:
        presented = (
            f" It presented SHA-256 fingerprint {fingerprint_of(fetch_certificate(host, port))}."
        )
    except OSError:
        presented = ""
    return VBRTLSError(
        f"the TLS certificate of {host}:{port} is not trusted ({cause}).{presented} "
        "VBR ships a self-signed certificate: trust it with DRFLOW_VBR_CA_BUNDLE=<pem file> or "
        "DRFLOW_VBR_FINGERPRINT=<sha256> after checking the fingerprint on the VBR server; "
        "DRFLOW_VBR_INSECURE=true turns verification off (not recommended).",
        method="CONNECT",
        path="/",
        request_sent=False,
    )
