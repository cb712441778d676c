"""The emission-factor library: cited, versioned datasets read from ``factors/``.

Each dataset edition is a folder ``factors/<family>/<edition>/`` holding a ``dataset.toml``
(publisher, edition, year, URL, licence, GWP basis) and CSV tables. This module finds them,
picks an edition for an activity year, and looks factors up by (activity type, activity,
region). Nothing here invents a value: a factor that is not in a dataset is an error naming
what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from greencare.core.errors import GreencareError

if TYPE_CHECKING:
    import pandas as pd


class MissingFactorError(GreencareError, LookupError):
    """No factor (or no dataset edition) for something the inventory needs."""


@dataclass(frozen=True)
class Dataset:
    """One edition of a published factor set."""

    id: str
    family: str
    edition: str
    year: int
    title: str
    publisher: str
    url: str
    licence: str
    gwp_set: str
    path: Path
    meta: dict[str, Any] = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.title} {self.edition}"

    def data_year(self, activity_type: str | None) -> int | None:
        """The year the edition's data describe for this kind of activity, if it says.

        EPA Hub editions carry ``electricity_data_year`` (the eGRID year of Table 6), which
        lags the edition by two years (Hub 2021 = eGRID2019).
        """
        if activity_type is None:
            return None
        value = self.meta.get("dataset", {}).get(f"{activity_type}_data_year")
        return int(value) if value is not None else None


GWP_SETS = ("AR4", "AR5", "AR6")


#: Parsed ``dataset.toml`` files per factors folder, with the files' modification times: a
#: library is made per request (the TUI makes many), and parsing the 24 bundled files costs
#: more than the screen that asked. A changed or added file is parsed again.
_DATASETS: dict[Path, tuple[tuple[tuple[str, int], ...], dict[str, Dataset]]] = {}


def library_stamp(root: Path) -> str:
    """A digest of every file of every edition under ``root`` (name, size, modification time):
    it changes when an edition is added, removed or edited, so figures stored against it
    (the dashboard's) are known to be stale. Costs a directory walk, no parsing."""
    import zlib  # a checksum, not a signature; hashlib's import alone costs 5x the walk

    lines = []
    for path in sorted(Path(root).glob("*/*/*")):
        stat = path.stat()
        lines.append(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime_ns}")
    text = "\n".join(lines).encode()
    return f"{len(lines)}-{zlib.crc32(text):08x}-{zlib.adler32(text):08x}"


class FactorLibrary:
    """All datasets under one ``factors/`` folder, tables loaded on first use."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._tables: dict[tuple[str, str], pd.DataFrame] = {}
        self._groups_cache: dict[tuple[str, str], dict[tuple[str, str], Any]] = {}
        self._rows_cache: dict[tuple[str, tuple[str, str]], pd.DataFrame] = {}

    @classmethod
    def bundled(cls) -> FactorLibrary:
        from greencare import paths

        return cls(paths.factors_dir())

    @cached_property
    def datasets(self) -> dict[str, Dataset]:
        files = sorted(self.root.glob("*/*/dataset.toml"))
        stamp = tuple((str(f), f.stat().st_mtime_ns) for f in files)
        cached = _DATASETS.get(self.root)
        if cached is not None and cached[0] == stamp:
            return dict(cached[1])
        found: dict[str, Dataset] = {}
        for meta_file in files:
            with meta_file.open("rb") as handle:
                import tomllib  # here: library_stamp (the dashboard's start) parses no TOML

                meta = tomllib.load(handle)
            info = meta.get("dataset", {})
            family, edition = meta_file.parent.parent.name, meta_file.parent.name
            ds_id = f"{family}/{edition}"
            found[ds_id] = Dataset(
                id=ds_id,
                family=family,
                edition=str(info.get("edition", edition)),
                year=int(info.get("year", 0) or 0),
                title=str(info.get("title", ds_id)),
                publisher=str(info.get("publisher", "")),
                url=str(info.get("url", "")),
                licence=str(info.get("licence", info.get("license", ""))),
                gwp_set=str(info.get("gwp_set", "")),
                path=meta_file.parent,
                meta=meta,
            )
        _DATASETS[self.root] = (stamp, found)
        return dict(found)

    def dataset(self, ds_id: str) -> Dataset:
        try:
            return self.datasets[ds_id]
        except KeyError:
            known = ", ".join(sorted(self.datasets))
            raise MissingFactorError(f"no factor dataset {ds_id!r}; available: {known}") from None

    def editions(self, family: str) -> list[Dataset]:
        return sorted(
            (d for d in self.datasets.values() if d.family == family), key=lambda d: d.year
        )

    def pick(
        self,
        family: str,
        year: int,
        pinned: str | None = None,
        *,
        activity_type: str | None = None,
    ) -> Dataset:
        """The edition for activity in ``year`` (the pinned one if given).

        The rule: where every edition states the data year for ``activity_type`` (US
        electricity: the eGRID year), the edition whose data year is nearest the activity
        year, a tie going to the earlier data year and equal data years to the later edition.
        Otherwise the latest edition whose year is not after the activity year, and for a
        year before every edition, the earliest. :meth:`stand_in` says when the choice does
        not cover the year.
        """
        if pinned:
            return self.dataset(pinned if "/" in pinned else f"{family}/{pinned}")
        editions = self.editions(family)
        if not editions:
            raise MissingFactorError(f"no editions of {family!r} in {self.root}")
        data_years = [d.data_year(activity_type) for d in editions]
        if activity_type is not None and all(y is not None for y in data_years):
            ranked = sorted(
                zip(data_years, editions, strict=True),
                key=lambda p: (abs(int(p[0] or 0) - year), int(p[0] or 0), -p[1].year),
            )
            return ranked[0][1]
        usable = [d for d in editions if d.year <= year]
        return usable[-1] if usable else editions[0]

    def stand_in(
        self, ds: Dataset, year: int, activity_type: str | None = None, *, pinned: bool = False
    ) -> str:
        """Why ``ds`` stands in for a year it does not cover, or '' when it covers it."""
        how = "pinned edition" if pinned else None
        data_year = ds.data_year(activity_type)
        if data_year is not None:
            if data_year == year:
                return ""
            source = "eGRID" if ds.family == "epa-ghg-hub" else f"{ds.label} data year "
            return f"{source}{data_year} used for {year} activity ({how or 'nearest data year'})"
        if ds.year <= year:
            return ""
        reason = how or f"no edition for {year} or earlier; earliest used"
        return f"{ds.label} used for {year} activity ({reason})"

    def table(self, ds_id: str, name: str = "emission_factors.csv") -> pd.DataFrame:
        """A dataset's CSV as strings plus a float ``value`` column, cached."""
        import pandas as pd

        key = (ds_id, name)
        if key not in self._tables:
            path = self.dataset(ds_id).path / name
            if not path.exists():
                raise MissingFactorError(f"{ds_id} has no table {name}")
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            for column in ("value", "gwp100", "ratio", "mass_fraction", "kbtu_per_unit"):
                if column in frame.columns:
                    frame[column] = pd.to_numeric(frame[column], errors="raise")
            self._tables[key] = frame
        return self._tables[key]

    def factors(
        self, ds_id: str, activity_type: str, activity: str, region: str | None = None
    ) -> pd.DataFrame:
        """Rows for one activity (all gases and all per-units), or MissingFactorError."""
        key = (activity_type, activity)
        rows = self._rows_cache.get((ds_id, key))
        if rows is None:
            positions = self._groups(ds_id).get(key)
            if positions is not None:
                rows = self._rows_cache[(ds_id, key)] = self.table(ds_id).iloc[positions]
        if rows is not None and region is not None:
            rows = rows[rows["region"] == region]
        if rows is None or rows.empty:
            where = f" for region {region}" if region else ""
            raise MissingFactorError(
                f"{self.dataset(ds_id).label} has no {activity_type} factor for {activity!r}{where}"
            )
        return rows

    def _groups(self, ds_id: str) -> dict[tuple[str, str], Any]:
        """Row positions of the emission-factor table by (activity type, activity), built
        once; the rows are cut on first use (profiled: cutting every group of eGRID's table up
        front was most of an inventory's factor lookups)."""
        key = (ds_id, "#groups")
        if key not in self._groups_cache:
            groups = self.table(ds_id).groupby(["activity_type", "activity"]).indices
            self._groups_cache[key] = {(str(t), str(a)): rows for (t, a), rows in groups.items()}
        return self._groups_cache[key]

    def covers(self, ds_id: str, activity_type: str) -> bool:
        """Whether a dataset publishes any factor of this activity type."""
        return any(t == activity_type for t, _ in self._groups(ds_id))

    def gwp_table(self, gwp_set: str) -> pd.DataFrame:
        gwp_set = gwp_set.upper()
        if gwp_set not in GWP_SETS:
            raise MissingFactorError(
                f"unknown GWP set {gwp_set!r}; use one of {', '.join(GWP_SETS)}"
            )
        return self.table(f"ipcc-gwp/{gwp_set.lower()}", "gwp.csv")

    def gwp(self, gwp_set: str, gas: str) -> float:
        """GWP100 of a gas (or refrigerant blend) in a set; MissingFactorError if not listed."""
        table = self.gwp_table(gwp_set)
        rows = table[table["gas"].str.lower() == gas.lower()]
        if rows.empty:
            raise MissingFactorError(f"IPCC {gwp_set.upper()} has no GWP100 for {gas!r}")
        return float(rows["gwp100"].iloc[0])
