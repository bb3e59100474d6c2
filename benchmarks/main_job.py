"""The main job (``terreinen overview``) beside ``terreinen capacity`` on the same parcels,
measured in the same run as whole processes, taken in turn (capacity, overview, capacity,
...) so that a machine whose speed drifts affects both alike; medians and the median of the
pairwise ratios.

    python3 benchmarks/main_job.py                   # the embedded data
    python3 benchmarks/main_job.py --parcels 100000  # copies of the embedded parks

Issue 18 asks for ``overview`` on the embedded data at most 2.5x the ``capacity`` process,
and on 100,000 parcels at most 30 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "data"))

from generate import scaled_parcels  # noqa: E402  (data/ is not a package)


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parcels", type=int, default=0, help="0: the embedded data")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        source: list[str] = []
        if options.parcels:
            path = work / f"kavels_{options.parcels}.parquet"
            scaled_parcels(options.parcels).to_parquet(path)
            source = [str(path)]
        terreinen = [sys.executable, "-m", "terreinen", "--quiet"]
        as_of = ["--as-of", "2026-01-01"]
        capacity = [*terreinen, "capacity", *source, *as_of]
        overview = [*terreinen, "overview", *source, *as_of, "--out-dir", str(work / "maps")]
        seconds(capacity)  # warm the file cache
        pairs = [(seconds(capacity), seconds(overview)) for _ in range(options.runs)]
    base = statistics.median(p[0] for p in pairs)
    main_job = statistics.median(p[1] for p in pairs)
    ratio = statistics.median(b / a for a, b in pairs)
    what = f"{options.parcels:,} parcels" if options.parcels else "the embedded data"
    print(f"| {what} | median s ({options.runs} runs) | ratio |")
    print("|---|---:|---:|")
    print(f"| `terreinen capacity` (baseline) | {base:.2f} | 1.0x |")
    print(f"| `terreinen overview` | {main_job:.2f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
