"""Shared pieces of the reliability tests: growing feed files for the recorder and the window."""

from __future__ import annotations

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
