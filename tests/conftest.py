"""Hand-built fixtures: rectangles in RD New whose areas are known exactly."""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
import typer.main
import typer.testing

# The suite reads messages and numbers in English (the source strings) unless a test asks
# for Dutch (``--lang nl``, or ``TERREINEN_LANG=""`` for the default); set before terreinen
# is imported, so that subprocesses and settings.language see it too
os.environ.setdefault("TERREINEN_LANG", "en")
# ... and in settings, which pytest may have imported already (pyproject's filterwarnings
# names terreinen.errors, read before this file)
from terreinen import settings

settings.language = os.environ["TERREINEN_LANG"] or "nl"


ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "terreinen" / "data"
ARTIFACTS = ROOT / "tests" / "_artifacts"

# A spot in Assen, in RD New metres (3.7 km inside its CBS outline)
X0, Y0 = 233_000.0, 557_000.0
# A point well inside each other municipality whose parcels the fixtures draw: the
# representative point of its CBS outline of 2025 (terreinen.io.cbs.municipalities(),
# computed once and written here; for Meppel and Tynaarlo, of the outline shrunk by 2 km),
# 2.1 (Meppel) to 7.6 km from its border. A parcel lies in the municipality it states, or
# reading it warns (docs/data-model.md, "CBS reference geography")
PLACES = {
    "Assen": (X0, Y0),
    "Coevorden": (244_873.0, 529_830.0),
    "Emmen": (260_489.0, 529_710.0),
    "Hardenberg": (239_359.0, 510_024.0),
    "Meppel": (208_096.0, 526_337.0),
    "Tynaarlo": (233_930.0, 568_612.0),
}


def rect(
    x: float, y: float, width: float, height: float, gemeente: str = "Assen"
) -> shapely.Polygon:
    """A rectangle with its lower-left corner ``(x, y)`` metres from the fixture origin of
    ``gemeente`` (its point in ``PLACES``; Assen's is ``(X0, Y0)``)."""
    x0, y0 = PLACES[gemeente]
    return shapely.box(x0 + x, y0 + y, x0 + x + width, y0 + y + height)


def parcel(kavel_id: str, geometry, **fields) -> dict:
    """One parcel row with sensible defaults for every required column."""
    row = {
        "kavel_id": kavel_id,
        "terrein": "Testpark",
        "gemeente": "Assen",
        "provincie": "Drenthe",
        "status": "terstond_uitgeefbaar",
        "planfase": 1,
        "milieucategorie": "3.1",
        "segment": "gemengd",
        "geometry": geometry,
    }
    row.update(fields)
    return row


def frame(rows: list[dict], crs="EPSG:28992") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


# The hand-worked fixture: every capacity figure of these parcels was worked out by hand.
AS_OF = "2026-06-30"  # take-up window: the full years 2016-2025

# id, gemeente, provincie, width m, height m, status, planfase, milieucategorie, segment,
# eigenaar, uitgiftedatum -> hectares = width * height / 10,000
ROWS = [
    ("A", "Assen", "Drenthe", 100, 100, "terstond_uitgeefbaar", 1, "4.2", "logistiek", "gemeente", None),
    ("B", "Assen", "Drenthe", 200, 100, "niet_terstond_uitgeefbaar", 2, "3.1", "gemengd", "particulier", None),
    ("C", "Assen", "Drenthe", 50, 100, "optie", 3, "5.1", "zwaar", "gemeente", None),
    ("D", "Assen", "Drenthe", 300, 100, "uitgegeven", 1, "3.1", "gemengd", "particulier", "2020-03-01"),
    ("E", "Assen", "Drenthe", 100, 50, "uitgegeven", 1, "3.1", "gemengd", "particulier", "2010-01-01"),
    ("F", "Assen", "Drenthe", 100, 20, "niet_uitgeefbaar", 1, "1", "gemengd", "gemeente", None),
    ("G", "Assen", "Drenthe", 400, 100, "uitgegeven", 1, "4.2", "logistiek", "particulier", "2026-08-01"),
    ("H", "Emmen", "Drenthe", 150, 100, "niet_terstond_uitgeefbaar", 4, "2", "woon_werk", "gemeente", None),
    ("I", "Emmen", "Drenthe", 100, 100, "uitgegeven", 1, "2", "gemengd", "particulier", "2025-12-31"),
    ("J", "Hardenberg", "Overijssel", 100, 100, "uitgegeven", 1, "3.2", "gemengd", "particulier", "2016-01-01"),
    ("K", "Hardenberg", "Overijssel", 80, 100, "uitgegeven", 1, "3.2", "gemengd", "particulier", "2015-12-31"),
    ("L", "Coevorden", "Drenthe", 100, 100, "terstond_uitgeefbaar", 1, "3.1", "gemengd", "gemeente", None),
    ("M", "Coevorden", "Drenthe", 50, 10, "terstond_uitgeefbaar", 1, "3.1", "gemengd", "gemeente", None),
    ("N", "Coevorden", "Drenthe", 20, 100, "niet_terstond_uitgeefbaar", 5, "3.1", "gemengd", "particulier", None),
]  # fmt: skip

REGIONS = pd.DataFrame(
    {
        "gemeente": ["Assen", "Emmen", "Emmen", "Hardenberg", "Coevorden"],
        "provincie": ["Drenthe", "Drenthe", "Drenthe", "Overijssel", "Drenthe"],
        "regio": ["R1", "R1", "R2", "R2", "R3"],
    }
)

COLUMNS = [
    "n_kavels", "bruto_ha", "netto_ha", "uitgegeven_ha", "optie_ha", "terstond_ha",
    "niet_terstond_ha", "hard_ha", "zacht_ha", "grootste_kavel_ha", "uitgifte_ha_per_jaar",
    "voorraad_jaren_hard",
]  # fmt: skip
# Worked out by hand from ROWS on AS_OF. G was sold after AS_OF, so it is unsold (terstond,
# hard) then. Take-up counts D (2020), I (2025) and J (2016); E (2010) and K (2015) are
# before the window.
EXPECTED = {
    "Assen": [7, 11.2, 11.0, 3.5, 0.5, 5.0, 2.0, 7.0, 0.5, 4.0, 0.3, 7.0 / 0.3],
    "Coevorden": [3, 1.25, 1.25, 0.0, 0.0, 1.05, 0.2, 1.05, 0.2, 1.0, 0.0, math.nan],
    "Emmen": [2, 2.5, 2.5, 1.0, 0.0, 0.0, 1.5, 0.0, 1.5, 1.5, 0.1, 0.0],
    "Hardenberg": [2, 1.8, 1.8, 1.8, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.0],
    "Totaal": [14, 16.75, 16.55, 6.3, 0.5, 6.05, 3.7, 8.05, 2.2, 4.0, 0.5, 8.05 / 0.5],
}


def build(rows=ROWS) -> gpd.GeoDataFrame:
    """The hand-worked parcels: ``rows`` as rectangles side by side, 10 m apart, each
    municipality's from its point in ``PLACES`` on (where the others' would be, a gap)."""
    parcels, x = [], 0.0
    for kavel_id, gemeente, provincie, w, h, status, phase, milieu, segment, owner, date in rows:
        parcels.append(
            parcel(
                kavel_id,
                rect(x, 0, w, h, gemeente),
                gemeente=gemeente,
                provincie=provincie,
                terrein=f"Park {gemeente}",
                status=status,
                planfase=phase,
                milieucategorie=milieu,
                segment=segment,
                eigenaar=owner,
                uitgiftedatum=date,
            )
        )
        x += w + 10
    from terreinen import read_parcels

    return read_parcels(frame(parcels))


@pytest.fixture(scope="session")
def hand_worked() -> gpd.GeoDataFrame:
    return build()


@pytest.fixture
def three_parcels() -> gpd.GeoDataFrame:
    """1 ha, 2 ha and 0.5 ha side by side, one of each unsold kind of status."""
    return frame(
        [
            parcel("A", rect(0, 0, 100, 100), status="terstond_uitgeefbaar"),
            parcel("B", rect(100, 0, 200, 100), status="uitgegeven", uitgiftedatum="2020-05-01"),
            parcel("C", rect(300, 0, 50, 100), status="optie", planfase=3),
        ]
    )


# Nothing fits: a company needs 6 ha at 5.1, hard, not under option, within 10 km of the
# fixture origin. Each parcel is 100 m deep: hectares = width / 100. Assen reaches 4.5 km
# east of the origin: P5 lies north of it, P6 and S west, P3 (20 km east) in Aa en Hunze.
CLOSE = [
    # id, x m, y m, width m, status, planfase, milieucategorie, gemeente
    ("P1", 0, 0, 550, "terstond_uitgeefbaar", 1, "5.1", "Assen"),  # 5.5 ha: 0.5 ha short
    ("P2", 1000, 0, 600, "terstond_uitgeefbaar", 1, "4.2", "Assen"),  # 6 ha, one category low
    ("P3", 20_000, 0, 700, "terstond_uitgeefbaar", 1, "5.1", "Aa en Hunze"),  # 20.35 km away
    ("P4", 3000, 0, 800, "niet_terstond_uitgeefbaar", 4, "5.1", "Assen"),  # 8 ha soft
    ("P5", -450, 5450, 900, "optie", 1, "6", "Assen"),  # 9 ha under option, 5.45 km north
    ("P6", -2000, 0, 200, "terstond_uitgeefbaar", 1, "3.1", "Assen"),  # 2 ha at 3.1: two wishes
    ("S", -3500, 0, 900, "uitgegeven", 1, "6", "Assen"),  # sold: never offered
]
# (X0, Y0 + 50) as lat,lon: the centres of P1-P4, P6 and S lie due east or west of it
_LON, _LAT = pyproj.Transformer.from_crs(28992, 4326, always_xy=True).transform(X0, Y0 + 50)
ORIGIN = f"{_LAT:.7f},{_LON:.7f}"


def close_frame() -> gpd.GeoDataFrame:
    """The parcels of ``CLOSE``, each 100 m deep, all of segment zwaar."""
    rows = [
        parcel(i, rect(x, y, w, 100), status=s, planfase=p, milieucategorie=m, gemeente=g,
               segment="zwaar", uitgiftedatum="2020-01-01" if s == "uitgegeven" else None)
        for i, x, y, w, s, p, m, g in CLOSE
    ]  # fmt: skip
    return frame(rows)


@pytest.fixture(scope="session")
def embedded_path() -> Path:
    return DATA / "parcels.geojson"


@pytest.fixture(scope="session")
def embedded(embedded_path):
    from terreinen import read_parcels

    return read_parcels(embedded_path)


# The maps of the embedded data that several test files open, made once per worker and only
# read: on a date after every sale date in the embedded data (test_maps checks that)
MAPS_AS_OF = "2026-01-01"
MAP_TABLES = {"agreements": DATA / "agreements.csv", "regions": DATA / "gemeenten.csv"}


@pytest.fixture(scope="session")
def overview_file(tmp_path_factory, embedded) -> Path:
    """The province map with the embedded agreements, alone in its folder."""
    from terreinen.maps import overview_map, save_map

    path = tmp_path_factory.mktemp("maps") / "overview.html"
    return save_map(overview_map(embedded, as_of=MAPS_AS_OF, **MAP_TABLES), path)


@pytest.fixture(scope="session")
def plain_overview(embedded):
    """The province map without agreements (a MapPage: read its ``data``, never change it)."""
    from terreinen.maps import overview_map

    return overview_map(embedded, as_of=MAPS_AS_OF)


@pytest.fixture(scope="session")
def plain_overview_file(tmp_path_factory, plain_overview) -> Path:
    from terreinen.maps import save_map

    return save_map(plain_overview, tmp_path_factory.mktemp("maps") / "m.html")


@pytest.fixture(scope="session")
def example_store(tmp_path_factory) -> Path:
    """``terreinen register init --example``: the embedded data's history as a register,
    made once per worker (several seconds) and only read; a test that changes a register
    or lists its folder copies it (:func:`copy_example`)."""
    store = tmp_path_factory.mktemp("example") / "register.gpkg"
    result = cli("register", "init", "--store", store, "--example")
    assert result.exit_code == 0, result.stderr
    return store


def copy_example(example_store: Path, target: Path) -> Path:
    """A copy of the example register at ``target`` (a GeoPackage is one file)."""
    shutil.copyfile(example_store, target)
    return target


@pytest.fixture
def artifacts() -> Path:
    """A fresh folder of this run under tests/_artifacts (screenshots for people to look
    at): what a test counts there is what it wrote, not what an earlier run left."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{dt.datetime.now():%Y%m%d-%H%M%S}-", dir=ARTIFACTS))


# typer's CliRunner builds the click command from the app on every invoke (type hints of
# every command's parameters: 0.15-0.35 s); built once per worker instead. Click commands
# keep no state between runs (each run gets a fresh context)
assert typer.testing._get_command is typer.main.get_command, "typer changed: revisit this"
typer.testing._get_command = functools.cache(typer.main.get_command)


def cli(*args, env: dict | None = None):
    """Run the command line in this process (typer's CliRunner): ``exit_code``, ``stdout``,
    ``stderr``. Much faster than a subprocess; ``tests/test_smoke.py`` keeps a few of those."""
    from typer.testing import CliRunner

    from terreinen.cli import app

    # as off a terminal (a pipe): whatever COLUMNS the test runner has (xdist sets 80)
    env = {"COLUMNS": "100000", **(env or {})}
    result = CliRunner(env=env).invoke(app, [str(arg) for arg in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # the command group turns every error into a message
    return result


def read_cli_csv(source, **options) -> pd.DataFrame:
    """A CSV the command line wrote (its stdout text, or a file path) in its default dialect,
    as Dutch Excel opens it: ``;`` between fields, decimal comma, UTF-8 with BOM in files."""
    import io

    if isinstance(source, str):
        source = io.StringIO(source)
    return pd.read_csv(source, sep=";", decimal=",", encoding="utf-8-sig", **options)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (per xdist worker)."""
    from browser import CHROMIUM, FLAGS, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()
