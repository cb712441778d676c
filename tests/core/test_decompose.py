"""The change decomposition: hand cases whose parts are known, and parts that add to the total."""

import math
import random

import pytest

from greencare.core.decompose import (
    PARTS,
    SCOPE_KEYS,
    biggest,
    decompose,
    round_parts,
    scope_sums,
)


def _sums(**facilities):
    """{facility: {scope key: t}} in kg, with the totals filled from the scopes."""
    out = {}
    for f, scopes in facilities.items():
        s = dict.fromkeys(SCOPE_KEYS, 0.0)
        for k, v in scopes.items():
            s[k] = v * 1000.0
        s["total_location"] = s["scope1"] + s["scope2_location"] + s["scope3"]
        s["total_market"] = s["scope1"] + s["scope2_market"] + s["scope3"]
        out[f] = s
    return out


def _assert_sums(d):
    for k in SCOPE_KEYS:
        assert math.fsum(d.parts[k].values()) == pytest.approx(d.change[k], abs=1e-6)
        assert d.change[k] == pytest.approx(d.after[k] - d.before[k])


def test_scope_sums_methods():
    rows = [(1, "1", "", 10.0), (1, "2", "location", 5.0), (1, "2", "market", 2.0),
            (1, "2", "", 1.0), (1, "3", "", 4.0), (1, "outside_scopes", "", 99.0)]  # fmt: skip
    s = scope_sums(rows)[1]
    assert s["scope1"] == 10 and s["scope2_location"] == 6 and s["scope2_market"] == 3
    assert s["scope3"] == 4 and s["total_location"] == 20 and s["total_market"] == 17


def test_facility_added():
    a = _sums(x={"scope1": 100})
    b = _sums(x={"scope1": 100}, y={"scope1": 30, "scope2_location": 7})
    d = decompose(a, b, a)
    assert d.added == ["y"] and d.removed == [] and d.continuing == ["x"]
    assert d.parts["scope1"]["facilities_added"] == 30_000
    assert d.parts["scope2_location"]["facilities_added"] == 7_000
    assert d.parts["total_location"]["facilities_added"] == 37_000
    assert all(d.parts["scope1"][p] == 0 for p in PARTS if p != "facilities_added")
    _assert_sums(d)


def test_facility_removed():
    a = _sums(x={"scope1": 100}, y={"scope3": 40})
    b = _sums(x={"scope1": 100})
    d = decompose(a, b, b)
    assert d.removed == ["y"]
    assert d.parts["scope3"]["facilities_removed"] == -40_000
    assert d.change["scope3"] == -40_000
    _assert_sums(d)


def test_factor_change_only():
    # same activity; the grid factor falls 10 %: 500 t -> 450 t, all of it factor editions
    a = _sums(x={"scope2_location": 500})
    b = _sums(x={"scope2_location": 450})
    d = decompose(a, b, a)  # B's activity at A's factors is A
    assert d.parts["scope2_location"]["factor_editions"] == -50_000
    assert d.parts["scope2_location"]["activity"] == 0
    _assert_sums(d)


def test_activity_only():
    a = _sums(x={"scope1": 200})
    b = _sums(x={"scope1": 260})
    d = decompose(a, b, b)  # the factors did not change
    assert d.parts["scope1"]["activity"] == 60_000
    assert d.parts["scope1"]["factor_editions"] == 0
    _assert_sums(d)


def test_weather_comes_out_of_activity():
    a = _sums(x={"scope1": 200})
    b = _sums(x={"scope1": 260})
    weather = _sums(x={"scope1": 25})
    d = decompose(a, b, b, weather=weather)
    assert d.parts["scope1"]["weather"] == 25_000
    assert d.parts["scope1"]["activity"] == 35_000
    _assert_sums(d)


def test_all_at_once():
    # x continues: use up 10 % (A factors: 100 -> 110), factor down to 0.8 (110 -> 88),
    # 4 t of the use change is weather; y removed, z added
    a = _sums(x={"scope1": 50, "scope2_location": 100, "scope2_market": 90}, y={"scope3": 12})
    b = _sums(x={"scope1": 55, "scope2_location": 88, "scope2_market": 80}, z={"scope1": 9})
    b_at_a = _sums(x={"scope1": 55, "scope2_location": 110, "scope2_market": 99})
    weather = _sums(x={"scope2_location": 4, "scope2_market": 3.6})
    d = decompose(a, b, b_at_a, weather=weather)
    s2 = d.parts["scope2_location"]
    assert s2["factor_editions"] == pytest.approx(-22_000)
    assert s2["weather"] == pytest.approx(4_000)
    assert s2["activity"] == pytest.approx(6_000)
    assert d.parts["scope3"]["facilities_removed"] == -12_000
    assert d.parts["scope1"]["facilities_added"] == 9_000
    assert d.parts["total_location"]["facilities_added"] == 9_000
    assert d.change["total_location"] == pytest.approx((55 + 88 + 9 - 50 - 100 - 12) * 1000)
    _assert_sums(d)
    assert d.by_facility["x"]["scope2_location"]["factor_editions"] == pytest.approx(-22_000)
    assert biggest(s2) == "factor_editions"


def test_facility_with_activity_but_no_emissions_is_continuing():
    a = _sums()
    b = _sums(x={"scope1": 5})
    d = decompose(a, b, b, before_facilities=["x"], after_facilities=["x"])
    assert d.added == [] and d.continuing == ["x"]
    assert d.parts["scope1"]["activity"] == 5_000


def test_random_cases_sum_exactly():
    rng = random.Random(13)
    for _ in range(200):
        names = [f"f{i}" for i in range(rng.randint(1, 6))]

        def draw():
            keys = ("scope1", "scope2_location", "scope2_market", "scope3")
            return {k: rng.uniform(0, 1e4) for k in keys}

        a = _sums(**{n: draw() for n in names if rng.random() < 0.8})
        b = _sums(**{n: draw() for n in names if rng.random() < 0.8})
        ba = _sums(**{n: draw() for n in names})
        wx = _sums(**{n: draw() for n in names if rng.random() < 0.5})
        d = decompose(a, b, ba, weather=wx)
        _assert_sums(d)
        for k in SCOPE_KEYS:
            shown = round_parts({p: v / 1000 for p, v in d.parts[k].items()}, d.change[k] / 1000)
            assert round(sum(shown.values()), 6) == round(round(d.change[k] / 1000, 1), 6)
            for p in PARTS:  # no part moves by more than one step
                assert abs(shown[p] - d.parts[k][p] / 1000) <= 0.1 + 1e-9


def test_round_parts_to_the_printed_difference():
    # 10.04 -> 10.46: the totals print 10.0 and 10.5, a change of 0.5 (not round(0.42) = 0.4)
    shown = round_parts({"a": 0.21, "b": 0.21}, 0.42, shown=round(10.46, 1) - round(10.04, 1))
    assert round(sum(shown.values()), 6) == 0.5
    whole = round_parts({"a": 1234.4, "b": 10.4}, 1244.8, 0)
    assert sum(whole.values()) == 1245 and whole["b"] in (10.0, 11.0)


def test_scope12_keys():
    s = scope_sums([(1, "1", "", 10.0), (1, "2", "location", 5.0), (1, "2", "market", 2.0)])[1]
    assert s["scope12_location"] == 15 and s["scope12_market"] == 12


def test_round_parts_adds_to_rounded_total():
    parts = {"a": 0.04, "b": 0.04, "c": 0.04}  # each rounds to 0.0, the total to 0.1
    shown = round_parts(parts, 0.12)
    assert sum(shown.values()) == pytest.approx(0.1)
    assert sorted(shown.values()) == [0.0, 0.0, 0.1]
    assert round_parts({"a": -1.25, "b": 0.0}, -1.25) == {"a": -1.3, "b": 0.0}
    assert biggest({p: 0.0 for p in PARTS}) is None
