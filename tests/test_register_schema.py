"""A register's layout has a version: a register of the previous layout is refused with the
version to upgrade from and upgraded by `register upgrade` to the same figures; a damaged
layout, a plain data GeoPackage and rows breaking the store's rules are plain errors."""

from __future__ import annotations

import sqlite3

import pandas as pd
import psycopg
import pytest
from conftest import cli, read_cli_csv
from test_register import _new_store, _work, delivery_1, dump

from terreinen import TerreinenError
from terreinen.capacity import capacity
from terreinen.register import Register, changes
from terreinen.register.store.postgis import FUNCTIONS, RIGHTS

WITHDRAWAL = ("ingetrokken_op", "ingetrokken_door", "ingetrokken_reden", "corrigeert")


@pytest.fixture(params=["gpkg", "postgis"])
def store(request, tmp_path):
    with _new_store(request.param, tmp_path) as path:
        yield path


def _sql(store: str, *statements: str) -> None:
    """Run SQL on the store directly, as another program (or an old terreinen) would."""
    if store.endswith(".gpkg"):
        with sqlite3.connect(store) as connection:
            for statement in statements:
                connection.execute(statement)
        return
    with psycopg.connect(store, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def _as_schema_1(store: str) -> None:
    """The layout of the first register: no schema table, no conflicts table, no withdrawal
    columns, no unique rules beyond (kavel_id, versie); on PostgreSQL no roles (schema 3)."""
    statements = [] if store.endswith(".gpkg") else _without_roles()
    statements += [
        "DROP TABLE leveringsconflicten",
        "DROP TABLE kavelregister_schema",
        "DROP INDEX kavel_versies_open",
        "DROP INDEX leveringen_uniek",
        *(f"ALTER TABLE kavel_versies DROP COLUMN {c}" for c in WITHDRAWAL),
    ]
    if store.endswith(".gpkg"):
        statements.append(
            "DELETE FROM gpkg_contents WHERE table_name IN "
            "('leveringsconflicten', 'kavelregister_schema')"
        )
    _sql(store, *statements)


def _without_roles() -> list[str]:
    """PostgreSQL's schema 3 taken back to 2: no rights, functions, policies."""
    tables = ("kavel_versies", "kavels", "leveringen", "leveringsconflicten")
    return [
        *(f"DROP POLICY IF EXISTS {p} ON {t}" for t in tables
          for p in ("lezen", "toevoegen", "bijwerken")),
        *(f"ALTER TABLE {t} DISABLE ROW LEVEL SECURITY" for t in tables),
        *(f"DROP FUNCTION {f}" for f in reversed(FUNCTIONS)),
        f"DROP TABLE {RIGHTS}",
    ]  # fmt: skip


def _figures(store: str) -> tuple:
    with Register.open(store) as register:
        moved = changes(register, "2021-01-01", "2021-12-31")
        state = register.state(as_of="2021-07-01")
        history = register.history("A2").drop(columns=["geometry", "actueel", *WITHDRAWAL])
    return moved, capacity(state, "gemeente", as_of="2021-07-01"), history


def test_a_register_of_the_previous_schema_upgrades_to_the_same_figures(store):
    _work(store)
    before = _figures(store)
    _as_schema_1(store)
    with pytest.raises(TerreinenError, match="register schema version 1, this terreinen needs"):
        Register.open(store)
    result = cli("changes", "--store", store, "--from", "2021-01-01", "--to", "2021-12-31")
    assert result.exit_code == 2 and "upgrade it from version 1" in result.stderr
    assert "register upgrade" in result.stderr
    result = cli("register", "init", "--store", store)
    assert result.exit_code == 2 and "register ready" not in result.stderr
    result = cli("register", "upgrade", "--store", store)
    assert result.exit_code == 0, result.output
    assert "upgraded from schema version 1 to 3" in result.stderr
    after = _figures(store)
    for old, new in zip(before, after, strict=True):
        pd.testing.assert_frame_equal(old, new)
    result = cli("register", "upgrade", "--store", store)
    assert result.exit_code == 0 and "nothing to upgrade" in result.stderr
    result = cli("changes", "--store", store, "--from", "2021-01-01", "--to", "2021-12-31",
                 "--format", "csv")  # fmt: skip
    totals = read_cli_csv(result.stdout).set_index("gebied").loc["Totaal"]
    assert totals["verkocht_ha"] == pytest.approx(2.5)  # A1 1 ha and T2 1.5 ha, by hand


def test_a_newer_schema_is_refused(store):
    _work(store)
    _sql(store, "UPDATE kavelregister_schema SET versie = 9")
    result = cli("register", "history", "A1", "--store", store)
    assert result.exit_code == 2 and "schema version 9 is newer" in result.stderr


def test_a_dropped_column_is_a_plain_error(store):
    _work(store)
    _sql(store, "ALTER TABLE kavel_versies DROP COLUMN opmerking")
    result = cli("capacity", store)
    assert result.exit_code == 2, result.output
    assert "table kavel_versies lacks the columns opmerking" in result.stderr
    assert "internal error" not in result.stderr
    result = cli("register", "init", "--store", store)
    assert result.exit_code == 2 and "register ready" not in result.stderr


def test_init_refuses_a_plain_data_geopackage(tmp_path):
    path = tmp_path / "levering.gpkg"
    delivery_1().to_file(path, layer="kavels")
    content = path.read_bytes()
    result = cli("register", "init", "--store", path)
    assert result.exit_code == 2 and "holds other layers (kavels)" in result.stderr
    assert path.read_bytes() == content


def test_the_store_enforces_one_open_version_per_parcel_and_unique_deliveries(store):
    _work(store)
    before = dump(store)
    errors = (sqlite3.IntegrityError, psycopg.IntegrityError)
    copy_open = (
        "INSERT INTO kavel_versies (kavel_id, versie, geldig_van, vastgelegd_op, door, reden, "
        "vervallen, gemeente) SELECT kavel_id, versie + 10, geldig_van, vastgelegd_op, door, "
        "reden, vervallen, gemeente FROM kavel_versies WHERE kavel_id = 'A1' AND geldig_tot "
        "IS NULL"
    )
    with pytest.raises(errors):
        _sql(store, copy_open)
    with pytest.raises(errors):
        _sql(store, "INSERT INTO leveringen (gemeente, datum, bron, vastgelegd_op, door, "
                    "n_kavels) SELECT gemeente, datum, bron, vastgelegd_op, door, n_kavels "
                    "FROM leveringen WHERE bron = 'levering 3'")  # fmt: skip
    assert dump(store) == before
    # a register of the first layout holding a second open version cannot be upgraded
    _as_schema_1(store)
    _sql(store, copy_open)
    result = cli("register", "upgrade", "--store", store)
    assert result.exit_code == 2 and "breaks a rule of schema version 2" in result.stderr
    assert "nothing upgraded" in result.stderr
    with pytest.raises(TerreinenError, match="schema version 1"):
        Register.open(store)


def test_foreign_keys_are_on_in_the_geopackage(tmp_path):
    with Register.create(tmp_path / "register.gpkg") as register:
        assert register._store.connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
