"""How Prefect tasks reach VBR without ever carrying a secret in their parameters."""

from __future__ import annotations

import atexit
import logging
import threading
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from drflow.vbr import VBRClient, VBRConfigError, VBRSettings

logger = logging.getLogger("drflow")


class VBRConnection(BaseModel):
    """Where VBR is and where its credentials are kept (never the credentials themselves).

    Unset fields fall back to the ``DRFLOW_VBR_*`` environment of the process that runs the
    flow. Credentials come from the Prefect Secret block named by ``credentials_block`` (a JSON
    value ``{"username": ..., "password": ...}``) or, without one, from ``DRFLOW_VBR_USERNAME``
    and ``DRFLOW_VBR_PASSWORD``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str | None = Field(default=None, description="VBR REST API URL, e.g. https://vbr:9419.")
    api_version: str | None = Field(default=None, description="x-api-version (1.3-rev1).")
    ca_bundle: str | None = Field(default=None, description="PEM file to trust the server with.")
    fingerprint: str | None = Field(
        default=None, description="SHA-256 fingerprint of the server certificate to pin."
    )
    insecure: bool | None = Field(default=None, description="Skip TLS verification (warned).")
    credentials_block: str | None = Field(
        default=None,
        description="Name of a Prefect Secret block holding {username, password}.",
    )

    def settings(self) -> VBRSettings:
        """Resolve into client settings, loading the credentials where they are kept."""
        overrides: dict[str, Any] = self.model_dump(
            exclude_none=True, exclude={"credentials_block"}
        )
        if self.credentials_block:
            overrides.update(_credentials_from_block(self.credentials_block))
        return VBRSettings.resolve(**overrides)


def _credentials_from_block(name: str) -> dict[str, Any]:
    from prefect.blocks.system import Secret

    try:
        value = Secret.load(name, validate=False).get()
    except ValueError as exc:
        raise VBRConfigError(
            f"Prefect Secret block {name!r} was not found: create it with the VBR credentials "
            '(value {"username": "...", "password": "..."})'
        ) from exc
    if isinstance(value, dict) and "password" in value:
        credentials: dict[str, Any] = {"password": SecretStr(str(value["password"]))}
        if value.get("username"):
            credentials["username"] = str(value["username"])
        return credentials
    if isinstance(value, str) and value:
        return {"password": SecretStr(value)}
    raise VBRConfigError(
        f"Prefect Secret block {name!r} must hold a password or "
        '{"username": "...", "password": "..."}'
    )


_clients: dict[VBRConnection, VBRClient] = {}
_clients_lock = threading.Lock()


def get_client(connection: VBRConnection) -> VBRClient:
    """The process-wide client for ``connection`` (tokens are shared by every task)."""
    with _clients_lock:
        client = _clients.get(connection)
        if client is None:
            client = _clients[connection] = VBRClient(connection.settings())
        return client


def close_clients() -> None:
    """Log out of every VBR server this process talked to."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()


atexit.register(close_clients)
