"""Pieces shared by several restore specs."""

from __future__ import annotations

from ._base import OpenEnum, VBRModel


class VirusDetectionAction(OpenEnum):
    DISABLE_NETWORK = "DisableNetwork"
    ABORT_RECOVERY = "AbortRecovery"
    IGNORE = "Ignore"


class SecureRestoreSpec(VBRModel):
    """Antivirus scan before the restored machine is started."""

    antivirus_scan_enabled: bool
    virus_detection_action: VirusDetectionAction | None = None
    entire_volume_scan_enabled: bool | None = None


class InstantRecoveryMountState(OpenEnum):
    FAILED = "Failed"
    MOUNTING = "Mounting"
    MOUNTED = "Mounted"
    DISMOUNTING = "Dismounting"


class InstantVMRecoveryModeType(OpenEnum):
    ORIGINAL_LOCATION = "OriginalLocation"
    CUSTOMIZED = "Customized"
