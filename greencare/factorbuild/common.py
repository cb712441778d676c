"""Shared helpers for the factor extractors.

Every dataset writes through these functions so that all CSVs share one schema, one number
format and one sort order, and a re-run produces byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

#: Column order of every emission-factor CSV (the engine is written against it).
FACTOR_COLUMNS: tuple[str, ...] = (
    "factor_id",
    "table",
    "source_row",
    "activity_type",
    "activity",
    "region",
    "gas",
    "value",
    "unit",
    "per_unit",
    "basis",
    "scope",
    "description",
    "verified",
    "notes",
)

#: Column order of every GWP CSV.
GWP_COLUMNS: tuple[str, ...] = ("gas", "formula", "gwp100", "source", "verified", "notes")

#: Meaning of each emission-factor column, copied into every dataset.toml.
FACTOR_COLUMN_DOCS: dict[str, str] = {
    "factor_id": "stable identifier, unique within the edition",
    "table": "source table or worksheet name",
    "source_row": "1-based worksheet row (or CSV line) the value was read from",
    "activity_type": "kind of activity (see [dataset].activity_types)",
    "activity": "normalised snake_case activity key; original label in description",
    "region": "eGRID subregion, US, GB, or empty",
    "gas": "CO2, CH4, N2O, CO2e, or empty for non-emission rows (heat content, loss fraction)",
    "value": "number as published (cell value normalised to 15 significant digits)",
    "unit": "numerator unit (pint-parseable: kg, g, lb, metric_ton, MMBtu, dimensionless)",
    "per_unit": "activity unit (pint string or engine-defined token, e.g. USD_2022)",
    "basis": "mass = mass of that gas; co2e:AR4/AR5 = already CO2e under that GWP set; "
    "energy = heat content; ratio = dimensionless fraction",
    "scope": "GHG Protocol scope 1, 2 or 3; empty if not applicable",
    "description": "original row and column labels joined with ' | '",
    "verified": "true if the source notes (SOURCES.md) record a cross-check of this value "
    "and do not flag it; false otherwise",
    "notes": "free text",
}

GWP_COLUMN_DOCS: dict[str, str] = {
    "gas": "gas name (industrial designation or ASHRAE number; aliases such as desflurane)",
    "formula": "chemical formula, or blend composition for blends",
    "gwp100": "100-year global warming potential (dimensionless, CO2 = 1)",
    "source": "publication and file/table/row the value came from, or how it was computed",
    "verified": "true if cross-checked against a second source; false if flagged or single-sourced",
    "notes": "free text",
}


def fmt_num(value: float | int) -> str:
    """Format a number stably: integers without '.0', floats via repr of a 15-digit value.

    Excel stores doubles; 15 significant digits is what Excel shows, so this strips binary
    noise such as 0.022000000000000002 without rounding any published digit.
    """
    f = float(f"{float(value):.15g}")
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return repr(f)


def to_number(cell: Any) -> float | None:
    """Return a numeric cell as float; text such as 'NA', blanks and '0 ' padding as None/float."""
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, int | float):
        return float(cell)
    if isinstance(cell, str):
        text = cell.strip().replace(",", "")
        if re.fullmatch(r"-?\d+(\.\d+)?([eE]-?\d+)?", text):
            return float(text)
    return None


def clean(text: Any) -> str:
    """Collapse whitespace (incl. newlines and NBSP) in a label."""
    if text is None:
        return ""
    return re.sub(r"\s+", " ", str(text).replace("\xa0", " ")).strip()


def strip_footnote(label: str) -> str:
    """Drop a trailing footnote letter (EPA 'RecycledA', 'Passenger Car A')."""
    return re.sub(r"(?<=[a-z)])\s?[A-E]$|\s[A-E]$", "", label).strip()


def slug(text: Any) -> str:
    """Normalise a label to a snake_case key: 'Distillate Fuel Oil No. 2' -> 'distillate_fuel_oil_no_2'."""
    s = clean(text).lower().replace("&", " and ").replace("%", " pct ")
    s = s.replace("≤", " le ").replace("<", " lt ").replace(">", " gt ")
    s = re.sub(r"[^a-z0-9]+", "_", s)
    return s.strip("_")


def sha256_of(path: Path) -> str:
    """SHA-256 of a source file, recorded in dataset.toml to pin the extraction input."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def source_record(path: Path, expected_sha256: str) -> dict[str, Any]:
    """Describe the source file; warn when it is not the copy documented in SOURCES.md."""
    actual = sha256_of(path)
    if actual != expected_sha256:
        print(
            f"warning: {path.name} SHA-256 {actual} differs from SOURCES.md {expected_sha256}",
            file=sys.stderr,
        )
    return {
        "source_file": path.name,
        "source_sha256": actual,
        "source_sha256_matches_sources_md": actual == expected_sha256,
    }


def load_sheet(path: Path, sheet: str | None = None) -> list[tuple[int, tuple[Any, ...]]]:
    """Read a worksheet into (row_number, values) pairs; empty rows are dropped."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows = []
        for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if any(v is not None and clean(v) != "" for v in values):
                rows.append((i, tuple(values)))
        return rows
    finally:
        wb.close()


def cell(values: Sequence[Any], col: int) -> Any:
    """values[col] or None when the row is shorter (read-only sheets trim trailing blanks)."""
    return values[col] if 0 <= col < len(values) else None


def factor(
    factor_id: str,
    table: str,
    source_row: int | str,
    activity_type: str,
    activity: str,
    gas: str,
    value: float,
    unit: str,
    per_unit: str,
    basis: str,
    *,
    region: str = "",
    scope: int | str = "",
    description: str = "",
    verified: bool = True,
    notes: str = "",
) -> dict[str, str]:
    """Build one emission-factor row as strings in FACTOR_COLUMNS order."""
    return {
        "factor_id": factor_id,
        "table": table,
        "source_row": str(source_row),
        "activity_type": activity_type,
        "activity": activity,
        "region": region,
        "gas": gas,
        "value": fmt_num(value),
        "unit": unit,
        "per_unit": per_unit,
        "basis": basis,
        "scope": str(scope),
        "description": description,
        "verified": "true" if verified else "false",
        "notes": notes,
    }


def write_csv(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    sort_key: Any = None,
    unique: str | None = None,
) -> int:
    """Write rows with '\\n' endings in a stable order; refuse duplicate keys."""
    out = [{c: _as_text(r.get(c, "")) for c in columns} for r in rows]
    if unique:
        seen: set[str] = set()
        for r in out:
            if r[unique] in seen:
                raise ValueError(f"{path}: duplicate {unique} {r[unique]!r}")
            seen.add(r[unique])
    if sort_key is not None:
        out.sort(key=sort_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n")
        w.writeheader()
        w.writerows(out)
    return len(out)


def _as_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return fmt_num(v)
    return "" if v is None else str(v)


def factor_sort_key(r: Mapping[str, str]) -> tuple[str, int, str]:
    """Sort factors by table, worksheet row, then id, so diffs between editions read well."""
    row = r["source_row"]
    return (r["table"], int(row) if row.isdigit() else 0, r["factor_id"])


def write_factors(path: Path, rows: Iterable[Mapping[str, str]]) -> int:
    """Write an emission-factor CSV in the shared schema."""
    return write_csv(path, FACTOR_COLUMNS, rows, sort_key=factor_sort_key, unique="factor_id")


# --- dataset.toml -----------------------------------------------------------------------------


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return fmt_num(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple):
        if not v:
            return "[]"
        return "[\n" + "".join(f"    {_toml_value(x)},\n" for x in v) + "]"
    s = str(v)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _toml_value(k)


def dump_toml(data: Mapping[str, Any]) -> str:
    """Serialise nested dicts of scalars/lists to TOML (stdlib has a reader only)."""
    lines: list[str] = []

    def emit(table: Mapping[str, Any], prefix: str) -> None:
        scalars = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
        subs = {k: v for k, v in table.items() if isinstance(v, Mapping)}
        if prefix and (scalars or not subs):
            lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
        if prefix and (scalars or not subs):
            lines.append("")
        for k, v in subs.items():
            emit(v, f"{prefix}.{_toml_key(k)}" if prefix else _toml_key(k))

    top_scalars = {k: v for k, v in data.items() if not isinstance(v, Mapping)}
    for k, v in top_scalars.items():
        lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
    if top_scalars:
        lines.append("")
    emit({k: v for k, v in data.items() if isinstance(v, Mapping)}, "")
    return "\n".join(lines).rstrip("\n") + "\n"


def write_toml(path: Path, data: Mapping[str, Any]) -> None:
    """Write dataset.toml with '\\n' endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_toml(data), encoding="utf-8", newline="\n")


def factor_file_doc(description: str) -> dict[str, Any]:
    """[files.<name>] entry for an emission-factor CSV."""
    return {"description": description, "columns": dict(FACTOR_COLUMN_DOCS)}


def gwp_file_doc(description: str) -> dict[str, Any]:
    """[files.<name>] entry for a GWP CSV."""
    return {"description": description, "columns": dict(GWP_COLUMN_DOCS)}


def unverified_ids(rows: Iterable[Mapping[str, str]], key: str = "factor_id") -> list[str]:
    """Sorted ids of rows marked verified=false, for dataset.toml's `unverified` list."""
    return sorted(r[key] for r in rows if r.get("verified") == "false")
