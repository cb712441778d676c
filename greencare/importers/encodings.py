"""Which text encoding a file is in, decided once for the whole file (never guessed per line).

A byte-order mark says UTF-8 or UTF-16 (Excel's "Unicode text"); a file without one is UTF-8 if
every byte fits, else Windows-1252 (Excel's "CSV" on Windows: Latin-1 plus the euro sign and
curly quotes in 0x80-0x9F, where Latin-1 has only invisible control codes, so the two agree on
every character a file of readings can hold). A byte that fits neither is refused with the
encoding and the line it is on.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from greencare.importers.base import FormatError, ImportOptions

ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with a byte-order mark)",
    "utf-16": "UTF-16 (with a byte-order mark)",
    "cp1252": "Windows-1252 (not UTF-8)",
}
_BLOCK = 1 << 20


def text_encoding(path: Path | str, options: ImportOptions | None = None) -> str:
    """The codec to read a text file with, checked over the whole file (see module docs).

    Raises FormatError naming the encoding and the line of the first byte that does not fit.
    """
    path = Path(path)
    chosen = getattr(options, "encoding", None) if options else None
    with path.open("rb") as handle:
        head = handle.read(4)
    if chosen:
        _check(path, chosen, chosen, skip=0)
        return chosen
    if head.startswith(codecs.BOM_UTF8):
        _check(path, "utf-8", ENCODING_NAMES["utf-8-sig"], skip=3)
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _check(path, "utf-16", ENCODING_NAMES["utf-16"], skip=0)
        return "utf-16"
    if _first_bad(path, "utf-8") is None:
        return "utf-8"
    bad = _first_bad_1252(path)
    if bad is not None:
        line, byte = bad
        raise FormatError(
            path,
            f"byte 0x{byte:02X} is neither UTF-8 nor Windows-1252 text; save the file as UTF-8 "
            "(or give --encoding)",
            line=line,
        )
    return "cp1252"


def _check(path: Path, codec: str, name: str, *, skip: int) -> None:
    try:
        codecs.lookup(codec)
    except LookupError:
        raise FormatError(path, f"--encoding {codec}: no such text encoding") from None
    bad = _first_bad(path, codec, skip=skip)
    if bad is not None:
        raise FormatError(
            path,
            f"not valid {name} text: {bad[1]}; is it a binary or spreadsheet file?",
            line=bad[0],
        )


def _first_bad(path: Path, codec: str, *, skip: int = 0) -> tuple[int, str] | None:
    """(line, what) of the first bytes that do not decode, or None."""
    decoder = codecs.getincrementaldecoder(codec)()
    lines = 1
    with path.open("rb") as handle:
        handle.read(skip)
        while True:
            block = handle.read(_BLOCK)
            final = not block
            try:
                text = decoder.decode(block, final=final)
            except UnicodeDecodeError as exc:
                good = decoder_text(exc)
                line = lines + good.count("\n")
                return line, f"bytes {exc.object[exc.start : exc.end][:4].hex(' ')} ({exc.reason})"
            lines += text.count("\n")
            if final:
                return None


def decoder_text(exc: UnicodeDecodeError) -> str:
    """The text that decoded before the error, within the failing block."""
    return bytes(exc.object[: exc.start]).decode(exc.encoding, errors="replace")


def _first_bad_1252(path: Path) -> tuple[int, int] | None:
    lines = 1
    pattern = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            found = pattern.search(block)
            if found:
                return lines + block.count(b"\n", 0, found.start()), block[found.start()]
            lines += block.count(b"\n")
    return None


def decode_head(head: bytes) -> bytes:
    """The first bytes of a file as UTF-8, for sniffing: a UTF-16 file (BOM) re-encoded."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        even = head[: len(head) - len(head) % 2]
        return even.decode("utf-16", errors="replace").encode("utf-8")
    return head


def describe_encoding(codec: str) -> str:
    return ENCODING_NAMES.get(codec, codec)


__all__ = ["decode_head", "describe_encoding", "text_encoding"]
