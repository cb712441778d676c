"""Reports: build the sustainability report for a period and write it in one format.

One rule for missing factors everywhere (CLI, TUI, scripts): a report is always written, with
every gap named on its cover and in its data-quality section, unless ``strict`` asks to refuse.
``greencare emissions`` keeps its strict default (an inventory with a hole is an error there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from greencare.core.errors import InputError

Progress = Callable[[int, str], None]  # (stage, what is being done)


def latest_year(db: Database) -> int | None:
    """The last whole calendar year with data (what an annual report covers); the latest
    year when there is no earlier one. A bill ending in January does not make it that year."""
    first, last = db.execute("SELECT min(month), max(month) FROM reading_months").fetchone()
    if not last:
        return None
    year = int(last[:4])
    if last[5:] != "12" and int(first[:4]) < year:
        return year - 1
    return year


def database_files(db: Database) -> list[str]:
    """The files of the open database (what a report must never be written over)."""
    rows = db.execute("PRAGMA database_list").fetchall()
    return [str(r[2]) for r in rows if r[2]]


def missing_factor_message(exc: Exception) -> str:
    gaps = [g.strip().removeprefix("- ") for g in str(exc).splitlines()[1:] if g.strip()]
    return (
        f"missing emission factors ({len(gaps)}): {'; '.join(gaps) or exc} "
        "(without --strict the report is written with the gaps listed)"
    )


def build(db: Database, *, strict: bool = False, **options: Any) -> Any:
    """The report model (:class:`greencare.reports.model.Report`); ``options`` are
    :func:`greencare.reports.tables.build_report`'s. With ``strict`` a missing factor raises
    ``InputError`` naming every gap; otherwise the gaps are in the report."""
    from greencare.core.factors import MissingFactorError
    from greencare.reports.tables import build_report

    options.pop("allow_gaps", None)
    try:
        return build_report(db, allow_gaps=not strict, **options)
    except MissingFactorError as exc:
        raise InputError(missing_factor_message(exc)) from exc


#: The report form's target choices besides each stored Scope 1+2 target.
AUTO_TARGET, PLEDGE_TARGET = "auto", "pledge"


def target_choices(db: Database) -> list[tuple[str, str]]:
    """(label, value) of the Scope 1+2 targets a report can measure progress against: the
    stored ones (each alone, or all together: the default), or the HHS pledge's milestones."""
    from greencare.services.targets import list_targets

    stored = [t for t in list_targets(db) if (t["scope"], t["basis"]) == ("scope12", "location")]
    pledge = "-50% by 2030, net zero by 2050"
    if not stored:
        return [(pledge, AUTO_TARGET)]
    out = [("all stored Scope 1+2 targets", AUTO_TARGET), (f"{pledge} (HHS)", PLEDGE_TARGET)]
    for t in stored:
        amount = "net zero" if t["reduction"] >= 1 else f"-{t['reduction'] * 100:.4g}%"
        out.append((f"{amount} by {t['target_year']} vs {t['baseline_year']}", f"target:{t['id']}"))
    return out


def target_option(db: Database, choice: str, baseline_year: int | None) -> dict[str, Any]:
    """The ``target`` and ``baseline_year`` options for a choice of :func:`target_choices`
    (a stored target brings its baseline year unless one is given)."""
    from greencare.reports.tables import DEFAULT_TARGET
    from greencare.services.targets import get_target

    if choice == PLEDGE_TARGET:
        return {"target": DEFAULT_TARGET, "baseline_year": baseline_year}
    if choice.startswith("target:"):
        t = get_target(db, int(choice.removeprefix("target:")))
        return {"target": ((t["target_year"], t["reduction"]),),
                "baseline_year": baseline_year or t["baseline_year"]}  # fmt: skip
    return {"target": None, "baseline_year": baseline_year}


def write_report(
    db: Database,
    output: Path,
    *,
    fmt: str,
    csv_long: bool = False,
    force: bool = False,
    protect: Iterable[str | Path] = (),
    strict: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Build the report and write it to ``output`` (atomically; never over the database or,
    without ``force``, an earlier file). Returns what was written and the gaps left out.
    ``detail=True`` (PDF only) prints the appendix's detail tables, which a PDF otherwise lists
    by their XLSX sheet and CSV file."""
    from greencare.reports.writers import write
    from greencare.services import outputs

    if csv_long and fmt != "csv":
        raise InputError("--csv-long applies to --format csv only")
    detail = bool(options.pop("detail", False))
    if detail and fmt != "pdf":
        raise InputError(
            "--detail applies to --format pdf only (the other formats hold every table)"
        )
    if fmt == "csv" and not csv_long and output.exists() and not output.is_dir():
        raise InputError(f"{output} is a file; csv writes a folder (or use --csv-long)")
    if not output.parent.exists():
        raise InputError(f"folder {output.parent} does not exist")
    guard = [*map(Path, protect), *map(Path, database_files(db))]
    outputs.check_target(output, folder=fmt == "csv" and not csv_long, force=force, protect=guard)
    if progress:
        progress(0, "computing the inventory and tables…")
    built = build(db, strict=strict, **options)
    if cancelled and cancelled():
        return {"cancelled": True}
    if progress:
        progress(1, f"writing {fmt}…")
    written = write(
        built, fmt, output, csv_long=csv_long, force=force, protect=guard, detail=detail
    )
    return {
        "written": str(written),
        "format": fmt,
        "period": built.meta["period"],
        "facilities": built.meta["facilities"],
        "tables": len(built.tables),
        "gaps": built.meta["gaps"],
        "notes": list(built.notes),  # what writing found: a PDF's characters without a font
    }
