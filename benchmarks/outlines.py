"""Bounded work on a pathological parcel (issue 19): the embedded parcels with one
self-intersecting parcel of N vertices (a chain of bow-ties that repairs into N/2 pieces
touching at points, overlapping its neighbours), mapped beside the embedded parcels alone,
measured in the same run, each in a fresh process. No limits are asserted: the ratios are
the result. Also the park-outline dissolve alone, terreinen's beside geopandas' ``dissolve``
plus ``simplify`` (what the map did before), as long as that takes under a minute.

    python3 benchmarks/outlines.py                 # 2,000 to 100,000 vertices
    python3 benchmarks/outlines.py --vertices 1000000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

from terreinen import read_parcels
from terreinen.datasets import get_path
from terreinen.maps import overview_map, save_map
from terreinen.outlines import dissolve, simplify
from terreinen.study import Study

PARK = ["gemeente", "terrein"]
OLD_METHOD_UP_TO = 10_000  # vertices: geopandas' dissolve takes minutes beyond


def chain(vertices: int, x: float, y: float, length: float = 600.0) -> shapely.Polygon:
    """A ring up one zigzag and back along its mirror image (tests/test_outlines.py)."""
    k = vertices // 2 - 1
    s = length / (2 * k)
    i = np.arange(k + 1)
    there = np.column_stack([x + 2 * s * i, y + 2 * s * (i % 2)])
    back = np.column_stack([x + 2 * s * i, y + 2 * s * ((i + 1) % 2)])[::-1]
    return shapely.Polygon(np.vstack([there, back]))


def make_file(vertices: int, folder: Path) -> Path:
    parcels = read_parcels(get_path("parcels"))
    if vertices:
        centre = parcels.geometry.iloc[0].centroid
        parcels.loc[parcels.index[0], "geometry"] = chain(vertices, centre.x - 300, centre.y)
    path = folder / f"kavels-{vertices}.gpkg"
    parcels.to_file(path, driver="GPKG", layer="kavels")
    return path


def peak_mb() -> float:
    status = Path("/proc/self/status").read_text()
    line = next(row for row in status.splitlines() if row.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


def one(path: Path, method: str) -> None:
    """Child process: the seconds of one measurement and the peak memory."""
    start = time.perf_counter()
    if method == "map":
        save_map(overview_map(Study.from_file(path)), path.with_suffix(".html"))
    else:
        parcels = read_parcels(path)
        start = time.perf_counter()
        if method == "terreinen":
            outlines = dissolve(parcels, PARK)
            simplify(outlines.to_numpy(), 1.0)
        else:
            parcels[[*PARK, "geometry"]].dissolve(by=PARK).geometry.simplify(1.0)
    print(f"{time.perf_counter() - start:.2f} {peak_mb():.0f}")


def measure(path: Path, method: str) -> tuple[float, float]:
    args = [sys.executable, __file__, "--one", str(path), "--method", method]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    seconds, mb = done.stdout.split()[-2:]
    return float(seconds), float(mb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vertices", type=int, nargs="*", default=[2_000, 10_000, 100_000])
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--method", default="map", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.one:
        one(options.one, options.method)
        return
    with tempfile.TemporaryDirectory() as folder:
        base_s, base_mb = measure(make_file(0, Path(folder)), "map")
        print(f"embedded parcels alone: map {base_s:.2f} s, {base_mb:,.0f} MB")
        print("| vertices | map s | ratio | peak MB | dissolve s | geopandas dissolve s |")
        print("|---:|---:|---:|---:|---:|---:|")
        for vertices in options.vertices:
            path = make_file(vertices, Path(folder))
            seconds, mb = measure(path, "map")
            ours, _ = measure(path, "terreinen")
            old = f"{measure(path, 'geopandas')[0]:.2f}" if vertices <= OLD_METHOD_UP_TO else "-"
            print(
                f"| {vertices:,} | {seconds:.2f} | {seconds / base_s:.1f}x | {mb:,.0f} "
                f"| {ours:.2f} | {old} |"
            )


if __name__ == "__main__":
    main()
