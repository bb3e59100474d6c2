"""The parcel register, on both stores (a GeoPackage file and a PostGIS database): a history
worked out by hand, atomic imports, concurrent edits and bad input.

The hand-worked history (rectangles, so every hectare is known):

    Assen (from the fixture origin)         Tynaarlo (from its point in conftest.PLACES)
    A1 1 ha   terstond, fase 1              T1 4 ha   niet_terstond, fase 4
    A2 2 ha   niet_terstond, fase 3         T2 1.5 ha terstond, fase 2
    A3 0.5 ha optie, fase 1                 T4 0.6 ha terstond, fase 1
    A4 3 ha   uitgegeven 2015-03-01

    2020-01-01 delivery 1, both municipalities: the parcels above
    2021-01-01 delivery 2, Assen: A1 sold (2020-06-15), A2 fase 3 -> 2, A3 gone, A5 0.8 ha new
    2021-06-01 edit: T2 uitgegeven (J. Jansen)
    2021-09-01 edit: A2 prijs_m2 55 (P. de Vries)
    2022-01-01 delivery 3, Tynaarlo: T1 fase 4 -> 1, T4 fase 1 -> 3, T3 1 ha new, T2 as edited
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid

import pandas as pd
import psycopg
import pyogrio
import pytest
from conftest import ROOT, frame, parcel, read_cli_csv, rect
from typer.testing import CliRunner

from terreinen import (
    TerreinenConflictError,
    TerreinenDataError,
    TerreinenError,
    read_parcels,
    settings,
)
from terreinen.capacity import capacity
from terreinen.cli import app
from terreinen.datasets import get_path
from terreinen.maps import municipality_map, overview_map
from terreinen.register import (
    CHANGES_COLUMNS,
    HISTORY_COLUMNS,
    Register,
    changes,
)


def assen(kavel_id, x, width, **fields):
    return parcel(kavel_id, rect(x, 0, width, 100), **fields)


def tynaarlo(kavel_id, x, width, **fields):
    fields = {"gemeente": "Tynaarlo", "terrein": "Vriezerbrug", **fields}
    return parcel(kavel_id, rect(x, 0, width, 100, "Tynaarlo"), **fields)


A1 = dict(kavel_id="A1", x=0, width=100)
A2 = dict(kavel_id="A2", x=100, width=200)
A3 = dict(kavel_id="A3", x=300, width=50)
A4 = dict(kavel_id="A4", x=350, width=300)
A5 = dict(kavel_id="A5", x=650, width=80)
SOLD_A4 = dict(status="uitgegeven", uitgiftedatum="2015-03-01")


def delivery_1():
    return frame(
        [
            assen(**A1, status="terstond_uitgeefbaar"),
            assen(**A2, status="niet_terstond_uitgeefbaar", planfase=3),
            assen(**A3, status="optie"),
            assen(**A4, **SOLD_A4),
            tynaarlo("T1", 0, 400, status="niet_terstond_uitgeefbaar", planfase=4),
            tynaarlo("T2", 400, 150, planfase=2),
            tynaarlo("T4", 550, 60),
        ]
    )


def delivery_2():
    return frame(
        [
            assen(**A1, status="uitgegeven", uitgiftedatum="2020-06-15"),
            assen(**A2, status="niet_terstond_uitgeefbaar", planfase=2),
            assen(**A4, **SOLD_A4),
            assen(**A5),
        ]
    )


def delivery_3():
    return frame(
        [
            tynaarlo("T1", 0, 400, status="niet_terstond_uitgeefbaar", planfase=1),
            tynaarlo("T2", 400, 150, planfase=2, status="uitgegeven", uitgiftedatum="2021-06-01"),
            tynaarlo("T4", 550, 60, status="niet_terstond_uitgeefbaar", planfase=3),
            tynaarlo("T3", 610, 100),
        ]
    )


# ---- the two stores ---------------------------------------------------------------------

POSTGRES = os.environ.get("TERREINEN_TEST_POSTGRES", "postgresql:///terreinen_test")


def _postgres_schema_url(schema: str) -> str:
    joiner = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{joiner}options=-csearch_path%3D{schema},public"


def _admin() -> psycopg.Connection:
    """A connection to the test database; where there is none, a skip (a failure in CI)."""
    try:
        return psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {POSTGRES} is unreachable ({exc}); run tests/install.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def recorded_by(store: str, by: str) -> str:
    """What a store records as ``door`` for ``by``: PostgreSQL adds the database login."""
    if store.endswith(".gpkg"):
        return by
    with _admin() as connection:
        login = connection.execute("SELECT session_user::text").fetchone()[0]
    return f"{by} ({login})"


@contextlib.contextmanager
def _new_store(kind: str, folder):
    """A new, empty store: a GeoPackage path, or a URL to a fresh schema of the test
    database (PostgreSQL must run in CI: tests/install.sh starts it)."""
    if kind == "gpkg":
        yield str(folder / "register.gpkg")
        return
    admin = _admin()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _postgres_schema_url(schema)
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture(params=["gpkg", "postgis"])
def store(request, tmp_path):
    with _new_store(request.param, tmp_path) as path:
        yield path


def _work(store) -> str:
    with Register.create(store) as register:
        register.import_delivery(delivery_1(), date="2020-01-01", source="levering 1", by="a")
        register.import_delivery(
            delivery_2(),
            date="2021-01-01",
            source="levering 2",
            gemeente="Assen",
            by="a",
            allow_retire=True,  # A3: 1 of 4
        )
        register.set("T2", date="2021-06-01", by="J. Jansen", reason="akte", status="uitgegeven")
        register.set("A2", date="2021-09-01", by="P. de Vries", reason="raad", prijs_m2=55)
        register.import_delivery(delivery_3(), date="2022-01-01", source="levering 3", by="b")
    return store


@pytest.fixture(scope="session", params=["gpkg", "postgis"])
def worked(request, tmp_path_factory):
    """The hand-worked history in each store, shared: tests given it must not change it."""
    with _new_store(request.param, tmp_path_factory.mktemp("worked")) as path:
        yield _work(path)


@pytest.fixture
def fresh_worked(store):
    """The hand-worked history in a new store, for a test that changes it."""
    return _work(store)


@pytest.fixture(scope="session")
def worked_gpkg(tmp_path_factory):
    """The hand-worked history in a GeoPackage, shared by tests that must not change it."""
    return _work(str(tmp_path_factory.mktemp("worked") / "register.gpkg"))


def dump(store) -> dict[str, list]:
    """Every row of the register's tables, to compare before and after."""
    with Register.open(store) as register:
        s = register._store
        with s.reading() as cursor:
            tables = {}
            for table, order in (
                ("kavel_versies", "kavel_id, versie"),
                ("kavels", "kavel_id"),
                ("leveringen", "gemeente, datum"),
            ):
                cursor.execute(f"SELECT * FROM {table} ORDER BY {order}")
                tables[table] = [tuple(map(str, row)) for row in cursor.fetchall()]
    return tables


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


# ---- the hand-worked history ------------------------------------------------------------


def _changes_rows(table: pd.DataFrame) -> dict[str, tuple]:
    return {
        row.gebied: tuple(round(v, 6) for v in row[1:]) for row in table.itertuples(index=False)
    }


def test_changes_per_year_as_worked_by_hand(worked):
    with Register.open(worked) as register:
        first = changes(register, "2020-01-01", "2020-12-31")
        second = changes(register, "2021-01-01", "2021-12-31")
        third = changes(register, "2022-01-01", "2022-12-31", by="provincie")
    assert list(first.columns) == list(CHANGES_COLUMNS)
    # gebied: verkocht, teruggedraaid, naar_hard, naar_zacht, nieuw, vervallen, n_wijzigingen
    assert _changes_rows(first) == {
        "Assen": (0, 0, 0, 0, 6.5, 0, 4),
        "Tynaarlo": (0, 0, 0, 0, 6.1, 0, 3),
        "Totaal": (0, 0, 0, 0, 12.6, 0, 7),
    }
    assert _changes_rows(second) == {
        "Assen": (1.0, 0, 2.0, 0, 0.8, 0.5, 5),  # A1 sold, A2 hard, A5 new, A3 gone, edit A2
        "Tynaarlo": (1.5, 0, 0, 0, 0, 0, 1),  # T2 sold by an edit
        "Totaal": (2.5, 0, 2.0, 0, 0.8, 0.5, 6),
    }
    assert _changes_rows(third) == {
        "Drenthe": (0, 0, 4.0, 0.6, 1.0, 0, 3),  # T2 delivered as edited: no version
        "Totaal": (0, 0, 4.0, 0.6, 1.0, 0, 3),
    }


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # (gemeente, bruto, uitgegeven, hard, zacht)
        ("2020-06-01", {"Assen": (6.5, 3.0, 1.5, 2.0), "Tynaarlo": (6.1, 0, 2.1, 4.0)}),
        ("2021-03-01", {"Assen": (6.8, 4.0, 2.8, 0), "Tynaarlo": (6.1, 0, 2.1, 4.0)}),
        ("2021-07-01", {"Assen": (6.8, 4.0, 2.8, 0), "Tynaarlo": (6.1, 1.5, 0.6, 4.0)}),
        ("2022-06-01", {"Assen": (6.8, 4.0, 2.8, 0), "Tynaarlo": (7.1, 1.5, 5.0, 0.6)}),
    ],
)
def test_capacity_between_deliveries_as_worked_by_hand(worked, as_of, expected):
    with Register.open(worked) as register:
        table = capacity(register.state(as_of=as_of), "gemeente", as_of=as_of)
    got = {
        row.gebied: tuple(
            round(v, 6) for v in (row.bruto_ha, row.uitgegeven_ha, row.hard_ha, row.zacht_ha)
        )
        for row in table.itertuples()
        if row.gebied != "Totaal"
    }
    assert got == expected


def test_history_keeps_every_version_with_who_and_why(worked):
    with Register.open(worked) as register:
        history = register.history("A2")
    assert list(history.columns[:7]) == list(HISTORY_COLUMNS)
    assert history["versie"].tolist() == [1, 2, 3]
    assert history["geldig_van"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-01-01",
        "2021-01-01",
        "2021-09-01",
    ]
    assert history["geldig_tot"].dt.strftime("%Y-%m-%d").fillna("").tolist() == [
        "2021-01-01",
        "2021-09-01",
        "",
    ]
    assert history["planfase"].tolist() == [3, 2, 2]
    assert history["door"].tolist() == [recorded_by(worked, by) for by in ("a", "a", "P. de Vries")]
    assert history["bron"].tolist() == ["levering 1", "levering 2", "bewerking"]
    assert history["reden"].iloc[1] == "levering: planfase"
    assert history["reden"].iloc[2] == "raad"
    assert pd.isna(history["prijs_m2"].iloc[1]) and history["prijs_m2"].iloc[2] == 55
    assert history["oppervlakte_ha"].round(6).tolist() == [2.0, 2.0, 2.0]


def test_retired_parcel_keeps_its_history(worked):
    with Register.open(worked) as register:
        history = register.history("A3")
        assert "A3" not in set(register.state()["kavel_id"])
        assert "A3" in set(register.state(as_of="2020-12-31")["kavel_id"])
    assert history["vervallen"].tolist() == [False, True]
    assert history["geldig_van"].iloc[1] == pd.Timestamp("2021-01-01")


def test_retired_parcel_delivered_again_comes_back(store):
    with Register.create(store) as register:
        register.import_delivery(frame([assen(**A1), assen(**A2)]), date="2020-01-01", source="1")
        register.import_delivery(
            frame([assen(**A1)]), date="2021-01-01", source="2", allow_retire=True
        )
        diff = register.import_delivery(
            frame([assen(**A1), assen(**A2)]), date="2022-01-01", source="3"
        )
        history = register.history("A2")
        ids = {
            day: register.state(as_of=day)["kavel_id"].tolist()
            for day in ("2021-06-01", "2022-06-01")
        }
    assert diff.new == ["A2"]
    assert history["reden"].tolist() == [
        "nieuw in de levering",
        "niet meer in de levering (2)",
        "weer in de levering",
    ]
    assert history["geldig_tot"].dt.strftime("%Y-%m-%d").fillna("").tolist() == [
        "2021-01-01",
        "2022-01-01",
        "",
    ]
    assert ids == {"2021-06-01": ["A1"], "2022-06-01": ["A1", "A2"]}


def test_edit_of_a_sale_dates_it(worked):
    with Register.open(worked) as register:
        t2 = register.state().set_index("kavel_id").loc["T2"]
    assert t2["status"] == "uitgegeven"
    assert t2["uitgiftedatum"] == pd.Timestamp("2021-06-01")


def test_state_is_what_read_parcels_returns(store):
    with Register.create(store) as register:
        register.import_delivery(delivery_1(), date="2020-01-01", source="1")
        state = register.state()
    expected = read_parcels(delivery_1()).sort_values("kavel_id", ignore_index=True)
    pd.testing.assert_frame_equal(state, expected)


def test_same_delivery_twice_changes_nothing(worked):
    before = dump(worked)
    with Register.open(worked) as register:
        diff = register.import_delivery(delivery_3(), date="2022-01-01", source="levering 3")
    assert diff.empty and not diff.applied and diff.unchanged == 4
    assert dump(worked) == before


def test_delivery_diff_lists_new_retired_and_changed_fields(store):
    with Register.create(store) as register:
        register.import_delivery(delivery_1(), date="2020-01-01", source="1")
        diff = register.import_delivery(
            delivery_2(), date="2021-01-01", source="2", gemeente="Assen", dry_run=True
        )
        assert register.state()["kavel_id"].tolist() == ["A1", "A2", "A3", "A4", "T1", "T2", "T4"]
    assert (diff.new, diff.retired, sorted(diff.changed)) == (["A5"], ["A3"], ["A1", "A2"])
    changed = diff.table[diff.table["wijziging"] == "gewijzigd"]
    assert set(
        zip(changed["kavel_id"], changed["veld"], changed["oud"], changed["nieuw"], strict=True)
    ) == {
        ("A1", "status", "terstond_uitgeefbaar", "uitgegeven"),
        ("A1", "uitgiftedatum", None, "2020-06-15"),
        ("A2", "planfase", "3", "2"),
    }


def test_geometry_change_is_a_new_version(store):
    with Register.create(store) as register:
        register.import_delivery(frame([assen(**A1)]), date="2020-01-01", source="1")
        diff = register.import_delivery(
            frame([parcel("A1", rect(0, 0, 100, 150))]), date="2020-02-01", source="2"
        )
        history = register.history("A1")
    assert diff.table[["veld", "oud", "nieuw"]].values.tolist() == [
        ["geometry", "1.0000 ha", "1.5000 ha"]
    ]
    assert history["oppervlakte_ha"].round(6).tolist() == [1.0, 1.5]


def test_deliveries_and_staleness(worked):
    with Register.open(worked) as register:
        latest = register.deliveries().set_index("gemeente")
        fresh = register.stale(as_of="2022-03-01")  # A2's edit of 2021-09-01 is fresh data
        stale = register.stale(as_of="2022-03-02")
        then = register.deliveries(as_of="2021-12-31").set_index("gemeente")
    assert latest.loc["Assen", "laatste_levering"] == pd.Timestamp("2021-01-01")
    assert latest.loc["Tynaarlo", "laatste_levering"] == pd.Timestamp("2022-01-01")
    assert latest["n_leveringen"].to_dict() == {"Assen": 2, "Tynaarlo": 2}
    assert latest.loc["Assen", "laatste_bewerking"] == pd.Timestamp("2021-09-01")
    assert fresh.empty
    assert stale["gemeente"].tolist() == ["Assen"]  # delivery 14, edit 6 months and a day
    assert then.loc["Tynaarlo", "laatste_levering"] == pd.Timestamp("2020-01-01")


# ---- concurrency and crashes -------------------------------------------------------------

_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from conftest import frame, parcel, rect
    from terreinen.register import Register

    store = sys.argv[1]
    register = Register.open(store)
    cls = type(register._store)
    insert = cls.insert_rows

    def insert_then_die(self, *args, **kwargs):
        insert(self, *args, **kwargs)  # old versions closed, new versions written: die now
        os.kill(os.getpid(), signal.SIGKILL)

    cls.insert_rows = insert_then_die
    rows = [parcel(f"K{i}", rect(10 * i, 0, 10, 10), status="optie") for i in range(40)]
    register.import_delivery(frame(rows), date="2020-02-01", source="doomed")
    """
)


def _python(script: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_import_killed_halfway_leaves_the_register_as_it_was(store):
    with Register.create(store) as register:
        rows = [parcel(f"K{i}", rect(10 * i, 0, 10, 10)) for i in range(40)]
        register.import_delivery(frame(rows), date="2020-01-01", source="first")
    before = dump(store)
    process = _python(_KILLER, store)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, stderr
    assert dump(store) == before
    with Register.open(store) as register:  # and the register works on
        assert set(register.state()["status"]) == {"terstond_uitgeefbaar"}
        diff = register.import_delivery(
            frame([parcel("K0", rect(0, 0, 10, 10), status="optie")]),
            date="2020-03-01",
            source="x",
            allow_retire=True,
        )
    assert len(diff.retired) == 39 and diff.changed == ["K0"]


_EDITOR = textwrap.dedent(
    """
    import json, os, sys, time
    from conftest import cli  # typer's CliRunner on a click command built once
    from terreinen.register import Register

    store, worker, go = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    register = Register.open(store)
    open(f"{go}.{worker}", "w").close()  # ready
    while not os.path.exists(go):
        time.sleep(0.001)
    done = []
    for i in range(50):
        kavel = f"P{i % 10}"  # both workers on the same parcel at about the same time
        version = register.version(kavel)
        if i == 0:  # the first edit: both have read the same version before either writes
            open(f"{go}.{worker}.read", "w").close()
            while not all(os.path.exists(f"{go}.{w}.read") for w in (1, 2)):
                time.sleep(0.001)
        reason = f"worker {worker} edit {i}"
        result = cli(
            "register", "set", kavel, "--store", store, "--date", "2023-01-01",
            "--by", f"worker {worker}", "--reason", reason, "--prijs-m2", str(1000 * worker + i),
            "--expect-version", str(version),
        )
        done.append([kavel, reason, version, result.exit_code])
    print(json.dumps(done))
    """
)


def test_concurrent_edits_lose_nothing(store, tmp_path):
    with Register.create(store) as register:
        rows = [parcel(f"P{i}", rect(20 * i, 0, 20, 20)) for i in range(10)]
        register.import_delivery(frame(rows), date="2022-01-01", source="start")
    go = tmp_path / "go"
    workers = [_python(_EDITOR, store, str(w), str(go)) for w in (1, 2)]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"go.{w}").exists() for w in (1, 2)):  # both ready
        assert time.monotonic() < deadline and all(w.poll() is None for w in workers)
        time.sleep(0.01)
    go.touch()  # releases them together
    edits = []
    for process in workers:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        edits += json.loads(stdout)
    assert len(edits) == 100
    assert {code for *_, code in edits} <= {0, 4}
    accepted = {reason: (kavel, version) for kavel, reason, version, code in edits if code == 0}
    refused = {reason for *_, reason, _, code in edits if code == 4}
    first = [code for _, reason, _, code in edits if reason.endswith(" edit 0")]
    assert sorted(first) == [0, 4]  # the forced collision: one wins, the other is refused
    with Register.open(store) as register:
        state = register.state().set_index("kavel_id")
        for i in range(10):
            history = register.history(f"P{i}")
            assert history["versie"].tolist() == list(range(1, len(history) + 1))
            recorded = history["reden"].iloc[1:].tolist()
            mine = [r for r, (kavel, _) in accepted.items() if kavel == f"P{i}"]
            assert sorted(recorded) == sorted(mine)  # every accepted edit is there, once
            assert not refused & set(recorded)
            for row in history.iloc[1:].itertuples():  # each on top of the version it saw
                assert row.versie == accepted[row.reden][1] + 1
            last = history.iloc[-1]
            assert state.loc[f"P{i}", "prijs_m2"] == last["prijs_m2"] or (
                len(history) == 1 and pd.isna(last["prijs_m2"])
            )


# ---- bad input ---------------------------------------------------------------------------


def _refused(store, *args: str, code: int = 2) -> str:
    before = dump(store)
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert dump(store) == before
    return result.stderr


def _edit(store, kavel_id="A2", date="2022-02-01", *extra):
    return ("register", "set", kavel_id, "--store", store, "--date", date, "--by", "x",
            "--reason", "y", *extra)  # fmt: skip


def test_unknown_kavel_id_is_refused_with_a_suggestion(worked):
    message = _refused(worked, *_edit(worked, "A22", "2022-02-01", "--status", "optie"))
    assert "no parcel with kavel_id 'A22'" in message and "did you mean 'A2'?" in message


def test_invalid_status_is_refused(worked):
    message = _refused(worked, *_edit(worked, "A2", "2022-02-01", "--status", "verkochtt"))
    assert "status 'verkochtt' is not one of" in message


def test_date_before_the_last_version_is_refused(worked):
    message = _refused(worked, *_edit(worked, "A2", "2021-08-31", "--status", "optie"))
    assert "before its latest version 3 of 2021-09-01" in message


def test_edit_conflict_exits_4(fresh_worked):
    assert (
        cli(
            *_edit(fresh_worked, "A2", "2022-02-01", "--status", "optie", "--expect-version", "3")
        ).exit_code
        == 0
    )
    message = _refused(
        fresh_worked,
        *_edit(fresh_worked, "A2", "2022-02-01", "--status", "uitgegeven", "--expect-version", "3"),
        code=4,
    )
    assert "A2 is at version 4, not 3" in message
    with Register.open(fresh_worked) as register, pytest.raises(TerreinenConflictError):
        register.set("A2", date="2022-03-01", by="x", reason="y", status="optie", expect_version=3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("set", "A2", "--date", "2022-13-01", "--status", "optie"), "'2022-13-01' is not a date"),
        (("set", "A2", "--date", "2022-02-01"), "an edit sets at least one of status"),
        (("set", "A2", "--date", "2022-02-01", "--prijs-m2", "-5"), "must be a price of 0 or more"),
        (("set", "A2", "--date", "2022-02-01", "--eigenaar", "rijk"), "eigenaar 'rijk' is not one"),
        (("set", "A2", "--date", "2022-02-01", "--planfase", "7"), "planfase '7' is not one"),
        (("set", "A3", "--date", "2022-02-01", "--status", "optie"), "A3 was retired (vervallen)"),
        (("set", "A2", "--date", "2022-02-01", "--status", "optie", "--by", " "), "who made it"),
        (("changes", "--from", "2022-01-01", "--to", "2021-01-01"), "is after --to"),
        (("changes", "--from", "2021-01-01", "--to", "2021-12-31", "--by", "straat"), "straat"),
        (("changes", "--from", "2021-01-01", "--to", "2021-12-31", "--by", "regio"), "regions"),
    ],
)
def test_more_bad_input_is_refused_plainly(worked_gpkg, args, message):
    command, *rest = args
    if command == "set":
        full = ("register", "set", rest[0], "--store", worked_gpkg, "--by", "x", "--reason", "y")
        full += tuple(rest[1:])
    else:
        full = ("changes", "--store", worked_gpkg, *rest)
    assert message in _refused(worked_gpkg, *full)


def test_import_needs_a_date_and_a_source(worked_gpkg, tmp_path):
    path = tmp_path / "d.gpkg"
    delivery_2().to_file(path)
    base = ("register", "import", str(path), "--store", worked_gpkg, "--gemeente", "Assen")
    assert "not a date" in _refused(worked_gpkg, *base, "--date", "1-1-2023", "--source", "x")
    assert "needs a source" in _refused(worked_gpkg, *base, "--date", "2023-01-01", "--source", "")


def test_a_store_is_a_gpkg_or_a_url(tmp_path):
    result = cli("register", "init", "--store", str(tmp_path / "register.sqlite"))
    assert (
        result.exit_code == 2 and "GeoPackage file (.gpkg) or a postgresql:// URL" in result.stderr
    )
    text = tmp_path / "notes.gpkg"
    text.write_text("not a database, but named like one\n" * 100)
    result = cli("register", "init", "--store", str(text))
    assert result.exit_code == 2 and "cannot use it as a register" in result.stderr
    assert text.read_text() == "not a database, but named like one\n" * 100


def test_postgres_database_without_postgis_is_a_plain_error():
    name = f"t_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            url = f"{POSTGRES.split('?')[0].rsplit('/', 1)[0]}/{name}"  # same server
            result = cli("register", "init", "--store", url)
            assert result.exit_code == 2 and "PostGIS is not installed" in result.stderr
            with psycopg.connect(url) as plain:  # and nothing was created
                assert plain.execute(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                ).fetchone() == (0,)
        finally:
            admin.execute(f"DROP DATABASE {name}")


def test_unreachable_postgres_is_a_plain_error():
    url = "postgresql://nobody@127.0.0.1:9/nowhere"
    result = cli("register", "history", "A1", "--store", url)
    assert result.exit_code == 2
    assert "cannot connect to PostgreSQL" in result.stderr and "Traceback" not in result.output
    result = cli("capacity", url)
    assert result.exit_code == 2 and "cannot connect to PostgreSQL" in result.stderr


def test_delivery_with_errors_writes_nothing(worked, tmp_path):
    path = tmp_path / "bad.geojson"
    frame([assen(**A1, status="weg"), assen(**A5)]).to_crs(4326).to_file(path)
    message = _refused(
        worked, "register", "import", str(path), "--store", worked, "--date", "2023-01-01",
        "--source", "bad",
    )  # fmt: skip
    assert "unknown value 'weg'" in message and "nothing was written" in message


def test_delivery_older_than_an_edit_is_refused(worked):
    with Register.open(worked) as register, pytest.raises(TerreinenError, match="older than"):
        register.import_delivery(  # over A2's edit of 2021-09-01 (else the edit is kept)
            delivery_2().assign(prijs_m2=60.0),
            date="2021-08-01",
            source="late",
            gemeente="Assen",
            accept_delivery=True,
        )
    with Register.open(worked) as register, pytest.raises(TerreinenDataError):
        register.import_delivery(frame([assen(**A1, planfase=9)]), date="2023-01-01", source="x")


def test_delivery_with_other_municipalities_is_refused(worked, tmp_path):
    path = tmp_path / "mixed.gpkg"
    delivery_1().to_file(path)
    message = _refused(
        worked, "register", "import", str(path), "--store", worked, "--date", "2023-01-01",
        "--source", "x", "--gemeente", "Assen",
    )  # fmt: skip
    assert "holds parcels of Tynaarlo" in message


def test_store_that_is_not_a_register(tmp_path):
    path = tmp_path / "plain.gpkg"
    delivery_1().to_file(path)
    result = cli("register", "history", "A1", "--store", str(path))
    assert result.exit_code == 2 and "not a terreinen register" in result.stderr
    result = cli("register", "history", "A1", "--store", str(tmp_path / "none.gpkg"))
    assert result.exit_code == 2 and "no register there" in result.stderr
    assert not (tmp_path / "none.gpkg").exists()


# ---- the command line --------------------------------------------------------------------


def test_cli_import_prints_the_differences_and_dry_run_writes_nothing(store, tmp_path):
    first, second = tmp_path / "1.geojson", tmp_path / "2.gpkg"
    delivery_1().to_crs(4326).to_file(first)
    delivery_2().to_file(second)
    assert cli("register", "init", "--store", store).exit_code == 0
    base = ("--store", store, "--source", "test")
    assert cli("register", "import", str(first), *base, "--date", "2020-01-01").exit_code == 0
    before = dump(store)
    result = cli(
        "register", "import", str(second), *base, "--date", "2021-01-01", "--gemeente", "Assen",
        "--dry-run", "--format", "csv", "--csv", "international",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout), dtype=str)
    assert set(zip(table["kavel_id"], table["wijziging"], strict=True)) == {
        ("A5", "nieuw"),
        ("A3", "vervallen"),
        ("A1", "gewijzigd"),
        ("A2", "gewijzigd"),
    }
    assert "1 new, 1 retired, 2 changed, 1 unchanged parcels; not applied" in result.stderr
    assert dump(store) == before


def test_cli_history_and_changes(worked):
    result = cli("register", "history", "T2", "--store", worked, "--format", "json")
    assert result.exit_code == 0, result.output
    versions = json.loads(result.stdout)
    assert [v["versie"] for v in versions] == [1, 2]
    assert [v["door"] for v in versions] == [recorded_by(worked, by) for by in ("a", "J. Jansen")]
    assert list(versions[0])[:7] == list(HISTORY_COLUMNS)
    result = cli(
        "changes",
        "--store",
        worked,
        "--from",
        "2021-01-01",
        "--to",
        "2021-12-31",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    table = read_cli_csv(result.stdout)  # the Dutch dialect, as every CSV by default
    assert list(table.columns) == list(CHANGES_COLUMNS)
    assert table.set_index("gebied").loc["Totaal", "verkocht_ha"] == pytest.approx(2.5)


def test_cli_reading_commands_take_a_store_and_as_of(worked):
    result = cli(
        "capacity", worked, "--as-of", "2021-07-01", "--format", "csv", "--csv", "international"
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout)).set_index("gebied")
    assert table.loc["Tynaarlo", "hard_ha"] == pytest.approx(0.6)
    assert table.loc["Assen", "hard_ha"] == pytest.approx(2.8)
    # on 2021-07-01 Tynaarlo's latest delivery was of 2020-01-01, but T2 was edited on
    # 2021-06-01: fresh data; on 2021-12-15 that edit is more than 6 months old too
    assert "stale" not in result.stderr
    result = cli("capacity", worked, "--as-of", "2021-12-15", "--format", "csv")
    assert (
        "latest delivery 2020-01-01, more than 6 months before 2021-12-15, for Tynaarlo\n"
        in result.stderr
    )
    assert "Assen" not in result.stderr  # delivered 2021-01-01, A2 edited 2021-09-01
    found = {}
    for as_of in ("2020-06-01", "2021-03-01"):  # A1 was sold in between
        result = cli(
            "find",
            worked,
            "--as-of",
            as_of,
            "--min-ha",
            "3",
            "--format",
            "csv",
            "--csv",
            "international",
        )
        assert result.exit_code == 0, result.output
        found[as_of] = set(pd.read_csv(io.StringIO(result.stdout))["kavel_id"])
    assert found == {"2020-06-01": {"T1", "A1+A2"}, "2021-03-01": {"T1"}}
    assert cli("validate", worked).exit_code == 0


# ---- the embedded data as a history ------------------------------------------------------


def test_example_register(example_store, embedded):
    """The embedded history (``register init --example``: example_register, built once per
    worker): it ends in the embedded parcels, holds Hardenberg's conversions and the sales
    of each year."""
    example = example_store
    with Register.open(example) as register:
        state = register.state()
        deliveries = register.deliveries()
    pd.testing.assert_frame_equal(state, embedded.sort_values("kavel_id", ignore_index=True))
    assert set(deliveries["laatste_levering"]) == {pd.Timestamp("2026-01-01")}
    assert set(deliveries["n_leveringen"]) == {8}  # 2019 .. 2026

    # the agreement's parks: their land unsold and hard today was soft before 2019-2022
    agreed = {
        "Heemserpoort": embedded["segment"] == "woon_werk",
        "Broeklanden II (Zuid)": embedded["segment"] == "zwaar",
        "Bedrijventerrein Dedemsvaart": True,
    }
    unsold_hard = embedded["status"].isin(
        ["terstond_uitgeefbaar", "niet_terstond_uitgeefbaar", "optie"]
    ) & embedded["planfase"].isin([1, 2])
    expected = {
        park: embedded.loc[
            (embedded["terrein"] == park) & unsold_hard & rows, "oppervlakte_ha"
        ].sum()
        for park, rows in agreed.items()
    }
    assert expected == pytest.approx(
        {"Heemserpoort": 15, "Broeklanden II (Zuid)": 12, "Bedrijventerrein Dedemsvaart": 10}, abs=1
    )
    with Register.open(example) as register:
        table = changes(register, "2019-01-02", "2022-12-31", by="terrein").set_index("gebied")
        gemeenten = changes(register, "2019-01-02", "2022-12-31").set_index("gebied")
        converted = embedded.loc[
            (embedded["terrein"] == "Heemserpoort") & unsold_hard & agreed["Heemserpoort"],
            "kavel_id",
        ].iloc[0]
        history = register.history(converted)
    for park, ha in expected.items():
        assert table.loc[park, "naar_hard_ha"] == pytest.approx(ha)
    assert gemeenten.loc["Hardenberg", "naar_hard_ha"] == pytest.approx(sum(expected.values()))
    assert gemeenten.drop(index=["Hardenberg", "Totaal"])["naar_hard_ha"].eq(0).all()
    assert history["planfase"].tolist() == [4, 2]
    assert history["geldig_van"].iloc[1] == pd.Timestamp("2020-01-01")

    sold_2023 = embedded[embedded["uitgiftedatum"].dt.year == 2023]
    expected = sold_2023.groupby("gemeente", observed=True)["oppervlakte_ha"].sum()
    with Register.open(example) as register:  # sales of 2023 arrive with the 2024 delivery
        table = changes(register, "2023-01-02", "2024-01-01").set_index("gebied")
    sold = table["verkocht_ha"].drop("Totaal")
    assert sold[sold > 0].to_dict() == pytest.approx(expected.to_dict())
    assert table.loc["Totaal", "verkocht_ha"] == pytest.approx(sold_2023["oppervlakte_ha"].sum())


def test_generator_reproduces_the_shipped_deliveries():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "data" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    listed, differences = generate.deliveries(generate.generate_parcels())
    shipped = pd.read_csv(get_path("leveringen_verschillen"), dtype=str)
    regenerated = pd.read_csv(io.StringIO(differences.to_csv(index=False)), dtype=str)
    pd.testing.assert_frame_equal(regenerated, shipped)
    assert listed["datum"].tolist() == [f"{y}-01-01" for y in range(2019, 2027)]


def test_map_of_a_register_shows_each_municipalitys_data_date(worked_gpkg):
    with Register.open(worked_gpkg) as register:
        state = register.state(as_of="2021-07-01")
    dates = overview_map(state).data["municipalities"]["dataDate"]
    assert dates == ["2021-01-01", "2020-01-01"]  # Assen, Tynaarlo on that day
    assert municipality_map(state, "Tynaarlo").data["municipalities"]["dataDate"] == ["2020-01-01"]
    # a plain file has no deliveries and here no laatst_bijgewerkt: no date
    assert municipality_map(delivery_1(), "Assen").data["municipalities"]["dataDate"] == [""]


def test_every_reading_command_takes_a_register(worked_gpkg, tmp_path):
    agreements = tmp_path / "afspraken.csv"
    agreements.write_text(
        "afspraak_id,gebied,niveau,segment,plancapaciteit,max_ha,periode_start,periode_eind,bron\n"
        "X1,Assen,gemeente,,hard,5,2020-01-01,2025-12-31,test\n"
    )
    result = cli(
        "agreements",
        worked_gpkg,
        "-a",
        agreements,
        "--as-of",
        "2021-07-01",
        "-f",
        "csv",
        "--csv",
        "international",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout)).set_index("gebied")
    assert table.loc["Assen", "actual_ha"] == pytest.approx(2.8)  # A2 2 + A5 0.8, hard
    assert table.loc["Tynaarlo", "actual_ha"] == pytest.approx(4.6)  # T1 4 soft + T4 0.6
    out = tmp_path / "export.xlsx"
    assert cli("export", worked_gpkg, "--to", out, "--as-of", "2021-07-01").exit_code == 0
    assert out.stat().st_size > 0
    page = tmp_path / "kaart.html"
    assert cli("map", worked_gpkg, "-o", page, "--as-of", "2021-07-01").exit_code == 0
    assert '"dataDate":["2021-01-01","2020-01-01"]' in page.read_text()
    result = cli(
        "--quiet", "overview", worked_gpkg, "--as-of", "2021-07-01", "--out-dir", tmp_path / "maps"
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == [
        "assen.html",
        "overview.html",
        "tynaarlo.html",
    ]


def test_gis_software_reads_the_geopackage(worked_gpkg):
    layers = dict(pyogrio.list_layers(worked_gpkg))
    assert layers["kavel_versies"] == "MultiPolygon" and layers["kavels"] is None
    assert pyogrio.read_info(worked_gpkg, layer="kavel_versies")["capabilities"][
        "fast_spatial_filter"
    ]  # the register's rtree index
    versions = pyogrio.read_dataframe(worked_gpkg, layer="kavel_versies")
    assert versions.crs.to_epsg() == 28992
    assert set(versions.geom_type) == {"MultiPolygon"}
    latest = versions[versions["geldig_tot"].isna() & ~versions["vervallen"].astype(bool)]
    areas = dict(zip(latest["kavel_id"], (latest.area / 10_000).round(6), strict=True))
    assert areas == {"A1": 1, "A2": 2, "A4": 3, "A5": 0.8, "T1": 4, "T2": 1.5, "T3": 1, "T4": 0.6}


def test_an_officers_refused_edits_are_said_in_dutch(tmp_path, monkeypatch):
    """The register's answers to an officer in the reader's language: an unknown parcel, a
    sale of a sold parcel, an edit that changes nothing (none recorded)."""
    store = _work(str(tmp_path / "register.gpkg"))
    monkeypatch.setattr(settings, "language", "nl")
    edit = {"date": "2022-02-01", "by": "J. Jansen", "reason": "akte"}
    with Register.open(store) as register:
        with pytest.raises(TerreinenError, match="geen kavel met kavel_id 'A9'"):
            register.set("A9", status="optie", **edit)
        with pytest.raises(TerreinenError, match=r"A4 is al verkocht \(uitgegeven sinds"):
            register.set("A4", status="uitgegeven", **edit)
        register.set("A2", status="optie", **edit)
        with pytest.raises(TerreinenError, match="A2 heeft deze waarden al"):
            register.set("A2", status="optie", **edit)
        assert register.history("A2")["status"].tolist()[-1] == "optie"
    result = cli("register", "set", "A2", "--store", store, "--date", "2022-03-01", "--by",
                 "x", "--reason", "y", "--status", "optie", "--lang", "nl")  # fmt: skip
    assert result.exit_code == 2 and "A2 heeft deze waarden al" in result.stderr


@pytest.mark.parametrize(
    ("refused", "said"),
    [
        (
            lambda r: r.correct("A2", version=3, by=" ", reason="tikfout"),
            "een correctie vraagt wie ze maakt (by) en waarom (reason)",
        ),
        (
            lambda r: r.undo("A2", version=2, by="x", reason="y"),
            "A2: versie 2 is niet de huidige versie 3; alleen de huidige versie kan worden",
        ),
        (
            lambda r: r.set("A2", date="2200-01-01", by="x", reason="y", status="optie"),
            "datum 2200-01-01 ligt meer dan",
        ),
        (
            lambda r: r.set("A2", date="2022-02-01", by="x", reason="y", status="verkochtt"),
            "status 'verkochtt' is niet een van",
        ),
        (
            lambda r: changes(r, "2022-01-01", "2021-01-01"),
            "date_from 2022-01-01 ligt na date_to 2021-01-01",
        ),
        (  # Tynaarlo's T1 and T2 delivered as Assen's
            lambda r: r.import_delivery(
                frame([assen("T1", 0, 400), assen("T2", 400, 150)]), date="2023-01-01", source="x"
            ),
            "de levering voor Assen noemt 2 kavels van een andere gemeente (T1 van Tynaarlo, "
            "T2 van Tynaarlo); een levering wijzigt alleen de kavels van de eigen gemeente",
        ),
        (lambda r: r.grant("assen_rol", "Assen"), "een GeoPackage-register is één bestand"),
    ],
)
def test_the_registers_refusals_are_said_in_dutch(worked_gpkg, monkeypatch, refused, said):
    """Refused before anything is written, in the reader's language."""
    before = dump(worked_gpkg)
    monkeypatch.setattr(settings, "language", "nl")
    with Register.open(worked_gpkg) as register, pytest.raises(TerreinenError) as info:
        refused(register)
    assert said in str(info.value)
    assert dump(worked_gpkg) == before


def test_a_damaged_or_wrong_store_is_said_in_dutch(tmp_path, monkeypatch):
    """A register with a trigger another program planted, a plain GeoPackage, no file and a
    store that is no GeoPackage: each refused in Dutch, by the library and the command."""
    planted = tmp_path / "register.gpkg"
    Register.create(planted).close()
    with contextlib.closing(sqlite3.connect(planted)) as db:
        db.execute("CREATE TRIGGER spion AFTER INSERT ON kavels BEGIN SELECT 1; END")
        db.commit()
    plain = tmp_path / "plain.gpkg"
    delivery_1().to_file(plain)
    monkeypatch.setattr(settings, "language", "nl")
    for using, store, said in [
        (Register.open, planted, "het bestand bevat triggers die een register niet heeft (spion)"),
        (Register.open, plain, "geen register van terreinen (de tabellen kavel_versies, kavels"),
        (Register.open, tmp_path / "geen.gpkg", "daar is geen register (maak er een met"),
        (Register.create, tmp_path / "r.sqlite", "een register is een GeoPackage-bestand (.gpkg)"),
    ]:
        with pytest.raises(TerreinenError) as info:
            using(store)
        assert said in str(info.value)
    monkeypatch.setattr(settings, "language", "en")
    result = cli("register", "history", "A1", "--store", str(plain), "--lang", "nl")
    assert result.exit_code == 2 and "geen register van terreinen" in result.stderr
    result = cli("changes", "--store", str(planted), "--from", "2022-01-01", "--to", "2021-01-01",
                 "--lang", "nl")  # fmt: skip
    assert result.exit_code == 2 and "--from 2022-01-01 ligt na --to 2021-01-01" in result.stderr
