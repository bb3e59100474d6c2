"""The register in PostgreSQL with PostGIS, through psycopg 3."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence

import numpy as np
import shapely

from terreinen import settings
from terreinen.errors import TerreinenStoreError, optional_import
from terreinen.io.source import redacted
from terreinen.register.store.base import DELIVERIES, HEADS, SRID, TABLES, VERSIONS, Store


class PostgresStore(Store):
    """PostgreSQL + PostGIS through psycopg 3: row locks (SELECT ... FOR UPDATE) for edits,
    a table lock for imports, COPY for bulk writes. Waits for a lock and runs a statement at
    most ``settings.register_lock_timeout`` / ``register_statement_timeout`` seconds; the
    register's tables must have one owner and carry no triggers or rules."""

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
        lock = int(settings.register_lock_timeout * 1000)
        statement = int(settings.register_statement_timeout * 1000)
        try:
            self.connection.execute(f"SET lock_timeout = {lock}")
            self.connection.execute(f"SET statement_timeout = {statement}")
        except psycopg.Error as exc:
            self.connection.close()
            raise self._plain(exc) from None

    def _plain(self, exc: Exception) -> TerreinenStoreError:
        """A driver error as a plain message (its first line; never the URL's password)."""
        errors = self._psycopg.errors
        if isinstance(exc, errors.LockNotAvailable):
            return TerreinenStoreError(
                f"{self.label}: the register is locked by another session (waited "
                f"{settings.register_lock_timeout:g} s); try again later; nothing was written"
            )
        if isinstance(exc, errors.QueryCanceled):
            return TerreinenStoreError(
                f"{self.label}: PostgreSQL stopped the work after "
                f"{settings.register_statement_timeout:g} s (statement_timeout); nothing was "
                "written"
            )
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return TerreinenStoreError(f"{self.label}: PostgreSQL refused it ({reason})")

    def check_store(self, cursor) -> None:
        """Refuse register tables of more than one owner, or with triggers or rules: a role
        allowed to create tables in the schema could have made them first."""
        names = list(TABLES)
        cursor.execute(
            "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
            "WHERE c.relname = ANY (%s) AND c.relkind IN ('r', 'p') AND pg_table_is_visible(c.oid)",
            [names],
        )
        owners = dict(cursor.fetchall())
        if len(set(owners.values())) > 1:
            listed = ", ".join(f"{t} of {o}" for t, o in sorted(owners.items()))
            raise TerreinenStoreError(
                f"{self.label}: the register's tables have different owners ({listed}); "
                "refused: the administrator should own them all"
            )
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relname = ANY (%s) AND pg_table_is_visible(c.oid) "
            "UNION ALL SELECT r.tablename, r.rulename FROM pg_rules r "
            "WHERE r.tablename = ANY (%s) AND r.schemaname = ANY (current_schemas(false))",
            [names, names],
        )
        planted = cursor.fetchall()
        if planted:
            listed = ", ".join(f"{name} on {table}" for table, name in planted[:5])
            raise TerreinenStoreError(
                f"{self.label}: the register's tables carry triggers or rules a register does "
                f"not have ({listed}); refused: they would run with the rights of whoever "
                "edits"
            )

    def check_owner(self, cursor) -> None:
        """Before creating in or upgrading existing tables: they must be owned by this
        session's role (or one it belongs to)."""
        cursor.execute(
            "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
            "WHERE c.relname = ANY (%s) AND c.relkind IN ('r', 'p') AND pg_table_is_visible(c.oid) "
            "AND NOT pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY c.relname",
            [list(TABLES)],
        )
        others = cursor.fetchall()
        if others:
            listed = ", ".join(f"{t} of {o}" for t, o in others[:5])
            raise TerreinenStoreError(
                f"{self.label}: the register's tables are owned by another role ({listed}); "
                "refused: create the register as the role that owns it"
            )

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def has_register(self) -> bool:
        with self.reading() as cursor:
            return {VERSIONS, HEADS, DELIVERIES} <= self.tables(cursor)

    def tables(self, cursor) -> set[str]:
        # pg_class, not information_schema: that lists only the tables one may use
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p', 'v', 'm', 'f') "
            "AND pg_table_is_visible(oid)"
        )
        return {row[0] for row in cursor.fetchall()}

    @contextlib.contextmanager
    def reading(self):
        try:
            with self.connection.transaction(), self.connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield cursor
        except self._psycopg.Error as exc:
            raise self._plain(exc) from None

    @contextlib.contextmanager
    def writing(self):
        try:
            with self.connection.transaction(), self.connection.cursor() as cursor:
                yield cursor
        except self._psycopg.Error as exc:
            raise self._plain(exc) from None

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

    def wkb(self, values: Iterable) -> list:
        return [None if v is None else bytes(v) for v in values]

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
