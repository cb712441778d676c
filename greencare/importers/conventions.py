"""What a file's dates, numbers and bytes mean, decided once per file, never value by value.

A date such as 01/02/2025 is 1 February or 2 January; a number such as 1.234 is one and a bit
or a thousand and more. Reading each value on its own (as pandas' mixed parsing does) lets one
row be read one way and the next the other. Here the reading is decided once for the whole file,
from values that fit only one reading (13/01/2025 is day first; 0.5 has a decimal point), and a
file whose values fit no single reading, or that never says which reading it uses, is refused
with the alternatives spelled out. The decision is carried from chunk to chunk; a later chunk
that contradicts it stops the import (one transaction: nothing lands).

Text encodings are decided the same way, in :mod:`greencare.importers.encodings`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from greencare.importers.base import FormatError, ImportOptions

#: (line numbers, [(column name as the file writes it, values)]) for each part of a file.
Parts = Iterator[tuple[np.ndarray, list[tuple[str, pd.Series]]]]

# -- dates ------------------------------------------------------------------------------------

#: d/m/y or m/d/y with one separator (/ . -), a 4- or 2-digit year, then optionally a time.
NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?=$|[ T])(.*)$")
_DATE_PREFIX = re.compile(r"\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:$|[ T])")
_ISO_START = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]  # fmt: skip

ORDER_NAMES = {"dmy": "day/month/year", "mdy": "month/day/year"}


@dataclass
class _Seen:
    line: int
    column: str
    value: str


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # strptime's %y: 69-99 are 1900s, 00-68 are 2000s
        year += 1900 if year >= 69 else 2000
    return year


def _reading(day: int, month: int, year: int) -> str:
    return f"{day} {_MONTHS[month - 1]} {year}" if 1 <= month <= 12 else "no date"


class DateOrder:
    """Day/month or month/day for one file, decided once from values that fit only one order.

    ``default`` is the order a format itself defines (Green Button CSV: US utilities write
    month/day/year), used only when nothing in the file settles the order. ``lookahead`` yields
    the rest of the file's date columns when the first chunk does not settle it.
    """

    def __init__(
        self,
        path: Path | str,
        options: ImportOptions,
        *,
        default: tuple[str, str] | None = None,
        lookahead: Callable[[], Parts] | None = None,
    ) -> None:
        self.path = Path(path)
        self.order: str | None = None
        self.source = ""
        self.explicit = bool(options.date_format)
        self.default, self.lookahead = default, lookahead
        self._dmy: _Seen | None = None
        self._mdy: _Seen | None = None
        self._ambiguous: tuple[_Seen, int, int, int] | None = None
        self._observed: set[str] = set()  # columns of this chunk already scanned whole
        monthfirst = bool(getattr(options, "monthfirst", False))
        if options.dayfirst and monthfirst:
            raise FormatError(path, "--dayfirst and --monthfirst contradict each other; give one")
        if options.date_format:
            self.source = f"--date-format {options.date_format}"
        elif options.dayfirst or monthfirst:
            self.order = "dmy" if options.dayfirst else "mdy"
            self.source = "--dayfirst" if options.dayfirst else "--monthfirst"
            self.explicit = True

    @property
    def dayfirst(self) -> bool:
        return self.order == "dmy"

    def describe(self) -> str | None:
        """The order used and why, for the import result; None when no date needed one."""
        if self.explicit and not self.order:
            return self.source
        if not self.order:
            return None
        return f"{ORDER_NAMES[self.order]} ({self.source})"

    def settle(self, lines: np.ndarray, columns: Iterable[tuple[str, pd.Series]]) -> None:
        """Observe one chunk's date columns; decide, or refuse a contradiction or a file that
        never says which order it uses. Call before converting the chunk."""
        if self.explicit:
            return
        for column, values in columns:
            if self._observe(lines, column, values):
                self._observed.add(column)
        self._decide(final=False)

    def settle_positions(self, positions: np.ndarray, column: str, values: pd.Series) -> None:
        """As ``settle`` for the few values of a column ``parse_times`` could not read as ISO
        (a column whose sample looked ISO is not scanned up front)."""
        if self.explicit or column in self._observed:  # seen whole by settle already
            return
        lines = self._lines[positions] if self._lines is not None else positions + 1
        self._observe(lines, column, values)
        self._decide(final=False)

    _lines: np.ndarray | None = None  # the current chunk's file lines (see ``begin``)

    def begin(self, lines: np.ndarray) -> None:
        """The file lines of the chunk about to be parsed, for messages."""
        self._lines = np.asarray(lines)
        self._observed = set()

    def _observe(self, lines: np.ndarray, column: str, values: pd.Series) -> bool:
        """Note the first value of each kind; False when the column was left to parse_times."""
        raw = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else values
        if not len(raw) or (self._dmy and self._mdy) or values.dtype.kind == "M":
            return True
        sample = [str(v) for v in raw[:200] if isinstance(v, str) and v.strip()]
        if sample and all(_ISO_START.match(v) for v in sample) and len(raw) > len(sample):
            # ISO dates need no order; values further down that are not ISO reach
            # settle_positions from parse_times.
            return False
        formats = layout_formats(raw)
        if formats is not None:  # one layout read both ways in C; the rest value by value
            series = pd.Series(raw, dtype=object)
            as_dmy = _strict(series, formats["dmy"])
            dmy_ok = as_dmy.notna().to_numpy()
            day = as_dmy.dt.day.to_numpy(dtype=float, na_value=np.nan)
            month = as_dmy.dt.month.to_numpy(dtype=float, na_value=np.nan)
            # A valid d/m date also reads m/d exactly when its day is 12 or less.
            mdy_ok = dmy_ok & (day <= 12)
            if not dmy_ok.all():
                mdy_ok[~dmy_ok] = _strict(series[~dmy_ok], formats["mdy"]).notna().to_numpy()
            only_dmy = dmy_ok & ~mdy_ok
            only_mdy = mdy_ok & ~dmy_ok
            ambiguous = dmy_ok & mdy_ok & (day != month)
            for kind, mask in (("dmy", only_dmy), ("mdy", only_mdy), ("ambiguous", ambiguous)):
                if mask.any():
                    i = int(np.argmax(mask))
                    self._note(kind, int(lines[i]), column, str(raw[i]))
            rest = ~dmy_ok & ~mdy_ok
            if not rest.any():
                return True
            raw, lines = raw[rest], np.asarray(lines)[rest]
        codes, uniques = pd.factorize(raw)
        first_index = _first_positions(codes, len(uniques))
        match = _DATE_PREFIX.match
        done: set[str] = set()  # uniques come in file order: the first of a kind is earliest
        for k, text in enumerate(uniques):
            found = match(text) if isinstance(text, str) else None
            if found is None:
                continue
            a, b = int(found.group(1)), int(found.group(3))
            if a == b or (a > 12 and b > 12) or a == 0 or b == 0:
                continue  # reads the same both ways, or no way (an error later)
            kind = "dmy" if a > 12 else "mdy" if b > 12 else "ambiguous"
            if kind in done:
                continue
            done.add(kind)
            self._note(kind, int(lines[first_index[k]]), column, text)
            if "dmy" in done and "mdy" in done:
                break
        return True

    def _note(self, kind: str, line: int, column: str, text: str) -> None:
        """Keep the earliest value of each kind (dmy, mdy, ambiguous) for the messages."""
        seen = _Seen(line, column, text.strip())
        if kind == "dmy" and (self._dmy is None or line < self._dmy.line):
            self._dmy = seen
        elif kind == "mdy" and (self._mdy is None or line < self._mdy.line):
            self._mdy = seen
        elif kind == "ambiguous" and (self._ambiguous is None or line < self._ambiguous[0].line):
            found = NUMERIC_DATE.match(seen.value)
            if found:
                a, b = int(found.group(1)), int(found.group(3))
                self._ambiguous = (seen, a, b, _year(found.group(4)))

    def _decide(self, *, final: bool) -> None:
        if self._dmy and self._mdy:
            first, second = sorted([self._dmy, self._mdy], key=lambda s: s.line)
            order = "dmy" if first is self._dmy else "mdy"
            other = "mdy" if order == "dmy" else "dmy"
            raise FormatError(
                self.path,
                f"{second.column} {second.value!r} fits only {ORDER_NAMES[other]}, but line "
                f"{first.line} {first.column} {first.value!r} fits only {ORDER_NAMES[order]}: "
                "no one date order fits every row; correct the file or give --date-format",
                line=second.line,
            )
        found = self._dmy or self._mdy
        if found:
            order = "dmy" if self._dmy else "mdy"
            if self.order and self.order != order:  # decided earlier (a format's default)
                raise FormatError(
                    self.path,
                    f"{found.column} {found.value!r} fits only {ORDER_NAMES[order]}, but the "
                    f"lines before were read {ORDER_NAMES[self.order]} ({self.source}); "
                    "give --dayfirst or --monthfirst",
                    line=found.line,
                )
            if not self.order:
                self.order = order
                self.source = f"line {found.line} {found.column} {found.value!r} fits no other"
            return
        if self._ambiguous is None or self.order:
            return
        if self.lookahead is not None and not final:
            scan, self.lookahead = self.lookahead, None
            for lines, columns in scan():
                for column, values in columns:
                    self._observe(lines, column, values)
                if self._dmy or self._mdy:
                    break
            self._decide(final=True)
            return
        if self.default:
            self.order, self.source = self.default
            return
        seen, a, b, year = self._ambiguous
        raise FormatError(
            self.path,
            f"{seen.column} {seen.value!r} could be {_reading(a, b, year)} (day/month/year) or "
            f"{_reading(b, a, year)} (month/day/year), and no date in the file settles the "
            "order (none has a day above 12); give --dayfirst or --monthfirst",
            line=seen.line,
        )


def _first_positions(codes: np.ndarray, count: int) -> np.ndarray:
    """For each code, the first position it occurs at."""
    first = np.full(count, len(codes), dtype=np.int64)
    valid = codes >= 0
    np.minimum.at(first, codes[valid], np.flatnonzero(valid))
    return first


_CLOCKS = [
    (re.compile(r"^[ T]\d{1,2}:\d{2}$"), "%H:%M"),
    (re.compile(r"^[ T]\d{1,2}:\d{2}:\d{2}$"), "%H:%M:%S"),
    (re.compile(r"^[ T]\d{1,2}:\d{2}:\d{2}\.\d{1,6}$"), "%H:%M:%S.%f"),
    (re.compile(r"^ \d{1,2}:\d{2} [AaPp][Mm]$"), "%I:%M %p"),
    (re.compile(r"^ \d{1,2}:\d{2}:\d{2} [AaPp][Mm]$"), "%I:%M:%S %p"),
]


def layout_formats(values: np.ndarray) -> dict[str, str] | None:
    """strptime patterns, day first and month first, for the layout of a column's first d/m/y
    or m/d/y value (31.01.2025 13:45 -> %d.%m.%Y %H:%M), so the whole column is read in C;
    None when the first value has no such layout. Values of another layout read NaT with both
    and are handled one by one."""
    first = next((v for v in values[:200] if isinstance(v, str) and v.strip()), None)
    found = NUMERIC_DATE.match(first) if first else None
    if not found:
        return None
    sep, year, rest = found.group(2), "%Y" if len(found.group(4)) == 4 else "%y", found.group(5)
    clock = ""
    if rest:
        pattern = next((f for r, f in _CLOCKS if r.match(rest)), None)
        if pattern is None:
            return None
        clock = rest[0] + pattern
    return {
        "dmy": f"%d{sep}%m{sep}{year}{clock}",
        "mdy": f"%m{sep}%d{sep}{year}{clock}",
    }


def _strict(values: pd.Series, pattern: str) -> pd.Series:
    return pd.to_datetime(values, format=pattern, errors="coerce")


def numeric_dates(text: pd.Series, dayfirst: bool) -> tuple[pd.Series, np.ndarray]:
    """d/m/y or m/d/y text (with an optional time) rewritten as ISO text in the given order.

    Returns the rewritten values and a mask of the values that matched; the others are left as
    they were. Each distinct text is rewritten once.
    """
    values = text.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)
    out = np.empty(len(uniques), dtype=object)
    hit = np.zeros(len(uniques), dtype=bool)
    for k, value in enumerate(uniques):
        match = NUMERIC_DATE.match(value) if isinstance(value, str) else None
        if not match:
            out[k] = value
            continue
        a, b = int(match.group(1)), int(match.group(3))
        day, month = (a, b) if dayfirst else (b, a)
        rest = match.group(5).strip().lstrip("T").strip()
        iso = f"{_year(match.group(4)):04d}-{month:02d}-{day:02d}"
        out[k] = f"{iso} {rest}" if rest else iso
        hit[k] = True
    if not len(uniques):
        return text, np.zeros(len(values), dtype=bool)
    mapped = np.where(codes >= 0, out[np.maximum(codes, 0)], values)
    matched = np.where(codes >= 0, hit[np.maximum(codes, 0)], False)
    return pd.Series(mapped, index=text.index, dtype=object), matched


def parse_numeric_dates(text: pd.Series, dayfirst: bool) -> tuple[pd.Series, np.ndarray]:
    """Datetimes for the d/m/y or m/d/y values of ``text`` (NaT elsewhere), and which matched.

    The date is rewritten as ISO in the given order and read strictly (31/02 is no date, never
    a guess); a time after it is read as written (13:45, 1:00 PM).
    """
    formats = layout_formats(text.to_numpy(dtype=object))
    if formats is not None:  # the usual case: one layout, read in C
        fast = _strict(text, formats["dmy" if dayfirst else "mdy"])
        if fast.notna().all():
            return fast, np.ones(len(text), dtype=bool)
        missing = fast.isna().to_numpy()
        slow, slow_matched = parse_numeric_dates_slow(text[missing], dayfirst)
        fast = fast.copy()
        fast[missing] = slow.to_numpy()
        matched = np.ones(len(text), dtype=bool)
        matched[missing] = slow_matched
        return fast, matched
    return parse_numeric_dates_slow(text, dayfirst)


def parse_numeric_dates_slow(text: pd.Series, dayfirst: bool) -> tuple[pd.Series, np.ndarray]:
    """``parse_numeric_dates`` one distinct value at a time (mixed layouts)."""
    rewritten, matched = numeric_dates(text, dayfirst)
    parsed = pd.to_datetime(rewritten.where(matched), format="ISO8601", errors="coerce")
    left = matched & parsed.isna().to_numpy()
    if left.any():
        parts = rewritten[left].astype(str).str.partition(" ")
        day = pd.to_datetime(parts[0], format="%Y-%m-%d", errors="coerce")
        rest = parts[2].str.strip()
        clock = pd.to_datetime("2000-01-01 " + rest.where(rest != "", "00:00"), format="mixed",
                               errors="coerce")  # fmt: skip
        parsed[left] = day + (clock - clock.dt.normalize())
    return parsed, matched


# -- numbers ----------------------------------------------------------------------------------

_SIGN = r"^[+-]?[$£€]?"
_POINT_ONLY = [
    re.compile(_SIGN + r"\d+\.\d+$"),  # a decimal point unless it is the ambiguous form below
    re.compile(_SIGN + r"\d{1,3}(?:,\d{3})+\.\d+$"),  # 1,234.5
    re.compile(_SIGN + r"\d{1,3}(?:,\d{3}){2,}$"),  # 1,234,567
    re.compile(_SIGN + r"\.\d+$"),  # .5
]
_COMMA_ONLY = [
    re.compile(_SIGN + r"\d+,\d+$"),
    re.compile(_SIGN + r"\d{1,3}(?:\.\d{3})+,\d+$"),  # 1.234,5
    re.compile(_SIGN + r"\d{1,3}(?:\.\d{3}){2,}$"),  # 1.234.567
    re.compile(_SIGN + r",\d+$"),  # ,5
]
_AMBIGUOUS_NUMBER = re.compile(_SIGN + r"[1-9]\d{0,2}[.,]\d{3}$")  # 1.234 or 1,234
#: One pass per value: the first alternative that matches names the kind, in the order the
#: rules are tried (the ambiguous form before a decimal point before a decimal comma).
_NUMBER_KIND = re.compile(
    f"(?P<ambiguous>{_AMBIGUOUS_NUMBER.pattern})"
    f"|(?P<point>{'|'.join(f'(?:{p.pattern})' for p in _POINT_ONLY)})"
    f"|(?P<comma>{'|'.join(f'(?:{p.pattern})' for p in _COMMA_ONLY)})"
)
_POINT_ANY = "|".join(f"(?:{p.pattern})" for p in _POINT_ONLY)
_COMMA_ANY = "|".join(f"(?:{p.pattern})" for p in _COMMA_ONLY)
#: The first value of each kind among values one to a line (``^`` and ``$`` at line ends): a
#: value is of the first kind it fits, so a later kind's search skips the earlier kinds' forms.
_KIND_SEARCH = [
    ("_ambiguous", re.compile(_AMBIGUOUS_NUMBER.pattern, re.M)),
    ("_point", re.compile(f"(?!{_AMBIGUOUS_NUMBER.pattern})(?:{_POINT_ANY})", re.M)),
    (
        "_comma",
        re.compile(f"(?!{_AMBIGUOUS_NUMBER.pattern})(?!{_POINT_ANY})(?:{_COMMA_ANY})", re.M),
    ),
]
NUMBER_NAMES = {
    "point": "decimal point, ',' between thousands (1,234.5)",
    "comma": "decimal comma, '.' between thousands (1.234,5)",
}
SEPARATORS = {"point": (".", ","), "comma": (",", ".")}


class NumberFormat:
    """Decimal point or decimal comma for one file, decided once like ``DateOrder``."""

    def __init__(
        self,
        path: Path | str,
        options: ImportOptions,
        *,
        lookahead: Callable[[], Parts] | None = None,
    ) -> None:
        self.path = Path(path)
        self.lookahead = lookahead
        self.convention: str | None = None
        self.source = ""
        self.explicit = options.decimal is not None or options.thousands is not None
        self._point: _Seen | None = None
        self._comma: _Seen | None = None
        self._ambiguous: _Seen | None = None
        if self.explicit:
            decimal = options.decimal or "."
            self.convention = "comma" if decimal == "," else "point"
            flags = ["--decimal-comma"] if decimal == "," else []
            flags += [f"--thousands {options.thousands!r}"] if options.thousands else []
            self.source = " ".join(flags)
            self._separators = (decimal, options.thousands)

    @property
    def separators(self) -> tuple[str, str | None]:
        """(decimal, thousands) to read the file's numbers with."""
        if self.explicit:
            return self._separators
        return SEPARATORS.get(self.convention or "", (".", None))

    def describe(self) -> str | None:
        if self.explicit:
            decimal, thousands = self._separators
            text = "decimal comma" if decimal == "," else "decimal point"
            if thousands:
                text += f", {thousands!r} between thousands"
            return f"{text} ({self.source})"
        if not self.convention:
            return None
        return f"{NUMBER_NAMES[self.convention]} ({self.source})"

    def settle(self, lines: np.ndarray, columns: Iterable[tuple[str, pd.Series]]) -> None:
        """Observe one chunk's number columns (text); decide or refuse. Call before parsing."""
        if self.explicit:
            return
        for column, values in columns:
            self._observe(lines, column, values)
        self._decide(final=False)

    def settle_floats(self, lines: np.ndarray, column: str, values: np.ndarray) -> bool:
        """Numbers pandas already read with a decimal point: True when they settle the file as
        decimal-point (or it was settled), False when only their text could tell (1.250 may be
        1250 written with a '.' between thousands; 5 may have been 5.000)."""
        if self.explicit or self.convention == "point":
            return True
        if self.convention == "comma":
            return False
        # Huge values (1e308, refused later as too large) overflow here: no warning for them.
        with np.errstate(over="ignore", invalid="ignore"):
            frac = values - np.floor(values)
            thousandths = values * 1000
            form = (
                (values >= 1)
                & (values < 1000)
                & (np.abs(thousandths - np.round(thousandths)) < 1e-6)
            )
        settles = np.flatnonzero((frac != 0) & ~form)
        if not settles.size:
            return False
        i = int(settles[0])
        self._point = _Seen(int(lines[i]), column, f"{values[i]:g}")
        self.convention = "point"
        self.source = f"line {self._point.line} {column} {self._point.value!r} fits no other"
        return True

    def _observe(self, lines: np.ndarray, column: str, values: pd.Series) -> None:
        raw = values.to_numpy(dtype=object)
        if not len(raw) or (self._point and self._comma):
            return
        codes, uniques = pd.factorize(raw)
        first_index = _first_positions(codes, len(uniques))
        keep = [k for k, v in enumerate(uniques) if isinstance(v, str) and ("," in v or "." in v)]
        texts = [uniques[k].strip() for k in keep]
        joined = "\n".join(texts)
        if joined.count("\n") != max(len(texts) - 1, 0):  # a value with a line break in it
            self._observe_each(
                lines, column, [(first_index[k], t) for k, t in zip(keep, texts, strict=True)]
            )
            return
        # The distinct values one to a line: each kind's first value is one regex search in C
        # (values come in the order they first occur, so the first found has the first line).
        for kind, pattern in _KIND_SEARCH:
            found = pattern.search(joined)
            if found is None:
                continue
            j = joined.count("\n", 0, found.start())
            line = int(lines[first_index[keep[j]]])
            earlier = getattr(self, kind)
            if earlier is None or line < earlier.line:
                setattr(self, kind, _Seen(line, column, texts[j]))

    def _observe_each(self, lines: np.ndarray, column: str, values: list[tuple[int, str]]) -> None:
        """``_observe`` value by value (for values that hold a line break)."""
        for position, text in values:
            found = _NUMBER_KIND.match(text)  # the kinds in order: ambiguous, point, comma
            if found is None:
                continue
            kind = f"_{found.lastgroup}"
            line = int(lines[position])
            earlier = getattr(self, kind)
            if earlier is None or line < earlier.line:
                setattr(self, kind, _Seen(line, column, text))

    def _decide(self, *, final: bool) -> None:
        if self._point and self._comma:
            first, second = sorted([self._point, self._comma], key=lambda s: s.line)
            kinds = {id(self._point): "a decimal point", id(self._comma): "a decimal comma"}
            raise FormatError(
                self.path,
                f"{second.column} {second.value!r} is written with {kinds[id(second)]}, but "
                f"line {first.line} {first.column} {first.value!r} with {kinds[id(first)]}: "
                "one file must use one number format; correct the file",
                line=second.line,
            )
        found = self._point or self._comma
        if found:
            convention = "point" if self._point else "comma"
            if self.convention and self.convention != convention:
                raise FormatError(
                    self.path,
                    f"{found.column} {found.value!r} is written with a decimal "
                    f"{'point' if convention == 'point' else 'comma'}, but the lines before "
                    f"were read with a {NUMBER_NAMES[self.convention]} ({self.source}); "
                    "one file must use one number format; correct the file",
                    line=found.line,
                )
            if not self.convention:
                self.convention = convention
                self.source = f"line {found.line} {found.column} {found.value!r} fits no other"
            return
        if self._ambiguous is None or self.convention:
            return
        if self.lookahead is not None and not final:
            scan, self.lookahead = self.lookahead, None
            for lines, columns in scan():
                for column, values in columns:
                    self._observe(lines, column, values)
                if self._point or self._comma:
                    break
            self._decide(final=True)
            return
        seen = self._ambiguous
        digits = re.sub(r"[^\d.,]", "", seen.value)
        comma = "," in digits
        as_point = float(digits.replace(",", ""))  # 1,234 -> 1234; 1.234 -> 1.234
        as_comma = float(digits.replace(".", "").replace(",", "."))  # 1.234 -> 1234
        point_means = "',' between thousands" if comma else "a decimal point"
        comma_means = "a decimal comma" if comma else "'.' between thousands"
        raise FormatError(
            self.path,
            f"{seen.column} {seen.value!r} could be {as_point:g} ({point_means}) or "
            f"{as_comma:g} ({comma_means}), and no number in the file settles which; give "
            "--thousands , (numbers like 1,234.5) or --decimal-comma --thousands . "
            "(numbers like 1.234,5)",
            line=seen.line,
        )


__all__ = ["DateOrder", "NumberFormat", "numeric_dates", "parse_numeric_dates"]
