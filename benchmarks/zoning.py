"""Milieuzonering at scale: ``terreinen.zoning.effective_categories`` beside a plain geopandas
``sjoin_nearest`` of the same data, in the same run, each in a fresh process (so that its
peak memory, VmHWM, is its own), taken in turn.

    python3 benchmarks/zoning.py                              # 100,000 parcels, 1,000,000 homes
    python3 benchmarks/zoning.py --parcels 10000 --homes 100000 --runs 1   # quick

Parcels are copies of the embedded parks (``data/generate.py``, ``scaled_parcels``); homes
are random points, half spread evenly over the parcels' extent and half 300-2,500 m from
random parcels' centres, none inside a
parcel, 30% of them in a mixed area (``gemengd``). The plain path
does the same job: per area type ``sjoin_nearest`` (every tie kept, as it returns them),
the minimum distance per parcel, the category from the same guide distances. Issue 24 asks
for 100,000 parcels against 1,000,000 homes within 30 s and bounded memory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "data"))

from generate import scaled_parcels  # noqa: E402  (data/ is not a package)

from terreinen import schema  # noqa: E402
from terreinen.zoning import allowed_category, effective_categories  # noqa: E402


def make_data(parcels_n: int, homes_n: int, folder: Path) -> tuple[Path, Path]:
    parcels = scaled_parcels(parcels_n)[["kavel_id", "milieucategorie", "geometry"]]
    rng = np.random.default_rng(24)
    xmin, ymin, xmax, ymax = parcels.total_bounds
    drawn = int(homes_n * 1.5)  # more than needed: homes inside a parcel are left out
    even = drawn // 2
    spread = np.column_stack(
        [
            rng.uniform(xmin - 2_000, xmax + 2_000, even),
            rng.uniform(ymin - 2_000, ymax + 2_000, even),
        ]
    )
    centres = shapely.get_coordinates(shapely.centroid(parcels.geometry.to_numpy()))
    around = centres[rng.integers(0, len(centres), drawn - even)]
    angle = rng.uniform(0, 2 * np.pi, len(around))
    radius = rng.uniform(300, 2_500, len(around))
    around = around + np.column_stack([np.cos(angle), np.sin(angle)]) * radius[:, None]
    points = shapely.points(np.vstack([spread, around]))
    inside, _ = shapely.STRtree(parcels.geometry.to_numpy()).query(points, predicate="intersects")
    points = np.delete(points, inside)[:homes_n]
    homes = gpd.GeoDataFrame(
        {"gebiedstype": np.where(rng.random(homes_n) < 0.3, "gemengd", "rustig")},
        geometry=points,
        crs="EPSG:28992",
    )
    parcels_path, homes_path = folder / "kavels.parquet", folder / "homes.parquet"
    parcels.to_parquet(parcels_path)
    homes.to_parquet(homes_path)
    return parcels_path, homes_path


def terreinen_way(parcels: gpd.GeoDataFrame, homes: gpd.GeoDataFrame) -> np.ndarray:
    effective = effective_categories(parcels, homes)["milieucategorie_feitelijk"]
    return pd.Categorical(effective, categories=schema.MILIEUCATEGORIEEN).codes


def plain_way(parcels: gpd.GeoDataFrame, homes: gpd.GeoDataFrame) -> np.ndarray:
    allowed = np.full(len(parcels), len(schema.MILIEUCATEGORIEEN) - 1)
    left = parcels[["geometry"]].reset_index(drop=True)
    for area in ("rustig", "gemengd"):
        joined = gpd.sjoin_nearest(left, homes[homes["gebiedstype"] == area], distance_col="d")
        nearest = joined.groupby(level=0)["d"].min().reindex(left.index, fill_value=np.inf)
        allowed = np.minimum(allowed, allowed_category(nearest.to_numpy(), area))
    zoned = pd.Categorical(parcels["milieucategorie"], categories=schema.MILIEUCATEGORIEEN).codes
    return np.where(zoned < 0, -1, np.minimum(zoned, allowed))


def peak_mb() -> float:
    with open("/proc/self/status") as status:  # VmHWM: this process's own high-water mark
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def worker(way: str, parcels_path: str, homes_path: str) -> None:
    parcels, homes = gpd.read_parquet(parcels_path), gpd.read_parquet(homes_path)
    before = peak_mb()
    start = time.perf_counter()
    codes = (terreinen_way if way == "terreinen" else plain_way)(parcels, homes)
    seconds = time.perf_counter() - start
    counts = np.bincount(codes + 1, minlength=len(schema.MILIEUCATEGORIEEN) + 1).tolist()
    print(json.dumps({"s": seconds, "peak": peak_mb(), "before": before, "counts": counts}))


def measure(way: str, paths: tuple[Path, Path]) -> dict:
    command = [sys.executable, __file__, "--worker", way, *map(str, paths)]
    return json.loads(subprocess.run(command, capture_output=True, check=True, text=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--homes", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        worker(*options.worker)
        return
    with tempfile.TemporaryDirectory() as folder:
        paths = make_data(options.parcels, options.homes, Path(folder))
        pairs = [
            (measure("terreinen", paths), measure("plain", paths)) for _ in range(options.runs)
        ]
    ours, plain = [p[0] for p in pairs], [p[1] for p in pairs]
    if any(a["counts"] != b["counts"] for a, b in pairs):
        raise SystemExit("the two ways disagree on the effective categories")
    ratio = statistics.median(a["s"] / b["s"] for a, b in pairs)
    print(f"{options.parcels:,} parcels, {options.homes:,} homes, {options.runs} runs (median)")
    print("| way | s | peak MB | MB over the data read | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, runs, shown in (
        ("`terreinen.zoning.effective_categories`", ours, f"{ratio:.2f}x"),
        ("`sjoin_nearest` per area type + groupby min", plain, "1.00x"),
    ):
        seconds = statistics.median(r["s"] for r in runs)
        peak = max(r["peak"] for r in runs)
        over = max(r["peak"] - r["before"] for r in runs)
        print(f"| {name} | {seconds:.2f} | {peak:,.0f} | {over:,.0f} | {shown} |")
    labels = ["geen", *schema.MILIEUCATEGORIEEN]
    print("parcels per effective category:", dict(zip(labels, ours[0]["counts"], strict=True)))


if __name__ == "__main__":
    main()
