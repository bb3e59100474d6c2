"""The dask engine: capacity of national parcel data on a ``dask.distributed`` cluster.

Parcels are read with dask-geopandas from partitioned GeoParquet (a folder of files, as
:func:`partition` writes it). Every part is validated and brought into the data contract
exactly as :func:`terreinen.read_parcels` does, and yields the additive sums of
:func:`terreinen.capacity.capacity_sums_of`; only these small tables travel back, so a
worker never holds more than one part at a time per thread.

The cluster is a ``dask.distributed.Client`` given by the user, a scheduler address
(``"tcp://scheduler:8786"``), or else a ``LocalCluster`` on this machine with
``settings.dask_workers`` worker processes.

>>> from terreinen.distributed import capacity
>>> capacity("parcels_nl/", by="provincie")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import functools
import logging
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import dask
import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from distributed import Client, LocalCluster, as_completed
from distributed.security import Security

from terreinen import settings
from terreinen.capacity import capacity_sums_of, levels_of, table_from_sums
from terreinen.errors import TerreinenDataError, TerreinenDataWarning, TerreinenReadError
from terreinen.figures import as_of_date
from terreinen.i18n import t
from terreinen.io.files import load_parcels
from terreinen.io.tables import read_regions
from terreinen.io.write import protected_inputs, record_input, refuse_inputs
from terreinen.register import is_register
from terreinen.report import Finding, ValidationReport
from terreinen.validation.geometry import (
    COPY_SUGGESTION,
    OVERLAP_SUGGESTION,
    copy_message,
    find_overlaps,
)

__all__ = ["capacity", "capacity_sums", "partition", "validate"]


def capacity(
    parcels,
    by: str | list[str] = "gemeente",
    *,
    as_of=None,
    takeup_years: int | None = None,
    regions: pd.DataFrame | str | Path | None = None,
    scheduler=None,
    on_part_done: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """:func:`terreinen.capacity.capacity` on a dask cluster, from partitioned GeoParquet
    (``parcels``: a folder or file path, or a dask-geopandas frame), validating every part as
    :func:`terreinen.read_parcels` does. ``scheduler``: a ``distributed.Client``, an address
    such as ``"tcp://host:8786"``, or None for the current client or a local cluster."""
    levels = levels_of(by)
    years = settings.takeup_years if takeup_years is None else takeup_years
    sums = capacity_sums(
        parcels,
        levels,
        as_of=as_of,
        takeup_years=years,
        regions=regions,
        scheduler=scheduler,
        on_part_done=on_part_done,
    )
    return table_from_sums(sums, levels, years, as_of=as_of)


def capacity_sums(
    parcels,
    levels: list[str],
    *,
    as_of=None,
    takeup_years: int,
    regions: pd.DataFrame | str | Path | None = None,
    scheduler=None,
    on_part_done: Callable[[int, int], None] | None = None,
) -> list[pd.DataFrame]:
    """:func:`terreinen.capacity.capacity_sums_of` of every part of ``parcels``, computed on
    the cluster. Raises :class:`TerreinenDataError` with the errors of all parts; warnings
    are summed up in one :class:`TerreinenDataWarning`. ``on_part_done(done, total)`` is
    called as parts finish (for progress bars)."""
    sums, report = _run(
        parcels, levels, as_of, takeup_years, regions, scheduler, on_part_done=on_part_done
    )
    if not report.ok:
        raise TerreinenDataError(report)
    if report.warnings:
        warnings.warn(
            t(
                "{summary}: {first}, ... (terreinen.distributed.validate() lists them all)",
                summary=report.summary(),
                first=report.warnings[0],
            ),
            TerreinenDataWarning,
            stacklevel=3,
        )
    return sums


def validate(parcels, *, scheduler=None) -> ValidationReport:
    """Every finding of every part as :func:`terreinen.validate` gives them in memory, with
    overlaps between parcels of neighbouring parts; rows are numbered within their part."""
    return _run(parcels, ["gemeente"], None, settings.takeup_years, None, scheduler)[1]


def _run(parcels, levels, as_of, takeup_years, regions, scheduler, on_part_done=None):
    """The sums of every part and the report of all parts, overlaps across parts included."""
    frame, label = _dask_frame(parcels)
    date = as_of_date(as_of)
    table = read_regions(regions) if isinstance(regions, str | Path) else regions
    report = ValidationReport(label)
    with _client(scheduler) as client:
        outlines = _part_outlines(frame)  # on the cluster, when the metadata lacks them
        tasks = [
            dask.delayed(_part_sums)(
                part,
                _PartTask(
                    _part_label(label, number), levels, date, takeup_years, table, number, outlines
                ),
                settings.snapshot(),
            )
            for number, part in enumerate(frame.to_delayed(), start=1)
        ]
        futures = client.compute(tasks)
        for done, _ in enumerate(as_completed(futures), start=1):
            if on_part_done is not None:
                on_part_done(done, len(futures))
        results = [  # in the order of the parts
            _unreadable(future.exception(), _part_label(label, number))
            if future.status == "error"
            else future.result()
            for number, future in enumerate(futures, start=1)
        ]
    sums, edges = [], []
    for part_sums, n_rows, findings, edge in results:
        report.n_rows += n_rows
        report.findings += findings
        edges.append(edge)
        if part_sums is not None:
            sums.append(part_sums)
    if report.ok:
        _overlaps_across_parts(report, edges, label)
    return sums, report


def _part_label(label: str, number: int) -> str:
    """The name of part ``number`` of ``label`` in messages."""
    return t("{label}, part {number}", label=label, number=number)


# what a part that cannot be read lacks, by the error its reading raised (message ids)
_UNREADABLE = {
    "KeyError": "its columns differ from the other parts' (missing: {detail})",
    "GEOSException": "its geometries are not valid WKB ({detail})",
    "CRSError": "its coordinate system is not one pyproj knows ({detail})",
    "ValueError": "it is no GeoParquet ({detail})",
}


def _unreadable(exc: BaseException, label: str) -> tuple:
    """The result of a part that could not be read, as :func:`_part_sums` gives it: one
    error finding that names the part and says why in plain words."""
    detail = str(exc).splitlines()[0].strip() if str(exc) else type(exc).__name__
    message = _UNREADABLE.get(type(exc).__name__, "it cannot be read ({detail})")
    finding = Finding(
        "error",
        t(message, detail=detail),
        source=label,
        suggestion=t("write the parts again with terreinen partition"),
    )
    return None, 0, [finding], None


@dataclass(frozen=True)
class _PartTask:
    """What a worker needs to know of one part besides its rows."""

    label: str
    levels: list[str]
    date: pd.Timestamp
    takeup_years: int
    regions: pd.DataFrame | None
    number: int
    outlines: list | None


def _part_sums(part, task: _PartTask, values: Mapping[str, object]):
    """One part: validated as read_parcels does, then summed, with the caller's settings
    (``values``, a :func:`terreinen.settings.snapshot`); with the parcels at its edge (see
    :func:`_edge_parcels`). Runs on a worker."""
    with settings.applied(values):
        parcels, report = load_parcels(part)
        findings = [replace(finding, source=task.label) for finding in report.findings]
        if parcels is None or not report.ok:
            return None, report.n_rows, findings, None
        sums = capacity_sums_of(
            parcels,
            task.levels,
            as_of=task.date,
            takeup_years=task.takeup_years,
            regions=task.regions,
        )
        return sums, report.n_rows, findings, _edge_parcels(parcels, task.number, task.outlines)


def _part_outlines(frame) -> list | None:
    """Each part's outline in RD New (its bounding box or convex hull, widened by
    ``_EDGE_MARGIN_M`` for the reprojection), or None when the parts have no CRS or a part
    cannot be read (reading the parts then says which and why)."""
    if frame.crs is None:
        return None
    try:
        if frame.spatial_partitions is None:  # GeoParquet metadata holds them; else one pass
            frame.calculate_spatial_partitions()
        outlines = gpd.GeoSeries(frame.spatial_partitions.to_numpy(), crs=frame.crs)
        return list(outlines.to_crs(settings.rd_crs).buffer(_EDGE_MARGIN_M).to_numpy())
    except Exception:  # a hostile part (schema, WKB, CRS, metadata): its own task reports it
        return None


_EDGE_MARGIN_M = 100.0
# the pages (worker lists, logs, metrics) that dask's HTTP servers would show anyone local
_NO_HTTP: dict[str, list[str]] = {
    "distributed.scheduler.http.routes": [],
    "distributed.worker.http.routes": [],
}


def _edge_parcels(parcels, number: int, outlines: list | None) -> pd.DataFrame | None:
    """The parcels of part ``number`` that reach into another part's outline (``edge``),
    and the parcels of this part that touch those: all that a check across parts needs."""
    if outlines is None:
        return None
    others = [outline for n, outline in enumerate(outlines, start=1) if n != number]
    geoms = parcels.geometry.to_numpy()
    if not others or not len(geoms):
        return None
    near = np.unique(shapely.STRtree(others).query(geoms, predicate="intersects")[0])
    around = np.unique(shapely.STRtree(geoms).query(geoms[near], predicate="intersects")[1])
    keep = np.union1d(near, around).astype(int)
    return pd.DataFrame(
        {
            "part": number,
            "row": keep + 1,
            "kavel_id": parcels["kavel_id"].astype(str).to_numpy()[keep],
            "edge": np.isin(keep, near),
            "wkb": shapely.to_wkb(geoms[keep]),
        }
    )


def _overlaps_across_parts(report: ValidationReport, edges: list, label: str) -> None:
    """Check the parcels at the parts' edges together, as the in-memory check would: their
    copy and overlap findings replace the ones their own part gave."""
    frames = [edge for edge in edges if edge is not None and len(edge)]
    if not frames:
        return
    edge = pd.concat(frames).sort_values(["part", "row"], ignore_index=True)
    geoms = shapely.from_wkb(edge["wkb"].to_numpy())
    overlaps = find_overlaps(geoms)
    overlapping = overlaps.overlapping()
    part, row, ids = edge["part"].to_numpy(), edge["row"].to_numpy(), edge["kavel_id"].to_numpy()

    def name(a: int, b: int) -> str:
        where = (
            t("row {row}", row=row[a])
            if part[a] == part[b]
            else t("part {part}, row {row}", part=part[a], row=row[a])
        )
        return t("kavel_id {kavel_id} ({row})", kavel_id=repr(ids[a]), row=where)

    checked = np.flatnonzero(edge["edge"].to_numpy()).tolist()
    places = {(_part_label(label, int(part[b])), int(row[b])) for b in checked}
    report.findings = [f for f in report.findings if not _is_overlap_of(f, places)]
    for b in checked:
        where = {
            "row": int(row[b]),
            "kavel_id": ids[b],
            "column": "geometry",
            "source": _part_label(label, int(part[b])),
        }
        if overlaps.first_copy[b] >= 0:
            message = copy_message(name(int(overlaps.first_copy[b]), b))
            report.findings.append(
                Finding("warning", message, suggestion=t(COPY_SUGGESTION), **where)
            )
        if overlapping[b]:
            message = overlaps.message(b, functools.partial(name, b=b))
            report.findings.append(
                Finding("warning", message, suggestion=t(OVERLAP_SUGGESTION), **where)
            )


def _is_overlap_of(finding: Finding, places: set) -> bool:
    """Whether ``finding`` is a copy or overlap finding of one of ``places`` (told by its
    suggestion, which only these findings have, in the reader's language)."""
    return (
        finding.column == "geometry"
        and (finding.source, finding.row) in places
        and finding.suggestion in (t(COPY_SUGGESTION), t(OVERLAP_SUGGESTION))
    )


def _dask_frame(parcels):
    """A dask-geopandas frame of ``parcels`` and its name for messages."""
    if isinstance(parcels, dask_geopandas.GeoDataFrame):
        return parcels, "<dask GeoDataFrame>"
    if isinstance(parcels, pd.DataFrame):
        parts = max(1, -(-len(parcels) // settings.parcels_per_part))
        return dask_geopandas.from_geopandas(parcels, npartitions=parts), "<GeoDataFrame>"
    path = Path(parcels)
    label = str(parcels)
    record_input(path)
    if not path.exists():
        raise TerreinenReadError(label, t("file or folder not found"), t("check the path"))
    is_parquet = path.suffix.lower() in (".parquet", ".geoparquet") or (
        path.is_dir() and any(path.glob("*.parquet"))
    )
    if not is_parquet:
        raise TerreinenReadError(
            label,
            t("the dask engine reads GeoParquet (a file or a folder of files)"),
            t("convert it first: terreinen partition {parcels} FOLDER", parcels=parcels),
        )
    try:
        return dask_geopandas.read_parquet(path), label
    except Exception as exc:  # Arrow's errors: say what was wrong in plain words
        raise TerreinenReadError(
            label, t("the GeoParquet cannot be read: {exc}", exc=exc)
        ) from None


@contextlib.contextmanager
def _client(scheduler) -> Iterator:
    """The given client, a client of the given address, the current client, or a new
    LocalCluster (closed afterwards).

    The LocalCluster is private: its scheduler and workers speak TLS with certificates made
    for this run only (``Security.temporary()``), so another process on the machine, even
    one that finds the port, cannot connect and run code in terreinen's workers; and it has
    no dashboard. A scheduler given by address runs whatever its clients send: only name
    one whose clients you trust (see the README)."""
    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    try:
        current = Client.current()  # e.g. a notebook's own client
    except ValueError:
        current = None
    if current is not None:
        yield current
        return
    with (
        dask.config.set(_NO_HTTP),
        LocalCluster(
            n_workers=settings.dask_workers,
            threads_per_worker=1,
            memory_limit=settings.dask_memory_limit,
            dashboard_address=None,
            worker_dashboard_address=None,
            # dask starts an HTTP server in every node all the same (the scheduler's on
            # 8787): on a free port of the loopback, with nothing to serve
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            security=Security.temporary(),
            protocol="tls://",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _chunked(source: Path, layer: str | None, rows: int, chunks: int):
    """A file of ``rows`` parcels as a dask frame of ``chunks`` chunks: read in one pass
    when it is small enough (``settings.partition_in_memory``), else chunk by chunk."""
    if rows > settings.partition_in_memory:
        return dask_geopandas.read_file(source, npartitions=chunks, layer=layer)
    whole = gpd.read_file(source, layer=layer, engine="pyogrio", use_arrow=True)
    return dask_geopandas.from_geopandas(whole, npartitions=chunks)


def partition(
    source: str | Path,
    folder: str | Path,
    *,
    parcels_per_part: int | None = None,
    layer: str | None = None,
) -> int:
    """Write ``source`` (any format dask-geopandas reads: GeoParquet, GeoPackage, GeoJSON,
    Shapefile) as a folder of GeoParquet files of ``parcels_per_part`` parcels each, in
    spatial order (Hilbert curve), for the dask engine. Returns the number of parts.

    The folder is written beside and renamed into place, so an interrupted run leaves no
    half-written folder. Nothing is validated here: the engine validates every part.
    """
    source, folder = Path(source), Path(folder)
    size = parcels_per_part or settings.parcels_per_part
    record_input(source)
    refuse_inputs(folder, [source, *protected_inputs()])
    if not source.exists():
        raise TerreinenReadError(str(source), t("file not found"), t("check the path"))
    if folder.exists():
        raise TerreinenReadError(
            str(folder), t("the output folder already exists"), t("remove it first")
        )
    if is_register(source):
        raise TerreinenReadError(
            str(source),
            t("is a register: partition reads a parcels file"),
            t(
                "export its parcels on a date first: terreinen export {source} --to kavels.gpkg "
                "--as-of YYYY-MM-DD",
                source=source,
            ),
        )
    # reading, sorting and writing on this machine's threads, never a cluster's workers: the
    # source and the folder are paths here (a remote worker would write to its own disk),
    # and dask's global scheduler setting may still say "distributed" after a client closed
    # (and the shuffle "p2p", which needs one)
    with dask.config.set({"scheduler": "threads", "dataframe.shuffle.method": "tasks"}):
        try:
            if source.suffix.lower() in (".parquet", ".geoparquet") or source.is_dir():
                frame = dask_geopandas.read_parquet(source)
                rows = len(frame)
            else:
                rows = pyogrio.read_info(source, layer=layer)["features"]
                frame = _chunked(source, layer, rows, max(1, -(-rows // size)))
        except Exception as exc:  # GDAL, Arrow and dask errors: an unreadable file, in plain words
            raise TerreinenReadError(
                str(source), t("the file cannot be read: {exc}", exc=exc)
            ) from None
        if not isinstance(frame, dask_geopandas.GeoDataFrame):
            raise TerreinenReadError(
                str(source),
                t("the file has no geometry"),
                t("partition reads GeoParquet, GeoPackage, GeoJSON or Shapefile"),
            )
        parts = max(1, -(-rows // size))
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            frame.spatial_shuffle(by="hilbert", npartitions=parts).to_parquet(scratch / folder.name)
            (scratch / folder.name).rename(folder)
        except Exception as exc:  # dask, Arrow: a missing geometry, a column of odd values
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise TerreinenReadError(
                str(source),
                t(
                    "the parcels cannot be put in spatial order and written: {detail}",
                    detail=detail,
                ),
                t(
                    "terreinen validate {source} lists what is wrong (parcels without a "
                    "geometry, ...)",
                    source=source,
                ),
            ) from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return parts
