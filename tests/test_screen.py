"""Tables fit the terminal (issue 12, item 5): at 80 and 100 columns nothing is cut."""

from __future__ import annotations

import re

import pytest
from conftest import cli

from terreinen.schema import MILIEUCATEGORIEEN as CATEGORIES

AS_OF = "2026-01-01"
COMMANDS = {
    "capacity": ["capacity", "--as-of", AS_OF],
    "capacity per park": ["capacity", "--by", "terrein", "--as-of", AS_OF],
    "capacity per region and municipality": [
        "capacity",
        "--by",
        "regio,gemeente",
        "--as-of",
        AS_OF,
    ],
    "agreements": ["agreements", "--as-of", AS_OF],
    "find": ["find", "--min-ha", "1", "-m", "4", "--near", "Hardenberg", "--limit", "100"],
}


@pytest.mark.parametrize("width", [80, 100])
@pytest.mark.parametrize("name", COMMANDS)
def test_nothing_cut(name, width):
    result = cli(*COMMANDS[name], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.stderr
    assert "…" not in result.stdout
    table_lines = [line for line in result.stdout.splitlines() if "  " in line]
    assert table_lines and max(len(line.rstrip()) for line in table_lines) <= width
    # every figure whole: two decimals, never folded onto the next line
    lines = result.stdout.splitlines()
    body = lines[next(i for i, line in enumerate(lines) if line.startswith("─")) + 1 :]
    tokens = [t for line in body if "  " in line for t in line.split()]
    figures = [t for t in tokens if re.fullmatch(r"-?[\d,.]+", t) and t not in CATEGORIES]
    assert figures and all(re.fullmatch(r"-?\d{1,3}(,\d{3})*\.\d\d", t) for t in figures), figures


@pytest.mark.parametrize("width", [80, 100])
def test_capacity_key_columns_whole_numbers(width):
    result = cli("capacity", "--as-of", AS_OF, env={"COLUMNS": str(width)})
    total = next(line for line in result.stdout.splitlines() if line.startswith("Totaal"))
    # the embedded data's totals on 2026-01-01 (README): gross, hard, soft, terstond,
    # take-up per year, years of supply
    assert total.split()[1:] == ["3,105.00", "463.72", "196.07", "299.24", "43.65", "10.62"]
    assert f"as of {AS_OF}" in result.stdout.splitlines()[0]  # the as-of date in the title
    assert "--all-columns" in result.stdout and "--format csv" in result.stdout
    assert "averages 2016-2025" in result.stdout


def test_numbers_as_the_language_writes_them():
    """Dutch by default (1.693,72 is read as 1693.72 ha, not 1.69), English with --lang en
    or TERREINEN_LANG=en; the same figures either way."""
    expected = {"nl": "3.105,00", "en": "3,105.00"}
    for args, env, lang in (
        ((), {"TERREINEN_LANG": ""}, "nl"),  # the default
        (("--lang", "en"), {}, "en"),
        ((), {"TERREINEN_LANG": "en"}, "en"),
        (("--lang", "nl"), {"TERREINEN_LANG": "en"}, "nl"),
    ):
        result = cli(*args, "capacity", "--as-of", AS_OF, env=env)
        total = next(line for line in result.stdout.splitlines() if line.startswith("Totaal"))
        assert total.split()[1] == expected[lang], (args, env)


def test_an_unknown_language_is_refused():
    result = cli("--lang", "fr", "capacity")
    assert result.exit_code == 2 and "--lang 'fr': choose nl or en" in result.stderr


def test_all_columns_on_request():
    result = cli("capacity", "--as-of", AS_OF, "--all-columns", env={"COLUMNS": "240"})
    header = "\n".join(result.stdout.splitlines()[:4])
    for column in ("n kavels", "netto ha", "uitgegeven ha", "grootste kavel ha"):
        assert column in header
    assert "more columns" not in result.stdout


EVERY_TABLE = {
    **COMMANDS,
    "demand": ["demand", "--as-of", AS_OF],
    "changes": ["changes", "--from", "2019-01-02", "--to", "2022-12-31"],
    "history": ["register", "history", "0160005-021"],
}


#: What a narrow screen says below a table about the columns it left off (n aside).
HIDDEN_NOTE = (
    "more columns: --all-columns on a wider terminal, or --format csv / -o FILE.xlsx for all"
)


@pytest.mark.parametrize("width", [80, 100])
@pytest.mark.parametrize("name", EVERY_TABLE)
def test_no_word_split_across_lines(name, width, example_store):
    """Issue 22, item 5: columns are left off, never a word or number split (``Harde/nberg``,
    ``0./80``): every word on a narrow screen is a word of the same table on a wide one."""
    args = [
        *EVERY_TABLE[name],
        *(("--store", example_store) if name in ("changes", "history") else ()),
    ]
    wide = cli(*args, env={"COLUMNS": "100000"})
    narrow = cli(*args, env={"COLUMNS": str(width)})
    assert wide.exit_code == narrow.exit_code == 0, narrow.stderr
    words = set(wide.stdout.split()) | set(HIDDEN_NOTE.split())  # the note may wrap
    lines = narrow.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= width
    lines = [re.sub(r"^\d+ (?=more columns)", "", line) for line in lines]  # the count
    split = [w for line in lines for w in line.split() if w not in words and set(w) != {"─"}]
    assert split == [], split
    if "more columns" in narrow.stdout and "more columns" not in wide.stdout:
        assert "on a wider terminal" in narrow.stdout  # says how to see the rest
