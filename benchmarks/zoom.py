"""How quickly the overview map zooms into its parcels, beside its own first draw and beside
``GeoDataFrame.explore()``'s first draw of the same file, measured in the same run (headless
Chromium, network blocked). No limits are asserted: the ratios are the result.

    python3 benchmarks/zoom.py                  # 100,000 parcels
    python3 benchmarks/zoom.py --size 10000 --no-explore

The first zoom into parcels also decodes every parcel's outline and builds the grid that
finds the parcels of a view; later zooms only draw the parcels near the view.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from browser import CHROMIUM, FLAGS  # noqa: E402
from run import DATA, EXPLORE, OUR_MAP, first_draw, make_data, measure  # noqa: E402

ZOOM = 15  # parcel zoom (from 13) at a park
_ZOOM_IN = """([i, zoom]) => new Promise(resolve => {
    const map = terreinenMap.map, start = performance.now();
    map.setView(terreinenMap.center(i), zoom, {animate: false});
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - start)));
})"""


def zoom_times(html: Path, places: int) -> tuple[float, list[tuple[float, int]]]:
    """The page's first draw (ms) and, at ``places`` parks spread over the data, the ms from
    asking for the zoom to the second frame after it, with the number of parcels drawn."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
        )
        page.set_default_timeout(600_000)
        page.goto(html.resolve().as_uri())
        page.wait_for_function("window.terreinenMap && window.terreinenMap.ready")
        first = page.evaluate("terreinenMap.firstDraw")
        parks = page.evaluate("terreinenMap.parks().length")
        times = []
        for k in range(places):
            ms = page.evaluate(_ZOOM_IN, [(k * parks) // places, ZOOM])
            times.append((ms, page.evaluate("terreinenMap.drawnParcels().length")))
            page.evaluate("void terreinenMap.map.fitBounds(terreinenMap.bounds, {animate: false})")
        browser.close()
    return first, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--places", type=int, default=7)
    parser.add_argument("--no-explore", action="store_true")
    args = parser.parse_args()
    source = make_data(args.size)["GeoParquet"]
    ours = DATA / f"zoom_ours_{args.size}.html"
    built = measure(OUR_MAP, source, ours)
    first, times = zoom_times(ours, args.places)
    later = [ms for ms, _ in times[1:]]
    print(f"| {args.size:,} parcels | ms | vs first draw |")
    print("|---|---:|---:|")
    print(f"| build + save (read, validate, page) | {built['seconds'] * 1000:,.0f} | |")
    print(f"| first draw (province view) | {first:,.0f} | 1.00x |")
    print(f"| first zoom into parcels | {times[0][0]:,.0f} | {times[0][0] / first:.2f}x |")
    print(
        f"| later zooms, median of {len(later)} | {statistics.median(later):,.0f} | "
        f"{statistics.median(later) / first:.2f}x |"
    )
    counts = [n for _, n in times]
    print(f"| parcels drawn per zoomed view | {min(counts):,}–{max(counts):,} | |")
    if not args.no_explore:
        theirs = DATA / f"zoom_explore_{args.size}.html"
        measure(EXPLORE, source, theirs)
        draw = first_draw(theirs, ours=False)
        print(f"| GeoDataFrame.explore() first draw | {draw:,.0f} | {draw / first:.2f}x |")


if __name__ == "__main__":
    main()
