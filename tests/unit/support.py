"""What the unit tests of the VBR client share."""

TOKEN = {
    "access_token": "a",
    "token_type": "bearer",
    "refresh_token": "r",
    "expires_in": 3600,
    ".issued": "2026-01-01T00:00:00Z",
    ".expires": "2026-01-01T01:00:00Z",
}
"""VBR's answer to a token request (``POST /api/oauth2/token``)."""
