"""greencare.services.weather: monthly degree days per facility from the shipped NOAA statewide data."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from greencare import services
from greencare.core.errors import InputError
from greencare.services import weather


@pytest.fixture
def springfield(db: Database):
    return services.add_facility(
        db, name="Springfield General", country="US", region="IL", grid_region="SRMW"
    )


def test_monthly_degree_days_for_an_illinois_facility(db: Database, springfield) -> None:
    frame = weather.monthly_degree_days(
        db, facility="Springfield General", first_month="2024-12", last_month="2025-02"
    )
    assert frame.columns.tolist() == weather.COLUMNS
    assert frame["month"].tolist() == ["2024-12", "2025-01", "2025-02"]
    # NOAA climdiv-hddcst-v1.0.0-20250905, lines 0110252024 and 0110252025 (Illinois).
    assert frame["hdd"].tolist() == [1042.0, 1349.0, 1068.0]
    assert frame["cdd"].tolist() == [0.0, 0.0, 0.0]
    assert set(frame["source"]) == {
        "NOAA NCEI nClimDiv v1.0.0-20250905 (noaa-nclimdiv/2025), state IL"
    }
    assert set(frame["base"]) == {"65 °F"}
    assert frame.attrs["missing_months"] == []


def test_months_not_yet_published_are_listed_as_missing(db: Database, springfield) -> None:
    frame = weather.monthly_degree_days(
        db, facility=springfield.id, first_month="2025-07", last_month="2025-10"
    )
    assert frame["month"].tolist() == ["2025-07", "2025-08"]
    assert frame["cdd"].tolist() == [368.0, 236.0]
    assert frame.attrs["missing_months"] == ["2025-09", "2025-10"]


def test_a_us_facility_without_a_state_is_refused(db: Database, us_hospital) -> None:
    with pytest.raises(
        weather.NotAvailableError,
        match=r"degree days not available for St Example: set the facility's state",
    ):
        weather.monthly_degree_days(db, facility="St Example")


def test_a_region_that_is_not_a_state_is_refused_not_guessed(db: Database) -> None:
    services.add_facility(db, name="Cook", country="US", region="Cook County", grid_region="SRMW")
    with pytest.raises(weather.NotAvailableError, match=r"region is 'Cook County', not a US state"):
        weather.monthly_degree_days(db, facility="Cook")


def test_a_state_nclimdiv_does_not_cover_is_refused(db: Database) -> None:
    services.add_facility(db, name="Honolulu", country="US", region="HI", grid_region="HIOA")
    with pytest.raises(weather.NotAvailableError, match=r"no statewide degree days for Hawaii"):
        weather.monthly_degree_days(db, facility="Honolulu")


def test_a_facility_outside_the_us_is_refused(db: Database) -> None:
    services.add_facility(db, name="Leeds", country="GB", grid_region="GB")
    with pytest.raises(weather.NotAvailableError, match="covers US facilities only"):
        weather.monthly_degree_days(db, facility="Leeds")


def test_another_base_is_refused_for_statewide_data(db: Database, springfield) -> None:
    with pytest.raises(weather.NotAvailableError, match="published at base 65 °F only"):
        weather.monthly_degree_days(db, facility=springfield.id, base="18C")


def test_bad_months_are_refused(db: Database, springfield) -> None:
    with pytest.raises(InputError, match=r"first month '2025-13' is not a month"):
        weather.monthly_degree_days(db, facility=springfield.id, first_month="2025-13")
    with pytest.raises(InputError, match="first month 2025-03 is after last month 2025-01"):
        weather.monthly_degree_days(
            db, facility=springfield.id, first_month="2025-03", last_month="2025-01"
        )
