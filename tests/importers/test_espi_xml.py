"""Green Button XML (ESPI) importer: raw chunks and end to end, on SEED and Verdigris samples."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from greencare import services
from greencare.core.text import shorten
from greencare.importers import detect
from greencare.importers.base import FormatError, ImportOptions
from greencare.importers.espi_xml import EspiXml
from greencare.services.imports import import_readings

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = DATA / "example-GreenButton-data.xml"
THERMS = DATA / "example-GreenButton-data-gas-therms--3.xml"
WH = DATA / "example-GreenButton-data-electricity-wh.xml"
SCE = DATA / "BulkSCEIntervalBlock.xml"
COASTAL = DATA / "Coastal_Multi_Family_Daily_Jan_1_2011_to_Jan_1_2012_RetailCustomer_4.xml"


def _read(path: Path, **options) -> pd.DataFrame:
    return pd.concat(list(EspiXml().read(path, ImportOptions(**options))), ignore_index=True)


def _independent(path: Path) -> tuple[int, float]:
    """Count and total of the readings, parsed with plain ElementTree (one ReadingType)."""
    tree = ET.parse(path)
    local = {el: el.tag.rsplit("}", 1)[-1] for el in tree.iter()}
    power = next(int(e.text) for e, n in local.items() if n == "powerOfTenMultiplier")
    values = [
        float(v.text)
        for e, n in local.items()
        if n == "IntervalReading"
        for v in e
        if v.tag.rsplit("}", 1)[-1] == "value"
    ]
    return len(values), sum(values) * 10.0**power


def test_detected_as_espi() -> None:
    for path in (SEED, SCE, COASTAL):
        assert detect(path).name == "espi-xml"


def test_seed_sample_raw_chunk() -> None:
    raw = _read(SEED)
    assert raw["line"].tolist() == [1, 2]
    assert raw["meter"].tolist() == ["A10S Large Est Values"] * 2
    assert raw["unit"].tolist() == ["Wh", "Wh"]
    assert raw["quantity"].tolist() == [1790.0, 1791.0]
    assert raw["start"][0] == pd.Timestamp(1299387600, unit="s", tz="UTC")
    assert raw["end"][0] == pd.Timestamp(1299387600 + 900, unit="s", tz="UTC")
    assert not raw["end_is_date"].any()
    assert raw.attrs["columns"]["quantity"] == "IntervalReading/value"


@pytest.mark.parametrize(("path", "unit"), [(THERMS, "therm"), (WH, "Wh"), (SCE, "Wh")])
def test_totals_match_an_independent_parse(path: Path, unit: str) -> None:
    raw = _read(path)
    count, total = _independent(path)
    assert len(raw) == count
    assert raw["quantity"].sum() == pytest.approx(total)
    assert set(raw["unit"]) == {unit}


def test_therms_apply_power_of_ten() -> None:
    assert _read(THERMS)["quantity"].tolist() == pytest.approx([1.790, 1.792])


def test_verdigris_sce_costs_and_currency() -> None:
    raw = _read(SCE)
    assert len(raw) == 97
    assert set(raw["currency"]) == {"USD"}
    assert (raw["cost_raw"] == "0").all() and (raw["cost"] == 0).all()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("example-GreenButton-data-invalid-electricity-cf.xml", "electricity but .* uom 119"),
        ("example-GreenButton-data-invalid-time-service-kind.xml", "kind 3 \\(time\\)"),
    ],
)
def test_invalid_files_are_format_errors(name: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        _read(DATA / name)


FEED = """<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:espi="http://naesb.org/espi">
 <entry><id>up-1</id><link rel="self" href="U/1/UsagePoint/7"/>
  <link rel="related" href="U/1/UsagePoint/7/MeterReading"/><title>Boiler house</title>
  <content><espi:UsagePoint><espi:ServiceCategory><espi:kind>1</espi:kind>
  </espi:ServiceCategory></espi:UsagePoint></content></entry>
 <entry><link rel="self" href="U/1/UsagePoint/7/MeterReading/1"/>
  <link rel="up" href="U/1/UsagePoint/7/MeterReading"/>
  <link rel="related" href="U/1/UsagePoint/7/MeterReading/1/IntervalBlock"/>
  <link rel="related" href="RT/2"/><content><espi:MeterReading/></content></entry>
 <entry><link rel="self" href="U/1/UsagePoint/7/MeterReading/1/IntervalBlock/1"/>
  <link rel="up" href="U/1/UsagePoint/7/MeterReading/1/IntervalBlock"/>
  <content><espi:IntervalBlock>
   <espi:IntervalReading><espi:cost>250000</espi:cost>
    <espi:ReadingQuality><espi:quality>8</espi:quality></espi:ReadingQuality>
    <espi:timePeriod><espi:duration>86400</espi:duration><espi:start>1735718400</espi:start>
    </espi:timePeriod><espi:value>1500</espi:value></espi:IntervalReading>
   <espi:IntervalReading>
    <espi:timePeriod><espi:duration>86400</espi:duration><espi:start>1735804800</espi:start>
    </espi:timePeriod><espi:value>1250</espi:value></espi:IntervalReading>
  </espi:IntervalBlock></content></entry>
 <entry><link rel="self" href="RT/1"/><content><espi:ReadingType><espi:uom>72</espi:uom>
  <espi:powerOfTenMultiplier>0</espi:powerOfTenMultiplier></espi:ReadingType></content></entry>
 <entry><link rel="self" href="RT/2"/><content><espi:ReadingType><espi:currency>840</espi:currency>
  <espi:powerOfTenMultiplier>-2</espi:powerOfTenMultiplier><espi:uom>169</espi:uom>
  </espi:ReadingType></content></entry>
</feed>
"""


def test_links_cost_quality_and_reading_type_after_blocks(tmp_path: Path) -> None:
    path = tmp_path / "gas.xml"
    path.write_text(FEED)
    raw = _read(path)
    assert raw["meter"].tolist() == ["Boiler house"] * 2
    assert raw["unit"].tolist() == ["therm", "therm"]  # RT/2 through the links, not RT/1
    assert raw["quantity"].tolist() == pytest.approx([15.0, 12.5])
    assert raw["cost"][0] == pytest.approx(2.5)  # 1/100,000 of a dollar
    assert raw["cost"].isna()[1] and raw["currency"][0] == "USD"
    assert raw["estimated"].tolist() == [True, False]


def test_uom_not_mapped_names_the_code(tmp_path: Path) -> None:
    path = tmp_path / "varh.xml"
    path.write_text(FEED.replace("<espi:uom>169</espi:uom>", "<espi:uom>73</espi:uom>"))
    with pytest.raises(FormatError, match="uom code 73"):
        _read(path)


def _hospital(db):
    return services.add_facility(
        db, name="H", country="US", grid_region="CAMX", floor_area="100000 ft**2", staffed_beds=50
    )  # a real hospital's size: a tiny one would make the sample's use implausible


def test_end_to_end_seed_sample() -> None:
    db = services.open_db(":memory:")
    facility = _hospital(db)
    services.add_meter(
        db, facility=facility.id, name="A10S Large Est Values", commodity="electricity", unit="kWh"
    )
    result = import_readings(db, SEED)
    assert result.ok and result.format == "espi-xml" and result.inserted == 2
    rows = db.execute(
        "SELECT start_utc, end_utc, quantity, unit, quantity_canonical FROM readings "
        "ORDER BY start_utc"
    ).fetchall()
    assert rows[0][:4] == (1299387600, 1299388500, 1790.0, "Wh")
    assert sum(r[4] for r in rows) == pytest.approx(3.581)  # kWh


def test_end_to_end_large_file_in_chunks() -> None:
    db = services.open_db(":memory:")
    facility = _hospital(db)
    services.add_meter(db, facility=facility.id, name="Hourly", commodity="electricity")
    chunks = list(EspiXml().read(COASTAL, ImportOptions(chunk_rows=1000)))
    assert [len(c) for c in chunks] == [1000] * 8 + [760]
    assert chunks[1]["line"].iloc[0] == 1001
    result = import_readings(db, COASTAL, ImportOptions(meter="Hourly", chunk_rows=1000))
    count, total = _independent(COASTAL)
    assert result.ok and result.inserted == count == 8760
    stored = db.execute("SELECT count(*), sum(quantity), min(start_utc) FROM readings").fetchone()
    assert stored[0] == 8760 and stored[1] == pytest.approx(total)
    assert stored[2] == 1293868800  # 2011-01-01 08:00 UTC, midnight in California


def test_end_to_end_gas_and_wrong_meter() -> None:
    db = services.open_db(":memory:")
    facility = _hospital(db)
    services.add_meter(db, facility=facility.id, name="Gas", commodity="natural_gas")
    services.add_meter(db, facility=facility.id, name="Water", commodity="water")
    ok = import_readings(db, THERMS, ImportOptions(meter="Gas"))
    assert ok.inserted == 2
    total = db.execute("SELECT sum(quantity) FROM readings").fetchone()[0]
    assert total == pytest.approx(3.582)
    bad = import_readings(db, WH, ImportOptions(meter="Water"))
    assert bad.status == "failed" and "Wh" in bad.errors[0].reason


def test_meter_key_falls_back_to_the_usage_point_link() -> None:
    raw = _read(DATA / "example-GreenButton-data2.xml")
    assert set(raw["meter"]) == {"User/456/UsagePoint/123"}  # no title, no id
    assert set(raw["unit"]) == {"Wh"}  # ReadingType/01 through the MeterReading link
    assert len(raw) == _independent_count(DATA / "example-GreenButton-data2.xml")


def _independent_count(path: Path) -> int:
    return sum(1 for e in ET.parse(path).iter() if e.tag.endswith("IntervalReading"))


# --- numbers no meter reading can have: refused with the line, nothing stored ------------------


def _edited(tmp_path: Path, **changes: str) -> Path:
    """The SEED sample with its ReadingType's power, its first value or first start replaced."""
    text = SEED.read_text()
    if "power" in changes:
        text = text.replace(
            "<powerOfTenMultiplier>0<", f"<powerOfTenMultiplier>{changes['power']}<"
        )
    if "value" in changes:
        text = text.replace("<value>1790</value>", f"<value>{changes['value']}</value>")
    if "cost" in changes:
        text = text.replace(
            "<value>1790</value>", f"<value>1790</value><cost>{changes['cost']}</cost>"
        )
    if "start" in changes:
        text = text.replace(
            "<duration>900</duration>\n            <start>1299387600",
            f"<duration>900</duration>\n            <start>{changes['start']}",
        )
    path = tmp_path / "edited.xml"
    path.write_text(text)
    return path


def _with_meter():
    db = services.open_db(":memory:")
    facility = _hospital(db)
    services.add_meter(
        db, facility=facility.id, name="A10S Large Est Values", commodity="electricity", unit="kWh"
    )
    return db


def _stored(db) -> tuple[int, int, int]:
    return tuple(
        db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("readings", "import_batches", "audit_log")
    )


POWERS = "(-12, -9, -6, -3, -2, -1, 0, 1, 2, 3, 6, 9, 12)"


@pytest.mark.parametrize("power", ["400", "-400", "13", "abc"])
def test_power_of_ten_outside_the_standard_is_refused_with_its_line(
    tmp_path: Path, power: str
) -> None:
    db = _with_meter()
    before = _stored(db)
    path = _edited(tmp_path, power=power)

    with pytest.raises(FormatError) as caught:
        import_readings(db, path)

    assert str(caught.value) == (
        f"edited.xml, line 48: ReadingType powerOfTenMultiplier '{power}' is not one of the "
        f"ESPI values {POWERS}"
    )
    assert path.read_text().splitlines()[47].strip().startswith("<powerOfTenMultiplier>")
    assert _stored(db) == before


@pytest.mark.parametrize("power", ["-12", "12"])
def test_power_of_ten_at_the_standards_ends_is_applied(tmp_path: Path, power: str) -> None:
    raw = _read(_edited(tmp_path, power=power))
    assert raw["quantity"].tolist() == [1790 * 10.0 ** int(power), 1791 * 10.0 ** int(power)]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"power": "12", "value": "1e300"},
         "edited.xml, line 1, IntervalReading/value '1e300': too large: beyond a 64-bit float "
         "(1.8e308) in its unit"),
        ({"cost": "9" * 320},
         "edited.xml, line 1, IntervalReading/cost '" + shorten("9" * 320, 80) + "': too "
         "large: beyond a 64-bit float (1.8e308) in its unit"),
    ],
    ids=["value-times-power", "cost-digits"],
)  # fmt: skip
def test_value_that_overflows_is_that_readings_error(
    tmp_path: Path, changes: dict, problem: str
) -> None:
    db = _with_meter()
    before = _stored(db)

    result = import_readings(db, _edited(tmp_path, **changes))

    assert result.status == "failed"
    texts = [p.text(result.file) for p in result.errors]
    # With power 12 every other reading is a trillion times larger too, which the plausibility
    # bands also refuse; the overflowing one is refused for its own reason.
    assert texts[0] == problem
    assert all("refused as implausible" in t for t in texts[1:])
    assert _stored(db) == before


@pytest.mark.parametrize(
    ("start", "shown"),
    [
        ("253402214400", "'253402214400' is 9999-12-31"),
        ("9" * 30, f"'{'9' * 30}' is far out of range"),
    ],
    ids=["year-9999", "beyond-int64"],
)
def test_start_outside_the_stored_years_is_refused_with_its_line(
    tmp_path: Path, start: str, shown: str
) -> None:
    db = _with_meter()
    before = _stored(db)

    with pytest.raises(FormatError) as caught:
        import_readings(db, _edited(tmp_path, start=start))

    assert str(caught.value) == (
        f"edited.xml, line 1: IntervalReading/timePeriod/start {shown}, outside the years "
        "greencare stores (1900 to 2200); not imported"
    )
    assert _stored(db) == before
