"""Shared pieces of the reliability tests: growing feed files for the recorder and the window."""

from __future__ import annotations

import threading
import time
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
