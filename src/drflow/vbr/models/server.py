"""What the VBR server says about itself."""

from __future__ import annotations

from datetime import datetime

from ._base import OpenEnum, VBRModel


class VBRServerPlatform(OpenEnum):
    LINUX = "Linux"
    WINDOWS = "Windows"


class VeeamRegistrationInfo(VBRModel):
    is_registered: bool
    expiration_date: datetime | None = None
    thumprint: str | None = None  # sic: the vendor's spelling


class ServerInfoModel(VBRModel):
    vbr_id: str
    name: str
    build_version: str
    patches: list[str]
    database_vendor: str
    sql_server_edition: str
    sql_server_version: str
    database_schema_version: str
    database_content_version: str
    veeam_registration: VeeamRegistrationInfo
    platform: VBRServerPlatform
