"""Overlap checks on stacked parcels: N copies of one 1 ha parcel, each 5 cm further east
(every pair overlaps), validated beside N parcels side by side (no overlaps), measured in the
same run. Only the first 20 overlaps of a parcel are measured, the rest counted, so the
stack should cost a small multiple of the side-by-side parcels, not N². No limits are
asserted: the ratios are the result.

    python3 benchmarks/stacked.py            # 300, 1,000 and 3,000 parcels
"""

from __future__ import annotations

import argparse
import time
import warnings

import geopandas as gpd
import shapely

from terreinen import validate


def parcels(n: int, step: float) -> gpd.GeoDataFrame:
    """``n`` 100 m x 100 m Assen parcels, each ``step`` metres east of the one before."""
    x, y = 233_000.0, 557_000.0
    return gpd.GeoDataFrame(
        {
            "kavel_id": [f"K{i}" for i in range(n)],
            "terrein": "Stapel",
            "gemeente": "Assen",
            "provincie": "Drenthe",
            "status": "terstond_uitgeefbaar",
            "planfase": 1,
        },
        geometry=[shapely.box(x + step * i, y, x + step * i + 100, y + 100) for i in range(n)],
        crs="EPSG:28992",
    )


def seconds(frame: gpd.GeoDataFrame) -> float:
    """The best of three validations."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            validate(frame)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parcels", type=int, nargs="*", default=[300, 1000, 3000])
    args = parser.parse_args()
    print("| parcels | side by side s | stacked s | ratio |")
    print("|---:|---:|---:|---:|")
    for n in args.parcels:
        apart, stacked = seconds(parcels(n, 200.0)), seconds(parcels(n, 0.05))
        print(f"| {n:,} | {apart:.2f} | {stacked:.2f} | {stacked / apart:.1f}x |")


if __name__ == "__main__":
    main()
