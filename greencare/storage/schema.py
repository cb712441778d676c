"""The schema, built only by named, append-only migrations.

Never edit a migration that has shipped: add a new one. Each runs in a transaction together
with the record that it ran (sqlite-utils ``Migrations``), so a failed upgrade changes nothing.

Conventions: instants are UTC epoch seconds (``*_utc``), calendar dates are ISO text
(``*_date``), months are ``YYYY-MM``; every quantity is stored as entered (``quantity``,
``unit``) and, where it has one, in its canonical unit (``quantity_canonical``).
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("greencare")

_INITIAL = [
    """
    CREATE TABLE facilities (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        country TEXT NOT NULL,
        region TEXT,
        postcode TEXT,
        grid_region TEXT,
        timezone TEXT NOT NULL,
        floor_area REAL CHECK (floor_area IS NULL OR floor_area > 0),
        floor_area_unit TEXT,
        floor_area_m2 REAL,
        staffed_beds INTEGER CHECK (staffed_beds IS NULL OR staffed_beds >= 0),
        notes TEXT,
        retired INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
    )
    """,
    """
    CREATE TABLE meters (
        id INTEGER PRIMARY KEY,
        facility_id INTEGER NOT NULL REFERENCES facilities(id),
        name TEXT NOT NULL,
        commodity TEXT NOT NULL,
        unit TEXT NOT NULL,
        canonical_unit TEXT NOT NULL,
        delivery_class TEXT NOT NULL,
        net_metering INTEGER NOT NULL DEFAULT 0,
        notes TEXT,
        retired INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        UNIQUE (facility_id, name)
    )
    """,
    """
    CREATE TABLE import_batches (
        id INTEGER PRIMARY KEY,
        file_name TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        format TEXT NOT NULL,
        target_table TEXT NOT NULL,
        rows_read INTEGER NOT NULL DEFAULT 0,
        rows_inserted INTEGER NOT NULL DEFAULT 0,
        rows_skipped INTEGER NOT NULL DEFAULT 0,
        rows_rejected INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
        created_by TEXT,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'undone')),
        undone_at TEXT
    )
    """,
    "CREATE INDEX idx_import_batches_hash ON import_batches (content_hash)",
    """
    CREATE TABLE readings (
        id INTEGER PRIMARY KEY,
        meter_id INTEGER NOT NULL REFERENCES meters(id),
        start_utc INTEGER NOT NULL,
        end_utc INTEGER NOT NULL,
        quantity REAL NOT NULL,
        unit TEXT NOT NULL,
        quantity_canonical REAL NOT NULL,
        cost REAL,
        currency TEXT,
        estimated INTEGER NOT NULL DEFAULT 0,
        source TEXT NOT NULL DEFAULT 'manual',
        batch_id INTEGER REFERENCES import_batches(id),
        CHECK (end_utc > start_utc),
        UNIQUE (meter_id, start_utc, end_utc)
    )
    """,
    "CREATE INDEX idx_readings_batch ON readings (batch_id) WHERE batch_id IS NOT NULL",
    """
    CREATE TABLE waste_records (
        id INTEGER PRIMARY KEY,
        facility_id INTEGER NOT NULL REFERENCES facilities(id),
        start_date TEXT NOT NULL,
        end_date TEXT NOT NULL,
        stream TEXT NOT NULL,
        route TEXT NOT NULL,
        quantity REAL NOT NULL CHECK (quantity >= 0),
        unit TEXT NOT NULL,
        quantity_kg REAL NOT NULL,
        hauler TEXT,
        cost REAL,
        currency TEXT,
        estimated INTEGER NOT NULL DEFAULT 0,
        source TEXT NOT NULL DEFAULT 'manual',
        batch_id INTEGER REFERENCES import_batches(id),
        notes TEXT,
        CHECK (end_date >= start_date)
    )
    """,
    "CREATE INDEX idx_waste_facility ON waste_records (facility_id, start_date)",
    """
    CREATE TABLE purchases (
        id INTEGER PRIMARY KEY,
        facility_id INTEGER NOT NULL REFERENCES facilities(id),
        date TEXT NOT NULL,
        category TEXT NOT NULL,
        item TEXT,
        description TEXT,
        spend REAL,
        currency TEXT,
        quantity REAL CHECK (quantity IS NULL OR quantity >= 0),
        unit TEXT,
        supplier TEXT,
        source TEXT NOT NULL DEFAULT 'manual',
        batch_id INTEGER REFERENCES import_batches(id)
    )
    """,
    "CREATE INDEX idx_purchases_facility ON purchases (facility_id, date)",
    """
    CREATE TABLE normalizers (
        id INTEGER PRIMARY KEY,
        facility_id INTEGER NOT NULL REFERENCES facilities(id),
        month TEXT NOT NULL,
        patient_days REAL,
        adjusted_patient_days REAL,
        ftes REAL,
        UNIQUE (facility_id, month)
    )
    """,
    """
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        ts TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        table_name TEXT NOT NULL,
        row_id INTEGER,
        action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'import', 'undo')),
        before TEXT,
        after TEXT,
        source TEXT NOT NULL
    )
    """,
    "CREATE INDEX idx_audit_table_row ON audit_log (table_name, row_id)",
    # A readable view for people who open the database in another tool.
    """
    CREATE VIEW readings_view AS
    SELECT r.id, f.name AS facility, m.name AS meter, m.commodity,
           datetime(r.start_utc, 'unixepoch') || 'Z' AS start_utc,
           datetime(r.end_utc, 'unixepoch') || 'Z' AS end_utc,
           r.quantity, r.unit, r.quantity_canonical, m.canonical_unit,
           r.cost, r.currency, r.estimated, r.source, r.batch_id
    FROM readings r JOIN meters m ON m.id = r.meter_id JOIN facilities f ON f.id = m.facility_id
    """,
]


@migrations(name="0001_initial")
def m0001_initial(db: Database) -> None:
    for statement in _INITIAL:
        db.execute(statement)


@migrations(name="0002_reading_months")
def m0002_reading_months(db: Database) -> None:
    """Meter x local-month roll-up of readings, maintained by every write (storage.rollups)."""
    db.execute(
        """
        CREATE TABLE reading_months (
            meter_id INTEGER NOT NULL REFERENCES meters(id),
            month TEXT NOT NULL,
            unit TEXT NOT NULL,
            currency TEXT NOT NULL DEFAULT '',
            quantity REAL NOT NULL,
            quantity_canonical REAL NOT NULL,
            cost REAL NOT NULL DEFAULT 0,
            estimated_canonical REAL NOT NULL DEFAULT 0,
            readings INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (meter_id, month, unit, currency)
        ) WITHOUT ROWID
        """
    )
    from greencare.storage import rollups  # the roll-up of readings stored before this migration

    for _meter_id, _tz, frame in rollups.by_meter(db):  # one meter in memory, not the table
        rollups.apply(db, frame, sign=1)


@migrations(name="0003_instruments")
def m0003_instruments(db: Database) -> None:
    """Contractual instruments for market-based Scope 2: supplier factors, RECs, PPAs."""
    db.execute(
        """
        CREATE TABLE instruments (
            id INTEGER PRIMARY KEY,
            facility_id INTEGER NOT NULL REFERENCES facilities(id),
            meter_id INTEGER REFERENCES meters(id),
            kind TEXT NOT NULL
                CHECK (kind IN ('supplier_factor', 'rec', 'ppa', 'green_tariff')),
            start_month TEXT NOT NULL,
            end_month TEXT NOT NULL,
            mwh REAL CHECK (mwh IS NULL OR mwh > 0),
            co2e_kg_per_mwh REAL NOT NULL CHECK (co2e_kg_per_mwh >= 0),
            description TEXT,
            certificate TEXT,
            source TEXT NOT NULL DEFAULT 'manual',
            CHECK (end_month >= start_month)
        )
        """
    )
    db.execute("CREATE INDEX idx_instruments_facility ON instruments (facility_id, start_month)")


@migrations(name="0004_drop_readings_batch_index")
def m0004_drop_readings_batch_index(db: Database) -> None:
    """Every imported row paid for this index (about a quarter of insert time); undoing a
    batch, which is rare, scans the table instead."""
    db.execute("DROP INDEX IF EXISTS idx_readings_batch")


@migrations(name="0005_exact_rollups")
def m0005_exact_rollups(db: Database) -> None:
    """Recompute the roll-up with every sum folded in (meter, start) order, the order every
    write keeps from now on, so it equals a rebuild exactly (``greencare check``); sums kept by
    earlier versions could differ from one in the last digits."""
    from greencare.storage import rollups

    rollups.recompute(db)  # meter by meter: one meter's readings in memory, not the table


@migrations(name="0006_plausibility_flags")
def m0006_plausibility_flags(db: Database) -> None:
    """Values stored over a plausibility warning or a deliberate override of a refusal
    (greencare.core.plausibility), so reports and the dashboard can list them."""
    db.execute(
        """
        CREATE TABLE accepted_outliers (
            id INTEGER PRIMARY KEY,
            table_name TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            facility_id INTEGER REFERENCES facilities(id),
            month TEXT,
            rule TEXT NOT NULL,
            level TEXT NOT NULL CHECK (level IN ('warning', 'refusal')),
            message TEXT NOT NULL,
            accepted_by TEXT,
            accepted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            source TEXT NOT NULL,
            batch_id INTEGER REFERENCES import_batches(id)
        )
        """
    )
    db.execute("CREATE INDEX idx_accepted_outliers_row ON accepted_outliers (table_name, row_id)")
    db.execute("CREATE INDEX idx_accepted_outliers_month ON accepted_outliers (facility_id, month)")


@migrations(name="0008_weather")
def m0008_weather(db: Database) -> None:
    """Weather per facility: stations, their daily mean temperatures (from which greencare
    computes degree days at any base) and degree days imported as published (at their base).
    Rows carry the import batch that brought them, so ``imports undo`` removes them."""
    db.execute(
        """
        CREATE TABLE weather_stations (
            id INTEGER PRIMARY KEY,
            facility_id INTEGER NOT NULL REFERENCES facilities(id),
            name TEXT NOT NULL,
            notes TEXT,
            source TEXT NOT NULL DEFAULT 'manual',
            batch_id INTEGER REFERENCES import_batches(id),
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            UNIQUE (facility_id, name)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE weather_days (
            id INTEGER PRIMARY KEY,
            station_id INTEGER NOT NULL REFERENCES weather_stations(id),
            date TEXT NOT NULL,
            tmean REAL NOT NULL,
            tmin REAL,
            tmax REAL,
            unit TEXT NOT NULL CHECK (unit IN ('F', 'C')),
            readings INTEGER CHECK (readings IS NULL OR readings > 0),
            method TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT 'manual',
            batch_id INTEGER REFERENCES import_batches(id),
            UNIQUE (station_id, date)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE weather_degree_days (
            id INTEGER PRIMARY KEY,
            station_id INTEGER NOT NULL REFERENCES weather_stations(id),
            start_date TEXT NOT NULL,
            end_date TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('hdd', 'cdd')),
            base REAL NOT NULL,
            unit TEXT NOT NULL CHECK (unit IN ('F', 'C')),
            value REAL NOT NULL CHECK (value >= 0),
            estimated_pct REAL,
            source TEXT NOT NULL DEFAULT 'manual',
            batch_id INTEGER REFERENCES import_batches(id),
            CHECK (end_date >= start_date),
            UNIQUE (station_id, kind, base, unit, start_date)
        )
        """
    )


@migrations(name="0009_units_million_pounds_are_mmlb")
def m0009_units_million_pounds_are_mmlb(db: Database) -> None:
    """Before the bill-unit table, "MLb"/"MLbs" were read as million pounds and stored as "MLb".
    That token is now refused as ambiguous (Con Edison's Mlb is a thousand), so stored rows take
    the unambiguous name of what they were read as; quantities are unchanged."""
    for table in ("meters", "readings", "reading_months", "waste_records", "purchases"):
        db.execute(f"UPDATE {table} SET unit = 'MMlb' WHERE unit = 'MLb'")


def table_names(db: Database) -> list[str]:
    return sorted(db.table_names())


@migrations(name="0007_schema_versions")
def m0007_schema_versions(db: Database) -> None:
    """Which greencare version applied each migration (``storage.db`` adds a row after every
    upgrade), so an older greencare that meets a newer database can name the version it needs."""
    db.execute(
        """
        CREATE TABLE schema_versions (
            migration TEXT PRIMARY KEY,
            greencare_version TEXT NOT NULL,
            applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        )
        """
    )


@migrations(name="0010_demand_and_reading_hours")
def m0010_demand_and_reading_hours(db: Database) -> None:
    """Demand on bills (billed demand in kW and its charge, both optional) and the hourly
    roll-up of interval readings (local clock hours; ``storage.hours``), kept by every write
    like ``reading_months`` so a decade of 15-minute data is any chart's data in a moment."""
    db.execute("ALTER TABLE readings ADD COLUMN demand_kw REAL CHECK (demand_kw >= 0)")
    db.execute("ALTER TABLE readings ADD COLUMN demand_cost REAL")
    db.execute(
        """
        CREATE TABLE reading_hours (
            meter_id INTEGER NOT NULL REFERENCES meters(id),
            hour_utc INTEGER NOT NULL,
            quantity_canonical REAL NOT NULL,
            seconds REAL NOT NULL,
            estimated_canonical REAL NOT NULL DEFAULT 0,
            peak_rate REAL,
            peak_start_utc INTEGER,
            peak_seconds INTEGER NOT NULL DEFAULT 0,
            readings INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (meter_id, hour_utc)
        ) WITHOUT ROWID
        """
    )
    from greencare.storage import hours  # the hours of interval readings stored before this

    hours.recompute(db)  # meter by meter: one meter's readings in memory, not the table


@migrations(name="0011_portfolio_manager_ids")
def m0011_portfolio_manager_ids(db: Database) -> None:
    """ENERGY STAR Portfolio Manager's own ids: a facility's property id and a meter's meter id
    (text, as PM writes them), so an import finds them again whatever they are called here and
    an export names them in PM's upload workbook. Each id belongs to one row at most."""
    db.execute("ALTER TABLE facilities ADD COLUMN pm_property_id TEXT")
    db.execute("ALTER TABLE meters ADD COLUMN pm_meter_id TEXT")
    db.execute(
        "CREATE UNIQUE INDEX idx_facilities_pm_property_id ON facilities (pm_property_id) "
        "WHERE pm_property_id IS NOT NULL"
    )
    db.execute(
        "CREATE UNIQUE INDEX idx_meters_pm_meter_id ON meters (pm_meter_id) "
        "WHERE pm_meter_id IS NOT NULL"
    )


@migrations(name="0012_targets_and_settings")
def m0012_targets_and_settings(db: Database) -> None:
    """Reduction targets (per scope, energy, water or waste, against a baseline year) and
    settings (``fiscal_year_start_month``, ``default_baseline_year``), so every front end,
    the dashboard and reports share them. Independent of every other migration's tables."""
    db.execute(
        """
        CREATE TABLE targets (
            id INTEGER PRIMARY KEY,
            scope TEXT NOT NULL CHECK (scope IN ('scope1', 'scope2', 'scope12', 'scope3',
                                                 'total', 'energy', 'water', 'waste')),
            basis TEXT CHECK (basis IS NULL OR basis IN ('location', 'market')),
            baseline_year INTEGER NOT NULL,
            target_year INTEGER NOT NULL,
            reduction REAL NOT NULL CHECK (reduction >= 0 AND reduction <= 1),
            metric TEXT NOT NULL DEFAULT 'absolute',
            note TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            CHECK (target_year > baseline_year)
        )
        """
    )
    db.execute(
        "CREATE UNIQUE INDEX idx_targets_unique ON targets "
        "(scope, coalesce(basis, ''), metric, baseline_year, target_year)"
    )
    db.execute(
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )
        """
    )


@migrations(name="0013_batch_reading_ids")
def m0013_batch_reading_ids(db: Database) -> None:
    """The range of reading ids a batch's import could have given (the largest id before it,
    plus one, to the largest after it): undo reads that range by primary key instead of the
    whole readings table, so undoing a batch costs what the batch holds, not what the database
    holds. A batch imported before this migration has no range and is found by scanning."""
    db.execute("ALTER TABLE import_batches ADD COLUMN first_reading_id INTEGER")
    db.execute("ALTER TABLE import_batches ADD COLUMN last_reading_id INTEGER")


@migrations(name="0014_dashboard_cache")
def m0014_dashboard_cache(db: Database) -> None:
    """A data-version counter that every write transaction adds one to
    (``storage.db.begin_write``), and the dashboard's figures stored under the version they
    were computed at, so the app shows them at once on the next start instead of computing the
    inventory first. Figures whose version is not the current one are stale."""
    db.execute(
        "CREATE TABLE data_version (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "version INTEGER NOT NULL)"
    )
    db.execute("INSERT INTO data_version (id, version) VALUES (1, 0)")
    db.execute(
        """
        CREATE TABLE dashboard_cache (
            key TEXT PRIMARY KEY,
            data_version INTEGER NOT NULL,
            figures TEXT NOT NULL,
            computed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        )
        """
    )
