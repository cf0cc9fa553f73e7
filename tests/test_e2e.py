"""End to end: the real app on a virtual X display, replaying the 2009 race."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXE = Path(sys.executable).parent / "photofinish"
TITLE = "Photo Finish — Kutcher vs CNN"

pytestmark = pytest.mark.e2e


@pytest.fixture
def xvfb():
    if shutil.which("Xvfb") is None or shutil.which("xwininfo") is None:
        pytest.skip("Xvfb and xwininfo are not installed (make test installs them on Debian)")
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x900x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as fh:
        number = fh.readline().strip()
    assert number, "Xvfb did not report a display"
    yield f":{number}"
    proc.terminate()
    proc.wait(timeout=10)


def window_info(display: str) -> str:
    env = {**os.environ, "DISPLAY": display}
    done = subprocess.run(
        ["xwininfo", "-root", "-tree"], capture_output=True, text=True, env=env, timeout=10
    )
    return done.stdout


def test_app_runs_on_a_virtual_display(xvfb, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(
        DISPLAY=xvfb,
        XDG_DATA_HOME=str(tmp_path / "d"),
        XDG_CACHE_HOME=str(tmp_path / "c"),
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
    )
    app = subprocess.Popen(
        [str(EXE)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and app.poll() is None:
            tree = window_info(xvfb)
            found = [x for x in tree.splitlines() if TITLE in x]
            if found:
                line = found[0]
                break
            time.sleep(0.5)
        err = app.stderr.read() if app.poll() is not None else ""
        assert line, f"no window titled {TITLE!r}; stderr: {err}"
        window_id = line.split()[0]
        info = ""
        while time.monotonic() < deadline and "IsViewable" not in info:
            info = subprocess.run(
                ["xwininfo", "-id", window_id],
                capture_output=True,
                text=True,
                env={**os.environ, "DISPLAY": xvfb},
                timeout=10,
            ).stdout
            time.sleep(0.2)
        assert "Map State: IsViewable" in info
        time.sleep(4)  # a few seconds of replay
        assert app.poll() is None, "the app died while replaying"
        app.send_signal(signal.SIGTERM)
        out, err = app.communicate(timeout=20)
        assert app.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
