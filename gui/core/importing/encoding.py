"""A file's text encoding (UTF-8, UTF-16 or UTF-32, as spreadsheets save them); binary refused.

Files are UTF-8 (with or without a byte order mark), or UTF-16 or UTF-32: with
a byte order mark, or UTF-16 without one when its zero bytes give it away.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import ImportFileError

_SNIFF_BYTES = 8192  # what the checks for binary files and for the encoding look at


@dataclass(frozen=True)
class TextEncoding:
    """How a file's text is encoded, as worked out from its first bytes."""

    name: str  # as messages say it: UTF-8, UTF-16 or UTF-32
    codec: str  # decodes the bytes after the byte order mark
    reader: str  # decodes the whole file, byte order mark and all
    bom: int = 0  # bytes of byte order mark
    width: int = 1  # about how many bytes one character takes (for progress)

    def bad_byte(self, name: str, offset: int) -> ImportFileError:
        """The error for bytes that are not text in this encoding (offset after the mark)."""
        if self.name == "UTF-8":
            return ImportFileError(f"{name}: is not UTF-8 text (bad byte at offset {offset})")
        return ImportFileError(
            f"{name}: is not UTF-8 text, nor the {self.name} text it starts like "
            f"(bad byte at offset {offset})"
        )


UTF8 = TextEncoding("UTF-8", "utf-8", "utf-8-sig")


_MARKED = (  # UTF-32 first: its little-endian mark starts like UTF-16's
    (codecs.BOM_UTF32_LE, TextEncoding("UTF-32", "utf-32-le", "utf-32", 4, 4)),
    (codecs.BOM_UTF32_BE, TextEncoding("UTF-32", "utf-32-be", "utf-32", 4, 4)),
    (codecs.BOM_UTF8, TextEncoding("UTF-8", "utf-8", "utf-8-sig", 3)),
    (codecs.BOM_UTF16_LE, TextEncoding("UTF-16", "utf-16-le", "utf-16", 2, 2)),
    (codecs.BOM_UTF16_BE, TextEncoding("UTF-16", "utf-16-be", "utf-16", 2, 2)),
)


def text_encoding(head: bytes) -> TextEncoding:
    """The encoding of a file that starts with ``head`` (its first few kilobytes).

    A byte order mark decides; without one, text whose every other byte is
    zero (mostly, and starting so) is UTF-16 without a mark, as some programs
    write it; anything else is read as UTF-8.
    """
    for mark, encoding in _MARKED:
        if head.startswith(mark):
            return encoding
    n = len(head) // 2 * 2
    if n >= 4:
        even, odd = head[0:n:2].count(0), head[1:n:2].count(0)
        half = n // 2
        if head[0] and not head[1] and odd * 2 >= half and even * 20 <= half:
            return TextEncoding("UTF-16", "utf-16-le", "utf-16-le", 0, 2)
        if head[1] and not head[0] and even * 2 >= half and odd * 20 <= half:
            return TextEncoding("UTF-16", "utf-16-be", "utf-16-be", 0, 2)
    return UTF8


def check_head(head: bytes, name: str) -> TextEncoding:
    """The encoding of a file starting with ``head``; ImportFileError when the head is binary."""
    encoding = text_encoding(head)
    if encoding.codec == "utf-8":
        if b"\x00" in head:
            raise ImportFileError(f"{name}: is a binary file, not CSV or JSON Lines")
        return encoding
    decoder = codecs.getincrementaldecoder(encoding.codec)()
    try:
        text = decoder.decode(head[encoding.bom :])
    except UnicodeDecodeError as exc:
        raise encoding.bad_byte(name, exc.start) from None
    if "\x00" in text:
        raise ImportFileError(f"{name}: is a binary file, not CSV or JSON Lines")
    return encoding


def open_binary(p: Path, name: str) -> BinaryIO:
    """The file opened for reading bytes, or ImportFileError saying why it cannot be."""
    try:
        return p.open("rb")
    except FileNotFoundError:
        raise ImportFileError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ImportFileError(f"{name}: is a folder, not a file") from None
    except OSError as exc:
        raise ImportFileError(f"{name}: cannot be read ({exc.strerror or exc})") from None


def check_bytes(p: Path, name: str, piece_bytes: int) -> tuple[int, TextEncoding]:
    """The file's size and encoding, once it is known to be text throughout ."""
    with open_binary(p, name) as fh:
        try:
            head = fh.read(_SNIFF_BYTES)
            encoding = check_head(head, name)
            decoder = codecs.getincrementaldecoder(encoding.codec)()
            # Offsets count from after a byte order mark, as in read_text.
            fed = 0
            data = head[encoding.bom :]
            while True:
                held = len(decoder.getstate()[0])
                try:
                    decoder.decode(data, final=not data)
                except UnicodeDecodeError as exc:
                    raise encoding.bad_byte(name, fed - held + exc.start) from None
                if not data:
                    return os.fstat(fh.fileno()).st_size, encoding
                fed += len(data)
                data = fh.read(max(1, piece_bytes))
        except OSError as exc:
            raise ImportFileError(f"{name}: cannot be read ({exc.strerror or exc})") from None
