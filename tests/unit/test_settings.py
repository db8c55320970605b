"""VBRSettings: environment, defaults and the errors a typo gets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from drflow.vbr import VBRClient, VBRConfigError, VBRSettings, normalize_fingerprint


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRFLOW_VBR_URL", "https://vbr01.lab")
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "svc")
    monkeypatch.setenv("DRFLOW_VBR_PASSWORD", "s3cret")
    monkeypatch.setenv("DRFLOW_VBR_API_VERSION", "1.3-rev0")
    monkeypatch.setenv("DRFLOW_VBR_FINGERPRINT", "ab" * 32)
    settings = VBRSettings()
    assert settings.url == "https://vbr01.lab:9419"  # the default port is added
    assert settings.username == "svc"
    assert settings.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    assert settings.api_version == "1.3-rev0"
    assert settings.fingerprint == "AB" * 32


def test_explicit_port_and_path_are_kept_clean() -> None:
    assert VBRSettings(url="https://vbr:443/").url == "https://vbr:443"


@pytest.mark.parametrize("url", ["vbr01", "ftp://vbr01", "https://"])
def test_bad_url_names_the_field(url: str) -> None:
    with pytest.raises(ValidationError) as info:
        VBRSettings(url=url)
    assert info.value.errors()[0]["loc"] == ("url",)


def test_fingerprint_forms() -> None:
    colons = ":".join(["AB"] * 32)
    assert normalize_fingerprint(colons) == "AB" * 32
    assert normalize_fingerprint("sha256:" + "ab" * 32) == "AB" * 32
    with pytest.raises(ValueError, match="64 hexadecimal digits"):
        normalize_fingerprint("abc")


def test_missing_ca_bundle_is_refused(tmp_path) -> None:
    with pytest.raises(ValidationError, match="not a readable file"):
        VBRSettings(ca_bundle=tmp_path / "nope.pem")


def test_insecure_and_pinning_contradict() -> None:
    with pytest.raises(ValidationError, match="choose one way"):
        VBRSettings(insecure=True, fingerprint="ab" * 32)


def test_client_without_credentials_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRFLOW_VBR_USERNAME", raising=False)
    monkeypatch.delenv("DRFLOW_VBR_PASSWORD", raising=False)
    with pytest.raises(VBRConfigError, match="DRFLOW_VBR_USERNAME"):
        VBRClient(VBRSettings(url="https://vbr"))
