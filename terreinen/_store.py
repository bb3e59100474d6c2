"""Storage of the parcel register: one SQL code path over a GeoPackage (SQLite) and over
PostgreSQL with PostGIS, with a thin dialect layer for what differs between them:
placeholders, geometry encoding, write locks and bulk writes.

Tables (see docs/data-model.md, "Register"):

- ``kavel_versies``: every version of every parcel (a GeoPackage feature table / PostGIS
  table with geometry ``geom`` in EPSG:28992);
- ``kavels``: one row per parcel ever delivered, pointing at its latest version; the row an
  edit locks;
- ``leveringen``: one row per municipality per imported delivery.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import sqlite3
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
import pyproj
import shapely

from terreinen._errors import TerreinenError, optional_import

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
VERSIONS, HEADS, DELIVERIES = "kavel_versies", "kavels", "leveringen"
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
_TABLES = {
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
}
_INDEXES = (
    f"CREATE UNIQUE INDEX IF NOT EXISTS kavel_versies_kavel ON {VERSIONS} (kavel_id, versie)",
    f"CREATE INDEX IF NOT EXISTS kavel_versies_geldig ON {VERSIONS} (geldig_tot, geldig_van)",
    f"CREATE INDEX IF NOT EXISTS kavels_gemeente ON {HEADS} (gemeente)",
)


def as_day(value) -> str:
    """A date as ISO text (the form both stores compare), or a plain error."""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise TerreinenError(f"date {value!r} is not a date; write YYYY-MM-DD") from None


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
    geometry_sql = "geom"  # the select expression that returns a geometry as bytes

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

    def decode(self, values: Sequence) -> np.ndarray:
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
        """End the versions ``(kavel_id, versie)`` on ``day``."""
        rows = [(day, kavel_id, version) for kavel_id, version in versions]
        self.update_rows(cursor, VERSIONS, ["geldig_tot"], ["kavel_id", "versie"], rows)

    def create(self) -> None:
        with self.writing() as cursor:
            for table, columns in _TABLES.items():
                types = _SQL_TYPES[self.kind]
                definition = ", ".join(
                    f"{name} {_column_type(spec, types)}" for name, spec in columns.items()
                )
                cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} ({definition})")
            for statement in _INDEXES:
                cursor.execute(statement)
            self._register_tables(cursor)

    def _register_tables(self, cursor) -> None:
        """Make the tables known to GIS software (GeoPackage only)."""

    def close(self) -> None:
        raise NotImplementedError


def _column_type(spec: str, types: dict[str, str]) -> str:
    kind, _, rest = spec.partition(" ")
    return f"{types[kind]} {rest}".strip()


class SQLiteStore(Store):
    """A GeoPackage file through sqlite3: BEGIN IMMEDIATE makes one writer at a time, and
    SQLite's rollback journal undoes a transaction cut off by a crash."""

    kind = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)
        self.label = str(path)
        try:
            # autocommit: transactions are begun explicitly; waits for another writer
            self.connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.connection.execute("PRAGMA foreign_keys = OFF")
        except sqlite3.Error as exc:
            raise TerreinenError(f"{path}: cannot open the register ({exc})") from None

    def has_register(self) -> bool:
        try:
            row = self.connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)",
                [VERSIONS, HEADS, DELIVERIES],
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            raise TerreinenError(f"{self.label}: not a GeoPackage ({exc})") from None
        return row[0] == 3

    @contextlib.contextmanager
    def reading(self):
        cursor = self._begin("BEGIN")
        try:
            yield cursor
        finally:
            cursor.execute("COMMIT")

    @contextlib.contextmanager
    def writing(self):
        cursor = self._begin("BEGIN IMMEDIATE")
        try:
            yield cursor
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")

    def _begin(self, statement: str):
        cursor = self.connection.cursor()
        try:
            cursor.execute(statement)
        except sqlite3.DatabaseError as exc:  # not a database, locked for over a minute, ...
            raise TerreinenError(f"{self.label}: cannot use it as a register ({exc})") from None
        return cursor

    def encode(self, geoms: np.ndarray) -> list:
        """GeoPackage binary: the GP header (version 0, little endian, xy envelope, SRS id)
        followed by the geometry as ISO WKB."""
        wkb = shapely.to_wkb(geoms, byte_order=1, flavor="iso")
        bounds = shapely.bounds(geoms)
        header = struct.Struct("<2sBBi4d")
        return [
            header.pack(b"GP", 0, 0b0000_0011, SRID, b[0], b[2], b[1], b[3]) + w
            for w, b in zip(wkb, bounds, strict=True)
        ]

    def decode(self, values: Sequence) -> np.ndarray:
        wkb = [None if v is None else bytes(v)[_gpkg_header_size(v) :] for v in values]
        return shapely.from_wkb(wkb)

    def _register_tables(self, cursor) -> None:
        for statement in _GPKG_TABLES:
            cursor.execute(statement)
        cursor.execute("PRAGMA application_id = 1196444487")  # "GPKG"
        cursor.execute("PRAGMA user_version = 10400")
        rd = pyproj.CRS.from_epsg(SRID)
        srs = [
            ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian"),
            ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic"),
            ("WGS 84 geodetic", 4326, "EPSG", 4326, pyproj.CRS(4326).to_wkt("WKT1_GDAL"), None),
            (rd.name, SRID, "EPSG", SRID, rd.to_wkt("WKT1_GDAL"), None),
        ]
        cursor.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", srs)
        contents = [
            (VERSIONS, "features", "Kavelregister: alle versies van alle kavels", SRID),
            (HEADS, "attributes", "Kavelregister: laatste versie per kavel", None),
            (DELIVERIES, "attributes", "Kavelregister: leveringen per gemeente", None),
        ]
        cursor.executemany(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
            "VALUES (?, ?, ?, ?)",
            contents,
        )
        cursor.execute(
            "INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', ?, 0, 0)",
            [VERSIONS, SRID],
        )

    def close(self) -> None:
        self.connection.close()


def _gpkg_header_size(blob: bytes) -> int:
    envelope = (blob[3] >> 1) & 0b111
    return 8 + (0, 32, 48, 48, 64)[envelope]


_GPKG_TABLES = (
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,
    srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER
    NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,
    data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
    CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL,
    column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
    z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name,
    column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name),
    CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
)


class PostgresStore(Store):
    """PostgreSQL + PostGIS through psycopg 3: row locks (SELECT ... FOR UPDATE) for edits,
    a table lock for imports, COPY for bulk writes."""

    kind = "postgresql"
    geometry_sql = "ST_AsBinary(geom)"

    def __init__(self, url: str):
        psycopg = optional_import("psycopg", extra="postgis")
        self.label = _without_password(url)
        self._psycopg = psycopg
        try:
            # autocommit: every transaction is an explicit one (reading / writing)
            self.connection = psycopg.connect(url, connect_timeout=10, autocommit=True)
        except psycopg.Error as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise TerreinenError(
                f"{self.label}: cannot connect to PostgreSQL ({reason}); is the server "
                "running and does the database exist?"
            ) from None

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def has_register(self) -> bool:
        with self.reading() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                "(%s, %s, %s) AND table_schema = ANY (current_schemas(false))",
                [VERSIONS, HEADS, DELIVERIES],
            )
            return cursor.fetchone()[0] == 3

    @contextlib.contextmanager
    def reading(self):
        with self.connection.transaction(), self.connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield cursor

    @contextlib.contextmanager
    def writing(self):
        with self.connection.transaction(), self.connection.cursor() as cursor:
            yield cursor

    def create(self) -> None:
        with self.reading() as cursor:
            cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'")
            if not cursor.fetchone()[0]:
                raise TerreinenError(
                    f"{self.label}: PostGIS is not installed in this database; run "
                    "`create extension postgis` in it (as a superuser) first"
                )
        super().create()

    def lock_table(self, cursor) -> None:
        """Imports run one at a time and beside no edit (edits lock rows of ``kavels``)."""
        cursor.execute(f"LOCK TABLE {HEADS} IN EXCLUSIVE MODE")

    def lock_parcel(self, cursor, kavel_id: str):
        cursor.execute(
            f"SELECT versie, geldig_van, vervallen FROM {HEADS} WHERE kavel_id = %s FOR UPDATE",
            [kavel_id],
        )
        return cursor.fetchone()

    def encode(self, geoms: np.ndarray) -> list:
        return list(shapely.to_wkb(shapely.set_srid(geoms, SRID), hex=True, include_srid=True))

    def decode(self, values: Sequence) -> np.ndarray:
        return shapely.from_wkb([None if v is None else bytes(v) for v in values])

    def insert_rows(self, cursor, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def update_rows(
        self, cursor, table: str, columns: Sequence[str], keys: Sequence[str], rows: list[tuple]
    ) -> None:
        """COPY into a temporary table, then one UPDATE ... FROM: far faster than a
        statement per row."""
        if not rows:
            return
        names = [*columns, *keys]
        cursor.execute(
            f"CREATE TEMP TABLE _updates ON COMMIT DROP AS SELECT {', '.join(names)} "
            f"FROM {table} WITH NO DATA"
        )
        self.insert_rows(cursor, "_updates", names, rows)
        sets = ", ".join(f"{c} = u.{c}" for c in columns)
        where = " AND ".join(f"t.{k} = u.{k}" for k in keys)
        cursor.execute(f"UPDATE {table} t SET {sets} FROM _updates u WHERE {where}")
        cursor.execute("DROP TABLE _updates")

    def close(self) -> None:
        self.connection.close()


def _without_password(url: str) -> str:
    """The URL for messages: a password never reaches a screen or a log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def is_store_url(store: str | Path) -> bool:
    return str(store).startswith(("postgresql://", "postgres://"))


def connect(store: str | Path) -> Store:
    """A connection to a register store: a ``postgresql://`` URL or a GeoPackage path."""
    if is_store_url(store):
        return PostgresStore(str(store))
    path = Path(store)
    if path.suffix.lower() != ".gpkg":
        raise TerreinenError(
            f"{store}: a register store is a GeoPackage file (.gpkg) or a postgresql:// URL"
        )
    return SQLiteStore(path)
