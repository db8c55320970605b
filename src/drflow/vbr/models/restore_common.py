"""Pieces shared by several restore specs."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

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


class RestoreProxySpec(VBRModel):
    """Which backup proxies move the data: chosen automatically or listed."""

    auto_select_enabled: bool
    proxy_ids: list[UUID] | None = None


class JobStopSpec(VBRModel):
    """How to stop a running job or session (the server's default is a graceful stop)."""

    graceful_stop: bool
    cancel_chained_jobs: bool | None = None


class IPv4SettingsModel(VBRModel):
    """Static IPv4 addressing; the DNS fields are capitalised on the wire."""

    ip_address: str
    subnet_mask: str | None = None
    default_gateway: str | None = None
    preferred_dns_server: str | None = Field(default=None, alias="preferredDNSServer")
    alternate_dns_server: str | None = Field(default=None, alias="alternateDNSServer")


class IPv6SettingsModel(VBRModel):
    """Static IPv6 addressing; the DNS fields are capitalised on the wire."""

    ip_address: str
    prefix_length: int | None = None
    default_gateway: str | None = None
    preferred_dns_server: str | None = Field(default=None, alias="preferredDNSServer")
    alternate_dns_server: str | None = Field(default=None, alias="alternateDNSServer")


class IpSettingsModel(VBRModel):
    """Network settings of a helper appliance (``IPv4Settings``/``IPv6Settings`` on the wire)."""

    ipv4_settings: IPv4SettingsModel | None = Field(default=None, alias="IPv4Settings")
    ipv6_settings: IPv6SettingsModel | None = Field(default=None, alias="IPv6Settings")
