"""``partition`` of a parcels file read in one pass (up to ``settings.partition_in_memory``
parcels, the default) beside the same file read chunk by chunk (the way for larger files),
measured in the same run on the benchmark parcels of ``run.py``. No limits are asserted:
the ratios are the result.

    python3 benchmarks/partition.py                  # 10,000 and 100,000 parcels
    python3 benchmarks/partition.py --parcels 3360
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from run import make_data

from terreinen import settings
from terreinen.distributed import partition


def seconds(source: Path, in_memory: int) -> float:
    """The best of two partitions of ``source`` into parts of 2,500 parcels."""
    settings.partition_in_memory = in_memory
    best = float("inf")
    for _ in range(2):
        folder = Path(tempfile.mkdtemp())
        start = time.perf_counter()
        partition(source, folder / "parts", parcels_per_part=2_500)
        best = min(best, time.perf_counter() - start)
        shutil.rmtree(folder)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parcels", type=int, nargs="*", default=[10_000, 100_000])
    args = parser.parse_args()
    print("| parcels | format | chunk by chunk s | one pass s | ratio |")
    print("|---:|---|---:|---:|---:|")
    for n in args.parcels:
        paths = make_data(n)
        for name in ("GeoPackage", "GeoJSON"):
            chunks, whole = seconds(paths[name], 0), seconds(paths[name], n)
            print(f"| {n:,} | {name} | {chunks:.2f} | {whole:.2f} | {chunks / whole:.1f}x |")


if __name__ == "__main__":
    main()
