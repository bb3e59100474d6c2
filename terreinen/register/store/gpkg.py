"""The register in a GeoPackage file, through sqlite3."""

from __future__ import annotations

import contextlib
import functools
import math
import re
import sqlite3
import struct
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyproj
import shapely

from terreinen import settings
from terreinen.errors import TerreinenOptionError, TerreinenStoreError
from terreinen.i18n import t
from terreinen.io.write import record_input
from terreinen.register.store.base import (
    CONFLICTS,
    DELIVERIES,
    HEADS,
    SCHEMA,
    SHARED_MIGRATIONS,
    SRID,
    VERSIONS,
    Store,
)

#: GDAL's own triggers: an rtree index kept up to date (QGIS/GDAL add them to a layer they
#: write), its feature counts, and the GeoPackage standard's checks (gpkg_*, which only
#: raise errors). Accepted when named so and writing only to that index or count (the
#: checks: nothing); any other trigger is refused.
_GDAL_TRIGGERS: tuple[tuple[re.Pattern, str | None], ...] = (
    (re.compile(r"rtree_(\w+)_(\w+)_(insert|update\d*|delete)"), "rtree_{0}_{1}"),
    (re.compile(r"trigger_(insert|delete)_feature_count_(\w+)"), "gpkg_ogr_contents"),
    (re.compile(r"gpkg_\w+"), None),
)
#: The register's own spatial index on ``kavel_versies.geom`` (GeoPackage's rtree
#: extension, PDOK's RQ9), and the statement that fills it for the versions it lacks.
_RTREE = f"rtree_{VERSIONS}_geom"
_FILL_RTREE = (
    f"INSERT OR REPLACE INTO {_RTREE} SELECT fid, ST_MinX(geom), ST_MaxX(geom), ST_MinY(geom), "
    f"ST_MaxY(geom) FROM {VERSIONS} WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom)"
)
_MULTIPOLYGON = 6  # shapely's type id
_ENVELOPE = struct.Struct("<4d")
_LITERALS = re.compile(r"'(?:[^']|'')*'")
_WRITES = re.compile(r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.I)


class SQLiteStore(Store):
    """A GeoPackage file through sqlite3: BEGIN IMMEDIATE makes one writer at a time, and
    SQLite's rollback journal undoes a transaction cut off by a crash. The file's schema is
    not trusted (``trusted_schema`` off): triggers other than GDAL's are refused, and
    ``quick_check`` runs on open."""

    kind = "sqlite"
    schema_target = 3
    integrity_errors = (sqlite3.IntegrityError,)

    def __init__(self, path: Path):
        self.path = Path(path)
        self.label = str(path)
        record_input(self.path)
        try:
            # autocommit: transactions are begun explicitly; waits for another writer
            self.connection = sqlite3.connect(
                self.path, timeout=settings.register_lock_timeout, isolation_level=None
            )
            self.connection.execute("PRAGMA foreign_keys = ON")
            self.connection.execute("PRAGMA trusted_schema = OFF")
            self.connection.create_function("ST_IsEmpty", 1, _is_empty, deterministic=True)
            for name, i in (("ST_MinX", 0), ("ST_MinY", 1), ("ST_MaxX", 2), ("ST_MaxY", 3)):
                bound = functools.partial(_bound, i)
                self.connection.create_function(name, 1, bound, deterministic=True)
        except sqlite3.Error as exc:
            raise TerreinenStoreError(
                t("{path}: cannot open the register ({error})", path=path, error=exc)
            ) from None

    def has_register(self) -> bool:
        try:
            row = self.connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)",
                [VERSIONS, HEADS, DELIVERIES],
            ).fetchone()
        except sqlite3.OperationalError as exc:
            raise self._plain(exc) from None
        except sqlite3.DatabaseError as exc:
            raise TerreinenOptionError(
                t("{label}: not a GeoPackage ({error})", label=self.label, error=exc)
            ) from None
        return row[0] == 3

    def check_store(self, cursor) -> None:
        """Refuse a damaged file and triggers that are not GDAL's."""
        cursor.execute("PRAGMA quick_check")
        problems = [row[0] for row in cursor.fetchall()]
        if problems != ["ok"]:
            raise TerreinenStoreError(
                t(
                    "{label}: the file is damaged ({problems}); restore it from a backup",
                    label=self.label,
                    problems="; ".join(problems[:3]),
                )
            )
        self._gdal_triggers(cursor)

    def _gdal_triggers(self, cursor) -> bool:
        """Whether the file holds GDAL's triggers (refused: any other trigger)."""
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
        foreign = [name for name, sql in triggers if not _is_gdal_trigger(name, sql)]
        if foreign:
            raise TerreinenStoreError(
                t(
                    "{label}: the file holds triggers a register does not have ({triggers}): "
                    "they would run on every edit; refused. Remove them (DROP TRIGGER) if you "
                    "trust the file",
                    label=self.label,
                    triggers=", ".join(foreign[:5]),
                )
            )
        return bool(triggers)

    def check_schema(self, cursor) -> None:
        """Also refuse a register of this layout without its rtree index."""
        super().check_schema(cursor)
        if self.schema_version(cursor) is not None and _RTREE not in self.tables(cursor):
            raise TerreinenStoreError(
                t(
                    "{label}: the register lacks its spatial index {index}; it is damaged or "
                    "not made by terreinen",
                    label=self.label,
                    index=_RTREE,
                )
            )

    def _plain(self, exc: sqlite3.Error) -> TerreinenStoreError:
        """A driver error as a plain message: a lock held too long, a read-only file, ..."""
        if "locked" in str(exc) or "busy" in str(exc):
            return TerreinenStoreError(
                t(
                    "{label}: the register is locked by another program (waited {seconds} s); "
                    "try again later; nothing was written",
                    label=self.label,
                    seconds=f"{settings.register_lock_timeout:g}",
                )
            )
        return TerreinenStoreError(
            t("{label}: the register cannot be used ({error})", label=self.label, error=exc)
        )

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
        except sqlite3.Error as exc:
            raise self._plain(exc) from None
        finally:
            with contextlib.suppress(sqlite3.Error):
                cursor.execute("COMMIT")

    @contextlib.contextmanager
    def writing(self):
        cursor = self._begin("BEGIN IMMEDIATE")
        try:
            # checked under the write lock, so nothing is added before the writes: GDAL's
            # rtree triggers may then call this connection's ST_ functions
            if self._gdal_triggers(cursor):
                cursor.execute("PRAGMA trusted_schema = ON")
            yield cursor
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                cursor.execute("ROLLBACK")
            cursor.execute("PRAGMA trusted_schema = OFF")
            if isinstance(exc, sqlite3.Error):
                raise self._plain(exc) from None
            raise
        try:
            cursor.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._plain(exc) from None
        finally:
            cursor.execute("PRAGMA trusted_schema = OFF")

    def _begin(self, statement: str):
        cursor = self.connection.cursor()
        try:
            cursor.execute(statement)
        except sqlite3.OperationalError as exc:  # locked too long, read-only, ...
            raise self._plain(exc) from None
        except sqlite3.DatabaseError as exc:  # not a database
            raise TerreinenOptionError(
                t("{label}: cannot use it as a register ({error})", label=self.label, error=exc)
            ) from None
        return cursor

    def encode(self, geoms: np.ndarray) -> list:
        """GeoPackage binary: the GP header (version 0, little endian, xy envelope, SRS id)
        followed by the geometry as ISO WKB; every outline a MultiPolygon with
        counter-clockwise exterior rings (the column's type, PDOK's RQ15 and RC20)."""
        geoms = _as_multipolygons(geoms)
        wkb = shapely.to_wkb(geoms, byte_order=1, flavor="iso")
        bounds = shapely.bounds(geoms)
        header = struct.Struct("<2sBBi4d")
        return [
            header.pack(b"GP", 0, 0b0000_0011, SRID, b[0], b[2], b[1], b[3]) + w
            for w, b in zip(wkb, bounds, strict=True)
        ]

    def wkb(self, values: Iterable) -> list:
        return [None if v is None else bytes(v)[_gpkg_header_size(v) :] for v in values]

    def decode(self, values: Iterable) -> np.ndarray:
        """Stored outlines; a MultiPolygon of one part (as :meth:`encode` stores a Polygon)
        reads back as that Polygon, as from PostGIS."""
        geoms = super().decode(values)
        single = (shapely.get_type_id(geoms) == _MULTIPOLYGON) & (
            shapely.get_num_geometries(geoms) == 1
        )
        geoms[single] = shapely.get_geometry(geoms[single], 0)
        return geoms

    def insert_rows(self, cursor, table: str, columns, rows: list[tuple]) -> None:
        """Append rows; new versions also go into the register's rtree index (kept by the
        register itself, so no trigger has to call a function the file cannot define; GDAL's
        own triggers, where a program added them, write the same boxes)."""
        if table != VERSIONS:
            super().insert_rows(cursor, table, columns, rows)
            return
        cursor.execute(f"SELECT coalesce(max(fid), 0) FROM {VERSIONS}")
        last = cursor.fetchone()[0]
        super().insert_rows(cursor, table, columns, rows)
        cursor.execute(f"SELECT fid FROM {VERSIONS} WHERE fid > ? ORDER BY fid", [last])
        fids = [row[0] for row in cursor.fetchall()]  # in the order inserted (AUTOINCREMENT)
        at = list(columns).index("geom")
        envelopes = [  # the envelope encode() wrote: minx, maxx, miny, maxy
            (fid, *_ENVELOPE.unpack_from(row[at], 8))
            for fid, row in zip(fids, rows, strict=True)
            if row[at] is not None
        ]
        boxes = [box for box in envelopes if not math.isnan(box[1])]  # an empty outline: none
        cursor.executemany(f"INSERT OR REPLACE INTO {_RTREE} VALUES (?, ?, ?, ?, ?)", boxes)

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
            "INSERT OR REPLACE INTO gpkg_geometry_columns VALUES "
            "(?, 'geom', 'MULTIPOLYGON', ?, 0, 0)",
            [VERSIONS, SRID],
        )
        self._multipolygons(cursor)
        cursor.execute(
            "INSERT OR IGNORE INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', "
            "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
            [VERSIONS],
        )
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {_RTREE} USING rtree(id, minx, maxx, miny, maxy)"
        )
        cursor.execute(_FILL_RTREE)

    def _multipolygons(self, cursor) -> None:
        """Stored Polygons (a register of an older layout) rewritten as MultiPolygons."""
        cursor.execute(f"SELECT fid, geom FROM {VERSIONS} WHERE geom IS NOT NULL")
        rows = cursor.fetchall()
        if not rows:
            return
        fids, blobs = zip(*rows, strict=True)
        geoms = Store.decode(self, blobs)  # as stored, single-part MultiPolygons too
        polygons = shapely.get_type_id(geoms) != _MULTIPOLYGON
        fixed = np.asarray(fids)[polygons].tolist()
        updates = list(zip(self.encode(geoms[polygons]), fixed, strict=True))
        cursor.executemany(f"UPDATE {VERSIONS} SET geom = ? WHERE fid = ?", updates)

    def close(self) -> None:
        self.connection.close()


def _is_gdal_trigger(name: str, sql: str | None) -> bool:
    """Whether a trigger is one of GDAL's, writing only to its own index or count."""
    for pattern, target in _GDAL_TRIGGERS:
        match = pattern.fullmatch(name)
        if match:
            body = re.split(r"\bBEGIN\b", sql or "", maxsplit=1, flags=re.I)[-1]
            body = _LITERALS.sub("''", body)  # a message that says "update on ..." writes nothing
            written = {t.lower() for t in _WRITES.findall(body)}
            if target is None:
                return not written
            return bool(written) and written <= {target.format(*match.groups()).lower()}
    return False


def _as_multipolygons(geoms: np.ndarray) -> np.ndarray:
    """Outlines as MultiPolygons (a Polygon: one part), exterior rings counter-clockwise."""
    out = shapely.orient_polygons(np.asarray(geoms, dtype=object))
    single = shapely.get_type_id(out) == 3  # Polygon
    out[single] = shapely.multipolygons(out[single][:, np.newaxis])
    return out


def _geometry(blob) -> shapely.Geometry | None:
    if blob is None:
        return None
    return shapely.from_wkb(bytes(blob)[_gpkg_header_size(blob) :])


def _is_empty(blob) -> int | None:
    """GeoPackage's ST_IsEmpty, for GDAL's rtree triggers."""
    geometry = _geometry(blob)
    return None if geometry is None else int(shapely.is_empty(geometry))


def _bound(index: int, blob) -> float | None:
    """GeoPackage's ST_MinX / ST_MinY / ST_MaxX / ST_MaxY, for GDAL's rtree triggers."""
    geometry = _geometry(blob)
    if geometry is None or shapely.is_empty(geometry):
        return None
    return float(shapely.bounds(geometry)[index])


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
    """CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT,
    extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,
    CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))""",
)


def _to_schema_3(store: Store, cursor) -> None:
    """GeoPackage: outlines stored as MultiPolygons and the register's own rtree index (PDOK's
    requirements RQ9, RQ14 and RQ15), for a register of schema 2 made before them."""
    store._register_tables(cursor)
    cursor.execute(f"INSERT INTO {SCHEMA} (versie) VALUES (3)")


SQLiteStore.migrations = {**SHARED_MIGRATIONS, 3: _to_schema_3}
