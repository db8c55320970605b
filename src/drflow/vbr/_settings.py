"""Connection settings for a VBR server, from arguments or ``DRFLOW_VBR_*`` variables."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORT = 9419
DEFAULT_API_VERSION = "1.3-rev1"

_FINGERPRINT = re.compile(r"^[0-9A-F]{64}$")


def normalize_fingerprint(value: str) -> str:
    """``ab:cd:...`` / ``ABCD...`` / ``sha256:...`` → 64 upper-case hex digits, or ValueError."""
    text = value.strip().upper()
    text = text.removeprefix("SHA256:").removeprefix("SHA-256:")
    text = text.replace(":", "").replace(" ", "")
    if not _FINGERPRINT.match(text):
        raise ValueError(
            f"a SHA-256 fingerprint is 64 hexadecimal digits (colons allowed), got {value!r}"
        )
    return text


class VBRSettings(BaseSettings):
    """Where the VBR server is, how to trust it and who to log in as.

    Every field can come from an argument or from the environment variable
    ``DRFLOW_VBR_<FIELD>`` (``DRFLOW_VBR_URL``, ``DRFLOW_VBR_USERNAME``, ...).
    """

    model_config = SettingsConfigDict(env_prefix="DRFLOW_VBR_", extra="ignore")

    url: str = Field(
        default=f"https://localhost:{DEFAULT_PORT}",
        description="Base URL of the VBR REST API; port 9419 when none is given.",
    )
    username: str | None = Field(default=None, description="VBR user to log in as.")
    password: SecretStr | None = Field(default=None, description="That user's password.")
    api_version: str = Field(
        default=DEFAULT_API_VERSION, description="Sent as x-api-version on every request."
    )
    ca_bundle: Path | None = Field(
        default=None, description="PEM file of the CA (or the self-signed certificate) to trust."
    )
    fingerprint: str | None = Field(
        default=None, description="SHA-256 fingerprint of the server certificate to pin."
    )
    insecure: bool = Field(
        default=False,
        description="Skip TLS verification (logged as a warning; not for production).",
    )
    connect_timeout: float = Field(default=10.0, gt=0, description="Seconds to connect.")
    read_timeout: float = Field(
        default=120.0, gt=0, description="Seconds to wait for an answer (broad lists can be slow)."
    )
    poll_initial: float = Field(default=1.0, gt=0, description="First wait between session polls.")
    poll_max: float = Field(default=15.0, gt=0, description="Longest wait between session polls.")

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value.strip())
            port = parts.port
        except ValueError as exc:
            raise ValueError(f"not a URL: {value!r} ({exc})") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected http(s)://host[:port], got {value!r}")
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return f"{parts.scheme}://{host}:{port or DEFAULT_PORT}"

    @field_validator("fingerprint")
    @classmethod
    def _check_fingerprint(cls, value: str | None) -> str | None:
        return normalize_fingerprint(value) if value else None

    @field_validator("ca_bundle")
    @classmethod
    def _check_ca_bundle(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"CA bundle {str(value)!r} is not a readable file")
        return value

    @model_validator(mode="after")
    def _check_trust(self) -> VBRSettings:
        if self.insecure and (self.fingerprint or self.ca_bundle):
            raise ValueError(
                "insecure turns verification off, which contradicts ca_bundle/fingerprint: "
                "choose one way to trust the server"
            )
        return self

    @property
    def host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        return parts.hostname or "", parts.port or DEFAULT_PORT
