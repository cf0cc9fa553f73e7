"""Following a CSV or JSON Lines file that another program appends to, one poll at a time."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from ..importing.records import CSV_COLUMNS, csv_fields, csv_header, csv_record, json_line
from ..importing.report import ParsedRow, Skipped

CHUNK_SIZE = 4 * 1024 * 1024
"""The most bytes one poll reads; a bigger backlog is consumed over several polls."""
MAX_LINE_BYTES = 1024 * 1024
"""A line longer than this is skipped rather than held in memory."""

_BOM = b"\xef\xbb\xbf"
_SNIFF_BYTES = 8192
_HEAD_BYTES = 256


class FollowError(Exception):
    """The file cannot be followed right now; the message says why, in plain words."""


class FileMissing(FollowError):
    """The file does not exist (yet); it is read from the start when it appears."""


@dataclass
class FollowResult:
    """What one poll found: new good rows, bad lines, and a notice about the file itself."""

    rows: list[ParsedRow] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notice: str | None = None
    more: bool = False
    """True when the read stopped at the chunk size with more bytes waiting: poll again soon."""


def _size_text(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n:,} bytes"


class FileFollower:
    """Reads the complete lines added to a file since the last poll.

    Only new bytes are read. A partial last line is held back until its newline
    lands. The format (CSV with a header, or JSON Lines) is decided by the first
    non-blank line, and decided again whenever the file is truncated or replaced;
    both of those restart from the beginning (the store ignores repeats). A CSV
    record must fit on one line. With ``from_start=False`` the lines already in
    the file when the follower is made are read for the header and counted for
    line numbers, but not reported.
    """

    def __init__(
        self,
        path: str | Path,
        zone: ZoneInfo,
        from_start: bool = True,
        *,
        chunk_size: int = CHUNK_SIZE,
        max_line: int = MAX_LINE_BYTES,
    ) -> None:
        if chunk_size < 1 or max_line < 1:
            raise ValueError("chunk_size and max_line must be positive")
        self._path = Path(path)
        self._zone = zone
        self._chunk_size = chunk_size
        self._max_line = max_line
        self._ident: tuple[int, int] | None = None
        self._restart()
        if not from_start:
            try:
                st = os.stat(self._path)
            except OSError:
                return
            if stat.S_ISREG(st.st_mode):
                self._ident = (st.st_dev, st.st_ino)
                self._quiet_until = st.st_size

    def _restart(self) -> None:
        self._offset = 0  # bytes read, including the held-back partial line
        self._pending = b""  # the partial last line
        self._line_no = 0  # complete lines seen
        self._discarding = False  # inside an overlong line, dropping bytes until its newline
        self._format: str | None = None
        self._header: list[str] | None = None
        self._stuck: str | None = None  # why the file cannot be read as CSV or JSON Lines
        self._stuck_at = 0  # where the bytes that made it stuck are, to notice when they change
        self._stuck_bytes = b""
        self._quiet_until = 0  # lines ending at or before this offset are not reported
        self._head = b""  # the file's first bytes, to notice a rewrite that kept the size

    @property
    def path(self) -> Path:
        """The followed path."""
        return self._path

    @property
    def offset(self) -> int:
        """How many bytes of the current file have been read (a held-back line included)."""
        return self._offset

    @property
    def lines_read(self) -> int:
        """How many complete lines of the current file have been read."""
        return self._line_no

    @property
    def format(self) -> str | None:
        """``"csv"``, ``"jsonl"``, or None while no non-blank line has arrived."""
        return self._format

    def poll(self) -> FollowResult:
        """The lines completed since the last poll; FollowError when the file cannot be read."""
        name = self._path.name or str(self._path)
        result = FollowResult()
        try:
            st = os.stat(self._path)
            if stat.S_ISDIR(st.st_mode):
                raise FollowError(f"{name} is a folder, not a file")
            if not stat.S_ISREG(st.st_mode):
                raise FollowError(f"{name} is not a regular file")
            with open(self._path, "rb") as fh:
                st = os.fstat(fh.fileno())
                self._check_identity(st, name, result)
                if self._head:
                    fh.seek(0)
                    if fh.read(len(self._head)) != self._head:
                        self._restart()
                        result.notice = f"{name} was rewritten; reading it again from the start"
                if self._stuck is not None:
                    fh.seek(self._stuck_at)
                    if fh.read(len(self._stuck_bytes)) == self._stuck_bytes:
                        raise FollowError(self._stuck)
                    self._restart()
                    result.notice = f"{name} changed; reading it again from the start"
                fh.seek(self._offset)
                chunk = fh.read(self._chunk_size)
                if len(self._head) < _HEAD_BYTES and chunk:
                    fh.seek(0)
                    self._head = fh.read(min(_HEAD_BYTES, self._offset + len(chunk)))
        except FileNotFoundError:
            self._ident = None
            self._restart()
            raise FileMissing(f"{name} is missing (waiting for it to appear)") from None
        except PermissionError:
            raise FollowError(f"{name} cannot be read (permission denied)") from None
        except OSError as exc:
            raise FollowError(f"{name} cannot be read ({exc.strerror or exc})") from None
        self._consume(chunk, name, result)
        if self._stuck is not None:
            raise FollowError(self._stuck)
        result.more = self._offset < st.st_size
        return result

    def _check_identity(self, st: os.stat_result, name: str, result: FollowResult) -> None:
        ident = (st.st_dev, st.st_ino)
        if self._ident is None:
            self._ident = ident
        elif ident != self._ident:
            self._restart()
            self._ident = ident
            result.notice = f"{name} was replaced (rotated); reading the new one from the start"
        elif st.st_size < self._offset:
            self._restart()
            result.notice = f"{name} was truncated; reading it again from the start"

    def _consume(self, chunk: bytes, name: str, result: FollowResult) -> None:
        start = self._offset - len(self._pending)  # the file offset of buf[0]
        buf = self._pending + chunk if self._pending else chunk
        self._offset += len(chunk)
        pos = 0
        while self._stuck is None:
            if self._format is not None and not self._discarding:
                pos = self._skip_quietly(buf, start, pos)
            nl = buf.find(b"\n", pos)
            if nl < 0:
                break
            self._line_no += 1
            if self._discarding:
                self._discarding = False
            else:
                quiet = start + nl + 1 <= self._quiet_until
                self._take_line(buf[pos:nl], name, quiet, result)
                if self._stuck is not None:
                    self._stuck_at, self._stuck_bytes = start + pos, buf[pos : nl + 1]
                    break
            pos = nl + 1
        rest = b"" if self._discarding else buf[pos:]
        if len(rest) > self._max_line:
            if self._offset >= self._quiet_until:
                result.skipped.append(Skipped(self._line_no + 1, self._overlong()))
            self._discarding = True
            rest = b""
        self._pending = rest
        if self._format is None and self._stuck is None and b"\x00" in rest[:_SNIFF_BYTES]:
            self._stuck = f"{name} is a binary file, not CSV or JSON Lines"
            self._stuck_at, self._stuck_bytes = start + pos, rest[:_SNIFF_BYTES]

    def _skip_quietly(self, buf: bytes, start: int, pos: int) -> int:
        """Count, without reading them, the lines that end inside the quiet part."""
        end = min(len(buf), self._quiet_until - start)
        if end <= pos:
            return pos
        n = buf.count(b"\n", pos, end)
        if n == 0:
            return pos
        self._line_no += n
        return buf.rindex(b"\n", pos, end) + 1

    def _overlong(self) -> str:
        return f"line is longer than {_size_text(self._max_line)}; skipped"

    def _take_line(self, raw: bytes, name: str, quiet: bool, result: FollowResult) -> None:
        line = self._line_no
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if line == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        if len(raw) > self._max_line:
            if not quiet:
                result.skipped.append(Skipped(line, self._overlong()))
            return
        if b"\x00" in raw:
            if self._format is None:
                self._stuck = f"{name} is a binary file, not CSV or JSON Lines"
            elif not quiet:
                result.skipped.append(Skipped(line, "contains a NUL byte (binary data)"))
            return
        bad: str | None = None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = raw.decode("utf-8", "replace")
            byte = raw[exc.start]
            bad = f"not UTF-8 text (bad byte 0x{byte:02x} at position {exc.start + 1})"
        if not text.strip():
            return
        if self._format is None:
            if bad is not None and not text.lstrip().startswith("{"):
                self._stuck = f"{name} is {bad} in line {line}"
                return
            self._detect(text, name)
            if self._format != "jsonl":
                return  # the CSV header, or stuck
        if bad is not None:
            if not quiet:
                result.skipped.append(Skipped(line, bad))
            return
        if quiet:
            return
        if self._format == "jsonl":
            got = json_line(line, text, self._zone)
        else:
            assert self._header is not None
            row = csv_fields(text)
            if not row or all(not cell.strip() for cell in row):
                return
            if [cell.strip().lower() for cell in row] == self._header:
                return  # a writer that repeats its header when it reopens the file
            got = csv_record(line, row, self._header, self._zone)
        if isinstance(got, Skipped):
            result.skipped.append(got)
        else:
            result.rows.append(got)

    def _detect(self, text: str, name: str) -> None:
        if text.lstrip().startswith("{"):
            self._format = "jsonl"
            return
        header = csv_header(text)
        if header is None:
            self._stuck = (
                f"{name} is neither CSV with a header of {', '.join(CSV_COLUMNS)} nor JSON Lines"
            )
            return
        self._format = "csv"
        self._header = header
