"""Refuse hostile or absurd files before they cost memory: binary data, giant lines, zip bombs.

Every import reads a file's head first (:func:`check_head`, 64 KiB whatever the file's size),
then streams the whole file once to hash it; :class:`Scanner` watches that stream, so a NUL
byte after good rows, or a line (an XML text run) longer than :data:`MAX_LINE`, stops the
import at the block where it appears: nothing is hashed past it, and no parser ever buffers it
as one field. Spreadsheets (zip files) are checked on their central directory
(:func:`check_zip`): the declared uncompressed sizes and ratios are refused before any part is
inflated, and Python's ``zipfile`` never inflates a part past its declared size.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from greencare.importers.base import FormatError

#: Bytes read to sniff a file (format detection reads the same).
HEAD = 64 * 1024
#: The longest line (or, in XML, text without markup) an import accepts. Meter-data rows are a
#: few hundred bytes; a 10 MB cell is still reported as that row's bad value.
MAX_LINE = 16 * 2**20
#: Zip limits: no part may inflate past MAX_PART, nor by more than MAX_RATIO once it is larger
#: than RATIO_FLOOR; the shared strings (held in memory by openpyxl) past MAX_SHARED_STRINGS.
#: A 1,048,576-row sheet (Excel's limit) of bills inflates to about 200 MB at 5-20 times.
MAX_PART = 1 * 2**30
MAX_TOTAL = 2 * 2**30
MAX_RATIO = 100
RATIO_FLOOR = 16 * 2**20
MAX_SHARED_STRINGS = 256 * 2**20

_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16/32: NUL bytes are part of the text


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f} MB"


def head(path: Path) -> bytes:
    """The first :data:`HEAD` bytes (never more, however long the first line)."""
    with Path(path).open("rb") as handle:
        return handle.read(HEAD)


def is_zip(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


def check_head(path: Path) -> bytes:
    """The file's head, after refusing binary data and zip bombs; see the module docstring."""
    data = head(path)
    if is_zip(data):
        check_zip(path)
    elif b"\x00" in data and not data.startswith(_BOMS):
        raise FormatError(path, "binary data, not a text or spreadsheet file")
    return data


def check_zip(path: Path) -> None:
    """Refuse a zip whose central directory declares absurd sizes (before inflating any)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FormatError(path, f"a damaged zip or spreadsheet file ({exc})") from exc
    total = 0
    for part in parts:
        size, packed = part.file_size, max(part.compress_size, 1)
        total += size
        ratio = size / packed
        name = part.filename
        if name.lower().endswith("sharedstrings.xml") and size > MAX_SHARED_STRINGS:
            raise FormatError(
                path,
                f"{name} declares {_mb(size)} of text (at most {_mb(MAX_SHARED_STRINGS)} is "
                "read): not read, a zip bomb or not a meter-data workbook",
            )
        if size > MAX_PART or (size > RATIO_FLOOR and ratio > MAX_RATIO):
            raise FormatError(
                path,
                f"{name} inflates from {_mb(packed)} to {_mb(size)} ({ratio:,.0f} times): "
                "not read, a zip bomb or a damaged workbook",
            )
    if total > MAX_TOTAL:
        raise FormatError(
            path,
            f"its parts inflate to {_mb(total)} (at most {_mb(MAX_TOTAL)}): not read, a zip "
            "bomb or not a meter-data workbook",
        )


class Scanner:
    """Checks each block of a file as it is hashed (``batches.file_hash(path, inspect=...)``).

    A text file may hold no NUL byte and no line longer than :data:`MAX_LINE`; an XML file no
    NUL and no run of that length without ``<`` or ``>``. Spreadsheets (zip) are checked by
    :func:`check_zip` instead. The line named is counted from line feeds (or carriage returns
    in a file without any line feed).
    """

    def __init__(self, path: Path, first: bytes) -> None:
        self.path = Path(path)
        text = first.lstrip(b"\xef\xbb\xbf \t\r\n")
        self.off = is_zip(first)
        self.nul = not first.startswith(_BOMS)
        self.xml = text.startswith(b"<")
        self.breaks = (b"<", b">") if self.xml else (b"\n", b"\r")
        self.run = 0  # bytes since the last break
        self.lf = self.cr = 0  # line feeds and carriage returns so far

    def _line(self, block: bytes, upto: int) -> int:
        lf = self.lf + block.count(b"\n", 0, upto)
        cr = self.cr + block.count(b"\r", 0, upto)
        return (lf or cr) + 1

    def __call__(self, block: bytes) -> None:
        if self.off:
            return
        if self.nul:
            at = block.find(b"\x00")
            if at >= 0:
                raise FormatError(
                    self.path, "binary data (a NUL byte) in a text file; nothing was read",
                    line=self._line(block, at),
                )  # fmt: skip
        found = [i for i in (block.find(b) for b in self.breaks) if i >= 0]
        if not found:
            self.run += len(block)
        else:
            self.run += min(found)
        if self.run > MAX_LINE:
            what = "text without markup" if self.xml else "a line"
            raise FormatError(
                self.path,
                f"{what} longer than {MAX_LINE // 2**20} MB; not a meter-data file (or "
                "damaged); nothing was read",
                line=self._line(block, 0),
            )
        if found:
            self.run = len(block) - 1 - max(block.rfind(b) for b in self.breaks)
        self.lf += block.count(b"\n")
        self.cr += block.count(b"\r")


__all__ = ["MAX_LINE", "Scanner", "check_head", "check_zip", "head"]
