"""A self-signed certificate for the simulator, and SHA-256 fingerprints.

The certificate is its own CA (basic constraints ``CA:TRUE``) so its PEM file doubles as a CA
bundle for clients; it names ``127.0.0.1`` (IP SAN) and ``localhost`` (DNS SAN). Default
verification (system trust store) refuses it, as it would refuse a real VBR's self-signed one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_HEX64 = re.compile(r"[0-9A-F]{64}")


@dataclass(frozen=True)
class TLSMaterial:
    cert_path: Path
    key_path: Path
    fingerprint: str
    """SHA-256 of the DER certificate, ``AB:CD:...`` (upper-case, colon separated)."""


def format_fingerprint(digest: bytes) -> str:
    """``b"\\xab\\xcd..."`` -> ``"AB:CD:..."``."""
    return ":".join(f"{byte:02X}" for byte in digest)


def fingerprint_hex(value: str) -> str:
    """Any usual spelling of a SHA-256 fingerprint -> 64 upper-case hex digits.

    Accepts colons, spaces or dashes between bytes, any case, and prefixes such as
    ``sha256:``, ``SHA-256`` or ``SHA256 Fingerprint=`` (openssl's output). ValueError otherwise.
    """
    text = value.strip().upper()
    for prefix in ("SHA256 FINGERPRINT=", "SHA-256 FINGERPRINT=", "SHA256:", "SHA-256:", "SHA256"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    text = re.sub(r"[\s:\-]", "", text)
    if not _HEX64.fullmatch(text):
        raise ValueError(f"not a SHA-256 fingerprint (64 hex digits): {value!r}")
    return text


def normalize_fingerprint(value: str) -> str:
    """Any usual spelling of a SHA-256 fingerprint -> ``AB:CD:...`` (see ``fingerprint_hex``)."""
    return format_fingerprint(bytes.fromhex(fingerprint_hex(value)))


def fingerprint_of_der(der: bytes) -> str:
    return format_fingerprint(hashlib.sha256(der).digest())


def fingerprint_of_pem(path: Path) -> str:
    cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
    return fingerprint_of_der(cert.public_bytes(serialization.Encoding.DER))


def generate_self_signed(
    directory: Path,
    common_name: str = "drflow VBR simulator",
    days: int = 365,
    now: datetime | None = None,
) -> TLSMaterial:
    """Write ``simulator-cert.pem`` and ``simulator-key.pem`` (mode 0600) into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "drflow"),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "simulator-cert.pem"
    key_path = directory / "simulator-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return TLSMaterial(
        cert_path, key_path, fingerprint_of_der(cert.public_bytes(serialization.Encoding.DER))
    )
