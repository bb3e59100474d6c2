"""For the people who use it (issue 22): warnings once and true, both dates in titles."""

from __future__ import annotations

import json
import re
import warnings

import geopandas as gpd
import pandas as pd
import pytest
import typer
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import DATA, ROOT, cli, frame, parcel, rect

from terreinen import TerreinenDataWarning, settings
from terreinen.area_report import area_report
from terreinen.capacity import capacity
from terreinen.cli import app
from terreinen.demand import demand
from terreinen.errors import TerreinenError
from terreinen.export import export
from terreinen.i18n import _translations
from terreinen.io.files import read_parcels
from terreinen.maps import overview_map
from terreinen.maps.plain import noscript_tables
from terreinen.matching import closest_candidates, find_parcels
from terreinen.study import Study
from terreinen.validation.values import closest


@pytest.fixture
def dated_parcels(tmp_path):
    """Updated 2025-06-30: 1 ha sold in 2016, 2 ha in 2025, 6 ha unsold."""
    stamp = {"laatst_bijgewerkt": "2025-06-30"}
    rows = [
        parcel("S1", rect(0, 0, 100, 100), status="uitgegeven", uitgiftedatum="2016-05-01", **stamp),
        parcel("S2", rect(100, 0, 200, 100), status="uitgegeven", uitgiftedatum="2025-02-01", **stamp),
        parcel("U", rect(300, 0, 600, 100), **stamp),
    ]  # fmt: skip
    path = tmp_path / "kavels.geojson"
    frame(rows).to_file(path)
    return path


def test_no_warning_when_take_up_does_not_change(dated_parcels):
    """On 2026-12-01 the ten full years are 2016-2025 whatever the data's date: nothing is
    averaged "instead", so take-up does not warn; the data's date is stated beside the as-of
    date, and the data (2025-06-30) being more than a year old is said once."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", TerreinenDataWarning)
        table = capacity(read_parcels(dated_parcels), "gemeente", as_of="2026-12-01")
    assert table.attrs["uitgifte_jaren"] == (2016, 2025)
    assert table.attrs["gegevens_tm"] == "2025-06-30"
    assert table.loc[0, "uitgifte_ha_per_jaar"] == pytest.approx(0.3)  # 3 ha / 10 years
    result = cli("capacity", dated_parcels, "--as-of", "2026-12-01")
    assert result.exit_code == 0 and "instead of" not in result.stderr
    assert result.stderr.count("warning") == 1
    assert "the data are of 2025, a year or more before the as-of date 2026-12-01" in result.stderr
    assert "as of 2026-12-01, data up to 2025-06-30" in result.stdout.splitlines()[0]


def test_warning_when_take_up_moves(dated_parcels):
    with pytest.warns(TerreinenDataWarning, match="instead of 2018-2027"):
        table = capacity(read_parcels(dated_parcels), "gemeente", as_of="2028-03-01")
    assert table.attrs["uitgifte_jaren"] == (2016, 2025)


def test_overview_says_each_warning_once(tmp_path):
    """The embedded data, 13 municipalities and their maps: the as-of warning once."""
    result = cli("overview", "--as-of", "2030-01-01", "--out-dir", tmp_path)
    assert result.exit_code == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if line.startswith("warning")]
    assert len(said) == len(set(said)) >= 1
    assert sum("no data for 2026-2029" in line for line in said) == 1
    assert "2016-2025 instead of 2020-2029" in said[0]
    titles = [line.strip() for line in result.stdout.splitlines() if "Plan capacity" in line]
    # the municipalities' dates differ: Aa en Hunze's data are of 2025-11-19, the latest
    # (a sale at Hardenberg) of 2025-12-22
    dates = "as of 2030-01-01, data up to 2025-11-19 – 2025-12-22"
    assert titles and all(dates in t for t in titles)


# words of terreinen's own English messages that must not reach a Dutch reader
ENGLISH = (
    "warning", "error", "wrote", "more columns", "reading", "averages", "unknown:",
    "register ready", " parcels,", "row ", "column ", "overlaps", "unknown value", "recorded", " new,", "applied", "nothing was written", "municipality maps",
    "not found", "cannot", "is not", "choose", "give ", "the file", "is larger", "no register", "did you mean", "known (",
    # typer's own words (terreinen.cli.usage)
    "usage:", "show this message", "no such", "missing argument", "invalid value", "[default:", "for help",
)  # fmt: skip


@pytest.fixture(scope="module")
def workplace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nl")
    parcels = read_parcels(DATA / "parcels.geojson")
    assen = parcels[parcels["gemeente"] == "Assen"]
    assen.to_file(folder / "assen.gpkg", layer="kavels")
    # a home 100 m east of an Assen parcel: milieuzonering
    home = assen.geometry.iloc[:1].centroid.translate(xoff=100)
    gpd.GeoDataFrame(geometry=home.to_numpy(), crs=assen.crs).to_file(folder / "homes.geojson")
    # a file with findings: an unknown status, a bad date and an overlap
    rows = [
        parcel("A", rect(0, 0, 100, 100), status="xyz", uitgiftedatum=None),
        parcel("B", rect(0, 0, 50, 50), uitgiftedatum="gisteren"),
    ]
    frame(rows).to_file(folder / "fouten.gpkg")
    return folder


def _runs(folder):
    store = folder / "register.gpkg"
    yield ["validate"]
    yield ["capacity", "--as-of", "2030-01-01"]  # with the as-of warning
    yield ["capacity", "-o", folder / "cap.csv"]
    yield ["demand"]
    yield ["agreements"]
    yield [
        "find",
        "--min-ha",
        "2,5",
        "-m",
        "4,2",
        "--near",
        "Hardenberg",
        "--map",
        folder / "f.html",
    ]
    yield ["map", "--gemeente", "hardenberg", "-o", folder / "m.html"]
    yield ["overview", "--out-dir", folder / "maps", "--as-of", "2030-01-01"]
    yield ["export", "--to", folder / "studie.xlsx"]
    yield ["rapport", "Hardenberg", "-o", folder / "rapport.txt"]
    yield ["register", "init", "--store", store]
    yield ["register", "import", folder / "assen.gpkg", "--store", store, "--date", "2026-01-01",
           "--source", "levering", "--gemeente", "Assen"]  # fmt: skip
    yield ["register", "history", "0106001-014", "--store", store]
    yield ["changes", "--store", store, "--from", "2025-01-01", "--to", "2026-12-31"]
    yield ["capacity", "--as-of", "nooit"]  # an error
    yield ["rapport", "Hardenburg"]  # an error with a suggestion
    yield ["find", "--min-ha", "500"]  # no match: the closest, and why
    yield ["capacity", "--by", "segment"]
    yield ["inspect", folder / "assen.gpkg"]
    yield ["capacity", folder / "assen.gpkg", "--gevoelig", folder / "homes.geojson"]
    yield ["rapport", "Assen", folder / "assen.gpkg", "--gevoelig", folder / "homes.geojson"]
    yield ["partition", folder / "assen.gpkg", folder / "delen"]  # the second time: it exists
    yield ["capacity", "--no-such-option"]  # typer's usage errors
    yield ["rapport"]
    yield ["capacity", "--takeup-years", "0"]
    yield ["validate", folder / "fouten.gpkg"]  # findings: their frame and messages
    # the errors of every layer: reading, options, writing, the register, the dask engine
    yield ["capacity", folder / "ontbreekt.gpkg"]
    yield ["capacity", "--gemeente", "Asen"]
    yield ["find", "--min-ha", "3", "--max-ha", "1"]
    yield ["find", "--near", "Zwolle"]
    yield ["demand", "--horizon", "0"]
    yield ["map", "--tiles", "googl", "-o", folder / "g.html"]
    yield ["export", "--to", folder / "studie.txt"]
    yield ["export", folder / "assen.gpkg", "--to", folder / "assen.gpkg"]  # over its input
    yield ["capacity", folder / "assen.gpkg", "--columns", folder / "ontbreekt.json"]
    yield ["register", "history", "X", "--store", folder / "geen.gpkg"]
    yield ["register", "set", "X", "--store", store, "--date", "2026-02-01", "--by", "J",
           "--reason", "akte", "--status", "optie"]  # fmt: skip
    yield ["register", "import", folder / "assen.gpkg", "--store", store, "--date", "2026-02-01",
           "--source", "levering", "--gemeente", "Emmen"]  # fmt: skip
    yield ["changes", "--store", store, "--from", "2026-01-01", "--to", "2025-01-01"]
    yield ["capacity", folder / "assen.gpkg", "--engine", "dask"]


def test_one_language_dutch(workplace):
    """Issue 22, item 1: with --lang nl, terreinen's own messages, notes and footers are
    Dutch (data values, file names and the contract's column names excepted)."""
    helps = [[name, "--help"] for name in COMMANDS]
    for args in [*_runs(workplace), *helps, ["register", "import", "--help"], ["--help"]]:
        result = cli("--lang", "nl", *args, env={"COLUMNS": "100"})
        said = (result.stdout + result.stderr).lower()
        assert [w for w in ENGLISH if w in said] == [], (args, result.stdout, result.stderr)


def test_every_message_has_a_dutch_translation():
    """Every message the package passes to terreinen.i18n.t (and every noun it passes to
    closest) is in the Dutch catalog, with the same {fields}; and English is the source text
    itself."""
    catalog = {m.id: m.string for m in read_po((ROOT / "terreinen/data/nl.po").open("rb")) if m.id}
    found = {
        message
        for _, _, message, _, _ in extract_from_dir(
            ROOT / "terreinen",
            method_map=[("**.py", "python")],
            # t's messages, and the nouns closest() says in the reader's words
            keywords={"t": None, "closest": (3,)},
        )
    }
    assert found and sorted(found - set(catalog)) == []
    fields = re.compile(r"\{(\w+)\}")
    for english in found:
        assert set(fields.findall(catalog[english])) == set(fields.findall(english)), english
    assert _translations("en").gettext("wrote {path}") == "wrote {path}"


def _helps(command, path="terreinen"):
    """(where, help text) of a command, its parameters and subcommands."""
    if command.help:
        yield path, command.help
    for param in command.params:
        if getattr(param, "help", None):
            yield f"{path} {param.name}", param.help
    for name, sub in getattr(command, "commands", {}).items():
        yield from _helps(sub, f"{path} {name}")


def test_help_in_dutch():
    """Every help text is in the Dutch catalog, and --help shows it (English with --lang en,
    also after the subcommand)."""
    catalog = {m.id for m in read_po((ROOT / "terreinen/data/nl.po").open("rb")) if m.id}
    missing = [where for where, text in _helps(typer.main.get_command(app)) if text not in catalog]
    assert missing == []
    dutch = cli("--lang", "nl", "find", "--help", env={"COLUMNS": "200"})
    english = cli("find", "--help", "--lang", "en", env={"COLUMNS": "200"})
    assert "Onverkochte kavels voor een bedrijf" in dutch.stdout
    assert "Kleinste oppervlakte, ha" in dutch.stdout
    assert "Unsold parcels for a company" in english.stdout
    listing = cli("--lang", "nl", "register", "--help", env={"COLUMNS": "200"}).stdout
    assert "Een levering inlezen" in listing


# Dutch that betrays terreinen's own text in an English run. Data values (park and
# municipality names: "Aa en Hunze"), the contract's column names and values ("niet terstond
# ha", "terstond_uitgeefbaar") and the Dutch terms the help glosses ("As-of date
# (peildatum)", "agreements (programmeringsafspraken)") are Dutch on purpose, so the list
# holds phrases of titles, footers and messages only, never a bare word the data could hold.
DUTCH = (
    "kavels gevonden", "kavel gevonden", "plancapaciteit per", "gegevens t/m", "geschreven",
    "waarschuwing", "fout:", "kolommen", "samenvatting", "beschikbaar per", "beschikbare kavels",
    "vraag en aanbod", "uitgifte:", "gemiddelde", "rapport gemeente", "bestemd en feitelijk",
    "niet gevonden", "geschiedenis van", "verschillen met", "wijzigingen per",
)  # fmt: skip
COMMANDS = ("validate", "inspect", "capacity", "demand", "agreements", "rapport", "find", "map",
            "overview", "export", "register", "changes")  # fmt: skip


def test_one_language_english(workplace):
    """Issue 22, item 1, the other way: with --lang en every command, its --help included,
    speaks English (data values and the contract's names excepted)."""
    helps = [[name, "--help"] for name in COMMANDS]
    for args in [*_runs(workplace), *helps, ["register", "import", "--help"]]:
        result = cli("--lang", "en", *args, env={"COLUMNS": "100"})
        said = (result.stdout + result.stderr).lower()
        assert [w for w in DUTCH if w in said] == [], (args, result.stdout, result.stderr)


@pytest.fixture
def two_dates(tmp_path):
    """Assen updated 2025-06-30, Emmen 2025-12-22 (1 ha each, unsold), Coevorden without a
    stated update and with a sale of 2016 only (which says nothing of its data's age)."""
    rows = [
        parcel("A", rect(0, 0, 100, 100), laatst_bijgewerkt="2025-06-30"),
        parcel("E", rect(200, 0, 100, 100), gemeente="Emmen", laatst_bijgewerkt="2025-12-22"),
        parcel("C", rect(400, 0, 100, 100), gemeente="Coevorden", status="uitgegeven",
               uitgiftedatum="2016-05-01"),
    ]  # fmt: skip
    path = tmp_path / "kavels.geojson"
    frame(rows).to_file(path)
    return path


def test_every_output_states_both_dates_and_the_range(two_dates, tmp_path):
    """Issue 22, item 4: the municipalities' data dates differ, so titles, the map, the
    workbooks and the officer's page say the range; a municipality's own page its own."""
    study = Study.from_file(two_dates, as_of="2026-12-02")
    june, december = pd.Timestamp("2025-06-30"), pd.Timestamp("2025-12-22")
    assert study.data_dates == (june, december) and study.data_until == december
    assert study.for_gemeente("Assen").data_dates == (june, june)
    dutch = "peildatum 2026-12-02, gegevens t/m 2025-06-30 – 2025-12-22"

    title = cli("capacity", two_dates, "--as-of", "2026-12-02").stdout.splitlines()[0]
    assert "as of 2026-12-02, data up to 2025-06-30 – 2025-12-22" in title
    page = overview_map(study)  # the page is Dutch whatever the language
    assert page.data["dates"] == dutch
    assert f"Peildatum {dutch[len('peildatum ') :]}. Bron:" in noscript_tables(page.data)

    export(study, tmp_path / "studie.xlsx")
    said = pd.read_excel(tmp_path / "studie.xlsx", sheet_name="toelichting")
    said = said.set_index("onderwerp")["toelichting"]
    assert said["peildatum"] == "2026-12-02"
    assert said["gegevens t/m"] == "2025-06-30 – 2025-12-22"

    workbook = tmp_path / "rapport.xlsx"
    shown = cli("--lang", "nl", "rapport", "Assen", two_dates, "--as-of", "2026-12-02",
                "-o", workbook)  # fmt: skip
    assert shown.exit_code == 0, shown.stderr
    assert "Rapport gemeente Assen peildatum 2026-12-02, gegevens t/m 2025-06-30 (" in shown.stdout
    sheets = pd.read_excel(workbook, sheet_name=None)
    assert next(iter(sheets)) == "toelichting"
    said = sheets["toelichting"].set_index("onderwerp")["toelichting"]
    assert said["peildatum"] == "2026-12-02" and said["gegevens t/m"] == "2025-06-30"


def _two_parcels(folder) -> gpd.GeoDataFrame:
    path = folder / "kavels.geojson"
    frame([parcel("A", rect(0, 0, 100, 100)), parcel("B", rect(200, 0, 300, 100))]).to_file(path)
    return read_parcels(path)


@pytest.mark.parametrize(
    ("call", "dutch"),
    [
        (lambda s: area_report(s), "geef gemeente of regio"),
        (lambda s: area_report(s, regio="Noord"), "regio 'Noord': de studie heeft geen regiotabel"),
        (lambda s: s.for_gemeente("Asen"), "gemeente 'Asen' komt niet voor in de kavels (bedoelde u"),
        (lambda s: demand(s.parcels, by="straat"), "de vraag kan niet worden gegroepeerd naar 'straat'"),
        (lambda s: demand(s.parcels, horizon=-1), "horizon -1: geef een positief aantal jaren"),
        (lambda s: closest_candidates(s.parcels, n=0), "n moet minstens 1 zijn (gegeven: 0)"),
        (lambda s: find_parcels(s.parcels, near="Zwolle"), "near 'Zwolle' is geen gemeente of kern"),
        (lambda s: find_parcels(s.parcels, milieucategorie="9"), "milieucategorie '9' is onbekend"),
        (lambda s: overview_map(s, municipal_colour="rood"), "municipal_colour 'rood': kies"),
        (lambda s: overview_map(s, tiles="googl"), "tiles 'googl': geen achtergrondkaart"),
        (lambda s: Study(s.parcels, as_of="2026-13-45"), "is geen datum in de jaren"),
    ],
)  # fmt: skip
def test_the_library_answers_a_wrong_argument_in_dutch(call, dutch, monkeypatch, tmp_path):
    """The Python API's exceptions follow the language setting (issue 22, item 1): the
    default Dutch names the parameter (not a CLI flag) and says what to give."""
    study = Study(_two_parcels(tmp_path), as_of="2026-06-30")
    monkeypatch.setattr(settings, "language", "nl")
    with pytest.raises(TerreinenError) as raised:
        call(study)
    assert dutch in str(raised.value)


def test_a_suggestion_names_what_it_suggests_in_dutch(monkeypatch):
    """The "known (...)" of a suggestion names the kind of thing in the reader's words."""
    monkeypatch.setattr(settings, "language", "nl")
    assert (
        closest("Zwolle", ["Assen", "Emmen"], "municipality") == "bekend (gemeente): Assen, Emmen"
    )


@pytest.fixture
def two_towns(tmp_path):
    """Assen: A1 1 ha terstond (hard), A2 2 ha soft (planfase 4), A3 0.5 ha sold in 2020;
    Emmen: E1 3 ha terstond (hard). Agreements on each municipality and on the province."""
    rows = [
        parcel("A1", rect(0, 0, 100, 100)),
        parcel("A2", rect(200, 0, 200, 100), planfase=4),
        parcel("A3", rect(500, 0, 50, 100), status="uitgegeven", uitgiftedatum="2020-03-01"),
        parcel("E1", rect(0, 0, 300, 100, "Emmen"), gemeente="Emmen"),
    ]  # fmt: skip
    path = tmp_path / "kavels.geojson"
    frame(rows).to_file(path)
    (tmp_path / "agreements.csv").write_text(
        "afspraak_id,gebied,niveau,segment,plancapaciteit,max_ha,periode_start,periode_eind,bron\n"
        "A-1,Assen,gemeente,,hard,10,2020-01-01,2030-12-31,test\n"
        "E-1,Emmen,gemeente,,totaal,1,2020-01-01,2030-12-31,test\n"
        "D-1,Drenthe,provincie,,totaal,50,2020-01-01,2030-12-31,test\n",
        encoding="utf-8",
    )
    return path


def test_gemeente_means_only_that_municipality_in_every_command(two_towns, tmp_path):
    """Issue 22, item 3: ``--gemeente`` filters, the same in every command (case aside);
    Emmen's 3 ha appear nowhere. Assen by hand: 3.5 ha gross, 1 ha hard, 2 ha soft, 0.5 ha
    sold in 2020 (take-up 0.05 ha a year over 2016-2025)."""
    common = ["--as-of", "2026-06-30", "--gemeente", "assen", "-f", "json"]
    capacity_rows = json.loads(cli("capacity", two_towns, *common).stdout)
    assert {row["gebied"] for row in capacity_rows} == {"Assen", "Totaal"}
    for row in capacity_rows:
        assert (row["bruto_ha"], row["hard_ha"], row["zacht_ha"]) == pytest.approx((3.5, 1, 2))
        assert row["uitgifte_ha_per_jaar"] == pytest.approx(0.05)
    by_segment = json.loads(cli("capacity", two_towns, *common, "--by", "segment").stdout)
    total = next(row for row in by_segment if row["segment"] == "Totaal")
    # A2 is terstond uitgeefbaar by its status, and soft by its plan phase
    assert (total["terstond_ha"], total["hard_ha"], total["onverkocht_ha"]) == pytest.approx(
        (3, 1, 3)
    )
    demand_rows = json.loads(cli("demand", two_towns, *common).stdout)
    assert {row["gebied"] for row in demand_rows} == {"Assen"}
    agreements = json.loads(cli("agreements", two_towns, *common).stdout)
    # its own agreement and the province's (which counts all of Drenthe: 3 + 3 ha)
    said = {row["afspraak_id"]: row["actual_ha"] for row in agreements if row["afspraak_id"]}
    assert said == pytest.approx({"A-1": 1, "D-1": 6})
    found = json.loads(cli("find", two_towns, *common, "--min-ha", "0").stdout)
    assert sorted(row["kavel_id"] for row in found) == ["A1", "A2"]
    workbook = tmp_path / "assen.xlsx"
    args = ["export", two_towns, "--as-of", "2026-06-30", "--gemeente", "Assen", "--to", workbook]
    assert cli(*args).exit_code == 0
    sheets = pd.read_excel(workbook, sheet_name=None)
    assert sorted(sheets["beschikbare kavels"]["kavel_id"]) == ["A1", "A2"]
    assert sheets["gemeenten"]["gebied"].tolist() == ["Assen", "Totaal"]
    assert sorted(sheets["afspraken"]["afspraak_id"].dropna()) == ["A-1", "D-1"]
    said = sheets["toelichting"].set_index("onderwerp")["toelichting"]
    assert said["gebied"] == "alleen gemeente Assen"
    dask = cli("capacity", two_towns, "--engine", "dask", "--gemeente-van-bestand", "Assen")
    assert (
        dask.exit_code == 2 and "--gemeente-van-bestand works with --engine pandas" in dask.stderr
    )
    wrong = cli("capacity", two_towns, "--gemeente", "Asen")
    assert wrong.exit_code == 2 and "--gemeente 'Asen'" in wrong.stderr
    assert "did you mean 'Assen'?" in wrong.stderr


def test_an_options_error_names_the_option_as_typed(two_towns):
    """The library's message names the parameter (min_ha); the command line the option."""
    result = cli("find", two_towns, "--min-ha", "3", "--max-ha", "1")
    assert result.exit_code == 2
    assert "--min-ha 3.0 is larger than --max-ha 1.0" in result.stderr
    with pytest.raises(TerreinenError, match=r"^min_ha 3\.0 is larger than max_ha 1\.0"):
        find_parcels(read_parcels(two_towns), min_ha=3.0, max_ha=1.0)
    result = cli("demand", two_towns, "--horizon", "0")
    assert result.exit_code == 2 and "--horizon 0.0: give a positive number" in result.stderr
