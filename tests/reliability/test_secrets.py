"""A run with fake GitHub tokens leaves them nowhere but where the user keeps them.

One token comes from the environment (``PHOTOFINISH_GITHUB_TOKEN``) and is
used by ``photofinish record`` in a subprocess; another is typed into the
settings and used by the window's live sources. Both talk to a fake GitHub
that echoes the Authorization header back every way it can: in JSON error
messages (short, and long enough to be cut off mid-token), in the count's
field, in HTML error pages, in the status line, and in redirects to URLs that
carry the token (followed on the same host, refused to another). Then
everything the app can export is exported, and the raw bytes of the session
file (with its -wal and -shm), the saved copy, every export, every log file
(all rotations), the captured output and every text shown in the window are
searched for each token, its URL-quoted forms and any ten characters of it.
Only the settings file may hold the typed token.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from PySide6.QtWidgets import QApplication

from photofinish.core.live.source_state import STARTING
from photofinish.core.model import KIND_SOURCE, Competitor, Race, SourceConfig
from photofinish.core.store import Store
from photofinish.session import Session
from tests.reliability.support import LocalServer
from tests.reliability.test_plain_text import shown_texts

EXE = Path(sys.executable).parent / "photofinish"
TOKEN_ENV = "ghp_Q7envZ3kT9mW2xR5vL8nB4cY6hJ1pF0dS3aE"
TOKEN_TYPED = "ghp_K2typD8rN5qX7wM3zV9bH4gT6cL1jY0sP5uA"
TOKENS = (TOKEN_ENV, TOKEN_TYPED)

ALICE = ("echo401", "echo500", "echolong", "echofield", "redirsame")
BOB = ("echohtml", "echohtml200", "redirother", "redirclose", "echoheaders")


def leaks(data: bytes) -> list[str]:
    """Which token (or URL-quoted form, or any ten characters of one) is in ``data``."""
    found = []
    for token in TOKENS:
        forms = {token, quote(token, safe=""), quote_plus(token)}
        # Ten characters past the common "ghp_" prefix already identify the token.
        forms |= {token[i : i + 10] for i in range(4, len(token) - 9)}
        found += [f"{token[:8]}… as {form!r}" for form in forms if form.encode() in data]
    return sorted(set(found))


class EchoGitHub(LocalServer):
    """GitHub's users and repos endpoints, echoing the Authorization header back."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []  # (path, Authorization)
        self.count = 1000
        super().__init__(_handler(self))

    def asked(self, name: str, token: str) -> bool:
        return any(
            p.startswith(f"/users/{name}") and a == f"Bearer {token}" for p, a in self.requests
        )


def _handler(server: EchoGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ")
            server.requests.append((self.path, auth))
            path = self.path
            if path.startswith("/repos/"):
                server.count += 3
                self._json(200, {"full_name": "octo/repo", "stargazers_count": server.count})
            elif path == "/users/octo":
                server.count += 2
                self._json(200, {"login": "octo", "followers": server.count})
            elif path == "/users/echo401":
                self._json(
                    401,
                    {
                        "message": f"Bad credentials: {auth}",
                        "documentation_url": f"https://docs.github.com/rest?token={token}",
                    },
                )
            elif path == "/users/echo500":
                # The token in the status line too (http.server sends it as the reason phrase).
                self._json(500, {"message": f"<b>boom</b> {auth}"}, phrase=f"Broken {token}")
            elif path == "/users/echolong":
                # Long enough that a message cut to a hundred-odd characters cuts the token.
                self._json(500, {"message": "x" * 95 + " " + auth + " and more words"})
            elif path == "/users/echofield":
                self._json(200, {"login": "echofield", "followers": auth})
            elif path in ("/users/echohtml", "/users/echohtml200"):
                page = f"<html><body><h1>Error</h1><p>{auth}</p><a href='/?t={token}'>x</a>"
                self._send(503 if path.endswith("html") else 200, "text/html", page.encode())
            elif path == "/users/redirsame":
                self._redirect(f"/landing/{token}?access_token={quote(token)}")
            elif path.startswith("/landing/"):
                self._json(500, {"message": f"you came from {self.path} with {auth}"})
            elif path == "/users/redirother":
                self._redirect(f"http://localhost:{server.port}/steal?token={token}")
            elif path == "/users/redirclose":
                self._redirect(f"/dead?token={token}")
            elif path.startswith("/dead"):
                self.close_connection = True  # hang up without an answer
            elif path == "/users/echoheaders":
                body = json.dumps({"message": dict(self.headers.items())}).encode()
                self._send(429, "application/json", body, {"Retry-After": token})
            else:
                self._json(404, {"message": f"Not Found {auth}"})

        def _json(self, status: int, doc: Any, phrase: str | None = None) -> None:
            self._send(status, "application/json", json.dumps(doc).encode(), phrase=phrase)

        def _redirect(self, location: str) -> None:
            self._send(302, "text/plain", b"", {"Location": location})

        def _send(
            self,
            status: int,
            ctype: str,
            body: bytes,
            headers: dict[str, str] | None = None,
            phrase: str | None = None,
        ) -> None:
            try:
                self.send_response(status, phrase)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass

    return Handler


@pytest.fixture
def github() -> Iterator[EchoGitHub]:
    server = EchoGitHub()
    yield server
    server.stop()


@pytest.fixture
def installed_logging():
    """The app's log (file and stderr) as the command line installs it; removed afterwards."""
    from photofinish.core import logs

    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    logs.setup(debug=True)
    yield logs.log_file()
    for handler in list(root.handlers):
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def _race(path: Path, github: EchoGitHub) -> Path:
    store = Store.create(
        path,
        Race("Secrets", 1_000_000, display_tz="UTC"),
        [Competitor("alice", "Alice", "#E69F00"), Competitor("bob", "Bob", "#56B4E9")],
    )
    base = github.base_url
    store.save_source(SourceConfig("alice", "github-followers:octo", 1, True, base))
    store.save_source(SourceConfig("bob", "github-stars:octo/repo", 1, True, base))
    for handle, names in (("alice", ALICE), ("bob", BOB)):
        for name in names:
            store.save_source(SourceConfig(handle, f"github-followers:{name}", 1, True, base))
    store.close()
    return path


def test_tokens_appear_nowhere_after_recording_live_sources_and_exporting(
    qtbot, tmp_path, monkeypatch, capfd, caplog, github, installed_logging
):
    from photofinish.cli.main import main
    from photofinish.settings import set_secret
    from photofinish.ui.dialogs.notice import open_notices
    from photofinish.ui.dialogs.sources import SourcesDialog
    from photofinish.ui.window.main_window import MainWindow

    caplog.set_level(logging.DEBUG)
    session_path = _race(tmp_path / "race.pfrace", github)
    set_secret("github_token", TOKEN_TYPED)  # kept in the settings file; that one may hold it
    out = tmp_path / "exports"
    out.mkdir()

    # -- the recorder, with the token from the environment ----------------------------------
    monkeypatch.setenv("PHOTOFINISH_GITHUB_TOKEN", TOKEN_ENV)
    recorder = subprocess.run(
        [str(EXE), "--debug", "record", str(session_path), "--duration", "4"],
        capture_output=True,
        timeout=60,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert recorder.returncode == 0, recorder.stderr.decode(errors="replace")
    for name in ALICE + BOB:
        assert github.asked(name, TOKEN_ENV), name  # the token went, and came back
    monkeypatch.delenv("PHOTOFINISH_GITHUB_TOKEN")

    # -- the window, with the token typed into the settings -----------------------------------
    window = MainWindow(Session(Store.open(session_path)), replay=False, restore=False)
    qtbot.addWidget(window)
    window.resize(1400, 850)
    window.show()
    runner = window.live.runner
    qtbot.waitUntil(
        lambda: (
            all(github.asked(n, TOKEN_TYPED) for n in ALICE + BOB)
            and len(runner.statuses()) == 2 + len(ALICE) + len(BOB)
            and all(st.state != STARTING for _, st in runner.statuses().values())
            and window.session.series_count() > 0
        ),
        timeout=15_000,
    )
    runner.flush()
    window.live.refresh()
    shown = shown_texts(window)
    log = window.log_panel
    for row in range(log.proxy.rowCount()):
        menu = log.context_menu_for(log.event_at_view_row(row))
        shown += shown_texts(menu)
        menu.deleteLater()
    sources = SourcesDialog(
        window.session.competitors,
        window.session.sources(),
        window.live.status_texts(),
        window,
    )
    sources.show()
    assert sources.key_edits["github_token"].text() == TOKEN_TYPED  # there, behind dots
    shown += shown_texts(sources)
    sources.reject()

    # -- every export --------------------------------------------------------------------------
    exports = window.exports
    assert exports.export_chart(out / "chart.png")
    assert exports.export_chart(out / "chart.svg")
    assert exports.export_window(out / "window.png")
    assert exports.export_log(out / "log.md", "md")
    assert exports.export_log(out / "log.csv", "csv")
    results: list[tuple[str, object]] = []
    for job in (
        exports.export_snapshots(out / "snapshots.csv"),
        exports.export_clip(out / "replay.gif", 1, 5, (320, 200)),
    ):
        assert job is not None
        job.finished.connect(lambda result: results.append(("done", result)))
        job.failed.connect(lambda why: results.append(("failed", why)))
    qtbot.waitUntil(lambda: len(results) == 2, timeout=30_000)
    assert [kind for kind, _ in results] == ["done", "done"], results
    assert window.copies.save_copy_to(out / "copy.pfrace")
    shown += shown_texts(window)  # the status bar says where each went
    shown += [t for box in open_notices() for t in shown_texts(box)]
    window.close()
    for args in (
        ["export", str(session_path), str(out / "cli-snapshots.csv")],
        ["export", str(session_path), str(out / "cli-events.md"), "--what", "events"],
        ["export", str(session_path), str(out / "cli-events.csv"), "--what", "events"],
        ["summary", str(session_path), "--json"],
    ):
        assert main(args) == 0
    captured = capfd.readouterr()
    (out / "summary.json").write_text(captured.out, encoding="utf-8")

    # -- it all happened -------------------------------------------------------------------------
    with Store.open(session_path, read_only=True) as store:
        reasons = [e.text for e in store.events() if e.kind == KIND_SOURCE]
        readings = store.snapshot_count()
    for words in (
        "HTTP 401",
        "HTTP 500",
        "followers is",
        "HTML page",
        "redirected to another address (http://localhost",
        "rate limit",
    ):
        assert any(words in r for r in reasons), (words, reasons)
    assert readings >= 4
    logs_folder = installed_logging.parent
    log_files = [p for p in logs_folder.rglob("*") if p.is_file()]
    log_text = b"".join(p.read_bytes() for p in log_files)
    assert b"Source started" in log_text and b"HTTP 401" in log_text  # both runs logged
    exported = [p for p in out.rglob("*") if p.is_file()]
    assert len(exported) >= 12 and all(p.stat().st_size > 0 for p in exported)

    # -- and no token anywhere ----------------------------------------------------------------
    files = [*exported, *log_files]
    files += [Path(f"{session_path}{suffix}") for suffix in ("", "-wal", "-shm")]
    problems = {str(p): leaks(p.read_bytes()) for p in files if p.exists()}
    problems["recorder stdout"] = leaks(recorder.stdout)
    problems["recorder stderr"] = leaks(recorder.stderr)
    problems["stdout"] = leaks(captured.out.encode())
    problems["stderr"] = leaks(captured.err.encode())
    problems["log records"] = leaks(caplog.text.encode())
    problems["window"] = leaks("\n".join(s.text for s in shown).encode())
    problems["reasons"] = leaks("\n".join(reasons).encode())
    assert not {k: v for k, v in problems.items() if v}
    assert recorder.stdout and b"HTTP 401" in recorder.stdout
    assert len(shown) > 100 and any("HTTP 500" in s.text for s in shown)
    QApplication.processEvents()
