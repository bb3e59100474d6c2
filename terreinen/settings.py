"""Global defaults. Change them at run time, e.g. ``terreinen.settings.takeup_years = 5``."""

import os

#: CRS in which every area is computed and every parcel is returned (RD New).
rd_crs: str = "EPSG:28992"

#: CRS of web maps and of GeoJSON files (RFC 7946).
web_crs: str = "EPSG:4326"

#: Full calendar years before the as-of date that take-up is averaged over.
takeup_years: int = 10

#: Two parcels overlap when they share more than this fraction of the smaller one.
overlap_tolerance: float = 0.01

#: Overlaps shallower than this (metres) are taken as rounding in the coordinates (a GeoJSON
#: file with 7 decimals rounds to about 5 mm), not as overlaps.
overlap_depth: float = 0.02

#: A stated area may differ this much (fraction) from the area of the geometry.
area_tolerance: float = 0.05

#: Bounding box of the Netherlands, land and territorial sea, in RD New metres
#: (xmin, ymin, xmax, ymax): a parcel outside it is an error.
netherlands_rd_bounds: tuple[float, float, float, float] = (-25_000, 275_000, 310_000, 650_000)

#: The same in degrees (lon/lat), used to recognise WGS84 coordinates without a CRS.
netherlands_lonlat_bounds: tuple[float, float, float, float] = (2.5, 50.5, 7.5, 54.0)

#: Threads for the geometry checks (GEOS runs them without Python's lock).
threads: int = max(1, min(4, os.cpu_count() or 1))

#: Parcels per part of partitioned GeoParquet (dask engine): a part is validated in memory,
#: which takes about 0.5 GB per 100,000 parcels.
parcels_per_part: int = 100_000

#: Worker processes of the LocalCluster that the dask engine starts when given no cluster
#: (None: one per core), and each worker's memory limit (dask's "auto": RAM / workers).
dask_workers: int | None = None
dask_memory_limit: str | int = "auto"

#: A municipality's data is stale when its latest delivery to the register is older than this
#: many months (the Overijssel parcel monitor runs every six months).
stale_after_months: int = 6

#: A delivered outline is the register's outline when no point of either lies further than
#: this (metres) from the other: GeoJSON's 7 decimals and CRS round trips move points by mm.
register_geometry_tolerance: float = 0.01

#: Years a date may lie in; outside them a date is taken as a placeholder or a typing error
#: (``0001-01-01``, ``9999-12-31``) and reported.
date_years: tuple[int, int] = (1800, 2200)

#: Years ahead that demand is estimated for (`terreinen demand --horizon`).
demand_horizon_years: float = 10

#: Take-up factors of the low, middle and high demand scenarios (`--scenarios`).
demand_scenarios: tuple[float, float, float] = (0.7, 1.0, 1.3)

#: Park gross areas outside these bounds (ha) are a warning that suggests the unit: below,
#: hectares left in a m² column (OPPBRUTO); above, m² in a hectare column. The largest
#: Dutch business parks (the port areas) are a few thousand hectares.
ibis_min_park_ha: float = 0.1
ibis_max_park_ha: float = 5_000.0
