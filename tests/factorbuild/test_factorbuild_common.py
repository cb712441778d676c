from __future__ import annotations

import tomllib

from greencare.factorbuild.common import dump_toml, fmt_num, slug, strip_footnote, to_number


def test_fmt_num_strips_binary_noise_and_keeps_digits() -> None:
    assert fmt_num(0.022000000000000002) == "0.022"
    assert fmt_num(0.15944000000000003) == "0.15944"
    assert fmt_num(28) == "28"
    assert fmt_num(1.0) == "1"
    assert fmt_num(53.06) == "53.06"
    assert fmt_num(9e-05) == "9e-05"
    assert fmt_num(0.0035205384954666674) == "0.00352053849546667"


def test_to_number_handles_text_cells() -> None:
    assert to_number("NA") is None
    assert to_number("0 ") == 0.0
    assert to_number(None) is None
    assert to_number(True) is None
    assert to_number(3) == 3.0


def test_slug_and_footnotes() -> None:
    assert slug("Distillate Fuel Oil No. 2") == "distillate_fuel_oil_no_2"
    assert slug("Naphtha (<401 deg F)") == "naphtha_lt_401_deg_f"
    assert strip_footnote("RecycledA") == "Recycled"
    assert strip_footnote("Passenger Car A") == "Passenger Car"
    assert strip_footnote("Medium- and Heavy-Duty TruckC") == "Medium- and Heavy-Duty Truck"
    assert strip_footnote("PLA") == "PLA"
    assert strip_footnote("HDPE") == "HDPE"


def test_dump_toml_round_trips() -> None:
    data = {
        "unverified": ["a", "b"],
        "dataset": {"id": "x/1", "year": 2025, "ok": True, "notes": 'say "hi"\nthere'},
        "files": {"f": {"description": "d", "columns": {"a": "b"}}},
    }
    assert tomllib.loads(dump_toml(data)) == data
