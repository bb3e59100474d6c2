"""The command line: output, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from conftest import ROOT, frame, parcel, rect


def run(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "terreinen", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_help_is_quick():
    start = time.perf_counter()
    result = run("--help")
    elapsed = time.perf_counter() - start
    assert result.returncode == 0 and "validate" in result.stdout
    assert elapsed < 2.0  # includes starting Python; the import itself is measured below
    timing = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import terreinen.cli"],
        capture_output=True,
        text=True,
    )
    assert "geopandas" not in timing.stderr


def test_validate_embedded_data(embedded_path):
    n_features = len(json.loads(embedded_path.read_text())["features"])
    result = run("validate", "data/parcels.geojson")
    assert result.returncode == 0
    assert f"{n_features:,} parcels, 0 errors, 0 warnings" in result.stdout


def test_validate_file_with_errors_lists_them_and_exits_1(tmp_path):
    path = tmp_path / "bad.gpkg"
    frame(
        [
            parcel("A", rect(0, 0, 10, 10), status="weg"),
            parcel("A", rect(20, 0, 10, 10), milieucategorie="4,2"),
        ]
    ).to_file(path)
    result = run("validate", str(path))
    assert result.returncode == 1
    assert "row 1, kavel_id 'A', column 'status': unknown value 'weg'" in result.stderr
    assert "row 2, kavel_id 'A', column 'kavel_id': duplicate" in result.stderr
    assert "2 parcels, 2 errors, 1 warnings" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("content", [b"", b'{"type": "FeatureCollection", "feat'])
def test_validate_unreadable_file_exits_2(tmp_path, content):
    path = tmp_path / "bad.geojson"
    path.write_bytes(content)
    result = run("validate", str(path))
    assert result.returncode == 2
    assert str(path) in result.stderr and "Traceback" not in result.stderr


def test_unknown_option_exits_2():
    assert run("validate", "--nonsense").returncode == 2
