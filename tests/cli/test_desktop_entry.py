"""The .desktop entry and ``photofinish desktop-entry``: valid, installed per user, undone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from photofinish.cli import desktop_entry as desktop
from tests.cli.support import run
from tests.conftest import ROOT

ENTRY = ROOT / "resources" / "photofinish.desktop"
ICON = ROOT / "resources" / "photofinish.svg"
VALIDATE = shutil.which("desktop-file-validate")
needs_validator = pytest.mark.skipif(
    VALIDATE is None, reason="desktop-file-validate (Debian: desktop-file-utils) is not installed"
)


def _keys(text: str) -> dict[str, str]:
    lines = text.splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line and not line.startswith("#"))


def _validate(path: Path) -> None:
    assert VALIDATE is not None
    done = subprocess.run([VALIDATE, str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "xdg data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.fixture
def script(tmp_path, monkeypatch) -> Path:
    """A stand-in for a venv's ``photofinish`` script, in a folder whose name needs quoting."""
    exe = tmp_path / "my venv" / "bin" / "photofinish"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setattr(sys, "argv", [str(exe), "desktop-entry"])
    return exe


@needs_validator
def test_the_shipped_entry_is_valid():
    _validate(ENTRY)


def test_the_shipped_entry_names_the_app_icon_and_window_class(qapp):
    from photofinish.app.application import application

    keys = _keys(ENTRY.read_text(encoding="utf-8"))
    assert keys["Type"] == "Application"
    assert keys["Name"] == "Photo Finish"
    assert keys["GenericName"] and keys["Comment"] and keys["Keywords"].endswith(";")
    assert keys["Categories"].endswith(";")
    assert keys["Exec"].split()[0] == "photofinish"
    assert keys["Terminal"] == "false"
    assert keys["Icon"] == "photofinish" == ICON.stem
    # The window manager matches windows to the entry by this class.
    assert keys["StartupWMClass"] == application().desktopFileName() == "photofinish"


def test_without_an_option_it_only_says_what_it_would_do(data_home, script, capsys):
    code, out, err = run(capsys, "desktop-entry")
    assert code == 0 and not err
    assert str(data_home / "applications" / "photofinish.desktop") in out
    assert str(data_home / "icons" / "hicolor" / "scalable" / "apps" / "photofinish.svg") in out
    assert "not installed" in out and "--install" in out
    assert not data_home.exists()


def test_install_writes_entry_and_icon_then_uninstall_removes_them(data_home, script, capsys):
    code, out, err = run(capsys, "desktop-entry", "--install")
    assert code == 0, err
    entry = data_home / "applications" / "photofinish.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "photofinish.svg"
    assert f"Installed {entry}" in out and f"Installed {icon}" in out
    assert icon.read_bytes() == ICON.read_bytes()
    keys = _keys(entry.read_text(encoding="utf-8"))
    # The absolute path of the running script, quoted for the space in it.
    assert keys["Exec"] == f'"{script}" %f'
    assert keys["TryExec"] == str(script)
    shipped = _keys(ENTRY.read_text(encoding="utf-8"))
    assert {k: v for k, v in keys.items() if k not in ("Exec", "TryExec")} == {
        k: v for k, v in shipped.items() if k not in ("Exec", "TryExec")
    }
    if VALIDATE:
        _validate(entry)

    code, out, _ = run(capsys, "desktop-entry")
    assert code == 0 and "is installed" in out

    code, out, err = run(capsys, "desktop-entry", "--uninstall")
    assert code == 0, err
    assert f"Removed {entry}" in out and f"Removed {icon}" in out
    assert not entry.exists() and not icon.exists()

    code, out, _ = run(capsys, "desktop-entry", "--uninstall")
    assert code == 0 and "Nothing to remove" in out


def test_install_twice_replaces_the_entry(data_home, script, capsys):
    assert run(capsys, "desktop-entry", "--install")[0] == 0
    assert run(capsys, "desktop-entry", "--install")[0] == 0
    apps = data_home / "applications"
    assert sorted(p.name for p in apps.iterdir() if p.suffix == ".desktop") == [
        "photofinish.desktop"
    ]
    assert not list(data_home.rglob(".*.new"))


def test_install_into_an_unwritable_place_is_one_line_and_no_traceback(data_home, script, capsys):
    # A file where the applications folder should be: refused even for root.
    data_home.mkdir()
    (data_home / "applications").write_text("not a folder")
    code, out, err = run(capsys, "desktop-entry", "--install")
    assert code == 1
    assert err.startswith("photofinish: error: desktop-entry: could not install")
    assert "applications" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_install_into_a_read_only_folder(data_home, script, capsys):
    data_home.mkdir()
    data_home.chmod(0o555)
    try:
        code, _, err = run(capsys, "desktop-entry", "--install")
    finally:
        data_home.chmod(0o755)
    assert code == 1 and "could not install" in err and "Traceback" not in err


def test_cache_tools_run_only_when_present_and_their_failure_is_a_note(
    data_home, script, tmp_path, monkeypatch, capsys
):
    tools = tmp_path / "tools"
    tools.mkdir()
    log = tmp_path / "calls.txt"
    ok = tools / "update-desktop-database"
    ok.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{log}"\n')
    bad = tools / "gtk-update-icon-cache"
    bad.write_text("#!/bin/sh\necho 'gtk-update-icon-cache: no luck' >&2\nexit 1\n")
    ok.chmod(0o755)
    bad.chmod(0o755)
    monkeypatch.setenv("PATH", str(tools))
    code, out, _ = run(capsys, "desktop-entry", "--install")
    assert code == 0
    assert log.read_text().splitlines() == ["-q", str(data_home / "applications")]
    assert "ran update-desktop-database" in out
    assert "gtk-update-icon-cache failed (gtk-update-icon-cache: no luck)" in out

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, out, _ = run(capsys, "desktop-entry", "--install")
    assert code == 0 and "ran " not in out and "failed" not in out


def test_relative_xdg_data_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    assert desktop.data_home() == tmp_path / ".local" / "share"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert desktop.data_home() == tmp_path / ".local" / "share"


@pytest.mark.parametrize(
    ("arg", "stored"),
    [
        ("/opt/pf/bin/photofinish", "/opt/pf/bin/photofinish"),
        ("/home/me/my venv/bin/photofinish", '"/home/me/my venv/bin/photofinish"'),
        ("/home/me/100%/photofinish", "/home/me/100%%/photofinish"),
        ('/a "b"/$x`y`', r'"/a \\"b\\"/\\$x\\`y\\`"'),
        ("/a\\b c", r'"/a\\\\b c"'),
    ],
)
def test_exec_arguments_are_quoted_by_the_spec(arg, stored):
    assert desktop.exec_quote(arg) == stored


def test_without_a_script_the_entry_runs_python_dash_m_photofinish(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", [str(ROOT / "gui" / "__main__.py")])
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python3"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert desktop.running_command() == [str(tmp_path / "python3"), "-m", "photofinish"]


@needs_validator
def test_the_installed_command_writes_its_own_path(tmp_path):
    """End to end through this venv's real ``photofinish`` script."""
    exe = Path(sys.executable).parent / "photofinish"
    if not exe.is_file():
        pytest.skip("no photofinish script beside this Python")
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    done = subprocess.run(
        [str(exe), "desktop-entry", "--install"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    entry = tmp_path / "data" / "applications" / "photofinish.desktop"
    assert _keys(entry.read_text())["Exec"] == f"{exe} %f"
    _validate(entry)


XDG_MIME = shutil.which("xdg-mime")
needs_xdg_mime = pytest.mark.skipif(
    XDG_MIME is None or shutil.which("update-mime-database") is None,
    reason="xdg-mime and update-mime-database (Debian: xdg-utils, shared-mime-info) are needed",
)


def _xdg_mime(*args: str) -> str:
    assert XDG_MIME is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_CURRENT")}
    env.pop("DESKTOP_SESSION", None)  # the generic lookup: the shared MIME database
    done = subprocess.run(
        [XDG_MIME, *args], capture_output=True, text=True, check=False, env=env, timeout=60
    )
    return done.stdout.strip()


@needs_xdg_mime
@needs_validator
def test_race_files_open_with_photofinish_once_installed_and_not_after(
    capsys, monkeypatch, script, sample_path, tmp_path
):
    # xdg-mime splits its search path on spaces: a data folder without one here.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    race = tmp_path / "the race.pfrace"
    shutil.copyfile(sample_path, race)
    before = _xdg_mime("query", "filetype", str(race))
    assert before != desktop.MIME_TYPE
    assert run(capsys, "desktop-entry", "--install")[0] == 0
    target = desktop.plan()
    _validate(target.desktop_file)
    assert f"MimeType={desktop.MIME_TYPE};" in target.desktop_file.read_text()
    assert target.mime_icon_file.is_file()
    assert _xdg_mime("query", "filetype", str(race)) == desktop.MIME_TYPE
    assert _xdg_mime("query", "default", desktop.MIME_TYPE) == "photofinish.desktop"
    code, out, _ = run(capsys, "desktop-entry", "--uninstall")
    assert code == 0 and str(target.mime_file) in out
    assert not any(path.exists() for path in target.files())
    assert _xdg_mime("query", "filetype", str(race)) != desktop.MIME_TYPE
