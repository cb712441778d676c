"""Sustainability reports: tables from the engine and the database, charts, and writers.

``build_report(db, year=2025)`` returns a :class:`Report` (named pandas DataFrames plus
metadata); ``write(report, "html", path)`` renders it. Formats: html, pdf, xlsx, csv, md, json,
pm-xlsx (Portfolio Manager meter entries only). The JSON layout is described in ``SCHEMA.md``.

Names load on first use, so ``greencare.cli.report`` (the click command) imports no pandas.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_TARGET", "Report", "Table", "build_report", "write"]

_WHERE = {
    "DEFAULT_TARGET": "greencare.reports.tables",
    "build_report": "greencare.reports.tables",
    "Report": "greencare.reports.model",
    "Table": "greencare.reports.model",
    "write": "greencare.reports.writers",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'greencare.reports' has no attribute {name!r}")
