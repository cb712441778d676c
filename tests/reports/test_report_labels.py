"""Rendered reports read as people write: no stored code (``scope2_location``, ``natural_gas``)
in the HTML, PDF or Markdown text, units written as people write them; JSON and CSV keep the
stable keys."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlite_utils import Database

from greencare.reports import build_report, labels
from greencare.reports.writers import write

SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
#: Tokens that are not codes: file names of the factor library, cited as they are.
ALLOWED: set[str] = set()


def html_text(text: str) -> str:
    text = re.sub(r'src="[^"]*"', "", text)
    text = re.sub(r"<style>.*?</style>", "", text, flags=re.S)
    text = re.sub(r'(id|href)="[^"]*"', "", text)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def codes(text: str) -> set[str]:
    return {
        t for t in SNAKE.findall(text) if t not in ALLOWED and not t.endswith((".csv", ".toml"))
    }


@pytest.fixture(scope="module")
def written(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from greencare import services

    db = services.open_db(demo_path)
    try:
        report = build_report(db, year=2025, baseline_year=2024)
    finally:
        db.close()
    out = tmp_path_factory.mktemp("labels")
    return {f: write(report, f, out / f"r.{f}") for f in ("html", "md", "pdf", "json")}


def test_no_stored_code_in_html_markdown_or_pdf(written: dict[str, Path]) -> None:
    texts = {
        "html": html_text(written["html"].read_text(encoding="utf-8")),
        "md": written["md"].read_text(encoding="utf-8"),
        "pdf": pdf_text(written["pdf"]),
    }
    for name, text in texts.items():
        assert codes(text) == set(), name
    # the codes people used to see are now words
    for text in texts.values():
        assert "Natural gas" in text and "Scope 2 (location-based)" in text
        assert "CO₂e" in text
    assert "m³" in texts["md"] or "ft²" in texts["md"]


def test_json_keeps_the_stable_keys_beside_the_labels(written: dict[str, Path]) -> None:
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    totals = {r["scope"] for r in data["tables"]["ghg_totals"]["rows"]}
    assert {"scope1", "scope2_location", "total_location"} <= totals
    commodities = {r["commodity"] for r in data["tables"]["energy_by_commodity"]["rows"]}
    assert "natural_gas" in commodities


def test_codes_and_units_as_people_write_them() -> None:
    assert labels.code("natural_gas") == "Natural gas"
    assert labels.code("pmdi_hfa134a_large") == "pMDI HFA-134a large"
    assert labels.code("Riverside General") == "Riverside General"  # not a code: unchanged
    assert (
        labels.text("Riverside / anesthetic_gas desflurane")
        == "Riverside / anesthetic gas desflurane"
    )
    assert labels.unit_text("m**3") == "m³"
    assert labels.unit_text("kBtu/ft2/yr") == "kBtu/ft²/yr"
    assert labels.unit_text("t CO2e") == "t CO₂e"


def test_names_people_typed_stay_as_typed(db: Database) -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {"facility": ["site_a"], "meter": ["main_meter"], "commodity": ["natural_gas"]}
    )
    out = labels.view(frame)
    assert out.iloc[0].tolist() == ["site_a", "main_meter", "Natural gas"]
