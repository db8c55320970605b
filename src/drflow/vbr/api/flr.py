"""File-level restore mounts: ``/api/v1/restore/flr``."""

from __future__ import annotations

from uuid import UUID

from ..models import (
    FlrBrowseMountModel,
    FlrMountSpec,
    FlrRestoreCredentialsValidationResult,
    FlrRestoreCredentialsValidationSpec,
    SessionModel,
)
from ._base import API

_PATH = "/api/v1/restore/flr"


class FlrAPI(API):
    """Mount a restore point's file systems, check guest credentials, unmount."""

    def start_mount(self, spec: FlrMountSpec) -> FlrBrowseMountModel:
        """``StartFlrMount``: mount the restore point's file systems; answers the mount.

        Not retried once the request may have reached VBR (the mount cannot be read back).
        """
        return self._client.request("POST", _PATH, json=spec.to_api(), model=FlrBrowseMountModel)

    def unmount(self, session_id: UUID | str) -> SessionModel:
        """``StopFlrMount``: unmount; answers the session."""
        return self._client.request(
            "POST", f"{_PATH}/{session_id}/unmount", model=SessionModel, idempotent=True
        )

    def validate_credentials(
        self, session_id: UUID | str, spec: FlrRestoreCredentialsValidationSpec
    ) -> FlrRestoreCredentialsValidationResult:
        """``FlrRestoreValidateCredentials``: check guest OS credentials (changes nothing)."""
        return self._client.request(
            "POST",
            f"{_PATH}/{session_id}/validateCredentials",
            json=spec.to_api(),
            model=FlrRestoreCredentialsValidationResult,
            idempotent=True,
        )
