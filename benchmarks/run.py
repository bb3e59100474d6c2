"""Benchmarks: terreinen beside the plain geopandas path, printed as one markdown table.

    python benchmarks/run.py                 # 1k, 10k and 100k parcels
    python benchmarks/run.py --sizes 1000    # quick
    python benchmarks/run.py --million       # adds 1M parcels (several minutes more)
    python benchmarks/run.py --no-explore    # skip GeoDataFrame.explore() (slow at 100k)
    python benchmarks/run.py --maps-only     # only the maps (embedded data, then the sizes)
    python benchmarks/run.py --sizes --dask 1000000 2000000 4000000   # the dask engine only
    python benchmarks/run.py --sizes --overlaps 3000   # pathological overlaps only

Every measurement runs in a fresh Python process, so its peak memory (VmHWM) is its own.
Data comes from data/generate.py (copies of the embedded parks) and is kept in
benchmarks/_data/ between runs. Needs Debian's /usr/bin/chromium for the draw times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "_data"
FORMATS = {"GeoParquet": ".parquet", "GeoPackage": ".gpkg", "GeoJSON": ".geojson"}

# (untimed setup, timed work)
SETUP = (
    "import warnings; warnings.simplefilter('ignore'); import geopandas, pyogrio, terreinen; "
    "terreinen.read_parcels"  # the lazy API import is setup, not work
)
PLAIN_READ = {
    ".parquet": (SETUP, "frame = geopandas.read_parquet(PATH)"),
    ".gpkg": (SETUP, "frame = pyogrio.read_dataframe(PATH, use_arrow=True)"),
    ".geojson": (SETUP, "frame = pyogrio.read_dataframe(PATH, use_arrow=True)"),
}
TERREINEN = (
    SETUP + "; from terreinen.capacity import capacity",
    "frame = capacity(terreinen.read_parcels(PATH), 'gemeente')",
)
OUR_MAP = (
    SETUP + "; from terreinen.maps import overview_map, save_map",
    "save_map(overview_map(terreinen.read_parcels(PATH)), OUT)",
)
VALIDATE = (SETUP, "frame = terreinen.validate(PATH); extra['findings'] = len(frame.warnings)")
EXPLORE = (
    SETUP + "; import folium, mapclassify",
    "(geopandas.read_parquet if PATH.endswith('.parquet') else geopandas.read_file)(PATH)"
    ".explore().save(OUT)",
)
DASK = (
    SETUP + "; from distributed import Client, LocalCluster; "
    "from terreinen.capacity import capacity; "
    "cluster = LocalCluster(n_workers=int(OUT), threads_per_worker=1, "
    "dashboard_address=None, silence_logs=40); client = Client(cluster)",
    "frame = capacity(PATH, 'gemeente', engine='dask', engine_kwds={'scheduler': client})",
    "extra['workers'] = list(client.run(peak).values())",
)
_RUNNER = textwrap.dedent(
    """
    import json, sys, time

    def peak():  # VmHWM, not ru_maxrss: Linux carries that over from the parent's exec
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024
    PATH, OUT, REPEAT = sys.argv[1], sys.argv[2], int(sys.argv[5])
    extra = {}
    exec(sys.argv[3])
    seconds = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        exec(sys.argv[4])
        seconds.append(time.perf_counter() - start)
        frame = None  # free the result before the next round
    exec(sys.argv[6])
    seconds = min(seconds)
    print(json.dumps({"seconds": seconds, "peak": peak(), **extra}))
    """
)


def measure(code: tuple, path: Path, out: Path | None = None, repeat: int = 1) -> dict:
    """Seconds of the timed part of ``code`` = (setup, timed[, after]), the best of
    ``repeat`` rounds, and peak memory, in a fresh process. ``after`` may fill ``extra``."""
    setup, timed, after = (*code, "")[:3]
    args = [str(path), str(out or ""), setup, timed, str(repeat), after]
    result = subprocess.run(
        [sys.executable, "-c", _RUNNER, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def make_data(size: int) -> dict[str, Path]:
    """The benchmark parcels of one size in every format (made once, then reused)."""
    paths = {name: DATA / f"parcels_{size}{suffix}" for name, suffix in FORMATS.items()}
    if all(p.exists() for p in paths.values()):
        return paths
    sys.path.insert(0, str(ROOT / "data"))
    import generate

    parcels = generate.scaled_parcels(size)
    DATA.mkdir(exist_ok=True)
    parcels.to_parquet(paths["GeoParquet"])
    parcels.to_file(paths["GeoPackage"], driver="GPKG", engine="pyogrio")
    generate.write_geojson(parcels, paths["GeoJSON"])
    return paths


def make_parts(size: int) -> Path:
    """The benchmark parcels of one size as partitioned GeoParquet, made piece by piece so
    that sizes beyond memory can be made (once, then reused)."""
    from terreinen import settings

    folder = DATA / f"parts_{size}"
    if folder.exists():
        return folder
    sys.path.insert(0, str(ROOT / "data"))
    import generate

    scratch = DATA / f".parts_{size}"
    scratch.mkdir(parents=True, exist_ok=True)
    step = settings.parcels_per_part
    for number, first in enumerate(range(0, size, step)):
        piece = generate.scaled_parcels(min(step, size - first), first=first)
        piece.to_parquet(scratch / f"part.{number:04d}.parquet")
    scratch.rename(folder)
    return folder


def make_overlaps(size: int) -> dict[str, Path]:
    """Pathological files: ``size`` parcels sharing one outline, and ``size`` stacked ones
    (each 5 cm east of the one before, so that every pair overlaps)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    DATA.mkdir(exist_ok=True)
    shift = {"one outline": 0.0, "stacked": 0.05}
    paths = {}
    for name, step in shift.items():
        path = DATA / f"overlaps_{name.replace(' ', '_')}_{size}.parquet"
        if not path.exists():
            x = 233_000 + step * np.arange(size)
            frame = gpd.GeoDataFrame(
                {
                    "kavel_id": [f"K{i}" for i in range(size)],
                    "terrein": "Stapel", "gemeente": "Assen", "provincie": "Drenthe",
                    "status": "terstond_uitgeefbaar", "planfase": 1, "milieucategorie": "3.1",
                    "segment": "gemengd",
                },
                geometry=shapely.box(x, 557_000, x + 100, 557_100),
                crs="EPSG:28992",
            )  # fmt: skip
            frame.to_parquet(path)
        paths[name] = path
    return paths


def first_draw(html: Path, *, ours: bool) -> float:
    """Milliseconds from navigation to the first frame with the map drawn, network blocked."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from browser import CHROMIUM, FLAGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
        )
        page.set_default_timeout(600_000)
        page.goto(html.resolve().as_uri(), wait_until="load")
        if ours:
            page.wait_for_function("window.terreinenMap && window.terreinenMap.firstDraw !== null")
            ms = page.evaluate("terreinenMap.firstDraw")
        else:  # explore() draws while the page loads; the next frame shows it
            ms = page.evaluate(
                "new Promise(r => requestAnimationFrame("
                "() => requestAnimationFrame(() => r(performance.now()))))"
            )
        browser.close()
    return ms


def map_kinds(no_explore: bool) -> list[tuple]:
    """Our map, and GeoDataFrame.explore() as the baseline measured in the same run."""
    kinds = [("terreinen overview_map", OUR_MAP, True)]
    return kinds if no_explore else [*kinds, ("GeoDataFrame.explore()", EXPLORE, False)]


def map_row(size: str, label: str, code: tuple, path: Path, ours: bool, name) -> str:
    """Build and save one map, then draw it in Chromium: one row of the map table."""
    html = DATA / f"map_{'ours' if ours else 'explore'}_{name}.html"
    DATA.mkdir(exist_ok=True)
    built = measure(code, path, html)
    draw = first_draw(html, ours=ours) / 1000
    megabytes = html.stat().st_size / 1e6
    line = row(size, label, f"{built['seconds']:.1f}", f"{megabytes:.2f}", f"{draw:.2f}",
               f"{built['peak'] / 1e6:,.0f}")  # fmt: skip
    print(line, flush=True)
    return line


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), ""
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    system = f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {system}"


def row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000])
    parser.add_argument("--million", action="store_true", help="add 1,000,000 parcels")
    parser.add_argument("--no-explore", action="store_true", help="skip GeoDataFrame.explore()")
    parser.add_argument("--maps-only", action="store_true", help="only the map measurements")
    parser.add_argument("--results", type=Path, help="also write the table to this markdown file")
    parser.add_argument(
        "--dask", type=int, nargs="*", default=[], metavar="SIZE",
        help="also run the dask engine on partitioned GeoParquet of these sizes",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers (--dask)")
    parser.add_argument(
        "--overlaps", type=int, nargs="*", default=[], metavar="SIZE",
        help="validate files of SIZE parcels sharing one outline, and SIZE stacked ones",
    )  # fmt: skip
    args = parser.parse_args()
    sizes = args.sizes + ([1_000_000] if args.million else [])
    lines = [
        "| parcels | format | plain read s | read + validate + capacity s | ratio | peak MB |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    map_lines = [
        "| parcels | map | build + save s | HTML MB | first draw s | peak MB |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    embedded = ROOT / "terreinen" / "data" / "parcels.geojson"
    for label, code, ours in map_kinds(args.no_explore):
        map_lines.append(map_row("embedded (3,360)", label, code, embedded, ours, "embedded"))
    for size in sizes:
        paths = make_data(size)
        for name, path in paths.items():
            if args.maps_only:
                break
            repeat = 3 if size <= 100_000 else 1  # the best of 3 evens out a busy machine
            plain = measure(PLAIN_READ[path.suffix], path, repeat=repeat)
            ours = measure(TERREINEN, path, repeat=repeat)
            ratio = ours["seconds"] / plain["seconds"]
            lines.append(
                row(f"{size:,}", name, f"{plain['seconds']:.2f}", f"{ours['seconds']:.2f}",
                    f"{ratio:.1f}x", f"{ours['peak'] / 1e6:,.0f}")
            )  # fmt: skip
            print(lines[-1], flush=True)
        if size > 100_000:
            continue  # the maps are measured up to 100k parcels
        for label, code, ours in map_kinds(args.no_explore):
            map_lines.append(map_row(f"{size:,}", label, code, paths["GeoParquet"], ours, size))
    dask_lines = [
        "| parcels | parts | workers | dask capacity s | parcels/s | peak MB per worker | "
        "peak MB client |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in args.dask:
        folder = make_parts(size)
        result = measure(DASK, folder, out=args.workers)
        dask_lines.append(
            row(f"{size:,}", len(list(folder.glob("*.parquet"))), args.workers,
                f"{result['seconds']:.1f}", f"{size / result['seconds']:,.0f}",
                " / ".join(f"{peak / 1e6:,.0f}" for peak in result["workers"]),
                f"{result['peak'] / 1e6:,.0f}")
        )  # fmt: skip
        print(dask_lines[-1], flush=True)
    overlap_lines = [
        "| parcels | file | plain read s | validate s | ratio | overlap findings | peak MB |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for size in args.overlaps:
        for name, path in make_overlaps(size).items():
            plain = measure(PLAIN_READ[".parquet"], path)
            checked = measure(VALIDATE, path)
            overlap_lines.append(
                row(f"{size:,}", name, f"{plain['seconds']:.2f}", f"{checked['seconds']:.2f}",
                    f"{checked['seconds'] / plain['seconds']:.0f}x", f"{checked['findings']:,}",
                    f"{checked['peak'] / 1e6:,.0f}")
            )  # fmt: skip
            print(overlap_lines[-1], flush=True)
    tables = [t for t in (lines, map_lines, dask_lines, overlap_lines) if len(t) > 2]
    table = "\n".join([f"Machine: {machine()}", "", *("\n".join(t) + "\n" for t in tables)])
    print("\n" + table)
    if args.results:
        args.results.write_text(table)


if __name__ == "__main__":
    main()
