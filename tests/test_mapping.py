"""Column mapping (issue 21, item 3): ``terreinen inspect`` writes down what each column of a
file nobody foresaw is read as, the user completes it, and ``--columns`` / ``columns=``
read the file with it: hectares worked out by hand from known rectangles and m² figures."""

from __future__ import annotations

import json
import math

import pytest
from conftest import cli, read_cli_csv, rect

from terreinen import settings
from terreinen.errors import TerreinenReadError
from terreinen.io.columns import inspect_columns, mapping_document
from terreinen.io.files import read_parcels, validate
from terreinen.study import Study

AS_OF = "2026-01-01"

# A municipality's own export: its names, its status words, areas in m², outlines in "vorm".
# K1 200 x 100 m = 2 ha vrij (phase 1), K2 100 x 100 m = 1 ha verkocht in 2024, K3 100 x 50 m
# = 0.5 ha in optie (phase 2), K4 300 x 100 m = 3 ha later (phase 3: soft).
PARCELS = [
    ("K1", rect(0, 0, 200, 100), "vrij", 1, "", "20.000"),
    ("K2", rect(200, 0, 100, 100), "verkocht", 1, "01-05-2024", "10.000"),
    ("K3", rect(300, 0, 100, 50), "in optie", 2, "", "5.000"),
    ("K4", rect(0, 100, 300, 100), "later", 3, "", "30.000"),
]


def _export(tmp_path):
    path = tmp_path / "levering.csv"
    lines = [
        "nummer;park;gemeente;provincie;toestand;fase;milieucat;segment;oppervlak;plaats;verkoopdatum;vorm"
    ]
    for kavel, shape, state, phase, sold, m2 in PARCELS:
        lines.append(
            f"{kavel};Zuid;Assen;Drenthe;{state};{phase};3.1;gemengd;{m2},00;Assen;{sold};{shape.wkt}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _completed(mapping: dict) -> dict:
    """What the user writes into the mapping inspect wrote."""
    columns = mapping["columns"]
    columns["nummer"]["column"] = "kavel_id"
    columns["toestand"]["column"] = "status"
    columns["toestand"]["values"] = {
        "vrij": "terstond_uitgeefbaar",
        "later": "niet_terstond_uitgeefbaar",
        "in optie": "optie",
    }
    columns["oppervlak"] = {"column": "opgegeven_ha", "unit": "m2"}
    columns["verkoopdatum"]["column"] = "uitgiftedatum"
    columns["vorm"] = {"column": "geometry"}
    return mapping


def test_inspect_writes_a_mapping_that_completed_reads_the_file(tmp_path):
    source = _export(tmp_path)
    written = tmp_path / "mapping.json"
    result = cli("inspect", source, "-o", written)
    assert result.exit_code == 0, result.stderr
    assert "toestand" in result.stdout
    mapping = json.loads(written.read_text(encoding="utf-8"))
    columns = mapping["columns"]
    assert mapping["source"] == "levering.csv"
    assert columns["park"] == {"column": "terrein"}
    assert columns["plaats"] == {"column": "kern"}
    assert columns["fase"] == {"column": "planfase"}
    assert columns["toestand"] == {"column": None, "suggestions": ["status"]}
    assert "kavel_id" in columns["nummer"]["suggestions"]
    assert columns["verkoopdatum"]["column"] is None
    assert columns["oppervlak"] == {"column": None, "suggestions": ["opgegeven_ha"]}
    assert columns["vorm"] == {"column": None, "suggestions": ["geometry"]}

    written.write_text(json.dumps(_completed(mapping)), encoding="utf-8")
    checked = cli("validate", source, "--columns", written, "-v")
    assert checked.exit_code == 0, checked.stderr
    assert "stated area" not in checked.stderr  # the stated m² agree with the outlines
    result = cli(
        "capacity", source, "--columns", written, "--as-of", AS_OF, "-f", "csv", "--all-columns"
    )
    assert result.exit_code == 0, result.stderr
    row = read_cli_csv(result.stdout).set_index("gebied").loc["Assen"]
    assert row["n_kavels"] == 4
    assert row["bruto_ha"] == pytest.approx(6.5)
    assert row["uitgegeven_ha"] == pytest.approx(1.0)
    assert row["terstond_ha"] == pytest.approx(2.0)
    assert row["optie_ha"] == pytest.approx(0.5)
    assert row["niet_terstond_ha"] == pytest.approx(3.0)
    assert row["hard_ha"] == pytest.approx(2.5)  # vrij and in optie, phases 1 and 2
    assert row["zacht_ha"] == pytest.approx(3.0)
    assert row["uitgifte_ha_per_jaar"] == pytest.approx(0.1)  # 1 ha over 2016-2025

    again = cli("inspect", source, "--columns", written)
    assert again.exit_code == 0 and "not recognised" not in again.stdout


def test_columns_in_python_convert_m2_and_map_values(tmp_path):
    source = _export(tmp_path)
    mapping = _completed({"columns": _inspected(source)})
    assert validate(source, columns=mapping).ok
    parcels = read_parcels(source, columns=mapping)
    by_id = parcels.set_index("kavel_id")
    assert by_id["opgegeven_ha"].to_dict() == {"K1": 2.0, "K2": 1.0, "K3": 0.5, "K4": 3.0}
    assert by_id["kern"].tolist() == ["Assen"] * 4
    assert by_id.loc["K3", "status"] == "optie"
    study = Study.from_file(source, columns=mapping, as_of=AS_OF)
    assert study.capacity("gemeente").set_index("gebied").loc["Assen", "hard_ha"] == pytest.approx(
        2.5
    )


def _inspected(source) -> dict:
    """The columns part of the mapping inspect writes (through the library)."""
    return mapping_document(inspect_columns(source), "levering.csv")["columns"]


def test_inspect_names_unknown_values_of_a_mapped_column(tmp_path):
    source = _export(tmp_path)
    table = inspect_columns(source, columns={"columns": {"toestand": "status", "vorm": "geometry"}})
    row = table.set_index("kolom").loc["toestand"]
    assert row["gelezen_als"] == "status"
    assert row["onbekend"] == ["vrij", "later"]  # verkocht, in optie: synonyms
    written = _inspected(source)  # without the mapping: not recognised at all
    assert written["toestand"]["column"] is None


def test_a_park_table_in_m2_with_names_nobody_foresaw(tmp_path):
    """Gross 12 ha as m², net 10 ha, 4 ha sold, 60,000 m² available now, the rest later."""
    path = tmp_path / "parken.csv"
    path.write_text(
        "code;naam;gemeente;provincie;totaal_m2;netto_ha;verkocht;direct_m2;later_ha\n"
        "1234;Zuid;Assen;Drenthe;120000;10;4;60000;0\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "parken.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {
                    "code": "RIN_NUMMER",
                    "naam": "PLAN_NAAM",
                    "totaal_m2": {"column": "OPPBRUTO", "unit": "m2"},
                    "netto_ha": {"column": "OPPNETTO", "unit": "ha"},
                    "verkocht": "UITGEGEVEN",
                    "direct_m2": {"column": "TERSTOND_UITGEEFBAAR", "unit": "m2"},
                    "later_ha": "NIET_TERSTOND_UITGEEFBAAR",
                }
            }
        ),
        encoding="utf-8",
    )
    table = inspect_columns(path, columns=mapping).set_index("kolom")
    assert table.loc["direct_m2", ["gelezen_als", "eenheid"]].tolist() == [
        "TERSTOND_UITGEEFBAAR",
        "m2",
    ]
    result = cli(
        "capacity", path, "--columns", mapping, "--as-of", AS_OF, "-f", "csv", "--all-columns"
    )
    assert result.exit_code == 0, result.stderr
    row = read_cli_csv(result.stdout).set_index("gebied").loc["Assen"]
    assert row["bruto_ha"] == pytest.approx(12.0)
    assert row["netto_ha"] == pytest.approx(10.0)
    assert row["uitgegeven_ha"] == pytest.approx(4.0)
    assert row["terstond_ha"] == pytest.approx(6.0)
    assert math.isnan(row["zacht_ha"])  # no ZACHTE_PLANCAPACITEIT: unknown, not 0


@pytest.mark.parametrize(
    ("entries", "said"),
    [
        ({"opp": "opgegeven_ha"}, "has no column 'opp'"),
        ({"toestand": "toestand"}, "entry 'toestand': 'toestand' is not a column of the contract"),
        ({"toestand": "stat"}, "did you mean 'status'?"),
        ({"oppervlak": {"column": "opgegeven_ha", "unit": "km2"}}, "unit 'km2' is not known"),
        ({"plaats": {"column": "kern", "unit": "m2"}}, "'kern' holds no area: no unit"),
        (
            {"toestand": {"column": "status", "values": {"vrij": "beschikbaar"}}},
            "value 'vrij': 'beschikbaar' is not a value of 'status'",
        ),
        ({"toestand": {"column": "status", "values": {"vrij": ""}}}, "'' is not a value"),
        ({"toestand": {"colum": "status"}}, "'colum' is not part of an entry"),
        ({"nummer": "kavel_id", "park": "kavel_id"}, "'nummer' is mapped to 'kavel_id' too"),
        ({"plaats": "gemeente"}, "has a column 'gemeente' already"),
    ],
)
def test_a_mapping_that_does_not_fit_names_the_file_and_the_entry(tmp_path, entries, said):
    source = _export(tmp_path)
    mapping = tmp_path / "fout.json"
    mapping.write_text(json.dumps({"columns": {"vorm": "geometry", **entries}}), encoding="utf-8")
    with pytest.raises(TerreinenReadError) as raised:
        read_parcels(source, columns=mapping)
    assert str(raised.value).startswith(f"{mapping}: entry '")
    assert said in str(raised.value)
    result = cli("validate", source, "--columns", mapping)
    assert result.exit_code == 2 and said in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{", "the mapping is not valid JSON"),
        ('["kavel_id"]', "a column mapping holds an object 'columns'"),
        ('{"columns": {}, "kolommen": {}}', "'kolommen' is not part of a column mapping"),
        ('{"columns": {"plaats": 3}}', "entry 'plaats': give a column name, null"),
    ],
)
def test_a_mapping_that_cannot_be_read_names_the_file(tmp_path, text, said):
    source = _export(tmp_path)
    mapping = tmp_path / "kapot.json"
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(TerreinenReadError, match=said):
        read_parcels(source, columns=mapping)
    missing = cli("capacity", source, "--columns", tmp_path / "geen.json")
    assert missing.exit_code == 2 and "column mapping not found" in missing.stderr


def test_a_mapping_in_memory_is_named_by_its_parameter(tmp_path):
    with pytest.raises(TerreinenReadError, match=r"^columns=: entry 'x': 'y' is not a column"):
        read_parcels(_export(tmp_path), columns={"columns": {"x": "y"}})


def test_inspect_writes_json_only_and_never_over_its_input(tmp_path):
    source = _export(tmp_path)
    assert cli("inspect", source, "-o", tmp_path / "m.toml").exit_code == 2
    assert cli("inspect", source, "-o", source).exit_code == 2
    assert source.read_text(encoding="utf-8").startswith("nummer;")


@pytest.mark.parametrize(
    ("entries", "said"),
    [
        (
            {"toestand": "staat"},
            "item 'toestand': 'staat' is geen kolom van het datamodel (bedoelde u 'status'?)",
        ),
        ({"oppervlak": {"column": "opgegeven_ha", "unit": "are"}}, "eenheid 'are' is onbekend"),
        ({"onbekend": "kern"}, "item 'onbekend': {data} heeft geen kolom 'onbekend'"),
    ],
)
def test_a_mapping_that_does_not_fit_is_said_in_dutch(tmp_path, monkeypatch, entries, said):
    """Issue 22, item 1: the mapping's errors in the reader's language (Dutch by default)."""
    monkeypatch.setattr(settings, "language", "nl")
    source = _export(tmp_path)
    with pytest.raises(TerreinenReadError) as raised:
        read_parcels(source, columns={"columns": entries})
    assert said.format(data=source) in str(raised.value)
