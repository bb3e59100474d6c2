"""Hand-built fixtures: rectangles in RD New whose areas are known exactly."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "terreinen" / "data"
ARTIFACTS = ROOT / "tests" / "_artifacts"

# A spot in Assen, in RD New metres
X0, Y0 = 233_000.0, 557_000.0


def rect(x: float, y: float, width: float, height: float) -> shapely.Polygon:
    """A rectangle with its lower-left corner ``(x, y)`` metres from the fixture origin."""
    return shapely.box(X0 + x, Y0 + y, X0 + x + width, Y0 + y + height)


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


@pytest.fixture(scope="session")
def embedded_path() -> Path:
    return DATA / "parcels.geojson"


@pytest.fixture(scope="session")
def embedded(embedded_path):
    from terreinen import read_parcels

    return read_parcels(embedded_path)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
