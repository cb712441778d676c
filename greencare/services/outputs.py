"""Writing files that never destroy anything: reports, CSV folders and rejected-row files.

A file is written to a temporary name beside its target (``.NAME.XXXX.part``) and moved into
place only when complete, so a crash or ``kill -9`` leaves the old file (or no file) under the
final name, never a truncated one. Nothing is written over the greencare database or its
``-wal``/``-shm``/``-journal`` files, nor over any SQLite database; an existing report is only
replaced when the caller asks (``force``). What is written is readable by its owner only, like
the database: it holds the same data.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from greencare.core.errors import InputError

_SQLITE_HEADER = b"SQLite format 3\x00"
_COMPANIONS = ("-wal", "-shm", "-journal")
_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == _SQLITE_HEADER
    except OSError:
        return False


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.abspath(a.expanduser().resolve()) == os.path.abspath(b.expanduser().resolve())


def refuse_database(path: Path, protect: Iterable[str | Path] = ()) -> None:
    """Refuse a target that is a database (``protect``, or any SQLite file) or one of its files.

    Raises:
        InputError: naming the path and why.
    """
    path = Path(path)
    for db in (Path(p) for p in protect if p and str(p) != ":memory:"):
        for suffix in ("", *_COMPANIONS):
            if _same(path, Path(f"{db}{suffix}")):
                raise InputError(
                    f"refusing to write to {path}: that is the greencare database "
                    f"{db.name}{' (its ' + suffix[1:] + ' file)' if suffix else ''}; "
                    "choose another name"
                )
    if path.is_file() and _is_sqlite(path):
        raise InputError(f"refusing to write to {path}: it is a database; choose another name")
    for suffix in _COMPANIONS:
        if path.name.endswith(suffix):
            owner = path.with_name(path.name[: -len(suffix)])
            if owner.is_file() and _is_sqlite(owner):
                raise InputError(
                    f"refusing to write to {path}: it is the {suffix[1:]} file of the database "
                    f"{owner.name}; choose another name"
                )


def check_target(
    path: Path, *, folder: bool = False, force: bool = False, protect: Iterable[str | Path] = ()
) -> None:
    """Refuse what ``write_file``/``write_folder`` would refuse, before any work is done."""
    path = Path(path)
    protect = list(protect)
    refuse_database(path, protect)
    if folder:
        for db in protect:  # a folder report never swaps out a folder holding the database
            if db and str(db) != ":memory:" and _inside(Path(db), path):
                raise InputError(f"refusing to write to {path}: the database is in that folder")
    if not path.parent.is_dir():
        raise InputError(f"folder {path.parent} does not exist")
    if not (path.exists() or path.is_symlink()):
        return
    if folder and not path.is_dir():
        raise InputError(f"{path} is a file; a CSV report is a folder (or use --csv-long)")
    if not folder and path.is_dir():
        raise InputError(f"{path} is a folder; give a file name")
    if not folder and path.exists() and not path.is_file():
        raise InputError(f"refusing to write to {path}: it is not a regular file")
    if not force:
        raise InputError(f"{path} already exists; use --force to replace it, or another name")
    if folder and not _is_report_folder(path):
        raise InputError(
            f"refusing to replace {path}: it is not a greencare CSV report (a report folder "
            "holds _meta.csv and other .csv files only)"
        )


def _inside(file: Path, folder: Path) -> bool:
    try:
        return file.expanduser().resolve().is_relative_to(folder.expanduser().resolve())
    except OSError:
        return False


def _is_report_folder(path: Path) -> bool:
    entries = list(path.iterdir())
    return (path / "_meta.csv").is_file() and all(
        e.is_file() and not e.is_symlink() and e.suffix == ".csv" for e in entries
    )


def _temp_name(path: Path) -> str:
    return f".{path.name}."  # prefix of temporary names; mkstemp adds the random part


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def write_file(
    path: Path, *, force: bool = False, protect: Iterable[str | Path] = ()
) -> Iterator[Path]:
    """Yield a temporary path (owner-only) beside ``path``; on success move it into place.

    Without ``force`` an existing ``path`` is refused, also one that appears while writing
    (the move is then a hard link, which never replaces). On any error, or a kill, the
    temporary file is all that is left; the final name keeps what it had.
    """
    path = Path(path)
    check_target(path, force=force, protect=protect)
    fd, name = tempfile.mkstemp(prefix=_temp_name(path), suffix=".part", dir=path.parent)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        os.chmod(temp, 0o600)
        _fsync(temp)
        refuse_database(path, protect)  # checked again: the target may have changed meanwhile
        if force:
            os.replace(temp, path)
        else:
            _link_new(temp, path)
        _fsync_dir(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _link_new(temp: Path, path: Path) -> None:
    try:
        os.link(temp, path)
    except FileExistsError:
        raise InputError(
            f"{path} already exists; use --force to replace it, or another name"
        ) from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise InputError(
                f"{path} already exists; use --force to replace it, or another name"
            ) from None
        os.replace(temp, path)


@contextlib.contextmanager
def write_folder(
    path: Path, *, force: bool = False, protect: Iterable[str | Path] = ()
) -> Iterator[Path]:
    """Like ``write_file`` for a folder of files (a CSV report): written in a temporary folder
    beside ``path``, then renamed into place. With ``force`` an earlier report folder is
    renamed aside first and removed once the new one is in place; a crash in between leaves
    it under its ``.part`` name, never lost."""
    path = Path(path)
    check_target(path, folder=True, force=force, protect=protect)
    temp = Path(tempfile.mkdtemp(prefix=_temp_name(path), suffix=".part", dir=path.parent))
    old: Path | None = None
    try:
        yield temp
        for file in temp.iterdir():
            os.chmod(file, 0o600)
            _fsync(file)
        os.chmod(temp, 0o700)
        if path.exists():
            if not force:
                raise InputError(f"{path} already exists; use --force to replace it")
            old = Path(tempfile.mkdtemp(prefix=_temp_name(path), suffix=".old", dir=path.parent))
            os.rmdir(old)
            os.rename(path, old)
        os.rename(temp, path)
        _fsync_dir(path.parent)
        if old is not None:
            shutil.rmtree(old)
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)


def neutral_cell(value: object) -> object:
    """A cell as a spreadsheet will not run it: text starting like a formula gets a leading
    apostrophe (as in the CSV report); a plain number such as -5 is left as it is."""
    if isinstance(value, str) and not _NUMBER.match(value):
        from greencare.reports.model import neutralise

        return neutralise(value)
    return value


def write_new(path: Path, text: str) -> Path:
    """Write ``text`` (owner-only) to ``path``, or, if that exists, to the first free
    ``stem-2.ext``, ``stem-3.ext``...; returns the name used. Written under a temporary name
    and linked into place, so an earlier file is never overwritten and none is left half
    written."""
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=_temp_name(path), suffix=".part", dir=path.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        stem = path.name[: -len(path.suffix)] if path.suffix else path.name
        for n in range(1, 10_000):
            candidate = path if n == 1 else path.with_name(f"{stem}-{n}{path.suffix}")
            try:
                os.link(temp, candidate)
            except FileExistsError:
                continue
            except OSError:  # no hard links here: exclusive create, then copy
                try:
                    out = os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                except FileExistsError:
                    continue
                with os.fdopen(out, "w", encoding="utf-8", newline="") as handle:
                    handle.write(text)
            return candidate
        raise InputError(f"cannot find a free name for {path}: remove old ones")
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def csv_text(fields: list[str], rows: Iterable[dict[str, object]]) -> str:
    """CSV of ``rows`` with every cell neutralised (``neutral_cell``)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutral_cell(v) for k, v in row.items()})
    return out.getvalue()
