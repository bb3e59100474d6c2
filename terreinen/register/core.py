"""The parcel register: every version of every parcel, from municipalities' deliveries and
from land-sale officers' edits, in a GeoPackage file or a PostgreSQL/PostGIS database.

A version is valid from ``geldig_van`` up to (not including) ``geldig_tot``, on the data's
own dates; ``vastgelegd_op`` is when it was recorded, ``door`` by whom, ``bron`` from which
delivery and ``reden`` why. Nothing is deleted: a parcel missing from its municipality's new
delivery gets a last version marked ``vervallen`` (retired).

>>> with Register.create("register.gpkg") as register:  # doctest: +SKIP
...     register.import_delivery("assen-2024.geojson", date="2024-01-01", source="Assen Q1")
...     register.set("1106001-004", date="2024-03-01", by="J. Jansen", reason="verkocht",
...                  status="uitgegeven")
...     parcels = register.state(as_of="2024-02-01")  # as terreinen.read_parcels returns
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterator, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from terreinen import settings
from terreinen.datasets import get_path
from terreinen.errors import (
    TerreinenConflictError,
    TerreinenNotFoundError,
    TerreinenOptionError,
    TerreinenStoreError,
)
from terreinen.io.files import read_parcels
from terreinen.io.source import redacted
from terreinen.register.changes import CHANGES_COLUMNS, changes
from terreinen.register.store import PostgresStore, Store, connect, is_store_url
from terreinen.register.store.base import (
    DELIVERIES,
    FIELDS,
    HEADS,
    VERSION_COLUMNS,
    VERSIONS,
    as_day,
    native,
    normalised,
    now_text,
)
from terreinen.register.versions import (
    ROW_COLUMNS,
    DeliveryDiff,
    as_parcels,
    check_dates,
    checked_delivery,
    compare,
    edit_values,
)
from terreinen.validation.values import closest

__all__ = [
    "CHANGES_COLUMNS",
    "HISTORY_COLUMNS",
    "DeliveryDiff",
    "Register",
    "changes",
    "example_deliveries",
    "example_register",
    "is_register",
]

HISTORY_COLUMNS = ("versie", "geldig_van", "geldig_tot", "vastgelegd_op", "door", "bron", "reden")
EDIT_SOURCE = "bewerking"
_INSERTED = (*VERSION_COLUMNS, *FIELDS, "geom")


class Register:
    """A parcel register in a store: a GeoPackage path or a ``postgresql://`` URL."""

    def __init__(self, store: Store):
        self._store = store

    @classmethod
    def open(cls, store: str | Path) -> Register:
        """Open an existing register (see :meth:`create` for a new one)."""
        label = redacted(str(store))
        if not is_store_url(store) and not Path(store).is_file():
            raise TerreinenNotFoundError(
                f"{label}: no register there (create one with `terreinen register init "
                f"--store {label}` or Register.create)"
            )
        register = cls(connect(store))
        if not register._store.has_register():
            register.close()
            raise TerreinenStoreError(
                f"{label}: not a terreinen register (no tables {VERSIONS}, {HEADS}, "
                f"{DELIVERIES}); create one with `terreinen register init --store {label}`"
            )
        return register

    @classmethod
    def create(cls, store: str | Path) -> Register:
        """Create the register's tables (kept when they exist) and open it."""
        register = cls(connect(store))
        try:
            register._store.create()
        except BaseException:
            register.close()
            raise
        return register

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._store.close()

    @property
    def label(self) -> str:
        return self._store.label

    def state(self, as_of=None) -> gpd.GeoDataFrame:
        """The parcels valid on ``as_of`` (default: the latest versions), exactly as
        :func:`terreinen.read_parcels` returns them. An optional column is present when a
        parcel has a value in it. ``attrs["leveringen"]`` holds each municipality's latest
        delivery date (maps show it)."""
        rows = self._rows(as_of)
        if rows.empty:
            when = f"on {as_day(as_of)}" if as_of is not None else "yet"
            raise TerreinenNotFoundError(f"{self.label}: the register holds no parcels {when}")
        parcels = as_parcels(rows, self.label)
        latest = self.deliveries(as_of)  # the data date per municipality, shown on maps
        parcels.attrs["leveringen"] = dict(
            zip(latest["gemeente"], latest["laatste_levering"].dt.strftime("%Y-%m-%d"), strict=True)
        )
        return parcels

    def history(self, kavel_id: str) -> gpd.GeoDataFrame:
        """Every version of one parcel, oldest first: ``versie, geldig_van, geldig_tot,
        vastgelegd_op, door, bron, reden, vervallen`` and the parcel's fields."""
        s = self._store
        with s.reading() as cursor:
            cursor.execute(
                s.sql(
                    f"SELECT {', '.join(VERSION_COLUMNS)}, {', '.join(FIELDS)}, "
                    f"{s.geometry_sql} FROM {VERSIONS} WHERE kavel_id = ? ORDER BY versie"
                ),
                [kavel_id],
            )
            rows = cursor.fetchall()
            if not rows:
                raise self._unknown(cursor, kavel_id)
        frame = pd.DataFrame(rows, columns=[*VERSION_COLUMNS, *FIELDS, "geometry"])
        history = normalised(frame)
        history["versie"] = history["versie"].astype(int)
        for column in ("geldig_van", "geldig_tot"):
            history[column] = pd.to_datetime(history[column])
        history["vastgelegd_op"] = pd.to_datetime(history["vastgelegd_op"], utc=True)
        history["vervallen"] = history["vervallen"].astype(bool)
        geoms = s.decode(frame["geometry"])
        history["oppervlakte_ha"] = shapely.area(geoms) / 10_000
        order = [*HISTORY_COLUMNS, "vervallen", "kavel_id", *FIELDS, "oppervlakte_ha"]
        return gpd.GeoDataFrame(history[order], geometry=geoms, crs=settings.rd_crs)

    def version(self, kavel_id: str) -> int:
        """The parcel's latest version number."""
        s = self._store
        with s.reading() as cursor:
            cursor.execute(s.sql(f"SELECT versie FROM {HEADS} WHERE kavel_id = ?"), [kavel_id])
            row = cursor.fetchone()
            if row is None:
                raise self._unknown(cursor, kavel_id)
        return int(row[0])

    def deliveries(self, as_of=None) -> pd.DataFrame:
        """Per municipality its latest delivery (up to ``as_of``): ``gemeente,
        laatste_levering, bron, n_leveringen`` (for staleness: see :meth:`stale`)."""
        s = self._store
        with s.reading() as cursor:
            cursor.execute(
                s.sql(f"SELECT gemeente, datum, bron FROM {DELIVERIES} WHERE datum <= ?"),
                [as_day(as_of or dt.date.max)],
            )
            rows = pd.DataFrame(cursor.fetchall(), columns=["gemeente", "datum", "bron"])
        rows["datum"] = pd.to_datetime(rows["datum"])
        rows = rows.sort_values(["gemeente", "datum"], kind="stable")
        latest = rows.groupby("gemeente", sort=True).agg(
            laatste_levering=("datum", "last"), bron=("bron", "last"), n_leveringen=("bron", "size")
        )
        return latest.reset_index()

    def stale(self, as_of=None, months: int | None = None) -> pd.DataFrame:
        """The municipalities whose latest delivery is more than ``months`` (default
        ``settings.stale_after_months``) before ``as_of`` (default today)."""
        months = settings.stale_after_months if months is None else months
        limit = pd.Timestamp(as_day(as_of or dt.date.today())) - pd.DateOffset(months=months)
        latest = self.deliveries(as_of)
        return latest[latest["laatste_levering"] < limit].reset_index(drop=True)

    def _rows(self, as_of=None) -> pd.DataFrame:
        """Versions valid on ``as_of`` (latest when None) in storage types, with geometry."""
        s = self._store
        where, params = "geldig_tot IS NULL", []
        if as_of is not None:
            day = as_day(as_of)
            where = "geldig_van <= ? AND (geldig_tot IS NULL OR geldig_tot > ?)"
            params = [day, day]
        with s.reading() as cursor:
            cursor.execute(
                s.sql(
                    f"SELECT {', '.join(ROW_COLUMNS)}, {s.geometry_sql} FROM {VERSIONS} "
                    f"WHERE vervallen = ? AND {where}"
                ),
                [False, *params],
            )
            return self._frame(cursor.fetchall())

    def _frame(self, rows: list) -> pd.DataFrame:
        frame = pd.DataFrame(rows, columns=[*ROW_COLUMNS, "geometry"])
        frame["geometry"] = self._store.decode(frame["geometry"])
        return normalised(frame).sort_values("kavel_id", kind="stable", ignore_index=True)

    def _versions_between(self, start: str, end: str) -> pd.DataFrame:
        s = self._store
        with s.reading() as cursor:
            cursor.execute(
                s.sql(
                    f"SELECT kavel_id, terrein, gemeente, provincie FROM {VERSIONS} "
                    "WHERE geldig_van >= ? AND geldig_van <= ?"
                ),
                [start, end],
            )
            rows = cursor.fetchall()
        return pd.DataFrame(rows, columns=["kavel_id", "terrein", "gemeente", "provincie"])

    def _unknown(self, cursor, kavel_id: str) -> TerreinenNotFoundError:
        cursor.execute(f"SELECT kavel_id FROM {HEADS}")
        known = [row[0] for row in cursor.fetchall()]
        hint = closest(str(kavel_id), known, "kavel_id", otherwise="")
        return TerreinenNotFoundError(
            f"{self.label}: no parcel with kavel_id {kavel_id!r}" + (f"; {hint}" if hint else "")
        )

    def import_delivery(
        self,
        parcels,
        *,
        date,
        source: str,
        gemeente: str | Sequence[str] | None = None,
        dry_run: bool = False,
        by: str | None = None,
    ) -> DeliveryDiff:
        """Import one delivery (a file or a GeoDataFrame) for the municipalities it covers
        (``gemeente``, default: those in the delivery), valid from ``date``.

        The delivery is validated first (errors: :class:`TerreinenDataError`, nothing
        written), compared with the latest versions of the parcels of those municipalities,
        and applied in one transaction: changed and new parcels get a new version, parcels
        missing from the delivery are retired. The same delivery twice changes nothing.
        """
        day = as_day(date)
        if not str(source).strip():
            raise TerreinenOptionError("a delivery needs a source (--source): where it came from")
        delivery, covered = checked_delivery(parcels, gemeente)
        s = self._store
        with s.reading() if dry_run else s.writing() as cursor:
            if isinstance(s, PostgresStore) and not dry_run:
                s.lock_table(cursor)
            heads, current = self._current(cursor, covered, delivery["kavel_id"])
            diff, changed = compare(current, delivery, covered, heads)
            check_dates(diff, heads, day, self.label)
            if not dry_run:
                self._apply(cursor, diff, changed, current, heads, day, source, by)
                self._record_delivery(cursor, delivery, covered, day, source, by)
                diff.applied = not diff.empty
        return diff

    def set(
        self,
        kavel_id: str,
        *,
        date,
        by: str,
        reason: str,
        status: str | None = None,
        planfase: int | None = None,
        prijs_m2: float | None = None,
        eigenaar: str | None = None,
        expect_version: int | None = None,
    ) -> int:
        """Record an edit of one parcel as its new version, valid from ``date``; returns the
        version number. With ``expect_version`` the edit is refused
        (:class:`TerreinenConflictError`) when the parcel is no longer at that version."""
        day = as_day(date)
        if not str(by).strip() or not str(reason).strip():
            raise TerreinenOptionError("an edit needs who made it (--by) and why (--reason)")
        values = edit_values(status=status, planfase=planfase, prijs_m2=prijs_m2, eigenaar=eigenaar)
        s = self._store
        with s.writing() as cursor:
            head = s.lock_parcel(cursor, kavel_id)
            if head is None:
                raise self._unknown(cursor, kavel_id)
            version, since, retired = int(head[0]), as_day(head[1]), bool(head[2])
            if expect_version is not None and version != expect_version:
                raise TerreinenConflictError(
                    f"{kavel_id} is at version {version}, not {expect_version}: someone changed "
                    "it meanwhile; nothing was written (see `terreinen register history`, then "
                    "edit again)"
                )
            if retired:
                raise TerreinenOptionError(f"{kavel_id} was retired (vervallen) on {since}")
            if day < since:
                raise TerreinenOptionError(
                    f"{kavel_id}: date {day} is before its latest version {version} of {since}; "
                    "a version starts on or after the one before"
                )
            cursor.execute(
                s.sql(
                    f"SELECT {', '.join(ROW_COLUMNS)}, {s.geometry_sql} FROM {VERSIONS} "
                    "WHERE kavel_id = ? AND versie = ?"
                ),
                [kavel_id, version],
            )
            row = self._frame(cursor.fetchall())
            if values.get("status") == "uitgegeven" and row.at[0, "uitgiftedatum"] is None:
                values["uitgiftedatum"] = day  # a sale recorded here is dated by the edit
            for column, value in values.items():
                row.at[0, column] = value
            meta = [version + 1, day, None, now_text(), by, EDIT_SOURCE, reason, False]
            s.close_versions(cursor, day, [(kavel_id, version)])
            s.insert_rows(cursor, VERSIONS, _INSERTED, self._version_rows(row, [meta]))
            heads = [(version + 1, day, kavel_id)]
            s.update_rows(cursor, HEADS, ["versie", "geldig_van"], ["kavel_id"], heads)
        return version + 1

    def _current(self, cursor, covered: list[str], ids: pd.Series):
        """The head rows of all parcels, and the latest versions of the parcels that the
        delivery covers: those of its municipalities and those it names."""
        s = self._store
        cursor.execute(f"SELECT kavel_id, gemeente, versie, geldig_van, vervallen FROM {HEADS}")
        heads = pd.DataFrame(
            cursor.fetchall(), columns=["kavel_id", "gemeente", "versie", "geldig_van", "vervallen"]
        ).set_index("kavel_id")
        heads["vervallen"] = heads["vervallen"].astype(bool)
        wanted = ~heads["vervallen"] & (heads["gemeente"].isin(covered) | heads.index.isin(ids))
        if not wanted.any():
            return heads, self._frame([])
        moved = heads.index[wanted & ~heads["gemeente"].isin(covered)].tolist()
        select = f"SELECT {', '.join(ROW_COLUMNS)}, {s.geometry_sql} FROM {VERSIONS} WHERE "
        marks = ", ".join("?" * len(covered))
        cursor.execute(
            s.sql(f"{select} geldig_tot IS NULL AND vervallen = ? AND gemeente IN ({marks})"),
            [False, *covered],
        )
        rows = cursor.fetchall()
        for start in range(0, len(moved), 500):
            part = moved[start : start + 500]
            cursor.execute(
                s.sql(
                    f"{select} geldig_tot IS NULL AND kavel_id IN ({', '.join('?' * len(part))})"
                ),
                part,
            )
            rows += cursor.fetchall()
        return heads, self._frame(rows)

    def _apply(self, cursor, diff, changed, current, heads, day, source, by) -> None:
        if diff.empty:
            return
        s = self._store
        who = by or getpass.getuser()
        now = now_text()
        versions = heads["versie"]
        back = [k for k in diff.new if k in versions.index]  # retired before, delivered again
        closed = [*diff.changed, *diff.retired, *back]
        s.close_versions(cursor, day, [(k, int(versions[k])) for k in closed])
        retired = current[current["kavel_id"].isin(diff.retired)].assign(
            _reden=f"niet meer in de levering ({source})"
        )
        parts = [(changed, False), (retired, True)]
        rows = []
        for frame, gone in parts:
            if frame.empty:
                continue
            next_version = versions.reindex(frame["kavel_id"]).fillna(0).astype(int) + 1
            metas = [
                [int(v), day, None, now, who, source, reason, gone]
                for v, reason in zip(next_version, frame["_reden"], strict=True)
            ]
            rows += self._version_rows(frame.reset_index(drop=True), metas)
        s.insert_rows(cursor, VERSIONS, _INSERTED, rows)
        head_rows = pd.concat([f.assign(_gone=g) for f, g in parts if not f.empty])
        known = head_rows["kavel_id"].isin(heads.index)
        update = head_rows[known]
        s.update_rows(
            cursor,
            HEADS,
            ["gemeente", "versie", "geldig_van", "vervallen"],
            ["kavel_id"],
            [
                (g, int(versions[k]) + 1, day, bool(gone), k)
                for k, g, gone in zip(
                    update["kavel_id"], update["gemeente"], update["_gone"], strict=True
                )
            ],
        )
        insert = head_rows[~known]
        s.insert_rows(
            cursor,
            HEADS,
            ["kavel_id", "gemeente", "versie", "geldig_van", "vervallen"],
            [
                (k, g, 1, day, False)
                for k, g in zip(insert["kavel_id"], insert["gemeente"], strict=True)
            ],
        )

    def _version_rows(self, frame: pd.DataFrame, metas: list[list]) -> list[tuple]:
        """Rows for ``kavel_versies``: kavel_id, the version's own columns (``metas``: versie,
        geldig_van, geldig_tot, vastgelegd_op, door, bron, reden, vervallen), the fields and
        the geometry."""
        values = [native(frame[c], kind) for c, kind in FIELDS.items()]
        geoms = self._store.encode(np.asarray(frame["geometry"]))
        return [
            (kavel_id, *meta, *fields)
            for kavel_id, meta, *fields in zip(
                frame["kavel_id"], metas, *values, geoms, strict=True
            )
        ]

    def _record_delivery(self, cursor, delivery, covered, day, source, by) -> None:
        s = self._store
        cursor.execute(
            s.sql(f"SELECT gemeente FROM {DELIVERIES} WHERE datum = ? AND bron = ?"), [day, source]
        )
        done = {row[0] for row in cursor.fetchall()}
        counts = delivery["gemeente"].value_counts()
        now, who = now_text(), by or getpass.getuser()
        rows = [(g, day, source, now, who, int(counts.get(g, 0))) for g in covered if g not in done]
        s.insert_rows(
            cursor,
            DELIVERIES,
            ["gemeente", "datum", "bron", "vastgelegd_op", "door", "n_kavels"],
            rows,
        )


def is_register(source) -> bool:
    """Whether ``source`` names a register: a ``postgresql://`` URL, or a GeoPackage file
    that holds the register's tables."""
    if is_store_url(source):
        return True
    if not isinstance(source, str | Path) or Path(source).suffix.lower() != ".gpkg":
        return False
    if not Path(source).is_file():
        return False
    store = connect(source)
    try:
        return store.has_register()
    except TerreinenStoreError:  # not a GeoPackage at all: the file readers will say so
        return False
    finally:
        store.close()


def example_deliveries() -> Iterator[tuple[str, str, gpd.GeoDataFrame]]:
    """The embedded data as a history: ``(date, source, parcels)`` of the yearly deliveries
    of all municipalities from 2019; the last is the embedded parcels themselves."""
    parcels = read_parcels(get_path("parcels"))
    listed = pd.read_csv(get_path("leveringen"), dtype=str)
    differences = pd.read_csv(get_path("leveringen_verschillen"), dtype=str)
    for date, source in zip(listed["datum"], listed["bron"], strict=True):
        delivery = parcels.copy()
        changed = differences[differences["datum"] == date].set_index("kavel_id")
        rows = delivery["kavel_id"].isin(changed.index).to_numpy()
        before = changed.loc[delivery.loc[rows, "kavel_id"]]
        delivery.loc[rows, "status"] = before["status"].to_numpy()
        delivery.loc[rows, "planfase"] = before["planfase"].astype(int).to_numpy()
        delivery.loc[rows, "uitgiftedatum"] = pd.to_datetime(before["uitgiftedatum"]).to_numpy()
        yield date, source, delivery


def example_register(store: str | Path) -> Register:
    """A new register in ``store`` holding the embedded data's history (see
    :func:`example_deliveries`), e.g. for ``changes`` and ``history`` on shipped data."""
    register = Register.create(store)
    for date, source, delivery in example_deliveries():
        register.import_delivery(delivery, date=date, source=source, by="terreinen")
    return register
