"""Storage of the parcel register: one SQL code path over a GeoPackage (SQLite) and over
PostgreSQL with PostGIS, with a thin dialect layer for what differs between them:
placeholders, geometry encoding, write locks and bulk writes.

Tables (see docs/data-model.md, "Register"):

- ``kavel_versies``: every version of every parcel (a GeoPackage feature table / PostGIS
  table with geometry ``geom`` in EPSG:28992);
- ``kavels``: one row per parcel ever delivered, pointing at its latest version; the row an
  edit locks;
- ``leveringen``: one row per municipality per imported delivery;
- ``leveringsconflicten``: one row per field a delivery contradicted of an officer's edit
  made after the municipality's previous delivery (kept or applied: ``toegepast``);
- ``kavelregister_schema``: the layout's version (:data:`SCHEMA_VERSION`, or a store's own
  ``schema_target`` beyond it); a register of an older layout is upgraded by
  :meth:`Store.upgrade`, one numbered migration of that store at a time.

A version's row is written once and changed only where the register's logic says (its end,
its withdrawal, its reopening by an undo): through :meth:`Store.close_versions`,
:meth:`Store.withdraw_version` and :meth:`Store.reopen_version`, which PostgreSQL runs as the
register's own functions so that a municipality's role needs no right to change history.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import shapely

from terreinen.errors import TerreinenOptionError, TerreinenStoreError
from terreinen.figures import AsOf, as_of_date
from terreinen.i18n import t

#: The parcel fields a version keeps (DATA_MODEL.md names), with their kind of SQL type.
FIELDS: dict[str, str] = {
    "terrein": "text",
    "rin_nummer": "text",
    "kern": "text",
    "gemeente": "text",
    "provincie": "text",
    "status": "text",
    "planfase": "integer",
    "milieucategorie": "text",
    "segment": "text",
    "eigenaar": "text",
    "uitgiftedatum": "date",
    "prijs_m2": "real",
    "laatst_bijgewerkt": "date",
    "opmerking": "text",
}
#: What a version records about itself, before the parcel's fields.
VERSION_COLUMNS = (
    "kavel_id",
    "versie",
    "geldig_van",
    "geldig_tot",
    "vastgelegd_op",
    "door",
    "bron",
    "reden",
    "vervallen",
)
#: How a version was withdrawn by ``Register.correct``/``undo`` (empty while it stands); a
#: withdrawn version keeps its row but is valid on no day (``geldig_tot = geldig_van``).
WITHDRAWAL_COLUMNS = ("ingetrokken_op", "ingetrokken_door", "ingetrokken_reden", "corrigeert")
VERSIONS, HEADS, DELIVERIES = "kavel_versies", "kavels", "leveringen"
CONFLICTS = "leveringsconflicten"
SCHEMA = "kavelregister_schema"
#: The register's layout in both stores. 1: the first (no schema table); 2: withdrawn
#: versions, delivery conflicts, the schema table, one open version per parcel and unique
#: deliveries enforced. (PostgreSQL's 3 adds its roles: see ``postgis.py``.)
SCHEMA_VERSION = 2
#: The columns of ``leveringsconflicten`` after its fid.
CONFLICT_COLUMNS = (
    "gemeente",
    "kavel_id",
    "datum",
    "bron",
    "veld",
    "bewerkt",
    "geleverd",
    "bewerkt_door",
    "bewerkt_op",
    "bewerking_reden",
    "toegepast",
    "vastgelegd_op",
)
SRID = 28992

_SQL_TYPES = {
    "sqlite": {
        "text": "TEXT",
        "integer": "INTEGER",
        "real": "REAL",
        "date": "DATE",
        "timestamp": "DATETIME",
        "boolean": "BOOLEAN",
        "id": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "geometry": "GEOMETRY",
    },
    "postgresql": {
        "text": "text",
        "integer": "integer",
        "real": "double precision",
        "date": "date",
        "timestamp": "timestamptz",
        "boolean": "boolean",
        "id": "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "geometry": f"geometry(Geometry, {SRID})",
    },
}
TABLES = {
    VERSIONS: {
        "fid": "id",
        "kavel_id": "text NOT NULL",
        "versie": "integer NOT NULL",
        "geldig_van": "date NOT NULL",
        "geldig_tot": "date",
        "vastgelegd_op": "timestamp NOT NULL",
        "door": "text NOT NULL",
        "bron": "text",
        "reden": "text NOT NULL",
        "vervallen": "boolean NOT NULL",
        **FIELDS,
        "ingetrokken_op": "timestamp",
        "ingetrokken_door": "text",
        "ingetrokken_reden": "text",
        "corrigeert": "integer",
        "geom": "geometry",
    },
    HEADS: {
        "kavel_id": "text NOT NULL PRIMARY KEY",
        "gemeente": "text NOT NULL",
        "versie": "integer NOT NULL",
        "geldig_van": "date NOT NULL",
        "vervallen": "boolean NOT NULL",
    },
    DELIVERIES: {
        "fid": "id",
        "gemeente": "text NOT NULL",
        "datum": "date NOT NULL",
        "bron": "text NOT NULL",
        "vastgelegd_op": "timestamp NOT NULL",
        "door": "text NOT NULL",
        "n_kavels": "integer NOT NULL",
    },
    CONFLICTS: {
        "fid": "id",
        "gemeente": "text NOT NULL",
        "kavel_id": "text NOT NULL",
        "datum": "date NOT NULL",
        "bron": "text NOT NULL",
        "veld": "text NOT NULL",
        "bewerkt": "text",
        "geleverd": "text",
        "bewerkt_door": "text NOT NULL",
        "bewerkt_op": "timestamp NOT NULL",
        "bewerking_reden": "text NOT NULL",
        "toegepast": "boolean NOT NULL",
        "vastgelegd_op": "timestamp NOT NULL",
    },
    SCHEMA: {"versie": "integer NOT NULL"},
}
_INDEXES = (
    f"CREATE UNIQUE INDEX IF NOT EXISTS kavel_versies_kavel ON {VERSIONS} (kavel_id, versie)",
    f"CREATE INDEX IF NOT EXISTS kavel_versies_geldig ON {VERSIONS} (geldig_tot, geldig_van)",
    f"CREATE INDEX IF NOT EXISTS kavels_gemeente ON {HEADS} (gemeente)",
    # schema 2: what the register's logic relies on, enforced by the store itself
    f"CREATE UNIQUE INDEX IF NOT EXISTS kavel_versies_open ON {VERSIONS} (kavel_id) "
    "WHERE geldig_tot IS NULL",
    f"CREATE UNIQUE INDEX IF NOT EXISTS leveringen_uniek ON {DELIVERIES} (gemeente, datum, bron)",
)


def as_day(value: AsOf, name: str = "date") -> str:
    """A date as ISO text (the form both stores compare), or a plain error naming ``name``.

    A plain ``datetime.date`` is taken as it is: ``date.max`` stands for "no end" in the
    stores' period queries, beyond the years a Timestamp holds.
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return as_of_date(value, name).date().isoformat()


def now_text() -> str:
    """Now in UTC, written as GeoPackage DATETIME (which PostgreSQL reads too)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Fields in the register's types, whichever store or file they came from: text or
    None, planfase Int64, numbers float, dates ISO text or None."""
    out = frame.copy()
    for column, kind in FIELDS.items():
        values = out[column] if column in out else pd.Series(None, index=out.index, dtype=object)
        if kind == "integer":
            out[column] = pd.to_numeric(values).astype("Int64")
        elif kind == "real":
            out[column] = pd.to_numeric(values).astype(float)
        elif kind == "date":
            days = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
            out[column] = days.astype(object).where(days.notna(), None)
        else:
            out[column] = values.astype(object).where(values.notna(), None)
    return out


def native(values: pd.Series, kind: str) -> list:
    """Plain Python values for the database drivers (None for missing)."""
    if kind == "integer":
        return [None if pd.isna(v) else int(v) for v in values]
    if kind == "real":
        return [None if math.isnan(v) else float(v) for v in values.astype(float)]
    return list(values)


class Store:
    """A connection to a register store; subclasses say how SQLite and PostgreSQL differ."""

    kind: str
    label: str
    integrity_errors: tuple[type[Exception], ...] = ()  # the driver's constraint violations
    #: The layout this store's registers have, and the migration to each version from the
    #: one before.
    schema_target = SCHEMA_VERSION
    migrations: ClassVar[Mapping[int, Callable[[Store, Any], None]]]  # set below

    def geometry_of(self, column: str) -> str:
        """The select expression that returns ``column`` (e.g. ``v.geom``) as bytes."""
        return column

    def sql(self, text: str) -> str:
        """SQL written with ``?`` placeholders, in this store's placeholder style."""
        return text

    def has_register(self) -> bool:
        raise NotImplementedError

    @contextlib.contextmanager
    def reading(self) -> Iterator:
        """A cursor in one consistent snapshot."""
        raise NotImplementedError

    @contextlib.contextmanager
    def writing(self) -> Iterator:
        """A cursor in a transaction that no other writer runs beside; committed at the end,
        rolled back on any error (or when the process dies)."""
        raise NotImplementedError

    def lock_parcel(self, cursor, kavel_id: str):
        """The head row of a parcel (versie, geldig_van, vervallen), locked until commit."""
        cursor.execute(
            self.sql(f"SELECT versie, geldig_van, vervallen FROM {HEADS} WHERE kavel_id = ?"),
            [kavel_id],
        )
        return cursor.fetchone()

    def encode(self, geoms: np.ndarray) -> list:
        raise NotImplementedError

    def decode(self, values: Iterable) -> np.ndarray:
        """Stored geometries as shapely geometries; one that cannot be read (a crafted or
        damaged blob) is a plain error."""
        try:
            return shapely.from_wkb(self.wkb(values))
        except (shapely.errors.ShapelyError, IndexError, TypeError, ValueError) as exc:
            raise TerreinenStoreError(
                t(
                    "{label}: a stored outline cannot be read ({error}); the register is "
                    "damaged or was changed by another program",
                    label=self.label,
                    error=exc,
                )
            ) from None

    def wkb(self, values: Iterable) -> list:
        """Stored geometries as WKB (None for none)."""
        raise NotImplementedError

    def insert_rows(self, cursor, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        """Append rows (geometry already encoded) to a table."""
        marks = ", ".join("?" * len(columns))
        cursor.executemany(
            self.sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"), rows
        )

    def update_rows(
        self, cursor, table: str, columns: Sequence[str], keys: Sequence[str], rows: list[tuple]
    ) -> None:
        """Set ``columns`` of the rows matching ``keys``; each row holds columns then keys."""
        sets = ", ".join(f"{c} = ?" for c in columns)
        where = " AND ".join(f"{k} = ?" for k in keys)
        cursor.executemany(self.sql(f"UPDATE {table} SET {sets} WHERE {where}"), rows)

    def close_versions(self, cursor, day: str, versions: list[tuple[str, int]]) -> None:
        """End the versions ``(kavel_id, versie)`` on ``day``: each the parcel's latest
        standing version (open, or closed by a version since withdrawn)."""
        rows = [(day, kavel_id, version) for kavel_id, version in versions]
        self.update_rows(cursor, VERSIONS, ["geldig_tot"], ["kavel_id", "versie"], rows)

    def withdraw_version(self, cursor, kavel_id: str, version: int, door: str, reason: str):
        """Make the parcel's current version valid on no day, saying who withdrew it (the
        ``door`` of :meth:`door`), when and why."""
        cursor.execute(
            self.sql(
                f"UPDATE {VERSIONS} SET geldig_tot = geldig_van, ingetrokken_op = ?, "
                "ingetrokken_door = ?, ingetrokken_reden = ? WHERE kavel_id = ? AND versie = ?"
            ),
            [now_text(), door, reason, kavel_id, version],
        )

    def reopen_version(self, cursor, kavel_id: str, version: int) -> None:
        """Make ``version`` the parcel's open version again (the later ones withdrawn)."""
        self.update_rows(
            cursor, VERSIONS, ["geldig_tot"], ["kavel_id", "versie"], [(None, kavel_id, version)]
        )

    def point_head(self, cursor, kavel_id: str, head: tuple) -> None:
        """Make ``head`` (``versie``, ``geldig_van``, ``vervallen``) the parcel's current
        version in the heads table."""
        self.update_rows(
            cursor, HEADS, ["versie", "geldig_van", "vervallen"], ["kavel_id"], [(*head, kavel_id)]
        )

    def door(self, by: str | None) -> str:
        """Who records a change: ``by``, else the operating-system user (a GeoPackage is one
        file: whoever can write it can edit it)."""
        return by or getpass.getuser()

    def check_may_edit(self, cursor, gemeenten: Iterable[str]) -> None:
        """Refuse (:class:`TerreinenPermissionError`) a change to parcels of municipalities
        this user may not edit; a GeoPackage has no users of its own."""

    def tables(self, cursor) -> set[str]:
        """The names of the tables the store holds."""
        raise NotImplementedError

    def foreign_layers(self, cursor) -> list[str]:
        """Data tables where a new register would go (a GeoPackage of parcels, ...)."""
        return []

    def check_store(self, cursor) -> None:
        """Refuse a store holding what the register does not (subclasses: triggers, owners,
        damage)."""

    def check_owner(self, cursor) -> None:
        """Refuse existing tables this session does not own (PostgreSQL)."""

    def schema_version(self, cursor) -> int | None:
        """The register's layout version: None where there is no register, 1 for the first
        layout (which had no schema table)."""
        tables = self.tables(cursor)
        if not {VERSIONS, HEADS, DELIVERIES} <= tables:
            return None
        if SCHEMA not in tables:
            return 1
        cursor.execute(f"SELECT max(versie) FROM {SCHEMA}")
        return int(cursor.fetchone()[0] or 1)

    def check_schema(self, cursor) -> None:
        """Refuse a register of another layout, or one whose tables lack columns."""
        version = self.schema_version(cursor)
        if version is not None and version != self.schema_target:
            raise TerreinenStoreError(_other_version(self.label, version, self.schema_target))
        for table, columns in TABLES.items():
            cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
            missing = sorted(set(columns) - {d[0] for d in cursor.description})
            if missing:
                raise TerreinenStoreError(
                    t(
                        "{label}: table {table} lacks the columns {columns} of register schema "
                        "version {version}; it is damaged or not made by terreinen",
                        label=self.label,
                        table=table,
                        columns=", ".join(missing),
                        version=self.schema_target,
                    )
                )

    def create(self) -> None:
        """Create the register's tables, or keep them when they are there in this layout."""
        with self.writing() as cursor:
            self.check_owner(cursor)
            version = self.schema_version(cursor)
            if version is not None:
                self.check_store(cursor)
                self.check_schema(cursor)
                return
            others = self.foreign_layers(cursor)
            if others:
                raise TerreinenOptionError(
                    t(
                        "{label} holds other layers ({layers}): a register is a GeoPackage of "
                        "its own; give a new file (a delivery is imported with `terreinen "
                        "register import`)",
                        label=self.label,
                        layers=", ".join(others[:5]),
                    )
                )
            for table in TABLES:
                self._create_table(cursor, table)
            for statement in _INDEXES:
                cursor.execute(statement)
            self._register_tables(cursor)
            self._create_own(cursor)
            cursor.execute(f"INSERT INTO {SCHEMA} (versie) VALUES ({self.schema_target})")

    def upgrade(self) -> tuple[int, int]:
        """Bring a register of an older layout to this store's ``schema_target``, one numbered
        migration at a time, in one transaction; returns (from, to)."""
        with self.writing() as cursor:
            self.check_owner(cursor)
            version = self.schema_version(cursor)
            if version is None:
                raise TerreinenStoreError(
                    t("{label}: not a terreinen register; nothing upgraded", label=self.label)
                )
            if version > self.schema_target:
                raise TerreinenStoreError(_other_version(self.label, version, self.schema_target))
            self.check_store(cursor)
            start = version
            while version < self.schema_target:
                version += 1
                self.migrations[version](self, cursor)
            self.check_schema(cursor)
        return start, version

    def sql_types(self) -> Mapping[str, str]:
        """The column types of this store's SQL."""
        return _SQL_TYPES[self.kind]

    def _create_table(self, cursor, table: str) -> None:
        types = self.sql_types()
        definition = ", ".join(
            f"{name} {_column_type(spec, types)}" for name, spec in TABLES[table].items()
        )
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} ({definition})")

    def _add_column(self, cursor, table: str, column: str) -> None:
        kind = _column_type(TABLES[table][column], self.sql_types())
        cursor.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def _register_tables(self, cursor) -> None:
        """Make the tables known to GIS software (GeoPackage only)."""

    def _create_own(self, cursor) -> None:
        """Create what this store adds to the shared layout (PostgreSQL: its functions, rights
        and row-level security)."""

    def close(self) -> None:
        raise NotImplementedError


def _to_schema_2(store: Store, cursor) -> None:
    """Withdrawn versions, delivery conflicts, the schema table and the unique indexes."""
    cursor.execute(f"SELECT * FROM {VERSIONS} WHERE 1 = 0")
    present = {d[0] for d in cursor.description}
    for column in WITHDRAWAL_COLUMNS:
        if column not in present:  # a register part-way there (made by a development version)
            store._add_column(cursor, VERSIONS, column)
    store._create_table(cursor, CONFLICTS)
    store._create_table(cursor, SCHEMA)
    try:
        for statement in _INDEXES:
            cursor.execute(statement)
    except store.integrity_errors as exc:  # stored rows break a rule
        raise TerreinenStoreError(
            t(
                "{label}: the register breaks a rule of schema version 2 (one open version per "
                "parcel, one delivery per municipality, date and source): {error}; nothing "
                "upgraded",
                label=store.label,
                error=exc,
            )
        ) from None
    store._register_tables(cursor)
    cursor.execute(f"INSERT INTO {SCHEMA} (versie) VALUES (2)")


#: Migration to each schema version from the one before, the same SQL for both stores.
SHARED_MIGRATIONS: Mapping[int, Callable[[Store, Any], None]] = {2: _to_schema_2}
Store.migrations = SHARED_MIGRATIONS


def _other_version(label: str, version: int, target: int) -> str:
    if version > target:
        return t(
            "{label}: register schema version {version} is newer than this terreinen's "
            "{target}; install a newer terreinen",
            label=label,
            version=version,
            target=target,
        )
    return t(
        "{label}: register schema version {version}, this terreinen needs version {target}; "
        "upgrade it from version {version} with `terreinen register upgrade --store {label}` "
        "(Register.upgrade)",
        label=label,
        version=version,
        target=target,
    )


def _column_type(spec: str, types: Mapping[str, str]) -> str:
    kind, _, rest = spec.partition(" ")
    return f"{types[kind]} {rest}".strip()
