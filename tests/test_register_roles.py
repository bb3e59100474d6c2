"""Who may edit what (PostgreSQL): a municipality's role imports and edits its own parcels,
is refused on another municipality's (exit 2, plain message, nothing written), and cannot
change or delete history with plain SQL; a province role edits all, a read-only role only
reads; ``door`` names the database login. A GeoPackage has no roles and says so.

The logins connect over TCP with a password (as people do), so that PostgreSQL's session
user is the login itself and not the test's superuser."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from conftest import cli, read_cli_csv
from test_register import _admin, _new_store, delivery_1, dump

from terreinen.capacity import capacity
from terreinen.register import Register

PASSWORD = "test-only"


@pytest.fixture
def store(tmp_path):
    with _new_store("postgis", tmp_path) as url:
        with Register.create(url) as register:
            register.import_delivery(delivery_1(), date="2020-01-01", source="levering 1")
        yield url


@pytest.fixture
def roles():
    """Unique role names, each dropped afterwards (roles belong to the whole cluster)."""
    made: list[str] = []

    def name(prefix: str) -> str:
        made.append(f"{prefix}_{uuid.uuid4().hex[:8]}")
        return made[-1]

    yield name
    admin = _admin()
    for role in reversed(made):
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")
    admin.close()


def _login(store: str, name: str, *member_of: str) -> str:
    """A login (password, over TCP) that is a member of ``member_of``; its store URL."""
    with _admin() as admin:
        admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{PASSWORD}'")
        for role in member_of:
            admin.execute(f"GRANT {role} TO {name}")
    database, _, options = store.removeprefix("postgresql:///").partition("?")
    return f"postgresql://{name}:{PASSWORD}@localhost/{database}?{options}"


def _set(store: str, kavel_id: str, *fields: str):
    return cli("register", "set", kavel_id, "--store", store, "--date", "2021-03-01",
               "--by", "J. Jansen", "--reason", "akte 2021-12", *fields)  # fmt: skip


def _delivery(tmp_path, gemeente: str, kavel_id: str, planfase: int) -> str:
    """``gemeente``'s next delivery, as a file: ``kavel_id`` in plan phase ``planfase``, the
    rest as delivered first (Assen's A3 still under option: its GIS is behind the sale
    recorded in the register)."""
    parcels = delivery_1()
    parcels = parcels[parcels["gemeente"] == gemeente].copy()
    parcels.loc[parcels["kavel_id"] == kavel_id, "planfase"] = planfase
    path = tmp_path / f"{gemeente.lower()}-2022.gpkg"
    parcels.to_file(path)
    return str(path)


def _refused_sql(url: str, statement: str, params=()) -> str:
    with psycopg.connect(url, autocommit=True) as connection, pytest.raises(psycopg.Error) as info:
        connection.execute(statement, params)
    return str(info.value)


def test_a_municipality_edits_its_own_parcels_only(store, roles, tmp_path):
    assen = roles("assen")
    result = cli("register", "grant", "Assen", "--role", assen, "--store", store)
    assert result.exit_code == 0, result.output
    assert f"role {assen} created" in result.stderr or f"rol {assen} aangemaakt" in result.stderr
    jan = _login(store, roles("jan"), assen)

    # its own parcels: an officer's sale, then the municipality's delivery (behind the sale)
    assert _set(jan, "A3", "--status", "uitgegeven").exit_code == 0
    result = cli("register", "import", _delivery(tmp_path, "Assen", "A2", 2), "--store", jan,
                 "--date", "2022-01-01", "--source", "Assen 2022")  # fmt: skip
    assert result.exit_code == 0, result.output
    with Register.open(store) as register:
        history = register.history("A3")
        state = register.state(as_of="2022-06-01")
    login = jan.split("//")[1].split(":")[0]
    assert history["door"].tolist()[-1] == f"J. Jansen ({login})"  # the login, not --by only
    with psycopg.connect(store) as connection:
        delivered_by = connection.execute(
            "SELECT door FROM leveringen ORDER BY fid DESC"
        ).fetchone()
    assert delivered_by == (login,)
    table = capacity(state, "gemeente", as_of="2022-06-01").set_index("gebied")
    assert table.loc["Assen", "uitgegeven_ha"] == pytest.approx(3.5)  # A4 3 ha + A3 0.5 ha
    assert state.set_index("kavel_id").loc["A2", "planfase"] == 2  # the delivery applied
    assert table.loc["Tynaarlo", "uitgegeven_ha"] == 0

    # another municipality's parcels: refused before anything is written
    before = dump(store)
    result = _set(jan, "T1", "--planfase", "3")
    assert result.exit_code == 2, result.output
    assert f"{login} may not edit the parcels of Tynaarlo" in result.stderr
    assert PASSWORD not in result.output  # the URL's password is never printed
    result = cli("register", "import", _delivery(tmp_path, "Tynaarlo", "T1", 3), "--store", jan,
                 "--date", "2022-01-01", "--source", "Tynaarlo 2022")  # fmt: skip
    assert result.exit_code == 2 and "may not edit the parcels of Tynaarlo" in result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.output

    # history cannot be changed with plain SQL, nor forged
    assert "permission denied" in _refused_sql(jan, "UPDATE kavel_versies SET reden = 'x'")
    assert "permission denied" in _refused_sql(jan, "DELETE FROM kavel_versies")
    assert "permission denied" in _refused_sql(jan, "DELETE FROM leveringen")
    forged = (
        "INSERT INTO kavel_versies (kavel_id, versie, geldig_van, vastgelegd_op, door, reden, "
        "vervallen, gemeente) VALUES (%s, 9, '2023-01-01', now(), %s, 'x', false, %s)"
    )
    assert "row-level security" in _refused_sql(jan, forged, ["A9", login, "Tynaarlo"])
    assert "row-level security" in _refused_sql(jan, forged, ["A9", "de wethouder", "Assen"])
    assert "row-level security" in _refused_sql(
        jan, forged, ["T1", login, "Assen"]
    )  # T1: Tynaarlo's
    assert "may not end" in _refused_sql(
        jan, "SELECT kavelregister_sluit(ARRAY['T1'], ARRAY[1], '2030-01-01')"
    )
    assert dump(store) == before

    # once its right is taken, the role edits nothing
    result = cli("register", "revoke", "--role", assen, "--store", store)
    assert result.exit_code == 0, result.output
    result = _set(jan, "A1", "--status", "optie")
    assert result.exit_code == 2 and "may only read" not in result.stderr
    assert dump(store) == before


def test_province_and_read_only_roles(store, roles):
    province, public = roles("provincie"), roles("publicatie")
    assert (
        cli("register", "grant", "--province", "--role", province, "--store", store).exit_code == 0
    )
    assert (
        cli("register", "grant", "--read-only", "--role", public, "--store", store).exit_code == 0
    )
    result = cli("register", "roles", "--store", store, "--format", "csv")
    assert result.exit_code == 0, result.output
    rights = read_cli_csv(result.stdout)
    assert sorted(zip(rights["rol"], rights["recht"], strict=True)) == sorted(
        [(province, "provincie"), (public, "lezen")]
    )
    piet = _login(store, roles("piet"), province)
    assert _set(piet, "T1", "--planfase", "3").exit_code == 0
    assert _set(piet, "A1", "--status", "optie").exit_code == 0

    reader = _login(store, roles("lezer"), public)
    before = dump(store)
    result = cli("capacity", reader, "--format", "csv")
    assert result.exit_code == 0, result.output
    totals = read_cli_csv(result.stdout).set_index("gebied")
    assert totals.loc["Totaal", "bruto_ha"] == pytest.approx(12.6)  # 1+2+0.5+3 + 4+1.5+0.6
    result = _set(reader, "A2", "--planfase", "1")
    assert result.exit_code == 2 and "may only read this register" in result.stderr
    assert "permission denied" in _refused_sql(reader, "DELETE FROM kavels")
    assert dump(store) == before


def test_only_the_owner_grants_and_names_are_checked(store, roles):
    assen = roles("assen")
    assert cli("register", "grant", "Assen", "--role", assen, "--store", store).exit_code == 0
    jan = _login(store, roles("jan"), assen)
    result = cli("register", "grant", "Tynaarlo", "--role", assen, "--store", jan)
    assert result.exit_code == 2 and "only the register's owner" in result.stderr
    result = cli("register", "grant", "Assen", "--role", "x'); DROP TABLE kavels; --",
                 "--store", store)  # fmt: skip
    assert result.exit_code == 2 and "a role name is lowercase letters" in result.stderr
    result = cli("register", "grant", "Asen", "--role", roles("r"), "--store", store)
    assert result.exit_code == 2 and "did you mean 'Assen'" in result.stderr
    result = cli("register", "grant", "Assen", "--province", "--role", assen, "--store", store)
    assert result.exit_code == 2 and "exactly one" in result.stderr


def test_a_geopackage_has_no_roles(tmp_path):
    path = tmp_path / "register.gpkg"
    with Register.create(path) as register:
        register.import_delivery(delivery_1(), date="2020-01-01", source="levering 1")
    result = cli("register", "grant", "Assen", "--role", "assen", "--store", path)
    assert result.exit_code == 2
    assert "whoever can write the file" in result.stderr.replace("\n", " ")
