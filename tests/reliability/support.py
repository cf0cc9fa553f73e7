"""Shared pieces of the reliability tests: growing feed files for the recorder and the window."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Feeds:
    """Two CSV files that grow every few milliseconds while the recorder follows them."""

    def __init__(self, folder: Path, pause_s: float = 0.004) -> None:
        self.pause_s = pause_s
        self.written = 0
        self.paths = {h: folder / f"{h}.csv" for h in ("alice", "bob")}
        for p in self.paths.values():
            p.write_text("timestamp,competitor,count\n")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._write, daemon=True)
        self.start_s = 1_700_000_000

    def _write(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.start_s + n))
            for i, (handle, path) in enumerate(self.paths.items()):
                with path.open("a") as fh:
                    fh.write(f"{stamp},{handle},{1000 + 7 * n + i}\n")
            self.written = n
            time.sleep(self.pause_s)

    def __enter__(self) -> Feeds:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop writing (the files stay)."""
        self._stop.set()
        self._thread.join(5)

    def __exit__(self, *exc: object) -> None:
        self.stop()


EXE = Path(sys.executable).parent / "photofinish"


def new_race(path: Path, title: str = "Race") -> Path:
    """A new session file racing alice against bob (the competitors the feeds write)."""
    from photofinish.core.model import Competitor, Race
    from photofinish.core.store import Store

    Store.create(
        path,
        Race(title, 10_000_000),
        [Competitor("alice", "Alice", "#E69F00"), Competitor("bob", "Bob", "#56B4E9")],
    ).close()
    return path


class Recorder:
    """``photofinish record`` in a subprocess following feed files, with its output lines."""

    def __init__(self, session: Path, feeds: Feeds, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [str(EXE), "record", str(session), "--interval", "1", *extra]
            + [f"--feed={h}=file:{p}" for h, p in feeds.paths.items()],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        # A failed assertion must not leave the recorder running after the test.
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._reader.join(10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None and not pipe.closed:
                pipe.close()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, word: str, timeout_s: float = 30) -> str:
        """The first line with ``word`` in its kind column, waiting for it to come."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = [line for line in self.lines if f"  {word}  " in line]
            if found:
                return found[0]
            assert time.monotonic() < deadline, f"no {word!r} line: {self.lines}"
            assert self.proc.poll() is None, f"the recorder ended: {self.lines}"
            time.sleep(0.02)

    def finish(self, how: int = signal.SIGTERM) -> str:
        """Stop it with a signal; returns what it wrote to stderr."""
        self.proc.send_signal(how)
        self.proc.wait(20)
        self._reader.join(10)
        assert self.proc.stderr is not None and self.proc.stdout is not None
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return err


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 with a free port; subclasses give the handler."""

    def __init__(self, handler: Callable[..., BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """Its address, for a source's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
