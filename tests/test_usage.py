"""typer's own words in the reader's language (issue 22, item 1): terreinen.cli.usage."""

from __future__ import annotations

import re

import pytest
import typer.rich_utils
from babel.messages.pofile import read_po
from conftest import ROOT, cli

from terreinen.cli.usage import MESSAGES, USAGE, WORDS

RUNS = {  # arguments: the exit code and what typer says, in Dutch and in English
    ("capacity", "--no-such-option"): (2, "Onbekende optie: --no-such-option", "No such option: --no-such-option"),
    ("rapport",): (2, "Argument 'gebied' ontbreekt.", "Missing argument 'gebied'."),
    ("capacity", "--help"): (0, "Deze hulp tonen en stoppen.", "Show this message and exit."),
    ("capacity", "--takeup-years", "0"): (
        2,
        "Ongeldige waarde voor '--takeup-years': moet minstens 1 zijn",
        "Invalid value for '--takeup-years': Input should be greater than or equal to 1",
    ),
    ("capacity", "a.gpkg", "b.gpkg"): (2, "Onverwachte extra invoer (b.gpkg)", "Got unexpected extra argument(s) (b.gpkg)"),
    ("capaciti",): (2, "Onbekende opdracht 'capaciti'. Bedoelt u 'capacity'?", "No such command 'capaciti'. Did you mean 'capacity'?"),
}  # fmt: skip
# typer's words around them: the usage line, the panels, the hint to --help
ENGLISH = ("Usage:", "[OPTIONS]", "Options", "Arguments", "Error", "Try '", "for help", "[default:",
           "No such", "Missing", "Invalid value", "unexpected", "Show this message")  # fmt: skip
DUTCH = ("Gebruik:", "[OPTIES]", "Opties", "Argumenten", "Fout", "Zie '", "voor hulp", "[standaard:",
         "Onbekende", "ontbreekt", "Ongeldige waarde", "Onverwachte", "Deze hulp")  # fmt: skip
ERROR_WORDS = ("Usage:", "[OPTIONS]", "Error", "Try '", "for help")  # each error says these
HELP_WORDS = ("Usage:", "[OPTIONS]", "Options", "Arguments", "[default:")  # and help these


def _said(lang, args):
    result = cli("--lang", lang, *args, env={"COLUMNS": "200"})
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("args", RUNS)
def test_typer_speaks_the_readers_language(args, lang):
    """typer's words in Dutch (and none of the English ones), or with --lang en in English
    (and none of the Dutch ones)."""
    code, dutch, english = RUNS[args]
    exit_code, said = _said(lang, args)
    text, others = (dutch, ENGLISH) if lang == "nl" else (english, DUTCH)
    assert exit_code == code and text in said, said
    assert [word for word in others if word in said] == [], said
    expected = HELP_WORDS if code == 0 else ERROR_WORDS
    if lang == "nl":
        expected = tuple(DUTCH[ENGLISH.index(word)] for word in expected)
    assert all(word in said for word in expected), said


def test_group_words_and_typer_left_as_it_was():
    """The command group's usage line and panel titles too; after the run typer.rich_utils
    holds typer's own words again (a program running other typer apps keeps English)."""
    _, said = _said("nl", ["register", "--help"])
    assert "Gebruik:" in said and "OPDRACHT [ARGUMENTEN]..." in said and "Opdrachten" in said
    assert "Commands" not in said and "COMMAND" not in said
    assert {name: getattr(typer.rich_utils, name) for name in WORDS} == WORDS


def test_every_typer_word_has_a_dutch_translation():
    """Every word and message template of terreinen.cli.usage is in the Dutch catalog, with
    the same {fields}."""
    catalog = {m.id: m.string for m in read_po((ROOT / "terreinen/data/nl.po").open("rb")) if m.id}
    ours = [*MESSAGES, *WORDS.values(), USAGE, "[OPTIONS]", "COMMAND [ARGS]...",
            "Show this message and exit."]  # fmt: skip
    assert [english for english in ours if not catalog.get(english)] == []
    fields = re.compile(r"\{(\w*)\}")
    for english in ours:
        assert sorted(fields.findall(catalog[english])) == sorted(fields.findall(english)), english
