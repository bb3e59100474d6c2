"""Generate the CBS reference geography the package ships, from the generalised outlines.

Run ``python data/cbs.py``; the output is the same on every run. It reads the CBS
municipality and province outlines of 2025 in ``data/cbs/`` (TopoJSON in RD New, as
generalised by the public ``cartomap/nl`` repository from the CBS/Kadaster "Wijk- en
buurtkaart" via PDOK, licence CC BY 4.0, credit CBS/Kadaster; the municipality file keeps
only each outline's ``statcode`` and ``statnaam``) and writes

- ``terreinen/data/cbs_gemeenten.parquet``: ``gemeentecode``, ``gemeente``,
  ``provinciecode``, ``provincie``, geometry;
- ``terreinen/data/cbs_provincies.parquet``: ``provinciecode``, ``provincie``, geometry;

both GeoParquet in EPSG:28992. A municipality's province is the province outline that holds
the municipality's representative point (municipalities never straddle a province border).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd

DATA = Path(__file__).resolve().parent
SOURCE = DATA / "cbs"
PACKAGE_DATA = DATA.parent / "terreinen" / "data"
YEAR = 2025
RD = "EPSG:28992"


def read_outlines(level: str) -> gpd.GeoDataFrame:
    """One level (``gemeente`` or ``provincie``) of the CBS outlines, as code, name, outline."""
    layer = f"{level}_{YEAR}"
    frame = gpd.read_file(SOURCE / f"{layer}.topojson", layer=layer)
    frame = frame.set_crs(RD, allow_override=True)  # TopoJSON carries no CRS; these are RD
    frame = frame.rename(columns={"statcode": f"{level}code", "statnaam": level})
    frame = frame[[f"{level}code", level, "geometry"]].sort_values(f"{level}code")
    if not frame.is_valid.all():
        raise SystemExit(f"{layer}: invalid outlines")
    return frame.reset_index(drop=True)


def generate() -> None:
    """Write the two GeoParquet files into the package's data folder."""
    provinces = read_outlines("provincie")
    municipalities = read_outlines("gemeente")
    points = municipalities.set_geometry(municipalities.representative_point())
    joined = points.sjoin(provinces, how="left", predicate="within")
    if joined["provinciecode"].isna().any() or joined.index.duplicated().any():
        raise SystemExit("a municipality lies in no province or in two")
    municipalities["provinciecode"] = joined["provinciecode"]
    municipalities["provincie"] = joined["provincie"]
    columns = ["gemeentecode", "gemeente", "provinciecode", "provincie", "geometry"]
    municipalities[columns].to_parquet(PACKAGE_DATA / "cbs_gemeenten.parquet", index=False)
    provinces.to_parquet(PACKAGE_DATA / "cbs_provincies.parquet", index=False)
    print(f"{len(municipalities)} municipalities, {len(provinces)} provinces", file=sys.stderr)


if __name__ == "__main__":
    generate()
