"""The report's data-quality issues list values accepted over a plausibility warning or
refusal, in the report's period only."""

from __future__ import annotations

from sqlite_utils import Database

from greencare import services
from greencare.reports import build_report


def test_accepted_outliers_are_listed_in_data_quality(small_db: Database) -> None:
    new_id = services.add_purchase(
        small_db, facility="St Example", date="2025-03-20", category="anesthetic_gas",
        item="desflurane", quantity=4000, unit="bottle", accept_outlier=True,
    )  # fmt: skip
    issues = build_report(small_db, year=2025)["quality_issues"]
    accepted = issues[issues["kind"].str.startswith("accepted over")]
    assert accepted.values.tolist() == [
        [
            "accepted over a refusal",
            f"St Example 2025-03, purchases {new_id} (api): 4,000 bottle of desflurane is 5.63 kg "
            "of agent per staffed bed in a month at St Example (250 staffed beds); refused "
            "above 2.5",
        ]
    ]
    other_year = build_report(small_db, start="2025-04", end="2025-04", allow_gaps=True)
    listed = other_year["quality_issues"]["kind"].str.startswith("accepted over")
    assert not listed.any()


def test_a_long_list_of_accepted_values_is_cut_with_a_count(
    small_db: Database, monkeypatch
) -> None:
    from greencare.reports import frameworks

    monkeypatch.setattr(frameworks, "ACCEPTED_LISTED", 1)
    for day in ("2025-03-20", "2025-03-21"):
        services.add_purchase(
            small_db, facility="St Example", date=day, category="anesthetic_gas",
            item="desflurane", quantity=4000, unit="bottle", accept_outlier=True,
        )  # fmt: skip
    issues = build_report(small_db, year=2025)["quality_issues"]
    tail = issues[issues["kind"].str.startswith("accepted")].values.tolist()
    assert len(tail) == 2
    assert tail[1] == ["accepted outliers", "... and 1 more (table accepted_outliers)"]
