"""Issue 19: nothing written that the user did not mean. Every output of every command is
refused when it is (or links to) an input, by construction; the atomic writer cannot be
raced by links planted in a shared folder."""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import stat
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import DATA, cli, copy_example, frame, parcel, read_cli_csv, rect
from hypothesis import given, settings
from hypothesis import strategies as st

import terreinen.cli.analyses
import terreinen.cli.data
import terreinen.cli.find
import terreinen.cli.maps
from terreinen import read_parcels
from terreinen.errors import TerreinenWriteError
from terreinen.export import export
from terreinen.io.write import (
    atomic_path,
    csv_text,
    inputs_protected,
    original_text,
    write_atomically,
    write_table,
    write_workbook,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, example_store) -> Path:
    """A register with the embedded deliveries, the embedded parcels as CSV with WKT, the
    agreements and region tables, and links to each of them."""
    here = tmp_path_factory.mktemp("inputs")
    copy_example(example_store, here / "reg.gpkg")
    read_parcels(DATA / "parcels.geojson").to_wkt().to_csv(here / "p.csv", index=False)
    for name, table in (("a.csv", "agreements.csv"), ("g.csv", "gemeenten.csv")):
        (here / name).write_bytes((DATA / table).read_bytes())
    for name in ("reg.gpkg", "p.csv", "a.csv", "g.csv"):
        (here / f"link-{Path(name).stem}.csv").symlink_to(here / name)
    return here


@pytest.fixture
def without_early_guards(monkeypatch):
    """Every command as if it forgot to check its outputs before the work: the guard where
    outputs are opened must still refuse."""
    for module in (
        terreinen.cli.analyses,
        terreinen.cli.data,
        terreinen.cli.find,
        terreinen.cli.maps,
    ):
        monkeypatch.setattr(module, "guard", lambda *args, **kwargs: None)


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every file of the folder: its bytes and mode, and where each link points."""
    return {
        path.name: (os.readlink(path),)
        if path.is_symlink()
        else (path.is_file() and path.read_bytes(), path.stat().st_mode)
        for path in sorted(folder.iterdir())
    }


CASES = {
    "demand over its parcels": ("demand", "{d}/p.csv", "-o", "{d}/p.csv"),
    "demand of a register through a link to it": ("demand", "{d}/reg.gpkg", "-o", "{d}/link-reg.csv"),
    "agreements over the store through a link": (
        "agreements", "-a", "{d}/a.csv", "--store", "{d}/reg.gpkg", "-o", "{d}/link-reg.csv",
    ),
    "agreements over the agreements table": ("agreements", "-a", "{d}/a.csv", "-o", "{d}/link-a.csv"),
    "capacity over the regions table": ("capacity", "{d}/p.csv", "--regions", "{d}/g.csv", "-o", "{d}/g.csv"),
    "capacity of a register over it": ("capacity", "{d}/reg.gpkg", "-o", "{d}/link-reg.csv"),
    "find over its parcels": ("find", "{d}/p.csv", "--min-ha", "1", "-o", "{d}/link-p.csv"),
    "history over the store": ("register", "history", "1680001-001", "-s", "{d}/reg.gpkg", "-o", "{d}/link-reg.csv"),
    "changes over the regions": (
        "changes", "-s", "{d}/reg.gpkg", "--from", "2019-01-01", "--to", "2024-12-31",
        "--regions", "{d}/g.csv", "-o", "{d}/link-g.csv",
    ),
    "export over its parcels": ("export", "{d}/p.csv", "--to", "{d}/link-p.csv", "-f", "ibis"),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("early", [True, False], ids=["as-is", "without-early-guard"])
def test_no_command_writes_over_an_input(case, early, folder, request):
    if not early:
        request.getfixturevalue("without_early_guards")
    before = snapshot(folder)
    result = cli(*(arg.format(d=folder) for arg in CASES[case]))
    assert result.exit_code == 2, result.stderr
    assert "never overwrites its inputs" in result.stderr
    assert "internal error" not in result.stderr
    assert snapshot(folder) == before  # nothing written, no temporary file left


def test_a_link_to_a_file_that_is_no_input_is_written_through(folder, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    (tmp_path / "out.csv").symlink_to(real)
    result = cli("demand", folder / "p.csv", "-o", tmp_path / "out.csv")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out.csv").is_symlink()
    assert "gebied" in real.read_text().splitlines()[0]  # the demand table, not "old"


def test_library_writers_refuse_what_was_read_in_a_protected_block(folder, tmp_path):
    copy = tmp_path / "p.csv"
    copy.write_bytes((folder / "p.csv").read_bytes())
    before = copy.read_bytes()
    with inputs_protected():
        parcels = read_parcels(copy)
        for write in (
            lambda: write_table(pd.DataFrame({"a": [1]}), copy),
            lambda: export(parcels, tmp_path / "link.csv", fmt="ibis"),
        ):
            if not (tmp_path / "link.csv").exists():
                (tmp_path / "link.csv").symlink_to(copy)
            with pytest.raises(TerreinenWriteError, match="never overwrites its inputs"):
                write()
    assert copy.read_bytes() == before
    write_table(pd.DataFrame({"a": [1]}), tmp_path / "link.csv")  # outside: the user's call
    assert copy.read_text() == '"a"\n1\n'


# --- the race: links planted at the writer's temporary names --------------------------


NAMES = [f"n{i}" for i in range(6)]


def plant(target: Path, victim_file: Path, victim_folder: Path) -> list[Path]:
    """A link at every temporary name but the last, to a file and a folder of the user's
    elsewhere (what an attacker with write access to the output folder can do)."""
    links = []
    for name, victim in zip(NAMES[:-1], itertools.cycle([victim_file, victim_folder])):
        link = target.parent / f".{target.stem}-{name}.tmp"
        link.symlink_to(victim)
        links.append(link)
    return links


WRITERS = {
    "csv": lambda path: write_table(pd.DataFrame({"a": ["x"]}), path),
    "xlsx": lambda path: write_workbook({"t": pd.DataFrame({"a": ["x"]})}, path),
    "gpkg": lambda path: export(read_parcels(DATA / "parcels.geojson").head(3), path),
    "html": lambda path: write_atomically(path, "<p>x</p>"),
}


@pytest.mark.parametrize("kind", WRITERS)
def test_links_planted_at_every_temporary_name_change_nothing(kind, tmp_path, monkeypatch):
    monkeypatch.setattr("terreinen.io.write._temporary_names", lambda: iter(NAMES))
    shared, elsewhere = tmp_path / "shared", tmp_path / "home"
    shared.mkdir()
    elsewhere.mkdir()
    victim = elsewhere / "secret.txt"
    victim.write_text("mine")
    victim.chmod(0o600)
    (elsewhere / "sub").mkdir()
    target = shared / f"out.{kind}"
    links = plant(target, victim, elsewhere / "sub")
    before = snapshot(elsewhere)
    WRITERS[kind](target)
    assert snapshot(elsewhere) == before  # the user's file: same bytes, still mode 600
    assert list((elsewhere / "sub").iterdir()) == []
    assert stat.S_ISREG(os.lstat(target).st_mode)  # a file, never a link, moved into place
    assert all(link.is_symlink() for link in links)
    assert sorted(p.name for p in shared.iterdir()) == sorted(
        [target.name, *(p.name for p in links)]
    )


def test_every_temporary_name_taken_is_a_plain_message(tmp_path, monkeypatch):
    monkeypatch.setattr("terreinen.io.write._temporary_names", lambda: iter(NAMES[:-1]))
    victim = tmp_path / "secret.txt"
    victim.write_text("mine")
    plant(tmp_path / "out.csv", victim, tmp_path)
    with pytest.raises(TerreinenWriteError, match="no free temporary name"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "out.csv")
    assert victim.read_text() == "mine" and not (tmp_path / "out.csv").exists()


def test_the_temporary_folder_is_private_and_a_link_inside_is_never_published(tmp_path):
    victim = tmp_path / "secret.txt"
    victim.write_text("mine")
    with (
        pytest.raises(TerreinenWriteError, match="not a regular file"),
        atomic_path(tmp_path / "out.csv") as temporary,
    ):
        assert stat.S_IMODE(temporary.parent.stat().st_mode) == 0o700
        temporary.symlink_to(victim)  # a tool that made a link instead of a file
    assert not (tmp_path / "out.csv").exists()
    assert victim.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.txt"]


# --- CSV that no spreadsheet turns into a formula -----------------------------------------

STARTS_FORMULA = re.compile(r'^[ "]*[=+\-@]')


def is_number(piece: str) -> bool:
    try:
        float(piece.strip(' "').replace(",", "."))
    except ValueError:
        return False
    return True


def formula_cells(text: str) -> list[str]:
    """Every cell that would start a formula when the CSV is read as comma CSV or as Dutch
    Excel does (on ``;``), each both quote-aware and split naively line by line."""
    cells = []
    for separator in (",", ";"):
        cells += [
            c for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator) for c in row
        ]
        cells += [c for line in text.splitlines() for c in line.split(separator)]
    return [c for c in cells if STARTS_FORMULA.match(c) and not is_number(c)]


FORMULA_TEXT = st.text(st.sampled_from(list("=+-@;,\"'\t\r\n a1.")), max_size=12)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(FORMULA_TEXT, min_size=1, max_size=4), number=st.floats(-1e6, 1e6))
def test_no_csv_cell_starts_a_formula_in_any_reading(texts, number):
    table = pd.DataFrame({"tekst": texts, "ha": number, texts[0] or "x": texts[::-1]})
    text = csv_text(table)
    assert formula_cells(text) == []
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert [original_text(c) for c in back.columns[:2]] == ["tekst", "ha"]
    assert [original_text(v) for v in back.iloc[:, 0]] == texts  # the ' rule undone exactly


def test_every_text_is_quoted_and_numbers_stay_bare():
    table = pd.DataFrame({"a": ["x"], "n": [1.5], "m": [-2]})
    assert csv_text(table) == '"a","n","m"\n"x",1.5,-2\n'


HOSTILE = "Park;=2+3;"
PLACES = {"terrein": HOSTILE, "gemeente": "Assen;@SUM(A1)", "opmerking": "x,-1+1;\n=1"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """Parcels whose park, municipality and notes hold ;- and ,-separated formulas, with an
    agreement on that municipality, and a register holding them."""
    here = tmp_path_factory.mktemp("hostile")
    rows = [parcel(f"K{i};=1", rect(i * 100, 0, 100, 100), **PLACES) for i in range(3)]
    frame(rows).to_file(here / "k.geojson")
    pd.DataFrame(
        {"afspraak_id": ["A;=1"], "gebied": [PLACES["gemeente"]], "niveau": ["gemeente"],
         "plancapaciteit": ["hard"], "max_ha": [5]}
    ).to_csv(here / "agreements.csv", index=False)  # fmt: skip
    assert cli("register", "init", "-s", here / "reg.gpkg").exit_code == 0
    result = cli(
        "register", "import", here / "k.geojson", "-s", here / "reg.gpkg", "--date",
        "2020-01-01", "--source", "=1+1;=2", "--by", "@me",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows[0]["status"] = "uitgegeven"  # the next delivery: one parcel sold
    rows[0]["uitgiftedatum"] = "2020-06-01"
    frame(rows).to_file(here / "k2.geojson")
    return here


def csv_outputs(d: Path) -> dict[str, tuple]:
    """Every command that writes CSV: to a file (-o) or to stdout (-f csv)."""
    k, store = d / "k.geojson", d / "reg.gpkg"
    span = ("--from", "2019-01-01", "--to", "2026-12-31")
    return {
        "capacity": ("capacity", k, "-o", d / "capacity.csv"),
        "capacity stdout": ("capacity", k, "-f", "csv"),
        "demand": ("demand", k, "-o", d / "demand.csv"),
        "find": ("find", k, "-o", d / "find.csv"),
        "agreements": ("agreements", k, "-o", d / "agreements-out.csv"),
        "ibis": ("export", k, "-f", "ibis", "--to", d / "ibis.csv"),
        "history": ("register", "history", "K1;=1", "-s", store, "-o", d / "history.csv"),
        "changes": ("changes", "-s", store, *span, "--by", "terrein", "-o", d / "changes.csv"),
        "import diff": (
            "register", "import", d / "k2.geojson", "-s", store, "--date", "2021-01-01", "--source", "x",
            "--dry-run", "-f", "csv",
        ),
    }  # fmt: skip


@pytest.mark.parametrize("output", csv_outputs(Path()))
def test_every_csv_output_is_formula_free_in_comma_and_dutch_excel(output, hostile):
    args = csv_outputs(hostile)[output]
    result = cli(*args)
    assert result.exit_code in (0, 1), result.stderr
    written = Path(args[-1]) if "-o" in args or "--to" in args else None
    text = written.read_text(encoding="utf-8-sig") if written else result.stdout
    assert text.strip(), output
    assert formula_cells(text) == []
    table = read_cli_csv(text, dtype=str, keep_default_na=False)  # the CLI's Dutch dialect
    values = {original_text(v) for v in table.stack()}
    assert values & {HOSTILE, PLACES["gemeente"], "K1;=1", "=1+1;=2"}  # the data, literally


def test_xlsx_text_over_a_cells_limit_is_cut_with_a_visible_note(tmp_path):
    note = "a" * 30_000 + "b" * 10_000
    write_workbook({"t": pd.DataFrame({"opmerking": [note, "kort"]})}, tmp_path / "t.xlsx")
    cells = [c.value for row in openpyxl.load_workbook(tmp_path / "t.xlsx")["t"] for c in row]
    cut = cells[1]
    assert len(cut) == 32_767 and note.startswith(cut[: 32_767 - 60])
    assert cut.endswith(f"[cut: 40000 characters, only the first {cut.index(' …')} are shown]")
    assert cells[2] == "kort"
