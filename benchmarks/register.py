"""Benchmark of the parcel register: a 100,000-parcel delivery into a register that holds
100,000 parcels (read, validate, diff, write in one transaction), and capacity from the
register at an as-of date beside capacity from a GeoParquet file, on both stores.

    python benchmarks/register.py                    # 100,000 parcels, GeoPackage + PostGIS
    python benchmarks/register.py --size 10000       # quick
    python benchmarks/register.py --postgres postgresql:///terreinen_test

PostgreSQL must run (tests/install.sh starts it); each run uses a new schema and drops it after.
Prints a markdown table for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
import uuid
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely

from terreinen import read_parcels
from terreinen.capacity import capacity
from terreinen.register import Register

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2025-06-01"


def _generator():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "data" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def deliveries(size: int, folder: Path) -> tuple[Path, Path, dict]:
    """Two deliveries of ``size`` parcels as GeoParquet: the second has 3% of the parcels
    sold, 2% with another plan phase, 1% with a moved outline, 1% gone and 1% new."""
    generate = _generator()
    first = generate.scaled_parcels(size)
    rng = np.random.default_rng(13)
    second = first.copy()
    unsold = np.flatnonzero(second["status"] != "uitgegeven")
    picks = rng.permutation(len(second))
    n = size // 100
    sold = np.intersect1d(picks[: 3 * n * 3], unsold)[: 3 * n]
    second.loc[sold, "status"] = "uitgegeven"
    second.loc[sold, "uitgiftedatum"] = "2025-03-01"
    phase = picks[9 * n : 11 * n]
    second.loc[phase, "planfase"] = np.where(second.loc[phase, "planfase"] <= 2, 3, 1)
    moved = picks[11 * n : 12 * n]
    second.loc[moved, "geometry"] = shapely.buffer(second.loc[moved, "geometry"].to_numpy(), -1.0)
    gone = picks[12 * n : 13 * n]
    second = second.drop(index=gone)
    new = generate.scaled_parcels(n, first=size)
    second = gpd.GeoDataFrame(pd.concat([second, new], ignore_index=True), crs=first.crs)
    paths = folder / "levering-1.parquet", folder / "levering-2.parquet"
    first.to_parquet(paths[0])
    second.to_parquet(paths[1])
    return *paths, {"sold": len(sold), "phase": len(phase), "moved": n, "gone": n, "new": n}


def _best(func, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def run(store: str, first: Path, second: Path) -> dict:
    with Register.create(store) as register:
        start = time.perf_counter()
        register.import_delivery(first, date="2024-01-01", source="1")
        initial = time.perf_counter() - start
        start = time.perf_counter()
        diff = register.import_delivery(second, date="2025-01-01", source="2")
        update = time.perf_counter() - start

    def from_store():
        with Register.open(store) as register:
            capacity(register.state(as_of=AS_OF), "gemeente", as_of=AS_OF)

    def from_file():
        capacity(read_parcels(second), "gemeente", as_of=AS_OF)

    return {
        "initial": initial,
        "update": update,
        "diff": diff,
        "store_capacity": _best(from_store),
        "file_capacity": _best(from_file),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql:///terreinen_test")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the changed plan phases give findings worth a look
    with tempfile.TemporaryDirectory() as folder:
        first, second, made = deliveries(args.size, Path(folder))
        print(f"delivery 2 against 1: {made}")
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
            try:
                url = f"{args.postgres}?options=-csearch_path%3D{schema},public"
                results = {
                    "GeoPackage": run(str(Path(folder) / "register.gpkg"), first, second),
                    "PostGIS": run(url, first, second),
                }
            finally:
                admin.execute(f"DROP SCHEMA {schema} CASCADE")
    print(
        "| store | parcels | first import s | second import + diff s | new / retired / changed "
        "| capacity from store (as-of) s | capacity from GeoParquet s | ratio |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|")
    for name, r in results.items():
        d = r["diff"]
        print(
            f"| {name} | {args.size:,} | {r['initial']:.2f} | {r['update']:.2f} | "
            f"{len(d.new):,} / {len(d.retired):,} / {len(d.changed):,} | "
            f"{r['store_capacity']:.2f} | {r['file_capacity']:.2f} | "
            f"{r['store_capacity'] / r['file_capacity']:.2f}x |"
        )


if __name__ == "__main__":
    main()
