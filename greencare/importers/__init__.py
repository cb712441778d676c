"""File formats greencare imports. Each module reads one format into raw chunks (base.py)."""

from __future__ import annotations

from pathlib import Path

from greencare.core.text import quote
from greencare.importers import guard
from greencare.importers.base import FormatError, Importer, ImportOptions
from greencare.importers.encodings import decode_head
from greencare.importers.espi_xml import EspiXml
from greencare.importers.generic_csv import GenericCsv
from greencare.importers.greenbutton_csv import GreenButtonCsv
from greencare.importers.oed_csv import OedCsv
from greencare.importers.portfolio_manager import PortfolioManager

#: Registered formats, most specific first (detection tries them in this order).
FORMATS: list[Importer] = [EspiXml(), PortfolioManager(), GreenButtonCsv(), OedCsv(), GenericCsv()]


def register(importer: Importer) -> None:
    """Add a format ahead of the generic CSV (used by the format modules below)."""
    FORMATS.insert(len(FORMATS) - 1, importer)


def detect(path: Path, name: str | None = None) -> Importer:
    """The importer for a file: the one named, or the first whose sniff accepts it."""
    if name:
        for importer in FORMATS:
            if importer.name == name:
                return importer
        known = ", ".join(i.name for i in FORMATS)
        raise FormatError(path, f"unknown format {quote(name)}; known formats: {known}")
    with Path(path).open("rb") as handle:
        head = handle.read(64 * 1024)
    head = decode_head(head)  # UTF-16 (with a BOM) is text, not binary: sniff it as UTF-8
    if b"\x00" in head[:4096]:
        if head.startswith(b"PK"):
            guard.check_zip(path)  # before any sniffer inflates a part
            for importer in FORMATS:
                if importer.sniff(path, head):
                    return importer
            raise FormatError(path, "a spreadsheet this version cannot read as meter data")
        raise FormatError(path, "binary data, not a text or spreadsheet file")
    for importer in FORMATS:
        if importer.sniff(path, head):
            return importer
    raise FormatError(
        path,
        "format not recognised; name it with --format (" + ", ".join(i.name for i in FORMATS) + ")",
    )


__all__ = ["FORMATS", "FormatError", "ImportOptions", "Importer", "detect", "register"]
