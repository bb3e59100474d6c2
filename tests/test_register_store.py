"""The store checks what it opens: planted triggers (SQLite and PostgreSQL), GDAL's own rtree
triggers, a lock held too long, a damaged file, stored rows that fail the parcel checks and
driver errors: each a plain message (exit 2), never a traceback, a fallback or exit 3."""

from __future__ import annotations

import sqlite3
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from conftest import cli, rect
from test_register import _admin, _new_store, _work

from terreinen import settings
from terreinen.errors import TerreinenStoreError
from terreinen.register import Register


@pytest.fixture(params=["gpkg", "postgis"])
def store(request, tmp_path):
    with _new_store(request.param, tmp_path) as path:
        yield path


def _edit(store: str, *extra: str):
    return cli("register", "set", "A2", "--store", store, "--date", "2022-02-01", "--by", "x",
               "--reason", "y", "--status", "optie", *extra)  # fmt: skip


# ---- GeoPackage --------------------------------------------------------------------------

FORGED = """CREATE TRIGGER forge AFTER INSERT ON kavel_versies BEGIN
    DELETE FROM kavel_versies WHERE versie = 1; UPDATE kavel_versies SET door = 'admin'; END"""
RTREE = (
    # the register has its own rtree (a register of schema 2 made before it had none)
    "CREATE VIRTUAL TABLE IF NOT EXISTS rtree_kavel_versies_geom USING rtree(id, minx, maxx, "
    "miny, maxy)",
    """CREATE TRIGGER rtree_kavel_versies_geom_insert AFTER INSERT ON kavel_versies
    WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN
    INSERT OR REPLACE INTO rtree_kavel_versies_geom VALUES (NEW.fid, ST_MinX(NEW.geom),
    ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END""",
    """CREATE TRIGGER rtree_kavel_versies_geom_delete AFTER DELETE ON kavel_versies
    WHEN old.geom NOT NULL BEGIN DELETE FROM rtree_kavel_versies_geom WHERE id = OLD.fid; END""",
)


def _sqlite(path: str, *statements: str) -> None:
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement)


def test_a_planted_sqlite_trigger_is_refused(worked_gpkg_copy):
    _sqlite(worked_gpkg_copy, FORGED)
    before = dump_raw(worked_gpkg_copy)
    result = _edit(worked_gpkg_copy)
    assert result.exit_code == 2 and "holds triggers a register does not have (forge)" in (
        result.stderr
    )
    result = cli("capacity", worked_gpkg_copy)
    assert result.exit_code == 2 and "(forge)" in result.stderr
    assert dump_raw(worked_gpkg_copy) == before


def test_a_trigger_named_like_gdals_that_writes_elsewhere_is_refused(worked_gpkg_copy):
    _sqlite(
        worked_gpkg_copy,
        RTREE[0],
        """CREATE TRIGGER rtree_kavel_versies_geom_update1 AFTER UPDATE ON kavel_versies
        BEGIN UPDATE kavels SET versie = 1; END""",
    )
    result = _edit(worked_gpkg_copy)
    assert result.exit_code == 2 and "rtree_kavel_versies_geom_update1" in result.stderr


def test_gdals_rtree_triggers_are_kept_up_to_date(worked_gpkg_copy):
    _sqlite(worked_gpkg_copy, *RTREE)
    result = _edit(worked_gpkg_copy)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(worked_gpkg_copy) as connection:
        box = connection.execute(
            "SELECT r.minx, r.maxx, r.miny, r.maxy FROM rtree_kavel_versies_geom r "
            "JOIN kavel_versies v ON v.fid = r.id WHERE v.kavel_id = 'A2' AND v.versie = 4"
        ).fetchone()
    minx, miny, maxx, maxy = rect(100, 0, 200, 100).bounds  # A2 as delivered
    assert box == pytest.approx((minx, maxx, miny, maxy))


def test_a_lock_held_too_long_is_said_never_read_as_a_plain_file(worked_gpkg_copy, monkeypatch):
    monkeypatch.setattr(settings, "register_lock_timeout", 0.2)
    holder = sqlite3.connect(worked_gpkg_copy, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        for result in (cli("capacity", worked_gpkg_copy), _edit(worked_gpkg_copy)):
            assert result.exit_code == 2, result.output
            assert "locked by another program (waited 0.2 s)" in result.stderr
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _edit(worked_gpkg_copy).exit_code == 0


def test_a_damaged_file_is_a_plain_error(worked_gpkg_copy):
    with open(worked_gpkg_copy, "r+b") as file:
        size = file.seek(0, 2)
        for offset in range(4096 * 2, size, 4096 * 3):  # garbage over every third page's start
            file.seek(offset)
            file.write(b"\xff" * 200)
    result = cli("capacity", worked_gpkg_copy)
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.stderr and "Traceback" not in result.output


# ---- both stores -------------------------------------------------------------------------


def test_stored_rows_that_fail_the_parcel_checks_stop_the_command(store):
    _work(store)
    if store.endswith(".gpkg"):
        _sqlite(store, "UPDATE kavel_versies SET geom = NULL WHERE kavel_id = 'A1' AND "
                       "geldig_tot IS NULL")  # fmt: skip
    else:
        with psycopg.connect(store, autocommit=True) as connection:
            connection.execute(
                "UPDATE kavel_versies SET geom = NULL WHERE kavel_id = 'A1' AND geldig_tot IS NULL"
            )
    result = cli("capacity", store)
    assert result.exit_code == 2, result.output
    assert "A1" in result.stderr or "geometry" in result.stderr.lower()
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("blob", ["47500003", "4750000340710000000000000000000000000000000000000000"
                                  "00000000000000000000000000000000000000000000000000000000"
                                  "0000000000000001030000007f000000"])  # fmt: skip
def test_a_crafted_geometry_blob_is_a_plain_error(worked_gpkg_copy, blob):
    """A blob cut short, and one whose ring claims 127 points it does not hold."""
    _sqlite(worked_gpkg_copy, f"UPDATE kavel_versies SET geom = X'{blob}' WHERE kavel_id = 'A1'")
    edit = ("register", "set", "A1", "--store", worked_gpkg_copy, "--date", "2022-02-01",
            "--by", "x", "--reason", "y", "--prijs-m2", "60")  # fmt: skip
    for result in (cli("capacity", worked_gpkg_copy), cli(*edit)):
        assert result.exit_code == 2, result.output
        assert "a stored outline cannot be read" in result.stderr


def test_a_crafted_postgis_geometry_is_a_plain_error(postgres):
    """ST_AsBinary returns what PostGIS holds; a blob shapely cannot read is refused."""
    _work(postgres)
    with Register.open(postgres) as register:
        store = register._store
        with pytest.raises(TerreinenStoreError, match="a stored outline cannot be read"):
            store.decode([bytes.fromhex("0103000000ff000000")])


# ---- PostgreSQL --------------------------------------------------------------------------


@pytest.fixture
def postgres(tmp_path):
    with _new_store("postgis", tmp_path) as url:
        yield url


@pytest.fixture
def other_role():
    """A role that may create tables in the test schemas (as before PostgreSQL 15)."""
    name = f"r_{uuid.uuid4().hex[:10]}"
    admin = _admin()
    admin.execute(f"CREATE ROLE {name}")
    try:
        yield name
    finally:
        admin.execute(f"DROP OWNED BY {name}")
        admin.execute(f"DROP ROLE {name}")
        admin.close()


def test_planted_postgres_trigger_and_foreign_owner_are_refused(postgres, other_role):
    _work(postgres)
    schema = postgres.split("search_path%3D")[1].split(",")[0]
    with psycopg.connect(postgres, autocommit=True) as connection:
        connection.execute(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {other_role}")
        for table in ("kavel_versies", "kavels", "leveringen", "leveringsconflicten",
                      "kavelregister_schema"):  # fmt: skip
            connection.execute(f"ALTER TABLE {schema}.{table} OWNER TO {other_role}")
        connection.execute(
            f"CREATE FUNCTION {schema}.grab() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NEW; END $$"
        )
        connection.execute(
            f"CREATE TRIGGER grab BEFORE INSERT ON {schema}.kavel_versies "
            f"FOR EACH ROW EXECUTE FUNCTION {schema}.grab()"
        )
    before = dump_raw(postgres)
    result = cli("register", "init", "--store", postgres)  # as the administrator (superuser)
    assert result.exit_code == 2 and "grab on kavel_versies" in result.stderr
    assert "register ready" not in result.stderr
    result = _edit(postgres)
    assert result.exit_code == 2 and "grab on kavel_versies" in result.stderr
    assert dump_raw(postgres) == before


def test_names_planted_on_the_search_path_are_never_used(postgres, other_role, tmp_path):
    """A role that may create in the register's schema plants a function under a PostGIS
    name (every outline read as NULL) and a table named like the store's temporary one:
    the register reads and writes the same as beside none (PostGIS names qualified, the
    search path fixed to the register's schema with pg_temp last)."""
    clean = _work(str(tmp_path / "register.gpkg"))
    schema = postgres.split("search_path%3D")[1].split(",")[0]
    with psycopg.connect(postgres, autocommit=True) as connection:
        connection.execute(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {other_role}")
        connection.execute(f"SET ROLE {other_role}")
        connection.execute(
            f"CREATE FUNCTION {schema}.st_asbinary(public.geometry) RETURNS bytea "
            "LANGUAGE sql AS 'SELECT NULL::bytea'"
        )
        connection.execute(f"CREATE TABLE {schema}._updates (versie integer)")
    _work(postgres)  # its second delivery updates the parcels' pointers (update_rows)
    with Register.open(postgres) as register, Register.open(clean) as expected:
        state, wanted = register.state(), expected.state()
        path = register._store.connection.execute("SHOW search_path").fetchone()[0]
    assert state.geometry.notna().all() and len(state) == len(wanted)
    assert sorted(state.area) == pytest.approx(sorted(wanted.area))
    columns = ["kavel_id", "status", "uitgiftedatum"]
    assert state[columns].sort_values("kavel_id").astype(str).values.tolist() == (
        wanted[columns].sort_values("kavel_id").astype(str).values.tolist()
    )
    assert path == f"{schema}, pg_temp"


def test_tables_of_another_owner_are_refused(postgres, other_role):
    _work(postgres)
    schema = postgres.split("search_path%3D")[1].split(",")[0]
    administrator = f"a_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres, autocommit=True) as connection:
        connection.execute(f"CREATE ROLE {administrator}")
        connection.execute(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {administrator}")
        connection.execute(f"ALTER TABLE {schema}.kavels OWNER TO {other_role}")
        try:
            result = cli("register", "history", "A1", "--store", postgres)
            assert result.exit_code == 2 and "different owners" in result.stderr
            for table in ("kavel_versies", "leveringen", "leveringsconflicten",
                          "kavelregister_schema"):  # fmt: skip
                connection.execute(f"ALTER TABLE {schema}.{table} OWNER TO {other_role}")
            as_administrator = f"{postgres}%20-crole%3D{administrator}"  # not a superuser
            result = cli("register", "init", "--store", as_administrator)
            assert result.exit_code == 2, result.output
            assert "owned by another role (" in result.stderr
            assert f"kavel_versies of {other_role}" in result.stderr
        finally:
            connection.execute(f"DROP OWNED BY {administrator}")
            connection.execute(f"DROP ROLE {administrator}")


def test_a_postgres_lock_held_too_long_is_a_plain_error(postgres, monkeypatch):
    _work(postgres)
    monkeypatch.setattr(settings, "register_lock_timeout", 0.3)
    holder = psycopg.connect(postgres)
    holder.execute("LOCK TABLE kavels IN ACCESS EXCLUSIVE MODE")
    try:
        result = _edit(postgres)
        assert result.exit_code == 2, result.output
        assert "locked by another session (waited 0.3 s)" in result.stderr
    finally:
        holder.rollback()
        holder.close()


def test_postgres_driver_errors_are_plain(postgres):
    _work(postgres)
    before = dump_raw(postgres)
    with Register.open(postgres) as register, pytest.raises(TerreinenStoreError, match="NUL"):
        register.set("A2", date="2022-02-01", by="x", reason="a\x00b", status="optie")
    read_only = postgres + "%20-cdefault_transaction_read_only%3Don"
    result = _edit(read_only)
    assert result.exit_code == 2, result.output
    assert "read-only transaction" in result.stderr
    assert dump_raw(postgres) == before


def dump_raw(store: str) -> list:
    """Every row of the register's tables, read around the register (which refuses it)."""
    queries = [f"SELECT * FROM {t} ORDER BY 1" for t in ("kavel_versies", "kavels", "leveringen")]
    if store.endswith(".gpkg"):
        with sqlite3.connect(store) as connection:
            return [connection.execute(q).fetchall() for q in queries]
    with psycopg.connect(store) as connection:
        return [connection.execute(q).fetchall() for q in queries]


@pytest.fixture
def worked_gpkg_copy(tmp_path):
    return _work(str(tmp_path / "register.gpkg"))


def test_a_read_only_register_file_is_a_plain_error(worked_gpkg_copy):
    """A register file nobody may write (immutable: root too) is read as usual; an edit is a
    plain message, exit 2, the file unchanged."""
    path = Path(worked_gpkg_copy)
    before = path.read_bytes()
    if subprocess.run(["chattr", "+i", path], capture_output=True, check=False).returncode:
        pytest.skip("this file system has no immutable files (chattr +i)")
    try:
        result = cli("capacity", path, "--as-of", "2022-06-01")
        assert result.exit_code == 0, result.output
        result = _edit(str(path))
        assert result.exit_code == 2, result.output
        assert "cannot be used" in result.stderr and "readonly" in result.stderr
        assert "Traceback" not in result.output
    finally:
        subprocess.run(["chattr", "-i", path], check=True)
    assert path.read_bytes() == before
