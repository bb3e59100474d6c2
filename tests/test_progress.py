"""Progress on long work (issue 12, item 7): a progress display on stderr only, none with
--quiet, none off a terminal."""

from __future__ import annotations

import pytest
from conftest import cli

import terreinen.cli.common as shared


@pytest.fixture
def terminal(monkeypatch):
    """stderr as an interactive terminal (CliRunner's streams are not)."""
    monkeypatch.setattr(shared.err, "_force_terminal", True)
    monkeypatch.setattr(shared.err, "is_interactive", True)


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["capacity", "--as-of", "2026-01-01", "--by", "provincie"], "reading and checking"),
        (["validate"], "reading and checking"),
    ],
)
def test_progress_on_stderr_only(terminal, args, shown):
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    assert shown in result.stderr
    assert shown not in result.stdout and "\x1b[" not in result.stdout


def test_overview_counts_maps_on_stderr(terminal, tmp_path):
    result = cli("overview", "--as-of", "2026-01-01", "--out-dir", tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "writing maps" in result.stderr and "writing maps" not in result.stdout
    assert len(list(tmp_path.glob("*.html"))) == 14  # overview + 13 municipalities


def test_quiet_prints_nothing_on_stderr(terminal, tmp_path):
    for args in (
        ["capacity", "--as-of", "2026-01-01", "--by", "provincie"],
        ["map", "-o", tmp_path / "m.html"],
        ["export", "--to", tmp_path / "x.xlsx"],
    ):
        result = cli("--quiet", *args)
        assert result.exit_code == 0
        assert result.stderr == "", args


def test_no_control_codes_off_a_terminal():
    result = cli("capacity", "--as-of", "2026-01-01", "--by", "provincie")
    assert "\x1b[" not in result.stderr and "reading" not in result.stderr
