"""Global defaults. Change them at run time, e.g. ``terreinen.settings.takeup_years = 5``.

Every function reads them when it is called. Work that runs in other processes (the dask
engine's workers) gets the caller's values explicitly: :func:`snapshot` on the caller,
:func:`applied` around the work.
"""

import contextlib
import os
from collections.abc import Iterator, Mapping
from types import ModuleType

#: Language of what people read (``"nl"`` or ``"en"``): numbers on screen and in the CSV
#: people open in a spreadsheet (``1.693,72``); ``TERREINEN_LANG`` sets it, ``--lang`` too.
#: Read on every call (:mod:`terreinen.i18n`).
language: str = os.environ.get("TERREINEN_LANG") or "nl"

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

#: Overlapping pieces of one outline (a park, a municipality) merged by the exact general
#: union; beyond it they are kept unmerged, because the general union slows down about
#: quadratically with the pieces it keeps apart (:mod:`terreinen.outlines`).
outline_piece_budget: int = 1_000

#: Threads for the geometry checks (GEOS runs them without Python's lock).
threads: int = max(1, min(4, os.cpu_count() or 1))

#: Parcels per part of partitioned GeoParquet (dask engine): a part is validated in memory,
#: which takes about 0.5 GB per 100,000 parcels.
parcels_per_part: int = 100_000

#: ``partition`` reads a file of at most this many parcels (not GeoParquet) in one pass, in
#: memory (about 2 GB per million parcels), then splits it: GeoJSON and Shapefile are
#: otherwise parsed again for every chunk read, and the spatial sort reads each chunk twice
#: (benchmarks/partition.py). A larger file is read chunk by chunk.
partition_in_memory: int = 500_000

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

#: A delivery that would retire more than this share of a municipality's parcels (or all of
#: them) is refused unless allowed: a partial file or a wrong municipality, not a plan.
register_retire_share: float = 0.2

#: A register date (a delivery's, an edit's) more than this many days after today is refused
#: unless allowed: a typed 2027 for 2026 would otherwise freeze the parcel's history.
register_future_days: int = 7

#: Seconds the register waits for another program's lock (a GeoPackage being written, a
#: PostgreSQL row or table lock, lock_timeout) before it says so.
register_lock_timeout: float = 60

#: Seconds a single PostgreSQL statement of the register may run (statement_timeout).
register_statement_timeout: float = 600

#: Years a date may lie in; outside them a date is taken as a placeholder or a typing error
#: (``0001-01-01``, ``9999-12-31``) and reported.
date_years: tuple[int, int] = (1800, 2200)

#: Years ahead that demand is estimated for (`terreinen demand --horizon`).
demand_horizon_years: float = 10

#: Take-up factors of the low, middle and high demand scenarios (`--scenarios`).
demand_scenarios: tuple[float, float, float] = (0.7, 1.0, 1.3)


#: Guide distances (metres) of the VNG handbook "Bedrijven en milieuzonering" (2009) per
#: area type and milieucategorie: a parcel meets a category when its nearest sensitive object
#: of that area type is at least this far from its edge. A municipality may use its own
#: table; every category must have a distance, not decreasing from 1 to 6.
zoning_distances: dict[str, dict[str, float]] = {
    "rustig": {
        **{"1": 10, "2": 30, "3.1": 50, "3.2": 100, "4.1": 200},
        **{"4.2": 300, "5.1": 500, "5.2": 700, "5.3": 1_000, "6": 1_500},
    },
    "gemengd": {  # one distance step lower than towards a quiet residential area
        **{"1": 0, "2": 10, "3.1": 30, "3.2": 50, "4.1": 100},
        **{"4.2": 200, "5.1": 300, "5.2": 500, "5.3": 700, "6": 1_000},
    },
}

#: Area type of a sensitive object whose layer has no ``gebiedstype`` (or a blank one).
zoning_default_area: str = "rustig"

#: Parcels whose nearest sensitive objects are looked up at once: bounds the memory.
zoning_chunk: int = 20_000


#: Park gross areas outside these bounds (ha) are a warning that suggests the unit: below,
#: hectares left in a m² column (OPPBRUTO); above, m² in a hectare column. The largest
#: Dutch business parks (the port areas) are a few thousand hectares.
ibis_min_park_ha: float = 0.1
ibis_max_park_ha: float = 5_000.0


#: A parcel more than this far (m) outside the CBS outline of its stated municipality is a
#: warning: the outlines are generalised, so a parcel on a border is not.
municipality_margin_m: float = 250.0


def snapshot() -> dict[str, object]:
    """A copy of every setting's current value: what a worker process must apply, since it
    would otherwise read its own module's defaults (a plain dict, so that it pickles).

    >>> snapshot()["takeup_years"]
    10
    """
    return {
        name: value
        for name, value in globals().items()
        if not name.startswith("_") and not callable(value) and not isinstance(value, ModuleType)
    }


@contextlib.contextmanager
def applied(values: Mapping[str, object]) -> Iterator[None]:
    """The settings ``values`` (a :func:`snapshot`) in force while the block runs, the
    previous ones back afterwards.

    >>> from terreinen import settings
    >>> with settings.applied({**settings.snapshot(), "takeup_years": 5}):
    ...     settings.takeup_years
    5
    >>> settings.takeup_years
    10
    """
    namespace = globals()
    before = {name: namespace[name] for name in values}
    namespace.update(values)
    try:
        yield
    finally:
        namespace.update(before)
