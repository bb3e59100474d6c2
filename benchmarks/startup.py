"""How quickly the command line answers ``--help``, beside Python's own start-up and the
import of geopandas, measured in the same run (medians of whole processes).

    python3 benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "terreinen --help": [sys.executable, "-m", "terreinen", "--help"],
    "terreinen capacity --nonsense": [sys.executable, "-m", "terreinen", "capacity", "--x"],
    "python -c 'import geopandas'": [sys.executable, "-c", "import geopandas"],
}


def median_seconds(command: list[str], runs: int) -> float:
    subprocess.run(command, capture_output=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    results = {name: median_seconds(command, runs) for name, command in COMMANDS.items()}
    baseline = results["python -c pass (baseline)"]
    print(f"| command | median s ({runs} runs) | ratio to `python -c pass` |")
    print("|---|---:|---:|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds:.3f} | {seconds / baseline:.1f}x |")


if __name__ == "__main__":
    main()
