"""The register in PostgreSQL with PostGIS, through psycopg 3."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence

import numpy as np
import shapely

from terreinen.errors import TerreinenStoreError, optional_import
from terreinen.io.source import redacted
from terreinen.register.store.base import DELIVERIES, HEADS, SRID, VERSIONS, Store


class PostgresStore(Store):
    """PostgreSQL + PostGIS through psycopg 3: row locks (SELECT ... FOR UPDATE) for edits,
    a table lock for imports, COPY for bulk writes."""

    kind = "postgresql"
    integrity_errors: tuple[type[Exception], ...] = ()  # set from the driver on connect
    geometry_sql = "ST_AsBinary(geom)"

    def geometry_of(self, column: str) -> str:
        return f"ST_AsBinary({column})"

    def __init__(self, url: str):
        psycopg = optional_import("psycopg", extra="postgis")
        self.label = redacted(url)
        self._psycopg = psycopg
        self.integrity_errors = (psycopg.IntegrityError,)
        try:
            # autocommit: every transaction is an explicit one (reading / writing)
            self.connection = psycopg.connect(url, connect_timeout=10, autocommit=True)
        except psycopg.Error as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise TerreinenStoreError(
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

    def tables(self, cursor) -> set[str]:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = ANY (current_schemas(false))"
        )
        return {row[0] for row in cursor.fetchall()}

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
                raise TerreinenStoreError(
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

    def decode(self, values: Iterable) -> np.ndarray:
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
