"""Authentication, error and other models shared by every operation."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from ._base import OpenEnum, RequestModel, VBRModel


class ErrorCode(OpenEnum):
    ACCESS_DENIED = "AccessDenied"
    EXPIRED_TOKEN = "ExpiredToken"
    INVALID_TOKEN = "InvalidToken"
    INVALID_URI = "InvalidURI"
    METHOD_NOT_ALLOWED = "MethodNotAllowed"
    NOT_FOUND = "NotFound"
    NOT_IMPLEMENTED = "NotImplemented"
    SERVICE_UNAVAILABLE = "ServiceUnavailable"
    UNEXPECTED_CONTENT = "UnexpectedContent"
    UNKNOWN_ERROR = "UnknownError"


class Error(VBRModel):
    """The body of every VBR error answer."""

    error_code: ErrorCode
    message: str
    resource_id: str | None = None


class LoginGrantType(OpenEnum):
    PASSWORD = "Password"
    REFRESH_TOKEN = "Refresh_token"
    AUTHORIZATION_CODE = "Authorization_code"
    VBR_TOKEN = "Vbr_token"


class TokenLoginSpec(RequestModel):
    """Form fields of ``POST /api/oauth2/token`` (sent form-encoded, snake_case on the wire)."""

    model_config = ConfigDict(alias_generator=None)

    grant_type: LoginGrantType
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    code: str | None = None
    use_short_term_refresh: bool | None = None

    def to_form(self) -> dict[str, str]:
        """Form fields as VBR reads them: booleans lower-case, nothing unset."""
        form: dict[str, str] = {}
        for key, value in self.model_dump(by_alias=True, exclude_none=True, mode="json").items():
            form[key] = str(value).lower() if isinstance(value, bool) else str(value)
        return form

    def __repr__(self) -> str:  # never show the password or refresh token
        return f"TokenLoginSpec(grant_type={self.grant_type.value!r}, username={self.username!r})"

    __str__ = __repr__


class TokenModel(VBRModel):
    """An access token and the refresh token that renews it."""

    access_token: str = Field(alias="access_token", repr=False)
    token_type: str = Field(alias="token_type")
    refresh_token: str = Field(alias="refresh_token", repr=False)
    expires_in: int = Field(alias="expires_in")
    issued: datetime = Field(alias=".issued")
    expires: datetime = Field(alias=".expires")


class EmptySuccessResponse(VBRModel):
    """An empty JSON object answered by operations that have nothing to return."""
