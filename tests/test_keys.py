"""Keys live in the system keyring where there is one, else in the private settings file."""

from __future__ import annotations

import stat
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from photofinish import settings


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps passwords in a dict: a stand-in for Secret Service or KWallet."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.kept.get((service, username))

    def set_password(self, service, username, password):
        self.kept[(service, username)] = password

    def delete_password(self, service, username):
        if self.kept.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def ring():
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


def _file_text() -> str:
    path = Path(settings.settings().fileName())
    return path.read_text() if path.exists() else ""


def test_keys_go_to_the_keyring_and_never_into_the_file(qapp, ring):
    settings.set_secret("github_token", "ghp_secret123")
    assert ring.kept == {("photofinish", "github_token"): "ghp_secret123"}
    assert "ghp_secret123" not in _file_text()
    assert settings.secret("github_token") == "ghp_secret123"
    settings.set_secret("github_token", "")
    assert ring.kept == {}
    assert settings.secret("github_token") == ""


def test_keys_kept_in_the_file_move_to_the_keyring_once(qapp, monkeypatch):
    keyring.set_keyring(__import__("keyring.backends.fail", fromlist=["Keyring"]).Keyring())
    settings.set_secret("youtube_key", "AIza-old")
    assert "AIza-old" in _file_text()  # how an earlier version (or no keyring) kept it
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    assert settings.secret("youtube_key") == "AIza-old"
    assert ring.kept == {("photofinish", "youtube_key"): "AIza-old"}
    assert "AIza-old" not in _file_text()
    ring.kept.clear()
    assert settings.secret("youtube_key") == ""  # moved once, not copied back and forth


def test_without_a_keyring_the_file_keeps_keys_for_the_user_only(qapp):
    settings.set_secret("x_token", "AAAA-bearer")
    path = Path(settings.settings().fileName())
    assert "AAAA-bearer" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert settings.secret("x_token") == "AAAA-bearer"


def test_a_keyring_that_fails_falls_back_to_the_file(qapp, ring, monkeypatch, caplog):
    def broken(*_args):
        raise keyring.errors.KeyringLocked("locked")

    monkeypatch.setattr(ring, "set_password", broken)
    settings.set_secret("github_token", "ghp_fallback")
    assert "ghp_fallback" in _file_text()
    assert "Could not keep the github_token in the system keyring" in caplog.text
    assert "ghp_fallback" not in caplog.text
