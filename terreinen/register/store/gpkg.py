"""The register in a GeoPackage file, through sqlite3."""

from __future__ import annotations

import contextlib
import sqlite3
import struct
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyproj
import shapely

from terreinen.errors import TerreinenStoreError
from terreinen.io.write import record_input
from terreinen.register.store.base import (
    CONFLICTS,
    DELIVERIES,
    HEADS,
    SCHEMA,
    SRID,
    VERSIONS,
    Store,
)


class SQLiteStore(Store):
    """A GeoPackage file through sqlite3: BEGIN IMMEDIATE makes one writer at a time, and
    SQLite's rollback journal undoes a transaction cut off by a crash."""

    kind = "sqlite"
    integrity_errors = (sqlite3.IntegrityError,)

    def __init__(self, path: Path):
        self.path = Path(path)
        self.label = str(path)
        record_input(self.path)
        try:
            # autocommit: transactions are begun explicitly; waits for another writer
            self.connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise TerreinenStoreError(f"{path}: cannot open the register ({exc})") from None

    def has_register(self) -> bool:
        try:
            row = self.connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)",
                [VERSIONS, HEADS, DELIVERIES],
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            raise TerreinenStoreError(f"{self.label}: not a GeoPackage ({exc})") from None
        return row[0] == 3

    def tables(self, cursor) -> set[str]:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in cursor.fetchall()}

    def foreign_layers(self, cursor) -> list[str]:
        """Tables other than GeoPackage's own (gpkg_*), rtree indexes and SQLite's: asked
        before the register's tables exist, so a layer named like one of them (``kavels``)
        is foreign too."""
        own = ("gpkg_", "rtree_", "sqlite_")
        return sorted(t for t in self.tables(cursor) if not t.startswith(own))

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
            raise TerreinenStoreError(
                f"{self.label}: cannot use it as a register ({exc})"
            ) from None
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

    def decode(self, values: Iterable) -> np.ndarray:
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
            (CONFLICTS, "attributes", "Kavelregister: leveringen tegen bewerkingen in", None),
            (SCHEMA, "attributes", "Kavelregister: versie van de indeling", None),
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
