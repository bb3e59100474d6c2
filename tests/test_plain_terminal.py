"""Issue 19, item 4: nothing from the data drives the terminal: progress descriptions (file
names), CSV and JSON printed to a terminal, and the warnings of the libraries beneath are
plain text (under a real pseudo-terminal, as a user sees them)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import warnings

from conftest import ROOT, cli, frame, parcel, rect

import terreinen.cli.common as shared

NAME = "[link=https:evil.example]Assen[blink red]x\x1b[2J.geojson"
PARK = "Park\x1b]8;;https://evil.example\x1b\\\u202eklik\x9b5m"
DRIVES_THE_TERMINAL = ("\x1b]8;", "\x1b[2J", "\x1b[5m", "\u202e", "\x9b")


def on_a_terminal(*args, cwd) -> str:
    """Run the command line with stdin, stdout and stderr on a pseudo-terminal; all it
    wrote there."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "terreinen", *args],
        stdin=terminal, stdout=terminal, stderr=terminal, cwd=cwd, env=env,
    )  # fmt: skip
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the other end closed: the command ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=120) == 0, b"".join(chunks)
    return b"".join(chunks).decode("utf-8", "replace")


def hostile_file(folder):
    rows = [parcel(f"K{i}", rect(i * 100, 0, 100, 100), terrein=PARK) for i in range(2)]
    frame(rows).to_file(folder / NAME)
    return NAME


def test_file_names_and_data_never_drive_a_terminal(tmp_path):
    name = hostile_file(tmp_path)
    for args in (["capacity", name, "--by", "terrein"], ["capacity", name, "-f", "csv",
                 "--by", "terrein"], ["find", name, "-f", "json"]):  # fmt: skip
        shown = on_a_terminal(*args, cwd=tmp_path)
        assert not [code for code in DRIVES_THE_TERMINAL if code in shown], (args, shown)
        # the data, shown as written (JSON writes ESC as \u001b itself)
        assert "Park\\x1b]8;;https://evil.example" in shown or "Park\\u001b]8;;" in shown
    progress = on_a_terminal("validate", name, cwd=tmp_path)
    assert "[link=https:evil.example]Assen[blink red]x\\x1b[2J" in progress


def test_csv_to_a_file_or_a_pipe_stays_data(tmp_path):
    name = hostile_file(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "terreinen", "capacity", name, "--by", "terrein", "-f", "csv"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert PARK in result.stdout  # a pipe gets the data exactly


def test_library_warnings_are_plain_findings(monkeypatch, tmp_path):
    monkeypatch.setattr(shared.err, "_force_terminal", True)
    read = shared.load_parcels

    def warning_gdal(*args, **kwargs):
        warnings.warn(f"column {NAME!s} renamed", RuntimeWarning, stacklevel=1)
        return read(*args, **kwargs)

    monkeypatch.setattr(shared, "load_parcels", warning_gdal)
    result = cli("capacity", "--as-of", "2026-01-01")
    assert result.exit_code == 0, result.stderr[-2000:]
    assert "warning: column [link=https:evil.example]Assen[blink red]x" in result.stderr
    assert "\\x1b[2J" in result.stderr and "\x1b]8;" not in result.stderr
    assert "RuntimeWarning" not in result.stderr  # not Python's file:line form
