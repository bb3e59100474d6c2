"""Every ```python and ```bash block of the README runs on the embedded data (issue 12,
item 8), each in a fresh folder holding the files it names."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import geopandas as gpd
import pytest
from conftest import ROOT, cli, copy_example, rect

from terreinen.datasets import get_path
from terreinen.distributed import partition
from terreinen.io.files import read_parcels

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(python|bash)\n(.*?)```", README, flags=re.S)
# commands a test cannot or must not run: installing, the test suite itself, linting,
# regenerating the repository's data, and a remote dask scheduler
SKIPPED = (
    "pip install",
    "bash tests/install.sh",
    "(apt-get",
    "python3 -m pytest",
    "ruff ",
    "python3 data/generate.py",
    "mypy",
    "-o docs/overview.html",  # writes into the repository on purpose
    "--scheduler tcp://",
)


def _commands(block: str) -> list[str]:
    """The commands of a bash block: ``&&``-joined parts, comments dropped."""
    commands = []
    for line in block.replace("\\\n", " ").splitlines():  # continued lines joined
        line = re.sub(r"\s+#.*$", "", line).strip()
        for part in (p.strip() for p in line.split("&&")):
            if part and not any(part.startswith(s) or s in part for s in SKIPPED):
                commands.append(part)
    return commands


def _prepare(folder, text: str, request) -> None:
    """The input files a block names, made from the embedded data (the example register:
    a copy of the one made once per worker)."""
    if "kavels_nl.gpkg" in text or "kavels_nl/" in text:
        gpd.read_file(get_path("parcels")).to_file(folder / "kavels_nl.gpkg", layer="kavels")
    if "kavels_nl/" in text and "terreinen partition" not in text:
        # the parts made from a GeoParquet copy: the same parts, read faster than a GeoPackage
        gpd.read_file(get_path("parcels")).to_parquet(folder / "kavels_nl.parquet")
        partition(folder / "kavels_nl.parquet", folder / "kavels_nl", parcels_per_part=1_000)
    if "assen-2026-q3.gpkg" in text or "assen.gpkg" in text:
        parcels = read_parcels(get_path("parcels"))
        assen = parcels[parcels["gemeente"] == "Assen"]
        for name in ("assen-2026-q3.gpkg", "assen.gpkg"):
            assen.to_file(folder / name, layer="kavels")
    if 'Register.open("register.gpkg")' in text:
        copy_example(request.getfixturevalue("example_store"), folder / "register.gpkg")
    if "parken.geojson" in text:
        rows = [
            {
                "RINNUMMER": "1",
                "BEDRIJVENT": "Noord",
                "KERN": "Assen",
                "OPPBRUTO": "20000",
                "OPPNETTO": "15000",
                "JAAR": "v1900",
                "geometry": rect(0, 0, 100, 100),
            },
        ]
        gpd.GeoDataFrame(rows, crs="EPSG:28992").to_file(folder / "parken.geojson")


def test_blocks_found():
    kinds = [kind for kind, _ in BLOCKS]
    assert "python" in kinds and "bash" in kinds
    assert all("terreinen" in b or any(s in b for s in SKIPPED) for k, b in BLOCKS if k == "bash")


@pytest.mark.parametrize(("kind", "block"), BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_block_runs(kind, block, tmp_path, monkeypatch, request):
    _prepare(tmp_path, block, request)
    monkeypatch.chdir(tmp_path)
    if kind == "python":
        script = tmp_path / "example.py"
        script.write_text(block, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return
    commands = _commands(block)
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "terreinen", command
        result = cli(*words[1:])
        assert result.exit_code == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
