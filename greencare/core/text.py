"""Text from files and people is data: the rules for what it may contain, and safe display.

The rule at entry (forms, CLI, Python API, imports), applied by :func:`check_text`:

- No text field may hold a control character: C0 (U+0000-U+001F), DEL (U+007F), C1
  (U+0080-U+009F), the line and paragraph separators U+2028/U+2029, or a bidirectional
  embedding, override or isolate (U+202A-U+202E, U+2066-U+2069), which can make a name read
  differently from what it is.
- The exception: free-text notes and descriptions (:data:`MULTILINE_FIELDS`) may hold line
  breaks (LF; a CR LF pair is stored as LF) and tabs. Names and every other field are one line.
- Lengths: names at most :data:`NAME_MAX` characters, other one-line fields :data:`LINE_MAX`,
  notes and descriptions :data:`NOTES_MAX`.

A database written before the rule, or by another tool, can still hold such text, so every
output is made safe regardless: :func:`visible` turns each control character into a visible
escape (``\\x1b``, ``\\u202e``), and :func:`shorten` cuts long values in messages.
"""

from __future__ import annotations

import re
from typing import Any

NAME_MAX = 200
LINE_MAX = 500
NOTES_MAX = 10_000

#: Fields of the models that may hold line breaks and tabs.
MULTILINE_FIELDS = frozenset({"notes", "description"})

_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
#: Any character refused in one-line text.
CONTROL_RE = re.compile(f"[{_CONTROL}]")
#: Any character refused in multi-line text (all of the above but tab and line feed).
CONTROL_MULTILINE_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_MULTILINE_ALLOWED = {"\t", "\n"}

_NAMES = {
    0x00: "NUL", 0x07: "bell", 0x08: "backspace", 0x09: "tab", 0x0A: "line feed",
    0x0D: "carriage return", 0x1B: "escape", 0x7F: "delete", 0x2028: "line separator",
    0x2029: "paragraph separator", 0x202E: "right-to-left override",
    0x202D: "left-to-right override",
}  # fmt: skip


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def describe_char(char: str) -> str:
    """``U+001B (escape)``: how a message names a refused character."""
    code = ord(char)
    name = _NAMES.get(code)
    return f"U+{code:04X} ({name})" if name else f"U+{code:04X}"


def find_control(value: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The position (from 1) and character of the first refused character, or None."""
    for match in CONTROL_RE.finditer(value):
        char = match.group()
        if multiline and char in _MULTILINE_ALLOWED:
            continue
        return match.start() + 1, char
    return None


def check_text(
    value: str, *, multiline: bool = False, max_length: int | None = None, what: str = "the text"
) -> str:
    """Return ``value`` (CR LF as LF when ``multiline``) or raise ValueError saying why not.

    The message never quotes the value itself (it may be a megabyte, or contain the very
    characters refused); it names the character and where it is.
    """
    if multiline:
        value = value.replace("\r\n", "\n")
    limit = max_length if max_length is not None else (NOTES_MAX if multiline else LINE_MAX)
    if len(value) > limit:
        raise ValueError(f"{what} is {len(value):,} characters long; the most allowed is {limit:,}")
    found = find_control(value, multiline=multiline)
    if found:
        position, char = found
        allowed = " (line breaks and tabs are allowed here)" if multiline else ""
        raise ValueError(
            f"{what} contains the control character {describe_char(char)} at character "
            f"{position}; control characters are not allowed{allowed}"
        )
    return value


def visible(value: Any, *, keep_newlines: bool = False) -> str:
    """``value`` as text with every control character shown as an escape (``\\x1b``).

    Used for output: terminal, TUI, reports. With ``keep_newlines`` tabs and line feeds stay
    (for multi-line notes); otherwise they are escaped too, so one value stays on one line.
    """
    text = "" if value is None else str(value)
    pattern = CONTROL_MULTILINE_RE if keep_newlines else CONTROL_RE
    if not pattern.search(text):
        return text
    return pattern.sub(lambda m: _escape(m.group()), text)


def strip_control(value: Any, *, keep_newlines: bool = False) -> str:
    """``value`` as text without control characters (for formats that cannot show them)."""
    text = "" if value is None else str(value)
    pattern = CONTROL_MULTILINE_RE if keep_newlines else CONTROL_RE
    return pattern.sub("", text)


def shorten(value: Any, limit: int = 80) -> str:
    """``value`` as text cut to ``limit`` characters (at least one kept), saying how long it was.

    Every message that quotes a value goes through this, so a runaway field (a 1 MB meter
    name) cannot flood a terminal or a log.
    """
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return text
    suffix = f"… ({len(text):,} characters)"
    return text[: max(1, limit - len(suffix))] + suffix


def quote(value: Any, limit: int = 80) -> str:
    """A value for a message: shortened, quoted and with control characters escaped.

    Text is quoted as ``repr`` would; numbers and other values are shown as they are.
    """
    if not isinstance(value, str):
        return shorten(value, limit)
    return repr(shorten(value, limit))


def did_you_mean(name: Any, candidates: Any, *, limit: int = 3) -> str:
    """``" (did you mean 'X'?)"`` for the closest of ``candidates`` to a mistyped ``name``.

    Case and surrounding spaces are ignored in the comparison; an empty string when nothing is
    close (difflib's ratio of at least 0.6), so a message can always end with it."""
    import difflib

    by_folded: dict[str, str] = {}
    for candidate in candidates:
        by_folded.setdefault(str(candidate).strip().casefold(), str(candidate))
    close = difflib.get_close_matches(str(name).strip().casefold(), list(by_folded), n=limit)
    if not close:
        return ""
    shown = " or ".join(quote(by_folded[c]) for c in close)
    return f" (did you mean {shown}?)"
