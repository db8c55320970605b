"""Connection settings for a VBR server, from arguments or ``DRFLOW_VBR_*`` variables."""

from __future__ import annotations

import os
import re
import ssl
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from ._exceptions import VBRConfigError

DEFAULT_PORT = 9419
DEFAULT_API_VERSION = "1.3-rev1"
ENV_PREFIX = "DRFLOW_VBR_"

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


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


def parse_duration(value: float | int | str | timedelta) -> float:
    """Seconds from ``600``, ``"600"``, ``"10m"``, ``"1h30m"``, ``"90s"``, ``"PT10M"`` or a
    ``timedelta``; ValueError for anything else, or a negative duration."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _duration_text(value.strip().lower())
    else:
        raise ValueError(f"expected seconds or a duration such as 10m, got {value!r}")
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, got {value!r}")
    return seconds


def _duration_text(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    if text.startswith("pt"):  # ISO 8601, time part only: PT1H30M, PT90S
        text = text[2:]
    match = _DURATION.match(text)
    if not text or match is None:
        raise ValueError(f"expected seconds or a duration such as 10m, 1h30m, 90s; got {text!r}")
    hours, minutes, seconds = (float(part) if part else 0.0 for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


Duration = Annotated[float, BeforeValidator(parse_duration)]
"""Seconds, given as a number or a duration (``10m``, ``1h30m``, ``PT10M``)."""


def normalize_url(value: str) -> str:
    """``https://vbr01`` → ``https://vbr01:9419`` (the default port added), or ValueError."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a URL: {value!r} ({exc})") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected http(s)://host[:port], got {value!r}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port or DEFAULT_PORT}"


class VBRSettings(BaseSettings):
    """Where the VBR server is, how to trust it and who to log in as.

    Every field can come from an argument or from the environment variable
    ``DRFLOW_VBR_<FIELD>`` (``DRFLOW_VBR_URL``, ``DRFLOW_VBR_USERNAME``, ...).
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    url: str = Field(
        default=f"https://localhost:{DEFAULT_PORT}",
        description="Base URL of the VBR REST API; port 9419 when none is given.",
    )
    username: str | None = Field(default=None, description="VBR user to log in as.")
    password: SecretStr | None = Field(default=None, description="That user's password.")
    api_version: str = Field(
        default=DEFAULT_API_VERSION,
        min_length=1,
        description="Sent as x-api-version on every request.",
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
    outage_tolerance: Duration = Field(
        default=600.0,
        description="How long one call keeps retrying while VBR is unavailable (seconds, or a "
        "duration: 10m); a budget scope may shorten or lengthen it (drflow.vbr.budget).",
    )
    cleanup_budget: Duration = Field(
        default=900.0,
        description="How long an unmount, stop or dismount keeps trying, through outages, "
        "until what it stops is gone.",
    )
    clock_skew: Duration = Field(
        default=300.0,
        description="How far VBR's clock may be from drflow's when looking for the session a "
        "start whose answer was lost created.",
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return normalize_url(value)

    @field_validator("fingerprint")
    @classmethod
    def _check_fingerprint(cls, value: str | None) -> str | None:
        return normalize_fingerprint(value) if value else None

    @field_validator("ca_bundle")
    @classmethod
    def _check_ca_bundle(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        if not value.is_file():
            raise ValueError(f"CA bundle {str(value)!r} is not a readable file")
        try:
            ssl.create_default_context(cafile=str(value))
        except OSError as exc:  # ssl.SSLError included
            raise ValueError(
                f"CA bundle {str(value)!r} holds no usable PEM certificate "
                f"({getattr(exc, 'reason', None) or exc.strerror or exc})"
            ) from None
        return value

    @model_validator(mode="after")
    def _check_trust(self) -> VBRSettings:
        if self.insecure and (self.fingerprint or self.ca_bundle):
            raise ValueError(
                "insecure turns verification off, which contradicts ca_bundle/fingerprint: "
                "choose one way to trust the server"
            )
        return self

    @classmethod
    def resolve(cls, **given: Any) -> VBRSettings:
        """Settings from ``given`` values and the environment.

        Unlike the constructor, a bad value raises :class:`VBRConfigError` whose message names
        where it came from: the argument, or the ``DRFLOW_VBR_*`` variable.
        """
        try:
            return cls(**given)
        except ValidationError as exc:
            raise VBRConfigError(_describe(exc, given)) from None

    @property
    def host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        return parts.hostname or "", parts.port or DEFAULT_PORT


_TRUST = ("insecure", "ca_bundle", "fingerprint")


def _describe(exc: ValidationError, given: dict[str, Any]) -> str:
    """One line per bad setting: its source (argument or variable), the value, what is wrong."""

    def source(field: str) -> str:
        return field if field in given else ENV_PREFIX + field.upper()

    lines = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:  # a rule between settings: name every one that is set
            names = [
                source(f) for f in _TRUST if f in given or ENV_PREFIX + f.upper() in os.environ
            ]
            lines.append(f"{' and '.join(names) or 'VBR settings'}: {message}")
            continue
        field = str(error["loc"][0])
        value = "" if field == "password" else f"={error.get('input')!r}"
        lines.append(f"{source(field)}{value}: {message}")
    return "bad VBR connection settings:\n" + "\n".join(f"  {line}" for line in lines)
