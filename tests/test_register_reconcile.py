"""Two parties write to the register: a municipality's deliveries and its land-sale officers'
edits. Deliveries that contradict an edit, corrections, edits that ask, bookkeeping-only
differences, lanes per municipality and the mass-retirement guard, on both stores.

The parcels (rectangles 100 m deep, so every hectare is known), municipality Assen:

    S1 1 ha   terstond      S2 2 ha   terstond      S3 0.5 ha optie, fase 1
    S4 3 ha   terstond      S5 1.5 ha terstond, fase 2

    2026-10-01 delivery 1
    2026-11-20 edit: S1 uitgegeven (akte 2026-207), 2026-11-21 edit: S2 uitgegeven
    2026-12-01 delivery 2, GIS not updated: S1 and S2 still terstond; S3 fase 1 -> 3;
               laatst_bijgewerkt 2026-11-30 on every parcel (a bookkeeping field)
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from conftest import cli, frame, parcel, read_cli_csv, rect
from test_register import _new_store, dump, recorded_by

from terreinen import TerreinenError
from terreinen.errors import TerreinenConflictError, TerreinenDataWarning
from terreinen.register import Register, changes

WIDTHS = {"S1": 100, "S2": 200, "S3": 50, "S4": 300, "S5": 150}  # x 100 m: ha = width / 100
STARTS = {"S1": 0, "S2": 100, "S3": 300, "S4": 350, "S5": 650}


def assen(kavel_id, **fields):
    fields = {"laatst_bijgewerkt": "2026-09-30", **fields}
    return parcel(kavel_id, rect(STARTS[kavel_id], 0, WIDTHS[kavel_id], 100), **fields)


def delivery_1():
    return frame(
        [
            assen("S1"),
            assen("S2"),
            assen("S3", status="optie"),
            assen("S4"),
            assen("S5", planfase=2),
        ]
    )


def delivery_2():
    """The municipality's next delivery: its GIS does not know the two sales yet."""
    return frame(
        [
            assen("S1", laatst_bijgewerkt="2026-11-30"),
            assen("S2", laatst_bijgewerkt="2026-11-30"),
            assen("S3", status="optie", planfase=3, laatst_bijgewerkt="2026-11-30"),
            assen("S4", laatst_bijgewerkt="2026-11-30"),
            assen("S5", planfase=2, laatst_bijgewerkt="2026-11-30"),
        ]
    )


@pytest.fixture(params=["gpkg", "postgis"])
def store(request, tmp_path):
    with _new_store(request.param, tmp_path) as path:
        yield path


def _sold(store: str) -> str:
    with Register.create(store) as register:
        register.import_delivery(delivery_1(), date="2026-10-01", source="Assen okt", by="gis")
        register.set("S1", date="2026-11-20", by="J. Jansen", reason="akte 2026-207",
                     status="uitgegeven")  # fmt: skip
        register.set("S2", date="2026-11-21", by="J. Jansen", reason="akte 2026-208",
                     status="uitgegeven")  # fmt: skip
    return store


def _findings(store: str) -> list[tuple]:
    with Register.open(store) as register, register._store.reading() as cursor:
        cursor.execute(
            "SELECT kavel_id, veld, bewerkt, geleverd, bewerkt_door, toegepast "
            "FROM leveringsconflicten ORDER BY kavel_id, veld"
        )
        return [(*row[:5], bool(row[5])) for row in cursor.fetchall()]


EXPECTED_CONFLICTS = {
    ("S1", "status", "uitgegeven", "terstond_uitgeefbaar", "J. Jansen", "akte 2026-207"),
    ("S1", "uitgiftedatum", "2026-11-20", None, "J. Jansen", "akte 2026-207"),
    ("S2", "status", "uitgegeven", "terstond_uitgeefbaar", "J. Jansen", "akte 2026-208"),
    ("S2", "uitgiftedatum", "2026-11-21", None, "J. Jansen", "akte 2026-208"),
}


def expected_conflicts(store: str) -> set[tuple]:
    """EXPECTED_CONFLICTS with the editor as the store records them."""
    return {(*c[:4], recorded_by(store, c[4]), c[5]) for c in EXPECTED_CONFLICTS}


def _conflicts(diff) -> set[tuple]:
    table = diff.conflicts
    return set(
        zip(
            table["kavel_id"], table["veld"], table["bewerkt"], table["geleverd"],
            table["bewerkt_door"], table["bewerking_reden"], strict=True,
        )
    )  # fmt: skip


# ---- a delivery never silently undoes a sale --------------------------------------------


def test_delivery_keeps_the_sales_and_lists_the_conflicts(store):
    _sold(store)
    with Register.open(store) as register:
        diff = register.import_delivery(delivery_2(), date="2026-12-01", source="Assen dec")
        state = register.state().set_index("kavel_id")
        table = changes(register, "2026-11-01", "2026-12-31").set_index("gebied")
        s4 = register.history("S4")
    assert _conflicts(diff) == expected_conflicts(store)
    assert not diff.accepted and diff.applied
    assert diff.changed == ["S3"]  # S1, S2 as edited; S4, S5 only laatst_bijgewerkt
    assert diff.unchanged == 4
    assert state.loc["S1", "status"] == "uitgegeven"
    assert state.loc["S1", "uitgiftedatum"] == pd.Timestamp("2026-11-20")
    assert state.loc["S2", "uitgiftedatum"] == pd.Timestamp("2026-11-21")
    assert state.loc["S3", "planfase"] == 3
    assert s4["versie"].tolist() == [1]  # a bookkeeping difference records no version
    assert table.loc["Totaal", "verkocht_ha"] == pytest.approx(3.0)  # S1 1 ha + S2 2 ha
    assert table.loc["Totaal", "teruggedraaid_ha"] == 0
    assert table.loc["Totaal", "n_wijzigingen"] == 3  # two sales and S3's plan phase
    assert _findings(store) == sorted(
        (k, f, kept, given, door, False) for k, f, kept, given, door, _ in expected_conflicts(store)
    )


def test_accept_delivery_applies_it_and_changes_shows_the_reversal(store):
    _sold(store)
    with Register.open(store) as register:
        diff = register.import_delivery(
            delivery_2(), date="2026-12-01", source="Assen dec", accept_delivery=True
        )
        state = register.state().set_index("kavel_id")
        table = changes(register, "2026-11-01", "2026-12-31").set_index("gebied")
        history = register.history("S1")
    assert _conflicts(diff) == expected_conflicts(store) and diff.accepted
    assert sorted(diff.changed) == ["S1", "S2", "S3"]
    assert state.loc["S1", "status"] == "terstond_uitgeefbaar"
    assert pd.isna(state.reindex(columns=["uitgiftedatum"]).loc["S1", "uitgiftedatum"])
    assert history["reden"].iloc[-1] == (
        "levering: status, uitgiftedatum, laatst_bijgewerkt; gaat voor een bewerking"
    )
    # sold and unsold again within the window: no net sale, 3 ha of reversals
    assert table.loc["Totaal", "verkocht_ha"] == 0
    assert table.loc["Totaal", "teruggedraaid_ha"] == pytest.approx(3.0)
    assert {row[-1] for row in _findings(store)} == {True}


def test_a_delivery_that_agreed_with_an_edit_may_change_it_later(store):
    """Only an edit made after the municipality's latest delivery is a conflict: once a
    delivery confirmed the sale, a later one that undoes it is the municipality's word."""
    _sold(store)
    sold = delivery_2().assign(status="uitgegeven")
    sold.loc[sold["kavel_id"] == "S1", "uitgiftedatum"] = "2026-11-20"
    sold.loc[sold["kavel_id"] == "S2", "uitgiftedatum"] = "2026-11-21"
    sold = sold[sold["kavel_id"].isin(["S1", "S2"])]
    rest = delivery_2()[~delivery_2()["kavel_id"].isin(["S1", "S2"])]
    with Register.open(store) as register:
        first = register.import_delivery(
            pd.concat([sold, rest]), date="2026-12-01", source="Assen dec"
        )
        later = register.import_delivery(delivery_2(), date="2026-12-02", source="Assen dec 2")
    assert first.conflicts.empty and later.conflicts.empty
    assert sorted(later.changed) == ["S1", "S2"]


def test_dry_run_lists_the_conflicts_and_writes_nothing(store, tmp_path):
    _sold(store)
    path = tmp_path / "assen-dec.gpkg"
    delivery_2().to_file(path)
    before = dump(store)
    result = cli("register", "import", path, "--store", store, "--date", "2026-12-01",
                 "--source", "Assen dec", "--dry-run", "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    editor = recorded_by(store, "J. Jansen")
    assert f'"S1";"Assen";"status";"uitgegeven";"terstond_uitgeefbaar";"{editor}";' in result.stdout
    assert "2 parcels contradict an edit made after the previous delivery" in result.stderr
    assert "not applied (dry run)" in result.stderr
    assert dump(store) == before


# ---- the whole workflow through the command line ----------------------------------------


def test_workflow_deliver_sell_deliver_report(store, tmp_path):
    first, second = tmp_path / "okt.geojson", tmp_path / "dec.gpkg"
    delivery_1().to_crs(4326).to_file(first)
    delivery_2().to_file(second)
    assert cli("register", "init", "--store", store).exit_code == 0
    base = ("--store", store, "--source")
    result = cli("register", "import", first, *base, "Assen okt", "--date", "2026-10-01")
    assert result.exit_code == 0, result.output
    result = cli("register", "history", "S1", "--store", store)
    assert "S1: current version 1" in result.stderr
    result = cli("register", "set", "S1", "--store", store, "--date", "2026-11-20",
                 "--by", "J. Jansen", "--reason", "akte 2026-207", "--status", "uitgegeven",
                 "--expect-version", "1")  # fmt: skip
    assert result.exit_code == 0 and "S1: version 2 recorded" in result.stderr
    assert "stale" not in cli("capacity", store, "--as-of", "2026-11-25").stderr
    result = cli("register", "import", second, *base, "Assen dec", "--date", "2026-12-01",
                 "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    # conflicts, then the diff
    listed, _ = result.stdout.split('"kavel_id";"gemeente";"wijziging";')
    listed = read_cli_csv(listed, dtype=str)
    assert set(zip(listed["kavel_id"], listed["veld"], listed["bewerkt"], strict=True)) == {
        ("S1", "status", "uitgegeven"),
        ("S1", "uitgiftedatum", "2026-11-20"),
    }
    assert "1 changed, 4 unchanged parcels; applied" in result.stderr
    assert "1 parcels contradict an edit" in result.stderr

    result = cli("changes", "--store", store, "--from", "2026-11-01", "--to", "2026-12-31",
                 "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    moved = read_cli_csv(result.stdout).set_index("gebied")
    result = cli("capacity", store, "--as-of", "2026-12-01", "--format", "csv")
    assert result.exit_code == 0, result.output
    figures = read_cli_csv(result.stdout).set_index("gebied")
    result = cli("register", "history", "S1", "--store", store, "--format", "csv")
    history = read_cli_csv(result.stdout)
    # every output agrees: S1 (1 ha) sold on 2026-11-20 and still sold after the delivery
    assert moved.loc["Assen", "verkocht_ha"] == pytest.approx(1.0)
    assert moved.loc["Assen", "teruggedraaid_ha"] == 0
    assert figures.loc["Assen", "uitgegeven_ha"] == pytest.approx(1.0)
    assert figures.loc["Assen", "bruto_ha"] == pytest.approx(8.0)
    assert history["versie"].tolist() == [1, 2] and history["status"].iloc[-1] == "uitgegeven"


# ---- corrections and undo ----------------------------------------------------------------


def test_a_wrong_future_date_is_refused_and_a_correction_unfreezes_the_municipality(store):
    _sold(store)
    with Register.open(store) as register:
        with pytest.raises(TerreinenError, match="more than 7 days after today"):
            register.set("S4", date="2099-06-01", by="J. Jansen", reason="akte", status="optie")
        register.set("S4", date="2099-06-01", by="J. Jansen", reason="akte 2026-210",
                     status="uitgegeven", allow_future=True)  # fmt: skip
        with pytest.raises(TerreinenError, match="before its latest version 2 of 2099-06-01"):
            register.set("S4", date="2026-11-22", by="J. Jansen", reason="x", prijs_m2=50)
        # the municipality changes S4's plan phase: a version from 2026-12-01, before 2099
        delivery = delivery_2()
        delivery.loc[delivery["kavel_id"] == "S4", "planfase"] = 2
        with pytest.raises(TerreinenError, match="older than the latest version of 1 parcels"):
            register.import_delivery(delivery, date="2026-12-01", source="Assen dec")
        new = register.correct("S4", version=2, date="2026-11-22", by="P. de Vries",
                               reason="typo: 2099 for 2026")  # fmt: skip
        diff = register.import_delivery(delivery, date="2026-12-01", source="Assen dec")
        history = register.history("S4").set_index("versie")
        state = register.state().set_index("kavel_id")
    assert new == 3 and diff.applied
    assert history.loc[2, "ingetrokken_door"] == recorded_by(store, "P. de Vries")
    assert history.loc[2, "ingetrokken_reden"] == "typo: 2099 for 2026"
    assert history.loc[2, "geldig_tot"] == history.loc[2, "geldig_van"]  # valid on no day
    assert history.loc[3, "corrigeert"] == 2 and history.loc[3, "bron"] == "correctie"
    assert history.loc[3, "geldig_van"] == pd.Timestamp("2026-11-22")
    assert history.loc[3, "uitgiftedatum"] == "2026-11-22"  # moved with it
    assert history.loc[3, "vastgelegd_op"] >= history.loc[2, "vastgelegd_op"]
    assert history.loc[1, "geldig_tot"] == pd.Timestamp("2026-11-22")
    assert history["actueel"].tolist() == [False, False, False, True]  # 4: the delivery
    assert (
        history.loc[3, "geldig_tot"] == history.loc[4, "geldig_van"] == pd.Timestamp("2026-12-01")
    )
    assert state.loc["S4", "status"] == "uitgegeven"  # the corrected sale is kept
    assert state.loc["S4", "planfase"] == 2  # and the delivery imported
    assert set(diff.conflicts["kavel_id"]) == {"S1", "S2", "S4"}


def test_undo_makes_the_version_before_current_again(store):
    _sold(store)
    with Register.open(store) as register:
        with pytest.raises(TerreinenError, match="not its current version 2"):
            register.undo("S1", version=1, by="x", reason="y")
        back = register.undo("S1", version=2, by="P. de Vries", reason="wrong parcel")
        state = register.state().set_index("kavel_id")
        after = register.set("S1", date="2026-11-25", by="P. de Vries", reason="akte 2026-209",
                             status="uitgegeven")  # fmt: skip
        history = register.history("S1").set_index("versie")
        on_the_day = register.state(as_of="2026-11-20").set_index("kavel_id")
    assert back == 1 and after == 3
    assert state.loc["S1", "status"] == "terstond_uitgeefbaar"
    assert history.loc[2, "ingetrokken_reden"] == "wrong parcel"
    assert history.loc[1, "geldig_tot"] == pd.Timestamp("2026-11-25")
    assert on_the_day.loc["S1", "status"] == "terstond_uitgeefbaar"  # the undone sale: no day
    with Register.open(store) as register, pytest.raises(TerreinenError, match="its first"):
        register.undo("S3", version=1, by="x", reason="y")


def test_cli_correct_and_undo(store):
    _sold(store)
    result = cli("register", "correct", "S2", "--store", store, "--version", "2",
                 "--date", "2026-11-22", "--by", "P", "--reason", "akte dated the 22nd")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "S2: version 2 withdrawn, version 3 recorded in its place" in result.stderr
    result = cli("register", "undo", "S2", "--store", store, "--version", "3", "--by", "P",
                 "--reason", "sale fell through")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "version 1 is current again" in result.stderr
    result = cli("register", "correct", "S2", "--store", store, "--version", "3", "--by", "P",
                 "--reason", "x", "--status", "optie")  # fmt: skip
    assert result.exit_code == 2 and "not its current version 1" in result.stderr


# ---- edits that ask ----------------------------------------------------------------------


def test_edits_that_undo_or_repeat_a_sale_or_change_nothing_ask_for_force(store):
    _sold(store)
    before = dump(store)
    with Register.open(store) as register:
        with pytest.raises(TerreinenError, match=r"S1 is sold .* undoes the sale"):
            register.set("S1", date="2026-11-25", by="x", reason="y", status="optie")
        with pytest.raises(TerreinenError, match="S1 is sold already"):
            register.set("S1", date="2026-11-25", by="x", reason="y", status="uitgegeven")
        with pytest.raises(TerreinenError, match="changes nothing"):
            register.set("S3", date="2026-11-25", by="x", reason="y", status="optie")
        assert dump(store) == before
        same = register.set("S3", date="2026-11-25", by="x", reason="y", status="optie",
                            force=True)  # fmt: skip
        assert same == 1 and dump(store) == before  # a no-op records nothing
        unsold = register.set("S1", date="2026-11-25", by="x", reason="deal off",
                              status="optie", force=True)  # fmt: skip
        s1 = register.state().set_index("kavel_id").loc["S1"]
    assert unsold == 3
    assert s1["status"] == "optie" and pd.isna(s1["uitgiftedatum"])  # no "option, sold on"


def test_an_edit_without_expect_version_warns_when_edited_since_the_delivery(store):
    _sold(store)
    with Register.open(store) as register:
        with pytest.warns(TerreinenDataWarning, match="S1 was edited since Assen's latest"):
            register.set("S1", date="2026-11-25", by="x", reason="y", prijs_m2=40)
        with pytest.raises(TerreinenConflictError):
            register.set("S1", date="2026-11-25", by="x", reason="y", prijs_m2=41,
                         expect_version=2)  # fmt: skip
    result = cli("register", "set", "S1", "--store", store, "--date", "2026-11-26", "--by", "x",
                 "--reason", "y", "--prijs-m2", "42")  # fmt: skip
    assert result.exit_code == 0 and "warning: S1 was edited since" in result.stderr
    result = cli("register", "set", "S4", "--store", store, "--date", "2026-11-26", "--by", "x",
                 "--reason", "y", "--prijs-m2", "42")  # fmt: skip
    assert result.exit_code == 0 and "warning" not in result.stderr  # S4: delivered only
    result = cli("register", "set", "S3", "--store", store, "--date", "2026-11-26", "--by", "x",
                 "--reason", "y", "--status", "optie")  # fmt: skip
    assert result.exit_code == 2 and "changes nothing" in result.stderr


# ---- lanes and the retirement guard ------------------------------------------------------


def test_a_delivery_may_not_take_over_another_municipalitys_parcels(store):
    _sold(store)
    before = dump(store)
    emmen = frame([parcel("S1", rect(0, 0, 100, 100, "Emmen"), gemeente="Emmen"),
                   parcel("E1", rect(100, 0, 100, 100, "Emmen"), gemeente="Emmen")])  # fmt: skip
    with (
        Register.open(store) as register,
        pytest.raises(TerreinenError, match=r"names 1 parcels of another municipality \(S1 of"),
    ):
        register.import_delivery(emmen, date="2026-12-01", source="Emmen dec")
    assert dump(store) == before


def test_mass_retirement_is_refused_unless_allowed(store, tmp_path):
    _sold(store)
    before = dump(store)
    with Register.open(store) as register:
        one = delivery_2().iloc[:1]
        with pytest.raises(TerreinenError, match=r"retire 4 of the 5 parcels of Assen \(more than"):
            register.import_delivery(one, date="2026-12-01", source="partial")
        with pytest.raises(TerreinenError, match=r"retire 5 of the 5 parcels of Assen \(all of"):
            register.import_delivery(
                frame([parcel("E1", rect(0, 0, 100, 100, "Emmen"), gemeente="Emmen")]),
                date="2026-12-01", source="wrong", gemeente=["Emmen", "Assen"],
            )  # fmt: skip
        assert dump(store) == before
        dry = register.import_delivery(one, date="2026-12-01", source="partial", dry_run=True)
        assert "it would be refused" in dry.summary() and dump(store) == before
    one.to_file(tmp_path / "partial.gpkg")
    refused = cli("register", "import", tmp_path / "partial.gpkg", "--store", store, "--date",
                  "2026-12-01", "--source", "partial")  # fmt: skip
    assert refused.exit_code == 2 and "(allow it with --allow-retire)" in refused.stderr
    assert dump(store) == before
    with Register.open(store) as register:
        diff = register.import_delivery(one, date="2026-12-01", source="partial", allow_retire=True)
    assert sorted(diff.retired) == ["S2", "S3", "S4", "S5"]
    path = tmp_path / "one.gpkg"
    delivery_1().iloc[:1].to_file(path)
    result = cli("register", "import", path, "--store", store, "--date", "2026-12-02",
                 "--source", "again")  # fmt: skip
    assert result.exit_code == 0, result.output  # S1 of S1 alone: nothing left to retire


def test_a_delivery_dated_far_ahead_is_refused(store, tmp_path):
    path = tmp_path / "okt.gpkg"
    delivery_1().to_file(path)
    assert cli("register", "init", "--store", store).exit_code == 0
    result = cli("register", "import", path, "--store", store, "--date", "2099-10-01",
                 "--source", "typo")  # fmt: skip
    assert result.exit_code == 2 and "more than 7 days after today" in result.stderr
    result = cli("register", "import", path, "--store", store, "--date", "2099-10-01",
                 "--source", "planned", "--allow-future")  # fmt: skip
    assert result.exit_code == 0, result.output


# ---- history on screen and in files ------------------------------------------------------


def test_history_fits_the_terminal_and_files_carry_every_column_with_the_same_dates(store):
    _sold(store)
    result = cli("register", "history", "S1", "--store", store, env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    assert "more columns: --all-columns" in result.stdout
    wide = cli("register", "history", "S1", "--store", store, env={"COLUMNS": "200"}).stdout
    assert "2026-11-20" in wide and "00:00:00" not in wide  # dates as dates
    csv = cli("register", "history", "S1", "--store", store, "--format", "csv")
    table = read_cli_csv(csv.stdout, dtype=str, keep_default_na=False)
    as_json = cli("register", "history", "S1", "--store", store, "--format", "json")
    rows = pd.read_json(io.StringIO(as_json.stdout), dtype=False)
    assert "ingetrokken_op" in table and "oppervlakte_ha" in table  # every column
    assert table["geldig_van"].tolist() == ["2026-10-01", "2026-11-20"]
    assert table["uitgiftedatum"].tolist() == ["", "2026-11-20"]
    assert table["vastgelegd_op"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert rows["vastgelegd_op"].tolist() == table["vastgelegd_op"].tolist()
    assert rows["geldig_van"].tolist() == table["geldig_van"].tolist()


def test_history_at_80_columns_keeps_what_when_who_and_why_with_every_token_whole(tmp_path):
    store = _sold(str(tmp_path / "register.gpkg"))
    for language in ("en", "nl"):
        result = cli("--lang", language, "register", "history", "S1", "--store", store,
                     env={"COLUMNS": "80"})  # fmt: skip
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert max(len(line) for line in lines) <= 80
        words = {word for line in lines for word in line.split()}
        # the headers and values whole: no header set vertically, no date or status cut
        expected = {"versie", "geldig", "van", "tot", "status", "door", "reden", "J.",
                    "Jansen", "akte", "2026-207", "gis", "2026-10-01", "2026-11-20",
                    "terstond_uitgeefbaar", "uitgegeven"}  # fmt: skip
        assert expected <= words, expected - words
        assert "00:00:00" not in result.stdout  # dates as dates


def test_revert_restores_a_municipality_after_a_wrong_delivery(store):
    _sold(store)
    with Register.open(store) as register:
        register.import_delivery(
            delivery_2().iloc[:1], date="2026-12-01", source="partial", allow_retire=True
        )
        wrong = register.state()
        deliveries = register.deliveries()
    assert wrong["kavel_id"].tolist() == ["S1"]
    result = cli("register", "revert", "Assen", "--store", store, "--to", "2026-11-30",
                 "--date", "2026-12-02", "--by", "P. de Vries", "--reason", "partial file")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "4 new, 0 retired" in result.stderr  # S2-S5 back ("weer in de levering")
    with Register.open(store) as register:
        state = register.state().set_index("kavel_id")
        before = register.state(as_of="2026-11-30").set_index("kavel_id")
        history = register.history("S4")
        after = register.deliveries()
        moved = changes(register, "2026-12-02", "2026-12-02").set_index("gebied")
    assert sorted(state.index) == ["S1", "S2", "S3", "S4", "S5"]
    pd.testing.assert_frame_equal(state.drop(columns="laatst_bijgewerkt"),
                                  before.drop(columns="laatst_bijgewerkt"))  # fmt: skip
    assert state.loc["S1", "uitgiftedatum"] == pd.Timestamp("2026-11-20")  # the sale kept
    assert history["vervallen"].tolist() == [False, True, False]  # the retirement kept
    assert history["bron"].iloc[-1] == "terug naar 2026-11-30: partial file"
    pd.testing.assert_frame_equal(after, deliveries)  # no delivery recorded: not fresh data
    assert moved.loc["Totaal", "nieuw_ha"] == pytest.approx(7.0)  # S2 2, S3 .5, S4 3, S5 1.5


def test_a_sale_corrected_to_an_option_has_no_sale_date(store):
    _sold(store)
    with Register.open(store) as register:
        new = register.correct("S2", version=2, by="P", reason="was an option", status="optie")
        s2 = register.state().set_index("kavel_id").loc["S2"]
        history = register.history("S2").set_index("versie")
    assert new == 3 and s2["status"] == "optie" and pd.isna(s2["uitgiftedatum"])
    assert history.loc[3, "geldig_van"] == pd.Timestamp("2026-11-21")  # the version's own date
