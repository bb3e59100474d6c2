"""The command line, run in-process: output, exit codes, no tracebacks."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from conftest import DATA, cli, frame, parcel, read_cli_csv, rect

PARCELS = DATA / "parcels.geojson"
AGREEMENTS = DATA / "agreements.csv"


def test_validate_embedded_data(embedded_path):
    n_features = len(json.loads(embedded_path.read_text())["features"])
    result = cli("validate", PARCELS)
    assert result.exit_code == 0
    assert f"{n_features:,} parcels, 0 errors, 0 warnings" in result.stdout


def test_validate_file_with_errors_lists_them_and_exits_1(tmp_path):
    path = tmp_path / "bad.gpkg"
    frame(
        [
            parcel("A", rect(0, 0, 10, 10), status="weg"),
            parcel("A", rect(20, 0, 10, 10), milieucategorie="4,2"),
        ]
    ).to_file(path)
    result = cli("validate", str(path))
    assert result.exit_code == 1
    assert "row 1, kavel_id 'A', column 'status': unknown value 'weg'" in result.stderr
    assert "row 2, kavel_id 'A', column 'kavel_id': duplicate" in result.stderr
    assert "2 parcels, 2 errors, 1 warnings" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("content", [b"", b'{"type": "FeatureCollection", "feat'])
def test_validate_unreadable_file_exits_2(tmp_path, content):
    path = tmp_path / "bad.geojson"
    path.write_bytes(content)
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert str(path) in result.stderr and "Traceback" not in result.stderr


def test_unknown_option_exits_2():
    assert cli("validate", "--nonsense").exit_code == 2


@pytest.mark.parametrize(
    ("options", "separator", "decimal"), [((), ";", ","), (("--csv", "international"), ",", ".")]
)
def test_capacity_csv_to_stdout_has_the_data_model_columns(options, separator, decimal):
    """Dutch Excel's dialect by default (``;``, decimal comma, two decimals), ``--csv
    international`` for ``,`` and full precision; the same columns either way."""
    result = cli(
        "capacity", PARCELS, "--by", "provincie", "--as-of", "2026-01-01", "-f", "csv", *options
    )
    assert result.exit_code == 0, result.stderr
    lines = list(csv.reader(io.StringIO(result.stdout), delimiter=separator))
    assert lines[0] == (
        [
            "gebied",
            "n_kavels",
            "bruto_ha",
            "netto_ha",
            "uitgegeven_ha",
            "optie_ha",
            "terstond_ha",
            "niet_terstond_ha",
            "hard_ha",
            "zacht_ha",
            "grootste_kavel_ha",
            "uitgifte_ha_per_jaar",
            "voorraad_jaren_hard",
        ]
    )
    assert [line[0] for line in lines[1:]] == ["Drenthe", "Overijssel", "Totaal"]
    drenthe_bruto = lines[1][2]
    assert float(drenthe_bruto.replace(decimal, ".")) == pytest.approx(2620, rel=1e-4)  # facts
    if decimal == ",":
        assert drenthe_bruto == "2620,00"  # rounded as on screen, no thousands mark


def test_dutch_csv_file_has_a_bom_and_round_trips(tmp_path):
    """A file opens in Dutch Excel (UTF-8 BOM, ``;``, decimal comma) and reads back with
    ``pandas.read_csv(sep=";", decimal=",")`` as the international file's figures rounded."""
    dutch, international = tmp_path / "nl.csv", tmp_path / "int.csv"
    common = ("capacity", PARCELS, "--as-of", "2026-01-01")
    assert cli(*common, "-o", dutch).exit_code == 0
    assert cli(*common, "-o", international, "--csv", "international").exit_code == 0
    assert dutch.read_bytes().startswith(b'\xef\xbb\xbf"gebied";')
    assert international.read_bytes().startswith(b'"gebied",')
    back = pd.read_csv(dutch, sep=";", decimal=",", encoding="utf-8-sig")
    machine = pd.read_csv(international)
    assert list(back.columns) == list(machine.columns)
    pd.testing.assert_frame_equal(back, machine, check_dtype=False, rtol=0, atol=0.005)


def test_csv_dialect_unknown_is_refused():
    result = cli("--csv", "excel", "capacity")
    assert result.exit_code == 2 and "choose nl or international" in result.stderr


def test_capacity_table_regions_from_beside_the_file():
    result = cli("capacity", PARCELS, "--by", "regio", "--as-of", "2026-01-01")
    assert result.exit_code == 0, result.stderr
    assert "West-Overijssel" in result.stdout and "Totaal" in result.stdout


@pytest.mark.parametrize("fmt", ["json", "xlsx", "csv"])
def test_capacity_to_file(tmp_path, fmt):
    import openpyxl

    path = tmp_path / f"cap.{fmt}"
    result = cli(
        "capacity",
        PARCELS,
        "--as-of",
        "2026-01-01",
        "-f",
        fmt,
        "-o",
        str(path),
    )
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        rows = json.loads(path.read_text())
        assert rows[-1]["gebied"] == "Totaal" and rows[-1]["bruto_ha"] == pytest.approx(
            3105, rel=1e-4
        )
    elif fmt == "csv":
        assert read_cli_csv(path)["gebied"].iloc[-1] == "Totaal"
    else:
        sheet = openpyxl.load_workbook(path).active
        assert sheet["A1"].value == "gebied" and sheet.freeze_panes == "A2"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_agreements_command(tmp_path):
    path = tmp_path / "afspraken.csv"
    result = cli("agreements", PARCELS, "--agreements", AGREEMENTS,
                 "--as-of", "2021-06-01", "-f", "csv", "-o", str(path))  # fmt: skip
    assert result.exit_code == 0, result.stderr

    table = read_cli_csv(path).set_index("afspraak_id")
    assert table.loc["WO-2019-1", "status"] in {"binnen_afspraak", "overprogrammering"}


@pytest.mark.parametrize(
    "args,message",
    [
        (["capacity", PARCELS, "--as-of", "2026-13-01"], "not a date"),
        (["capacity", PARCELS, "--by", "wijk"], "cannot group by"),
        (["capacity", PARCELS, "-f", "pdf"], "--format"),
        (
            ["capacity", PARCELS, "-o", "/no/such/folder/x.csv"],
            "does not exist",
        ),
        (["agreements", PARCELS, "--agreements", "nope.csv"], "not found"),
    ],
)
def test_bad_arguments_exit_2_without_traceback(args, message):
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_map_command(tmp_path):
    path = tmp_path / "hardenberg.html"
    result = cli("map", PARCELS, "--gemeente", "Hardenberg", "-o", str(path))
    assert result.exit_code == 0, result.stderr
    assert path.stat().st_size > 100_000 and "Heemserpoort" in path.read_text()


def test_map_unknown_municipality():
    result = cli("map", PARCELS, "--gemeente", "Hardenburg", "-o", "/tmp/x.html")
    assert result.exit_code == 2
    assert "did you mean 'Hardenberg'" in result.stderr and "Traceback" not in result.stderr


def test_overview_main_job(tmp_path):
    result = cli("overview", "--as-of", "2026-01-01", "--out-dir", str(tmp_path / "maps"))
    assert result.exit_code == 0, result.stderr
    assert (
        "Plan capacity per provincie" in result.stdout and "Programming agreements" in result.stdout
    )
    assert "Totaal" in result.stdout and "WO-2019-1" in result.stdout
    written = sorted(p.name for p in (tmp_path / "maps").iterdir())
    assert (
        "overview.html" in written
        and "hardenberg.html" in written
        and "aa-en-hunze.html" in written
    )
    assert len(written) == 1 + 13
    assert "13 municipality maps" in result.stderr


def test_capacity_takeup_years(embedded):
    from terreinen.capacity import capacity

    result = cli(
        "capacity",
        PARCELS,
        "--by",
        "provincie",
        "--as-of",
        "2026-01-01",
        "--takeup-years",
        "5",
        "-f",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    total = json.loads(result.stdout)[-1]["uitgifte_ha_per_jaar"]  # JSON: two decimals
    five = capacity(embedded, "provincie", as_of="2026-01-01", takeup_years=5)[
        "uitgifte_ha_per_jaar"
    ].iloc[-1]
    ten = capacity(embedded, "provincie", as_of="2026-01-01")["uitgifte_ha_per_jaar"].iloc[-1]
    assert total == pytest.approx(five, abs=0.005) and total != pytest.approx(ten, abs=0.005)


def test_find_command(tmp_path):
    path = tmp_path / "matches.json"
    result = cli("find", "--min-ha", "3", "-m", "4.2", "--near", "Hardenberg", "--radius-km", "15",
                 "--as-of", "2026-01-01", "-f", "json", "-o", str(path), "--map", str(tmp_path / "m.html"))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = json.loads(path.read_text())
    assert rows and all(r["afstand_km"] <= 15 and r["oppervlakte_ha"] >= 3 for r in rows)
    assert (tmp_path / "m.html").stat().st_size > 100_000


@pytest.mark.parametrize(
    "args,message",
    [
        (["find", "--near", "Hardenburg"], "did you mean 'Hardenberg'"),
        (["find", "--min-ha", "-2"], "must not be negative"),
        (["find", "--radius-km", "5"], "needs --near"),
        (["find", "-o", "/no/such/dir/x.csv", "-f", "csv"], "does not exist"),
        (["export", PARCELS, "--to", "/tmp/x.pdf"], "cannot export"),
    ],
)
def test_find_and_export_bad_arguments(args, message):
    result = cli(*args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_export_command(tmp_path):
    path = tmp_path / "drenthe.gpkg"
    result = cli("export", PARCELS, "--to", str(path))
    assert result.exit_code == 0, result.stderr
    import pyogrio

    assert [name for name, _ in pyogrio.list_layers(path)] == ["kavels", "terreinen", "gemeenten"]


def test_map_coloured_by_the_demand_verdict(tmp_path):
    path = tmp_path / "oordeel.html"
    result = cli("map", "--municipal-colour", "oordeel", "-o", path)
    assert result.exit_code == 0, result.stderr
    assert '"municipalColour":"oordeel"' in path.read_text()
    result = cli("map", "--municipal-colour", "regen", "-o", tmp_path / "x.html")
    assert result.exit_code == 2 and "choose 'afspraken' or 'oordeel'" in result.stderr
    assert not (tmp_path / "x.html").exists()


def test_dask_engine_without_the_extra_says_how_to_install_it(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "dask", None)  # as if the dask extra were missing
    monkeypatch.delitem(sys.modules, "terreinen.distributed", raising=False)
    result = cli("capacity", tmp_path, "--engine", "dask")
    assert result.exit_code == 2
    assert "needs the optional package 'dask': pip install \"terreinen[dask]\"" in result.stderr


def test_global_options_after_the_subcommand():
    """``terreinen validate --quiet`` as ``terreinen --quiet validate`` (issue 22)."""
    loud, after, before = cli("validate"), cli("validate", "--quiet"), cli("--quiet", "validate")
    assert "0 errors" in loud.stdout
    assert after.exit_code == before.exit_code == 0 and after.stdout == before.stdout == ""
    english = cli("capacity", "--as-of", "2026-01-01", "--lang", "en", "--csv=international")
    assert english.exit_code == 0 and "3,105.00" in english.stdout
