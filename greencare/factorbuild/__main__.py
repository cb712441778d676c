"""CLI: ``python -m greencare.factorbuild SOURCE_DIR OUT_DIR [--only DATASET]``."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from . import DATASETS, build


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, build, print row counts."""
    p = argparse.ArgumentParser(
        prog="python -m greencare.factorbuild",
        description="Extract greencare's factor library from the published source files.",
    )
    p.add_argument("source_dir", type=Path, help="folder laid out like factors-sources/")
    p.add_argument("out_dir", type=Path, help="output folder, normally factors/")
    p.add_argument("--only", help=f"dataset or edition: {', '.join(DATASETS)}")
    args = p.parse_args(argv)
    # openpyxl warns about header/footer and extension parts it ignores; they carry no data.
    warnings.filterwarnings("ignore", module="openpyxl")
    try:
        results = build(args.source_dir, args.out_dir, args.only)
    except KeyError as exc:
        print(exc, file=sys.stderr)
        return 2
    for key, counts in results.items():
        for name, n in counts.items():
            print(f"{key}/{name}: {n} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
