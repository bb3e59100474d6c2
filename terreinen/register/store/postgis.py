"""The register in PostgreSQL with PostGIS, through psycopg 3."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import shapely

from terreinen import settings
from terreinen.errors import (
    TerreinenOptionError,
    TerreinenPermissionError,
    TerreinenStoreError,
    optional_import,
)
from terreinen.i18n import t
from terreinen.io.source import redacted
from terreinen.register.store.base import (
    CONFLICTS,
    DELIVERIES,
    HEADS,
    SCHEMA,
    SHARED_MIGRATIONS,
    SRID,
    TABLES,
    VERSIONS,
    Store,
    now_text,
)

#: Who may edit which municipality: one row per role and municipality (``recht``
#: ``gemeente``), per province-wide role (``provincie``, no municipality) and per read-only
#: role (``lezen``). PostgreSQL only: a GeoPackage has no users.
RIGHTS = "kavelregister_rechten"
#: The kinds of right :meth:`PostgresStore.grant` gives.
RIGHT_KINDS = ("gemeente", "provincie", "lezen")
#: The register's own functions (SECURITY DEFINER, owned by the register's owner): whether
#: this login may edit a municipality, whether a ``door`` names it, and the only three
#: changes a version row ever gets.
FUNCTIONS = (
    "kavelregister_mag(text)",
    "kavelregister_door_ok(text)",
    "kavelregister_sluit(text[], integer[], date)",
    "kavelregister_trek_in(text, integer, text, text)",
    "kavelregister_heropen(text, integer)",
)
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
#: The register's tables a role reads; those a municipality's role also appends to.
_READ = (VERSIONS, HEADS, DELIVERIES, CONFLICTS, SCHEMA)
_APPEND = (VERSIONS, HEADS, DELIVERIES, CONFLICTS)


class PostgresStore(Store):
    """PostgreSQL + PostGIS through psycopg 3: row locks (SELECT ... FOR UPDATE) for edits,
    a table lock for imports, COPY for bulk writes. Waits for a lock and runs a statement at
    most ``settings.register_lock_timeout`` / ``register_statement_timeout`` seconds; the
    register's tables and functions must have one owner and the tables carry no triggers or
    rules. Who may edit which municipality: :meth:`grant` (schema version 3)."""

    kind = "postgresql"
    schema_target = 3
    integrity_errors: tuple[type[Exception], ...] = ()  # set from the driver on connect

    def geometry_of(self, column: str) -> str:
        return f"{self.postgis}.ST_AsBinary({column})"

    def sql_types(self) -> Mapping[str, str]:
        """PostGIS's geometry type named with its schema."""
        types = super().sql_types()
        return {**types, "geometry": f"{self.postgis}.{types['geometry']}"}

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
                t(
                    "{label}: cannot connect to PostgreSQL ({reason}); is the server running "
                    "and does the database exist?",
                    label=self.label,
                    reason=reason,
                )
            ) from None
        lock = int(settings.register_lock_timeout * 1000)
        statement = int(settings.register_statement_timeout * 1000)
        try:
            self.connection.execute(f"SET lock_timeout = {lock}")
            self.connection.execute(f"SET statement_timeout = {statement}")
            row = self.connection.execute("SELECT session_user::text").fetchone()
            self.postgis = self._fix_search_path()
        except psycopg.Error as exc:
            self.connection.close()
            raise self._plain(exc) from None
        except TerreinenStoreError:
            self.connection.close()
            raise
        self.user: str = row[0] if row else ""

    def _fix_search_path(self) -> str:
        """Fix the search path to the register's schema and ``pg_temp`` last (which
        PostgreSQL otherwise searches first; ``pg_catalog`` stays first), whatever the URL
        or the login's settings put there; returns PostGIS's schema, which every PostGIS
        name is qualified with: a table or function another role planted in a schema of
        the login's search path is never used."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT e.extnamespace::regnamespace::text FROM pg_extension e "
                "WHERE e.extname = 'postgis'"
            )
            row = cursor.fetchone()
            if row is None:
                raise TerreinenStoreError(
                    t(
                        "{label}: PostGIS is not installed in this database; run `create "
                        "extension postgis` in it (as a superuser) first",
                        label=self.label,
                    )
                )
            register = self.schema(cursor)
            cursor.execute("SELECT set_config('search_path', %s, false)", [f"{register}, pg_temp"])
        return row[0]

    def door(self, by: str | None) -> str:
        """Who records a change: the database login, after ``by`` where that names someone
        else (``J. Jansen (hardenberg_jj)``); the register's policies refuse any other."""
        if not by or by == self.user:
            return self.user
        return f"{by} ({self.user})"

    def schema(self, cursor) -> str:
        """The register's schema as a quoted identifier: where its tables are, else where
        new tables go (the first schema of the search path)."""
        cursor.execute(
            "SELECT quote_ident(coalesce((SELECT n.nspname FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)), current_schema()))",
            [VERSIONS],
        )
        name = cursor.fetchone()[0]
        if name is None:
            raise TerreinenStoreError(
                t(
                    "{label}: no schema to hold the register (the search path names none that "
                    "exists)",
                    label=self.label,
                )
            )
        return name

    def _create_own(self, cursor) -> None:
        for statement in _own_objects(self.schema(cursor)):
            cursor.execute(statement)

    def check_may_edit(self, cursor, gemeenten: Iterable[str]) -> None:
        """Refuse, before anything is written, a change this login may not make: any write
        by a read-only role, a municipality outside its rights."""
        schema = self.schema(cursor)
        cursor.execute(
            "SELECT has_function_privilege(%s, 'EXECUTE')", [f"{schema}.kavelregister_mag(text)"]
        )
        if not cursor.fetchone()[0]:
            raise TerreinenPermissionError(
                t(
                    "{label}: {user} may only read this register; nothing was written",
                    label=self.label,
                    user=self.user,
                )
            )
        cursor.execute(
            f"SELECT g FROM unnest(%s::text[]) AS g WHERE NOT {schema}.kavelregister_mag(g) "
            "ORDER BY g",
            [sorted(set(gemeenten))],
        )
        refused = [row[0] for row in cursor.fetchall()]
        if refused:
            raise TerreinenPermissionError(
                t(
                    "{label}: {user} may not edit the parcels of {gemeenten} (its rights: "
                    "`terreinen register roles`, Register.grants); nothing was written",
                    label=self.label,
                    user=self.user,
                    gemeenten=", ".join(refused),
                )
            )

    def grant(self, role: str, right: str, gemeente: str | None, by: str | None) -> bool:
        """Give ``role`` a right (:data:`RIGHT_KINDS`) on the register, creating the role
        (NOLOGIN: logins get it with ``GRANT role TO login``) where it does not exist;
        returns whether it was created. Only the register's owner may grant."""
        name = checked_role(role)
        with self.writing() as cursor:
            self._check_owns(cursor)
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
            created = cursor.fetchone() is None
            if created:
                cursor.execute(f"CREATE ROLE {name} NOLOGIN")
            schema = self.schema(cursor)
            cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {name}")
            read = ", ".join(f"{schema}.{t}" for t in _READ)
            cursor.execute(f"GRANT SELECT ON {read} TO {name}")
            if right != "lezen":
                append = ", ".join(f"{schema}.{t}" for t in _APPEND)
                functions = ", ".join(f"{schema}.{f}" for f in FUNCTIONS)
                cursor.execute(f"GRANT INSERT ON {append} TO {name}")
                # the parcels' pointers to their latest versions, not the history (and
                # LOCK TABLE wants the table's UPDATE right)
                cursor.execute(f"GRANT UPDATE ON {schema}.{HEADS} TO {name}")
                cursor.execute(f"GRANT EXECUTE ON FUNCTION {functions} TO {name}")
            cursor.execute(
                f"INSERT INTO {schema}.{RIGHTS} (rol, gemeente, recht, vastgelegd_op, door) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (rol, coalesce(gemeente, '')) "
                "DO UPDATE SET recht = excluded.recht, vastgelegd_op = excluded.vastgelegd_op, "
                "door = excluded.door",
                [name, gemeente, right, now_text(), self.door(by)],
            )
        return created

    def revoke(self, role: str, gemeente: str | None = None) -> int:
        """Take ``role``'s rights (on ``gemeente`` only, when given); returns how many rights
        it lost. Its table rights go with its last right; the role itself is kept."""
        name = checked_role(role)
        with self.writing() as cursor:
            self._check_owns(cursor)
            schema = self.schema(cursor)
            cursor.execute(
                f"DELETE FROM {schema}.{RIGHTS} WHERE rol = %s AND (%s::text IS NULL OR "
                "gemeente = %s)",
                [name, gemeente, gemeente],
            )
            lost = cursor.rowcount
            cursor.execute(f"SELECT count(*) FROM {schema}.{RIGHTS} WHERE rol = %s", [name])
            if not cursor.fetchone()[0] and lost:
                tables = ", ".join(f"{schema}.{t}" for t in (*_READ, RIGHTS))
                functions = ", ".join(f"{schema}.{f}" for f in FUNCTIONS)
                cursor.execute(f"REVOKE ALL ON {tables} FROM {name}")
                cursor.execute(f"REVOKE ALL ON FUNCTION {functions} FROM {name}")
                cursor.execute(f"REVOKE ALL ON SCHEMA {schema} FROM {name}")
        return lost

    def grants(self) -> pd.DataFrame:
        """The rights given: ``rol, recht, gemeente, vastgelegd_op, door``."""
        with self.reading() as cursor:
            schema = self.schema(cursor)
            cursor.execute(
                f"SELECT rol, recht, gemeente, vastgelegd_op, door FROM {schema}.{RIGHTS} "
                "ORDER BY rol, gemeente NULLS FIRST"
            )
            rows = cursor.fetchall()
        return pd.DataFrame(rows, columns=["rol", "recht", "gemeente", "vastgelegd_op", "door"])

    def _check_owns(self, cursor) -> None:
        cursor.execute(
            "SELECT pg_has_role(session_user, relowner, 'MEMBER') FROM pg_class "
            "WHERE oid = to_regclass(%s)",
            [VERSIONS],
        )
        if not cursor.fetchone()[0]:
            raise TerreinenPermissionError(
                t(
                    "{label}: only the register's owner gives and takes rights; nothing was "
                    "written",
                    label=self.label,
                )
            )

    def close_versions(self, cursor, day: str, versions: list[tuple[str, int]]) -> None:
        if versions:
            kavels, numbers = zip(*versions, strict=True)
            cursor.execute(
                f"SELECT {self.schema(cursor)}.kavelregister_sluit(%s, %s, %s)",
                [list(kavels), list(numbers), day],
            )

    def withdraw_version(self, cursor, kavel_id: str, version: int, door: str, reason: str):
        cursor.execute(
            f"SELECT {self.schema(cursor)}.kavelregister_trek_in(%s, %s, %s, %s)",
            [kavel_id, version, door, reason],
        )

    def reopen_version(self, cursor, kavel_id: str, version: int) -> None:
        cursor.execute(
            f"SELECT {self.schema(cursor)}.kavelregister_heropen(%s, %s)", [kavel_id, version]
        )

    def _plain(self, exc: Exception) -> TerreinenStoreError:
        """A driver error as a plain message (its first line; never the URL's password)."""
        errors = self._psycopg.errors
        if isinstance(exc, errors.LockNotAvailable):
            return TerreinenStoreError(
                t(
                    "{label}: the register is locked by another session (waited {seconds} s); "
                    "try again later; nothing was written",
                    label=self.label,
                    seconds=f"{settings.register_lock_timeout:g}",
                )
            )
        if isinstance(exc, errors.InsufficientPrivilege):
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return TerreinenPermissionError(
                t(
                    "{label}: PostgreSQL refused it ({reason}); nothing was written",
                    label=self.label,
                    reason=reason,
                )
            )
        if isinstance(exc, errors.QueryCanceled):
            return TerreinenStoreError(
                t(
                    "{label}: PostgreSQL stopped the work after {seconds} s (statement_timeout); "
                    "nothing was written",
                    label=self.label,
                    seconds=f"{settings.register_statement_timeout:g}",
                )
            )
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return TerreinenStoreError(
            t("{label}: PostgreSQL refused it ({reason})", label=self.label, reason=reason)
        )

    def check_store(self, cursor) -> None:
        """Refuse register tables and functions of more than one owner, or tables with
        triggers or rules: a role allowed to create tables in the schema could have made them
        first."""
        names = [*TABLES, RIGHTS]
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relname = ANY (%s) AND pg_table_is_visible(c.oid) "
            "UNION ALL SELECT r.tablename, r.rulename FROM pg_rules r "
            "WHERE r.tablename = ANY (%s) AND r.schemaname = ANY (current_schemas(false))",
            [names, names],
        )
        planted = cursor.fetchall()
        if planted:
            listed = ", ".join(
                t("{name} on {table}", name=name, table=table) for table, name in planted[:5]
            )
            raise TerreinenStoreError(
                t(
                    "{label}: the register's tables carry triggers or rules a register does not "
                    "have ({listed}); refused: they would run with the rights of whoever edits",
                    label=self.label,
                    listed=listed,
                )
            )
        cursor.execute(
            "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
            "WHERE c.relname = ANY (%s) AND c.relkind IN ('r', 'p') AND pg_table_is_visible(c.oid) "
            "UNION ALL SELECT p.oid::regprocedure::text, pg_get_userbyid(p.proowner) "
            "FROM pg_proc p WHERE p.pronamespace = to_regnamespace(%s) "
            "AND p.proname LIKE 'kavelregister\\_%%'",
            [names, self.schema(cursor)],
        )
        owners = dict(cursor.fetchall())
        if len(set(owners.values())) > 1:
            listed = _owned(sorted(owners.items()))
            raise TerreinenStoreError(
                t(
                    "{label}: the register's tables and functions have different owners "
                    "({listed}); refused: the administrator should own them all",
                    label=self.label,
                    listed=listed,
                )
            )

    def check_owner(self, cursor) -> None:
        """Before creating in or upgrading existing tables: they must be owned by this
        session's role (or one it belongs to)."""
        cursor.execute(
            "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
            "WHERE c.relname = ANY (%s) AND c.relkind IN ('r', 'p') AND pg_table_is_visible(c.oid) "
            "AND NOT pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY c.relname",
            [[*TABLES, RIGHTS]],
        )
        others = cursor.fetchall()
        if others:
            raise TerreinenStoreError(
                t(
                    "{label}: the register's tables are owned by another role ({listed}); "
                    "refused: create the register as the role that owns it",
                    label=self.label,
                    listed=_owned(others[:5]),
                )
            )

    def check_schema(self, cursor) -> None:
        """Also refuse a register of schema version 3 without its own functions."""
        super().check_schema(cursor)
        if self.schema_version(cursor) != 3:
            return
        schema = self.schema(cursor)
        cursor.execute(
            "SELECT f FROM unnest(%s::text[]) AS f WHERE to_regprocedure(%s || '.' || f) IS NULL",
            [list(FUNCTIONS), schema],
        )
        missing = [row[0] for row in cursor.fetchall()]
        if missing:
            raise TerreinenStoreError(
                t(
                    "{label}: the register lacks its functions {functions}; it is damaged or not "
                    "made by terreinen",
                    label=self.label,
                    functions=", ".join(missing),
                )
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
        """COPY where no row-level policy applies to this login (the owner); else INSERTs,
        which PostgreSQL checks against the policies (COPY FROM it refuses under them)."""
        cursor.execute("SELECT row_security_active(%s)", [table])
        if cursor.fetchone()[0]:
            super().insert_rows(cursor, table, columns, rows)
            return
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
        self.insert_rows(cursor, "pg_temp._updates", names, rows)
        sets = ", ".join(f"{c} = u.{c}" for c in columns)
        where = " AND ".join(f"t.{k} = u.{k}" for k in keys)
        cursor.execute(f"UPDATE {table} t SET {sets} FROM pg_temp._updates u WHERE {where}")
        cursor.execute("DROP TABLE pg_temp._updates")

    def close(self) -> None:
        self.connection.close()


def _owned(pairs: Iterable[tuple[str, str]]) -> str:
    """Tables or functions with their owners, as a message lists them."""
    return ", ".join(t("{name} of {owner}", name=name, owner=owner) for name, owner in pairs)


def checked_role(role: str) -> str:
    """A role name as PostgreSQL keeps an unquoted one (lowercase letters, digits, ``_``),
    or a plain error naming the parameter."""
    name = str(role).strip()
    if not _ROLE_NAME.fullmatch(name) or name.startswith("pg_"):
        raise TerreinenOptionError(
            t(
                "role {role}: a role name is lowercase letters, digits and _ (at most 63, not "
                "starting with a digit or pg_)",
                role=repr(role),
            )
        )
    return name


def _own_objects(schema: str) -> list[str]:
    """The statements that create the register's rights table, functions, grants to no one
    and row-level security in ``schema`` (a quoted identifier). The functions run with the
    owner's rights (SECURITY DEFINER) on a fixed search path and decide by the *login*
    (``session_user``): the register's owner (or a superuser) may edit every municipality, a
    member of a granted role the municipalities of its rights."""
    versions, heads = f"{schema}.{VERSIONS}", f"{schema}.{HEADS}"
    definer = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
    may = f"{schema}.kavelregister_mag"
    door_ok = f"{schema}.kavelregister_door_ok"
    later_standing = (
        f"EXISTS (SELECT 1 FROM {versions} w WHERE w.kavel_id = v.kavel_id "
        "AND w.versie > v.versie AND w.ingetrokken_op IS NULL)"
    )
    refuse = (
        "RAISE EXCEPTION 'kavelregister: % may not change version % of %', session_user, "
        "p_versie, p_kavel USING ERRCODE = 'insufficient_privilege'"
    )
    statements = [
        f"CREATE TABLE IF NOT EXISTS {schema}.{RIGHTS} (rol text NOT NULL, gemeente text, "
        f"recht text NOT NULL CHECK (recht IN {RIGHT_KINDS!r}), "
        "vastgelegd_op timestamptz NOT NULL, door text NOT NULL)",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {RIGHTS}_uniek ON {schema}.{RIGHTS} "
        "(rol, coalesce(gemeente, ''))",
        f"""CREATE OR REPLACE FUNCTION {may}(p_gemeente text) RETURNS boolean
        LANGUAGE sql STABLE {definer} AS $$
        SELECT pg_has_role(session_user, (SELECT relowner FROM pg_class
                                          WHERE oid = '{versions}'::regclass), 'MEMBER')
            OR EXISTS (SELECT 1 FROM {schema}.{RIGHTS} r JOIN pg_roles g ON g.rolname = r.rol
                       WHERE (r.recht = 'provincie' OR (r.recht = 'gemeente'
                              AND r.gemeente = p_gemeente))
                         AND pg_has_role(session_user, g.oid, 'MEMBER')) $$""",
        f"""CREATE OR REPLACE FUNCTION {door_ok}(p_door text) RETURNS boolean
        LANGUAGE sql STABLE {definer} AS $$
        SELECT p_door = session_user::text
            OR right(p_door, length(session_user::text) + 3) = ' (' || session_user || ')' $$""",
        f"""CREATE OR REPLACE FUNCTION {schema}.kavelregister_sluit(
            p_kavels text[], p_versies integer[], p_dag date) RETURNS void
        LANGUAGE plpgsql {definer} AS $$
        DECLARE n bigint;
        BEGIN
            UPDATE {versions} v SET geldig_tot = p_dag
              FROM unnest(p_kavels, p_versies) AS u(kavel_id, versie)
             WHERE v.kavel_id = u.kavel_id AND v.versie = u.versie
               AND v.ingetrokken_op IS NULL AND v.geldig_van <= p_dag
               AND NOT {later_standing} AND {may}(v.gemeente);
            GET DIAGNOSTICS n = ROW_COUNT;
            IF n <> cardinality(p_kavels) THEN
                RAISE EXCEPTION 'kavelregister: % may not end % of these % versions',
                    session_user, cardinality(p_kavels) - n, cardinality(p_kavels)
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {schema}.kavelregister_trek_in(
            p_kavel text, p_versie integer, p_door text, p_reden text) RETURNS void
        LANGUAGE plpgsql {definer} AS $$
        BEGIN
            UPDATE {versions} v SET geldig_tot = geldig_van, ingetrokken_op = now(),
                   ingetrokken_door = p_door, ingetrokken_reden = p_reden
             WHERE v.kavel_id = p_kavel AND v.versie = p_versie AND v.ingetrokken_op IS NULL
               AND v.versie = (SELECT h.versie FROM {heads} h WHERE h.kavel_id = p_kavel)
               AND {may}(v.gemeente) AND {door_ok}(p_door);
            IF NOT FOUND THEN {refuse}; END IF;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {schema}.kavelregister_heropen(
            p_kavel text, p_versie integer) RETURNS void
        LANGUAGE plpgsql {definer} AS $$
        BEGIN
            UPDATE {versions} v SET geldig_tot = NULL
             WHERE v.kavel_id = p_kavel AND v.versie = p_versie AND v.ingetrokken_op IS NULL
               AND NOT {later_standing} AND {may}(v.gemeente);
            IF NOT FOUND THEN {refuse}; END IF;
        END $$""",
        *(f"REVOKE ALL ON FUNCTION {schema}.{f} FROM PUBLIC" for f in FUNCTIONS),
    ]
    for table in _APPEND:
        statements += [
            f"ALTER TABLE {schema}.{table} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY lezen ON {schema}.{table} FOR SELECT USING (true)",
        ]
    # a municipality's role appends versions, deliveries and findings of its own
    # municipalities, as itself; a new version is open and not withdrawn, of a parcel that
    # is not another municipality's
    statements += [
        f"""CREATE POLICY toevoegen ON {versions} FOR INSERT WITH CHECK (
            {may}(gemeente) AND {door_ok}(door) AND geldig_tot IS NULL
            AND ingetrokken_op IS NULL AND NOT EXISTS (SELECT 1 FROM {heads} h
            WHERE h.kavel_id = kavel_versies.kavel_id AND h.gemeente <> kavel_versies.gemeente))""",
        f"CREATE POLICY toevoegen ON {schema}.{DELIVERIES} FOR INSERT "
        f"WITH CHECK ({may}(gemeente) AND {door_ok}(door))",
        f"CREATE POLICY toevoegen ON {schema}.{CONFLICTS} FOR INSERT WITH CHECK ({may}(gemeente))",
        f"CREATE POLICY toevoegen ON {heads} FOR INSERT WITH CHECK ({may}(gemeente))",
        f"CREATE POLICY bijwerken ON {heads} FOR UPDATE USING ({may}(gemeente)) "
        f"WITH CHECK ({may}(gemeente))",
    ]
    return statements


def _to_schema_3(store: Store, cursor) -> None:
    """PostgreSQL: who may edit which municipality (rights, functions, row-level security)."""
    store._create_own(cursor)
    cursor.execute(f"INSERT INTO {SCHEMA} (versie) VALUES (3)")


PostgresStore.migrations = {**SHARED_MIGRATIONS, 3: _to_schema_3}
