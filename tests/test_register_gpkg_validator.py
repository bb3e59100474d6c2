"""PDOK's GeoPackage validator (``pdok-geopackage-validator``, the national platform's
requirements) finds no errors in a register GeoPackage after a delivery and an edit, nor in
``export --to x.gpkg``. tests/install.sh installs it in /opt/geopackage-validator (it needs
GDAL's Python bindings); where it is missing the test skips, in CI (``CI=1``) it fails."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import cli, frame, parcel, rect

from terreinen.register import Register

VALIDATOR = Path(
    os.environ.get("TERREINEN_GPKG_VALIDATOR", "/opt/geopackage-validator/bin/geopackage-validator")
)


def _errors(path: Path) -> list[dict]:
    """The validator's results of level ``error`` for ``path``."""
    if not VALIDATOR.exists() and not shutil.which(str(VALIDATOR)):
        message = f"{VALIDATOR} is missing: tests/install.sh installs pdok-geopackage-validator"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    run = subprocess.run(
        [str(VALIDATOR), "validate", "--gpkg-path", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.stdout.strip(), run.stderr
    return [r for r in json.loads(run.stdout)["results"] if r["level"] == "error"]


def _delivery(path: Path) -> Path:
    """Three hand-made Assen parcels (1 ha, 2 ha, 0.5 ha), one of them in two parts (a
    MultiPolygon) and one drawn clockwise."""
    clockwise = rect(100, 0, 200, 100).reverse()
    two_parts = rect(300, 0, 25, 100).union(rect(330, 0, 25, 100))
    rows = [
        parcel("A1", rect(0, 0, 100, 100)),
        parcel("A2", clockwise, status="niet_terstond_uitgeefbaar", planfase=3),
        parcel("A3", two_parts, status="optie"),
    ]
    frame(rows).to_file(path, driver="GPKG", layer="kavels", engine="pyogrio")
    return path


def test_the_register_and_an_export_pass_pdoks_validator(tmp_path):
    store = tmp_path / "register.gpkg"
    delivery = _delivery(tmp_path / "levering.gpkg")
    steps = [
        ("register", "init", "--store", store),
        ("register", "import", delivery, "--store", store, "--date", "2026-01-01",
         "--source", "levering 2026", "--by", "gemeente Assen"),
        ("register", "set", "A1", "--store", store, "--date", "2026-02-01", "--by", "J. Jansen",
         "--reason", "akte 2026-12", "--status", "uitgegeven"),
        ("export", store, "--to", tmp_path / "export.gpkg", "--as-of", "2026-03-01"),
    ]  # fmt: skip
    for step in steps:
        result = cli(*step)
        assert result.exit_code == 0, result.output
    with sqlite3.connect(store) as connection:  # the edit's version is in the rtree index
        box = connection.execute(
            "SELECT r.minx, r.maxx, r.miny, r.maxy FROM rtree_kavel_versies_geom r "
            "JOIN kavel_versies v ON v.fid = r.id WHERE v.kavel_id = 'A1' AND v.versie = 2"
        ).fetchone()
    minx, miny, maxx, maxy = rect(0, 0, 100, 100).bounds
    assert box == pytest.approx((minx, maxx, miny, maxy))
    with Register.open(store) as register:  # stored as MultiPolygons, read back as given
        state = register.state().set_index("kavel_id")
    assert dict(state.geom_type) == {"A1": "Polygon", "A2": "Polygon", "A3": "MultiPolygon"}
    assert dict(state.area / 10_000) == pytest.approx({"A1": 1.0, "A2": 2.0, "A3": 0.5})
    for path in (store, tmp_path / "export.gpkg"):
        errors = _errors(path)
        assert errors == [], f"{path.name}: {json.dumps(errors, indent=1)}"
