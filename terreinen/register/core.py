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
import warnings
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
    TerreinenDataWarning,
    TerreinenError,
    TerreinenNotFoundError,
    TerreinenOptionError,
    TerreinenStoreError,
)
from terreinen.i18n import t
from terreinen.io import cbs
from terreinen.io.files import read_parcels
from terreinen.io.source import redacted
from terreinen.register.changes import CHANGES_COLUMNS, changes
from terreinen.register.store import PostgresStore, Store, connect, is_store_url
from terreinen.register.store.base import (
    CONFLICT_COLUMNS,
    CONFLICTS,
    DELIVERIES,
    FIELDS,
    HEADS,
    VERSION_COLUMNS,
    VERSIONS,
    WITHDRAWAL_COLUMNS,
    as_day,
    native,
    normalised,
    now_text,
)
from terreinen.register.versions import (
    CORRECTION_SOURCE,
    EDIT_SOURCE,
    OFFICER_SOURCES,
    ROW_COLUMNS,
    DeliveryDiff,
    as_parcels,
    check_dates,
    check_not_future,
    check_retirement,
    checked_delivery,
    compare,
    edit_values,
    find_conflicts,
    reconciled,
    same_value,
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
_INSERTED = (*VERSION_COLUMNS, *FIELDS, "geom")
_STANDING = "ingetrokken_op IS NULL"  # a version not withdrawn by a correction or an undo


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
                t(
                    "{label}: no register there (create one with `terreinen register init "
                    "--store {label}` or Register.create)",
                    label=label,
                )
            )
        register = cls(connect(store))
        if not register._store.has_register():
            register.close()
            raise TerreinenStoreError(
                t(
                    "{label}: not a terreinen register (no tables {tables}); create one with "
                    "`terreinen register init --store {label}`",
                    label=label,
                    tables=", ".join((VERSIONS, HEADS, DELIVERIES)),
                )
            )
        try:
            with register._store.reading() as cursor:
                register._store.check_store(cursor)
                register._store.check_schema(cursor)
        except BaseException:
            register.close()
            raise
        return register

    @staticmethod
    def upgrade(store: str | Path) -> tuple[int, int]:
        """Bring the register in ``store`` to this terreinen's schema version, in one
        transaction; returns the versions (from, to)."""
        label = redacted(str(store))
        if not is_store_url(store) and not Path(store).is_file():
            raise TerreinenNotFoundError(t("{label}: no register there", label=label))
        connection = connect(store)
        try:
            return connection.upgrade()
        finally:
            connection.close()

    @classmethod
    def create(cls, store: str | Path) -> Register:
        """Create the register's tables (kept when they exist in this schema version) and
        open it. A GeoPackage holding other layers is refused: a register is a file of its
        own."""
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
            if as_of is None:
                message = t("{label}: the register holds no parcels yet", label=self.label)
            else:
                message = t(
                    "{label}: the register holds no parcels on {day}",
                    label=self.label,
                    day=as_day(as_of),
                )
            raise TerreinenNotFoundError(message)
        parcels = as_parcels(rows, self.label)
        latest = self.deliveries(as_of)  # the data date per municipality, shown on maps
        parcels.attrs["leveringen"] = dict(
            zip(latest["gemeente"], latest["laatste_levering"].dt.strftime("%Y-%m-%d"), strict=True)
        )
        return parcels

    def history(self, kavel_id: str) -> gpd.GeoDataFrame:
        """Every version of one parcel, oldest first: ``versie, geldig_van, geldig_tot,
        vastgelegd_op, door, bron, reden, vervallen, actueel`` (the current version, the one
        to give as ``expect_version``), how it was withdrawn (``ingetrokken_op,
        ingetrokken_door, ingetrokken_reden``; ``corrigeert``: the version a correction
        replaces) and the parcel's fields."""
        s = self._store
        columns = [*VERSION_COLUMNS, *WITHDRAWAL_COLUMNS, *FIELDS]
        with s.reading() as cursor:
            cursor.execute(
                s.sql(
                    f"SELECT {', '.join(columns)}, {s.geometry_of('geom')} FROM {VERSIONS} "
                    "WHERE kavel_id = ? ORDER BY versie"
                ),
                [kavel_id],
            )
            rows = cursor.fetchall()
            if not rows:
                raise self._unknown(cursor, kavel_id)
            cursor.execute(s.sql(f"SELECT versie FROM {HEADS} WHERE kavel_id = ?"), [kavel_id])
            current = cursor.fetchone()[0]
        frame = pd.DataFrame(rows, columns=[*columns, "geometry"])
        history = normalised(frame)
        history["versie"] = history["versie"].astype(int)
        history["corrigeert"] = pd.to_numeric(history["corrigeert"]).astype("Int64")
        for column in ("geldig_van", "geldig_tot"):
            history[column] = pd.to_datetime(history[column])
        for column in ("vastgelegd_op", "ingetrokken_op"):
            history[column] = pd.to_datetime(history[column], utc=True)
        history["vervallen"] = history["vervallen"].astype(bool)
        history["actueel"] = history["versie"] == int(current)
        geoms = s.decode(frame["geometry"])
        history["oppervlakte_ha"] = shapely.area(geoms) / 10_000
        order = [
            *HISTORY_COLUMNS,
            "vervallen",
            "actueel",
            *WITHDRAWAL_COLUMNS,
            "kavel_id",
            *FIELDS,
            "oppervlakte_ha",
        ]
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
        laatste_levering, bron, n_leveringen``, and ``laatste_bewerking``, the date of its
        latest officer's edit (NaT: none) (for staleness: see :meth:`stale`)."""
        s = self._store
        day = as_day(as_of or dt.date.max)
        with s.reading() as cursor:
            cursor.execute(
                s.sql(f"SELECT gemeente, datum, bron FROM {DELIVERIES} WHERE datum <= ?"), [day]
            )
            rows = pd.DataFrame(cursor.fetchall(), columns=["gemeente", "datum", "bron"])
            marks = ", ".join("?" * len(OFFICER_SOURCES))
            cursor.execute(
                s.sql(
                    f"SELECT gemeente, max(geldig_van) FROM {VERSIONS} WHERE bron IN ({marks}) "
                    f"AND geldig_van <= ? AND {_STANDING} GROUP BY gemeente"
                ),
                [*OFFICER_SOURCES, day],
            )
            edits = dict(cursor.fetchall())
        rows["datum"] = pd.to_datetime(rows["datum"])
        rows = rows.sort_values(["gemeente", "datum"], kind="stable")
        latest = rows.groupby("gemeente", sort=True).agg(
            laatste_levering=("datum", "last"), bron=("bron", "last"), n_leveringen=("bron", "size")
        )
        latest = latest.reset_index()
        latest["laatste_bewerking"] = pd.to_datetime(latest["gemeente"].map(edits))
        return latest

    def stale(self, as_of=None, months: int | None = None) -> pd.DataFrame:
        """The municipalities whose latest delivery and latest edit (an officer's edit is
        fresh data too) are more than ``months`` (default ``settings.stale_after_months``)
        before ``as_of`` (default today)."""
        months = settings.stale_after_months if months is None else months
        limit = pd.Timestamp(as_day(as_of or dt.date.today())) - pd.DateOffset(months=months)
        latest = self.deliveries(as_of)
        fresh = latest[["laatste_levering", "laatste_bewerking"]].max(axis=1)
        return latest[fresh < limit].reset_index(drop=True)

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
                    f"SELECT {', '.join(ROW_COLUMNS)}, {s.geometry_of('geom')} FROM {VERSIONS} "
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
        """The standing versions with ``geldig_van`` from ``start`` to ``end``: ``kavel_id,
        terrein, gemeente, provincie, status, vervallen``, ``status_voor`` (the status of
        the standing version before it) and ``geometry``."""
        s = self._store
        with s.reading() as cursor:
            cursor.execute(
                s.sql(
                    "SELECT v.kavel_id, v.terrein, v.gemeente, v.provincie, v.status, "
                    f"v.vervallen, (SELECT p.status FROM {VERSIONS} p WHERE p.kavel_id = "
                    "v.kavel_id AND p.versie < v.versie AND p.ingetrokken_op IS NULL ORDER BY "
                    f"p.versie DESC LIMIT 1), {s.geometry_of('v.geom')} FROM {VERSIONS} v "
                    "WHERE v.geldig_van >= ? AND v.geldig_van <= ? AND v.ingetrokken_op IS NULL"
                ),
                [start, end],
            )
            rows = cursor.fetchall()
        columns = ["kavel_id", "terrein", "gemeente", "provincie", "status", "vervallen"]
        frame = pd.DataFrame(rows, columns=[*columns, "status_voor", "geometry"])
        frame["vervallen"] = frame["vervallen"].astype(bool)
        frame["geometry"] = s.decode(frame["geometry"])
        return frame

    def _unknown(self, cursor, kavel_id: str) -> TerreinenNotFoundError:
        cursor.execute(f"SELECT kavel_id FROM {HEADS}")
        known = [row[0] for row in cursor.fetchall()]
        hint = closest(str(kavel_id), known, "kavel_id", otherwise="")
        message = t(
            "{label}: no parcel with kavel_id {kavel_id}", label=self.label, kavel_id=repr(kavel_id)
        )
        return TerreinenNotFoundError(message + (f"; {hint}" if hint else ""))

    def import_delivery(
        self,
        parcels,
        *,
        date,
        source: str,
        gemeente: str | Sequence[str] | None = None,
        dry_run: bool = False,
        by: str | None = None,
        accept_delivery: bool = False,
        allow_retire: bool = False,
        allow_future: bool = False,
        _as_delivery: bool = True,
    ) -> DeliveryDiff:
        """Import one delivery (a file or a GeoDataFrame) for the municipalities it covers
        (``gemeente``, default: those in the delivery), valid from ``date``.

        The delivery is validated first (errors: :class:`TerreinenDataError`, nothing
        written), compared with the latest versions of the parcels of those municipalities,
        and applied in one transaction: changed and new parcels get a new version, parcels
        missing from the delivery are retired. The same delivery twice changes nothing; a
        difference only in a bookkeeping field (``laatst_bijgewerkt``) is no new version.

        Where the delivery contradicts an officer's edit made after the municipality's
        previous delivery (``diff.conflicts``), the edit is kept and the delivery's value
        recorded in ``leveringsconflicten``; ``accept_delivery`` applies the delivery there
        too. Refused (nothing written): a ``kavel_id`` of another municipality, retiring
        more than ``settings.register_retire_share`` of a municipality's parcels or all of
        them (unless ``allow_retire``), a date far after today (unless ``allow_future``).
        """
        day = as_day(date)
        if not str(source).strip():
            raise TerreinenOptionError(t("a delivery needs a source (source): where it came from"))
        check_not_future(day, allow_future)
        delivery, covered = checked_delivery(parcels, gemeente)
        s = self._store
        with s.reading() if dry_run else s.writing() as cursor:
            if isinstance(s, PostgresStore) and not dry_run:
                s.lock_table(cursor)
            if not dry_run:
                s.check_may_edit(cursor, covered)
            heads, current = self._current(cursor, covered, delivery["kavel_id"])
            diff, changed = compare(current, delivery, covered, heads)
            conflicts = self._conflicts(cursor, diff.changed, current, delivery, covered)
            if not conflicts.empty and not accept_delivery:
                kept = reconciled(delivery, current, conflicts)
                diff, changed = compare(current, kept, covered, heads)
            elif not conflicts.empty:
                over = changed["kavel_id"].isin(conflicts["kavel_id"])
                changed.loc[over, "_reden"] += "; gaat voor een bewerking"
            diff.conflicts, diff.accepted = conflicts, accept_delivery
            diff.refusal = None if allow_retire else check_retirement(diff, current, self.label)
            if diff.refusal and not dry_run:
                raise TerreinenOptionError(
                    t("{refusal}; nothing was written", refusal=diff.refusal)
                )
            check_dates(diff, heads, day, self.label)
            if not dry_run:
                self._apply(cursor, diff, changed, current, heads, day, source, by)
                if _as_delivery:  # a revert is no delivery: it does not make data fresh
                    self._record_delivery(cursor, delivery, covered, day, source, by)
                    self._record_conflicts(cursor, conflicts, day, source, accept_delivery)
                diff.applied = not diff.empty
        return diff

    def revert(self, gemeente: str, *, to, date, by: str, reason: str) -> DeliveryDiff:
        """Restore a municipality's parcels as they were on ``to``: new versions from
        ``date`` (``bron`` ``terug naar <to>``), the history kept; parcels added since are
        retired, parcels retired since come back. No delivery is recorded (staleness stays
        as it was). Returns what changed, as a delivery's diff."""
        if not str(by).strip() or not str(reason).strip():
            raise TerreinenOptionError(t("a revert needs who made it (by) and why (reason)"))
        day = as_day(to)
        then = self.state(as_of=day)
        parcels = then[then["gemeente"] == gemeente]
        if parcels.empty:
            raise TerreinenNotFoundError(
                t(
                    "{label}: {gemeente} had no parcels on {day}",
                    label=self.label,
                    gemeente=gemeente,
                    day=day,
                )
            )
        return self.import_delivery(
            parcels,
            date=date,
            source=f"terug naar {day}: {reason}",
            gemeente=gemeente,
            by=by,
            accept_delivery=True,
            allow_retire=True,
            _as_delivery=False,
        )

    def set(  # noqa: PLR0913  (the fields an officer may edit, each a keyword)
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
        force: bool = False,
        allow_future: bool = False,
    ) -> int:
        """Record an edit of one parcel as its new version, valid from ``date``; returns the
        version number. With ``expect_version`` the edit is refused
        (:class:`TerreinenConflictError`) when the parcel is no longer at that version;
        without it, a :class:`TerreinenDataWarning` when the parcel was edited since its
        municipality's latest delivery.

        Refused (nothing written) unless ``force``: an edit that changes nothing (with
        ``force`` nothing is recorded and the current version returned), selling a sold
        parcel, and un-selling one (with ``force`` its ``uitgiftedatum`` is cleared). A date
        far after today is refused unless ``allow_future``."""
        day = as_day(date)
        if not str(by).strip() or not str(reason).strip():
            raise TerreinenOptionError(t("an edit needs who made it (by) and why (reason)"))
        check_not_future(day, allow_future)
        values = edit_values(status=status, planfase=planfase, prijs_m2=prijs_m2, eigenaar=eigenaar)
        s = self._store
        with s.writing() as cursor:
            self._check_may_edit(cursor, kavel_id)  # first: a refused row is not locked
            head = s.lock_parcel(cursor, kavel_id)
            if head is None:
                raise self._unknown(cursor, kavel_id)
            version, since, retired = int(head[0]), as_day(head[1]), bool(head[2])
            if expect_version is not None and version != expect_version:
                raise TerreinenConflictError(
                    t(
                        "{kavel_id} is at version {version}, not {expected}: someone changed "
                        "it meanwhile; nothing was written (see `terreinen register history`, "
                        "then edit again)",
                        kavel_id=kavel_id,
                        version=version,
                        expected=expect_version,
                    )
                )
            if retired:
                raise TerreinenOptionError(
                    t(
                        "{kavel_id} was retired (vervallen) on {since}",
                        kavel_id=kavel_id,
                        since=since,
                    )
                )
            if day < since:
                raise TerreinenOptionError(
                    t(
                        "{kavel_id}: date {day} is before its latest version {version} of "
                        "{since}; a version starts on or after the one before (a wrong version: "
                        "`terreinen register correct` or `undo`)",
                        kavel_id=kavel_id,
                        day=day,
                        version=version,
                        since=since,
                    )
                )
            row = self._version(cursor, kavel_id, version)
            edits = _edits(row, values, kavel_id, version, day, force)
            if not edits:
                return version
            if expect_version is None:
                self._warn_if_edited(cursor, kavel_id, str(row.at[0, "gemeente"]))
            for column, value in edits.items():
                row.at[0, column] = value
            return self._add_version(
                cursor, row, version, day, [s.door(by), EDIT_SOURCE, reason, False], since=None
            )

    def correct(
        self,
        kavel_id: str,
        *,
        version: int,
        by: str,
        reason: str,
        date=None,
        status: str | None = None,
        planfase: int | None = None,
        prijs_m2: float | None = None,
        eigenaar: str | None = None,
        allow_future: bool = False,
    ) -> int:
        """Correct the parcel's current version ``version`` (a wrong date or value) as a new
        recorded fact: that version is withdrawn (kept in the history, valid on no day, with
        ``ingetrokken_op/_door/_reden``) and a new version recorded (``bron`` correctie,
        ``corrigeert`` the version) with its values and the corrections, valid from ``date``
        (default: the withdrawn version's own date). A sale dated by the wrong version moves
        with the date. Returns the new version number."""
        if not str(by).strip() or not str(reason).strip():
            raise TerreinenOptionError(t("a correction needs who made it (by) and why (reason)"))
        values = edit_values(
            status=status, planfase=planfase, prijs_m2=prijs_m2, eigenaar=eigenaar, required=False
        )
        if date is None and not values:
            raise TerreinenOptionError(
                t(
                    "a correction gives a new date or at least one of status, planfase, "
                    "prijs_m2, eigenaar"
                )
            )
        day = None if date is None else as_day(date)
        if day is not None:
            check_not_future(day, allow_future)
        s = self._store
        with s.writing() as cursor:
            retired, before = self._withdrawable(cursor, kavel_id, version)
            row = self._version(cursor, kavel_id, version)
            wrong_day = self._since(cursor, kavel_id, version)
            start = day or wrong_day
            if before is not None and start < before[1]:
                raise TerreinenOptionError(
                    t(
                        "{kavel_id}: date {start} is before version {before} of {since}; "
                        "correct that one first (undo version {version}, then correct)",
                        kavel_id=kavel_id,
                        start=start,
                        before=before[0],
                        since=before[1],
                        version=version,
                    )
                )
            if row.at[0, "uitgiftedatum"] == wrong_day and row.at[0, "status"] == "uitgegeven":
                values.setdefault("uitgiftedatum", start)  # the sale was dated by the version
            if values.get("status") not in (None, "uitgegeven"):
                values["uitgiftedatum"] = None  # corrected to unsold: no sale date
            for column, value in values.items():
                row.at[0, column] = value
            s.withdraw_version(cursor, kavel_id, version, s.door(by), reason)
            meta = [s.door(by), CORRECTION_SOURCE, reason, retired]
            return self._add_version(cursor, row, None, start, meta, since=before, corrects=version)

    def undo(self, kavel_id: str, *, version: int, by: str, reason: str) -> int:
        """Undo the parcel's current version ``version``: it is withdrawn (kept in the
        history, valid on no day, with who withdrew it, when and why) and the version before
        it is the current one again, as it was. Returns that version's number."""
        if not str(by).strip() or not str(reason).strip():
            raise TerreinenOptionError(t("an undo needs who made it (by) and why (reason)"))
        s = self._store
        with s.writing() as cursor:
            _, before = self._withdrawable(cursor, kavel_id, version)
            if before is None:
                raise TerreinenOptionError(
                    t(
                        "{kavel_id}: version {version} is its first; there is no version to go "
                        "back to",
                        kavel_id=kavel_id,
                        version=version,
                    )
                )
            s.withdraw_version(cursor, kavel_id, version, s.door(by), reason)
            previous, since, gone = before
            s.reopen_version(cursor, kavel_id, previous)
            s.point_head(cursor, kavel_id, (previous, since, gone))
        return previous

    def _withdrawable(self, cursor, kavel_id: str, version: int):
        """Lock a parcel whose current version is ``version``: whether that version retires
        it, and the standing version before it ``(versie, geldig_van, vervallen)`` or None."""
        s = self._store
        self._check_may_edit(cursor, kavel_id)  # first: a refused row is not locked
        head = s.lock_parcel(cursor, kavel_id)
        if head is None:
            raise self._unknown(cursor, kavel_id)
        if int(head[0]) != version:
            raise TerreinenOptionError(
                t(
                    "{kavel_id}: version {version} is not its current version {current}; only "
                    "the current version can be corrected or undone (undo the later ones first; "
                    "see `terreinen register history`)",
                    kavel_id=kavel_id,
                    version=version,
                    current=head[0],
                )
            )
        cursor.execute(
            s.sql(
                f"SELECT versie, geldig_van, vervallen FROM {VERSIONS} WHERE kavel_id = ? "
                f"AND versie < ? AND {_STANDING} ORDER BY versie DESC"
            ),
            [kavel_id, version],
        )
        before = cursor.fetchone()
        cursor.fetchall()
        if before is not None:
            before = (int(before[0]), as_day(before[1]), bool(before[2]))
        return bool(head[2]), before

    def grant(
        self,
        role: str,
        gemeente: str | None = None,
        *,
        province: bool = False,
        read_only: bool = False,
        by: str | None = None,
    ) -> bool:
        """Let a database role edit one municipality's parcels (``gemeente``), every
        municipality's (``province``), or only read the register (``read_only``); exactly one
        of the three. PostgreSQL registers only; the register's owner grants.

        The role is created (without login) where it does not exist; logins get its rights
        with ``GRANT role TO login``. PostgreSQL itself then enforces them: a
        municipality's role may append versions, deliveries and findings of its own
        municipalities only, recorded as its login (``door``), and may never change or
        delete a version (row-level security; the register's own functions end, withdraw
        and reopen versions for it). Returns whether the role was created.

        Raises
        ------
        TerreinenOptionError
            On a GeoPackage register (whoever can write the file can edit all of it), a
            role name PostgreSQL would have to quote, an unknown municipality, or not
            exactly one of ``gemeente``, ``province`` and ``read_only``.
        TerreinenPermissionError
            When this login does not own the register.
        """
        store = self._postgres()
        if (gemeente is not None) + province + read_only != 1:
            raise TerreinenOptionError(
                t(
                    "grant gives exactly one of gemeente (a municipality's role), province (all "
                    "municipalities) and read_only"
                )
            )
        if gemeente is not None:
            right, name = "gemeente", self._municipality(gemeente)
        else:
            right, name = ("provincie" if province else "lezen"), None
        return store.grant(role, right, name, by)

    def revoke(self, role: str, gemeente: str | None = None) -> int:
        """Take a role's rights on the register (on ``gemeente`` only, when given); returns
        how many it lost. The role itself is kept (it may have other uses)."""
        store = self._postgres()
        return store.revoke(role, None if gemeente is None else self._municipality(gemeente))

    def grants(self) -> pd.DataFrame:
        """Who may do what: ``rol, recht (gemeente, provincie, lezen), gemeente,
        vastgelegd_op, door``, one row per right given."""
        return self._postgres().grants()

    def _postgres(self) -> PostgresStore:
        if not isinstance(self._store, PostgresStore):
            raise TerreinenOptionError(
                t(
                    "{label}: a GeoPackage register is one file: whoever can write the file "
                    "can edit every municipality in it. Roles per municipality need a "
                    "PostgreSQL register (see 'Who may edit what' in docs/data-model.md)",
                    label=self.label,
                )
            )
        return self._store

    def _municipality(self, gemeente: str) -> str:
        """A municipality as the register names it, else as CBS does (a role may come
        before the municipality's first delivery)."""
        s = self._store
        with s.reading() as cursor:
            cursor.execute(f"SELECT DISTINCT gemeente FROM {HEADS}")
            known = [row[0] for row in cursor.fetchall()]
        same = [k for k in known if k.casefold() == str(gemeente).strip().casefold()]
        if len(same) == 1:
            return same[0]
        try:
            return cbs.municipality(gemeente).name
        except TerreinenOptionError as exc:
            hint = closest(str(gemeente), known, "municipality", otherwise="")
            if not hint:
                raise
            raise TerreinenOptionError(
                t(
                    "gemeente {gemeente}: not a municipality of the register or of CBS; {hint}",
                    gemeente=repr(gemeente),
                    hint=hint,
                )
            ) from exc

    def _check_may_edit(self, cursor, kavel_id: str) -> None:
        """Refuse an edit of a parcel of a municipality this user may not edit."""
        s = self._store
        cursor.execute(s.sql(f"SELECT gemeente FROM {HEADS} WHERE kavel_id = ?"), [kavel_id])
        s.check_may_edit(cursor, [row[0] for row in cursor.fetchall()])

    def _since(self, cursor, kavel_id: str, version: int) -> str:
        s = self._store
        cursor.execute(
            s.sql(f"SELECT geldig_van FROM {VERSIONS} WHERE kavel_id = ? AND versie = ?"),
            [kavel_id, version],
        )
        return as_day(cursor.fetchone()[0])

    def _version(self, cursor, kavel_id: str, version: int) -> pd.DataFrame:
        """One version's fields and geometry, as one row."""
        s = self._store
        cursor.execute(
            s.sql(
                f"SELECT {', '.join(ROW_COLUMNS)}, {s.geometry_of('geom')} FROM {VERSIONS} "
                "WHERE kavel_id = ? AND versie = ?"
            ),
            [kavel_id, version],
        )
        return self._frame(cursor.fetchall())

    def _add_version(
        self, cursor, row: pd.DataFrame, current, day: str, meta: list, since, corrects=None
    ):
        """Record ``row`` as the parcel's new version from ``day`` (``meta``: door, bron,
        reden, vervallen; ``corrects``: the withdrawn version it corrects): the ``current``
        version (or the standing one before a withdrawn version, ``since``) ends that day.
        Returns the new version's number."""
        s = self._store
        kavel_id = str(row.at[0, "kavel_id"])
        cursor.execute(s.sql(f"SELECT max(versie) FROM {VERSIONS} WHERE kavel_id = ?"), [kavel_id])
        new = int(cursor.fetchone()[0]) + 1
        ended = current if since is None else since[0]
        if ended is not None:
            s.close_versions(cursor, day, [(kavel_id, ended)])
        door, bron, reden, gone = meta
        rows = self._version_rows(row, [[new, day, None, now_text(), door, bron, reden, gone]])
        s.insert_rows(cursor, VERSIONS, [*_INSERTED, "corrigeert"], [(*r, corrects) for r in rows])
        s.point_head(cursor, kavel_id, (new, day, gone))
        return new

    def _warn_if_edited(self, cursor, kavel_id: str, gemeente: str) -> None:
        """Warn when an officer changed the parcel after its municipality's latest delivery."""
        s = self._store
        cursor.execute(
            s.sql(f"SELECT max(vastgelegd_op) FROM {DELIVERIES} WHERE gemeente = ?"), [gemeente]
        )
        delivered = cursor.fetchone()[0]
        marks = ", ".join("?" * len(OFFICER_SOURCES))
        cursor.execute(
            s.sql(
                f"SELECT versie, door, vastgelegd_op FROM {VERSIONS} WHERE kavel_id = ? AND "
                f"bron IN ({marks}) AND {_STANDING} ORDER BY versie DESC"
            ),
            [kavel_id, *OFFICER_SOURCES],
        )
        edits = cursor.fetchall()
        if not edits:
            return
        version, door, recorded = edits[0]
        recorded = pd.to_datetime(recorded, utc=True)
        if delivered is not None and recorded <= pd.to_datetime(delivered, utc=True):
            return
        warnings.warn(
            t(
                "{kavel_id} was edited since {gemeente}'s latest delivery (version {version} by "
                "{door}, recorded {recorded} UTC); give expect_version to be sure you change "
                "what you saw",
                kavel_id=kavel_id,
                gemeente=gemeente,
                version=version,
                door=door,
                recorded=f"{recorded:%Y-%m-%d %H:%M}",
            ),
            TerreinenDataWarning,
            stacklevel=3,
        )

    def _conflicts(self, cursor, ids: list[str], current, delivery, covered) -> pd.DataFrame:
        """The delivery's contradictions of officers' edits made after each municipality's
        latest delivery, among the parcels it changes (see ``versions.find_conflicts``)."""
        s = self._store
        columns = ["kavel_id", "versie", "bron", "vastgelegd_op", "door", "reden", *FIELDS]
        rows: list = []
        since: dict = {}
        if ids:
            marks = ", ".join("?" * len(covered))
            cursor.execute(
                s.sql(
                    f"SELECT gemeente, max(vastgelegd_op) FROM {DELIVERIES} "
                    f"WHERE gemeente IN ({marks}) GROUP BY gemeente"
                ),
                covered,
            )
            since = dict(cursor.fetchall())
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            cursor.execute(
                s.sql(
                    f"SELECT {', '.join(columns)} FROM {VERSIONS} WHERE {_STANDING} AND "
                    f"kavel_id IN ({', '.join('?' * len(part))})"
                ),
                part,
            )
            rows += cursor.fetchall()
        return find_conflicts(pd.DataFrame(rows, columns=columns), since, current, delivery)

    def _record_conflicts(self, cursor, conflicts, day, source, applied: bool) -> None:
        now = now_text()
        rows = [
            (g, k, day, source, veld, kept, given, door, at, why, applied, now)
            for k, g, veld, kept, given, door, at, why in conflicts.itertuples(index=False)
        ]
        self._store.insert_rows(cursor, CONFLICTS, CONFLICT_COLUMNS, rows)

    def _current(self, cursor, covered: list[str], ids: pd.Series):
        """The head rows of all parcels (with ``hoogste``, each one's highest version
        number) and the latest versions of the parcels of the delivery's municipalities. A
        delivered ``kavel_id`` of another municipality is an error: a delivery stays in its
        municipality's lane."""
        s = self._store
        cursor.execute(f"SELECT kavel_id, gemeente, versie, geldig_van, vervallen FROM {HEADS}")
        heads = pd.DataFrame(
            cursor.fetchall(), columns=["kavel_id", "gemeente", "versie", "geldig_van", "vervallen"]
        ).set_index("kavel_id")
        heads["vervallen"] = heads["vervallen"].astype(bool)
        cursor.execute(f"SELECT kavel_id, max(versie) FROM {VERSIONS} GROUP BY kavel_id")
        heads["hoogste"] = pd.Series(dict(cursor.fetchall()), dtype="Int64").reindex(heads.index)
        taken = heads[heads.index.isin(ids) & ~heads["gemeente"].isin(covered)]
        if not taken.empty:
            examples = ", ".join(
                t("{kavel_id} of {gemeente}", kavel_id=k, gemeente=g)
                for k, g in taken["gemeente"].head(5).items()
            )
            raise TerreinenOptionError(
                t(
                    "{label}: the delivery for {covered} names {n} parcels of another "
                    "municipality ({examples}); a delivery changes only its own municipality's "
                    "parcels: give them their own kavel_ids; nothing was written",
                    label=self.label,
                    covered=", ".join(covered),
                    n=len(taken),
                    examples=examples,
                )
            )
        if not heads["gemeente"].isin(covered).any():
            return heads, self._frame([])
        select = f"SELECT {', '.join(ROW_COLUMNS)}, {s.geometry_of('geom')} FROM {VERSIONS} WHERE "
        marks = ", ".join("?" * len(covered))
        cursor.execute(
            s.sql(f"{select} geldig_tot IS NULL AND vervallen = ? AND gemeente IN ({marks})"),
            [False, *covered],
        )
        return heads, self._frame(cursor.fetchall())

    def _apply(self, cursor, diff, changed, current, heads, day, source, by) -> None:
        if diff.empty:
            return
        s = self._store
        who = s.door(by)
        now = now_text()
        versions, highest = heads["versie"], heads["hoogste"]
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
            next_version = highest.reindex(frame["kavel_id"]).fillna(0).astype(int) + 1
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
                (g, int(highest[k]) + 1, day, bool(gone), k)
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
        now, who = now_text(), s.door(by)
        rows = [(g, day, source, now, who, int(counts.get(g, 0))) for g in covered if g not in done]
        s.insert_rows(
            cursor,
            DELIVERIES,
            ["gemeente", "datum", "bron", "vastgelegd_op", "door", "n_kavels"],
            rows,
        )


def _edits(row: pd.DataFrame, values: dict, kavel_id: str, version: int, day: str, force: bool):
    """The fields an edit really changes on the parcel's current version ``row``; refused
    unless ``force``: selling or un-selling a sold parcel, changing nothing."""
    values = dict(values)
    status, sold = values.get("status"), row.at[0, "status"] == "uitgegeven"
    if sold and status is not None and not force:
        since = str(row.at[0, "uitgiftedatum"] or t("an unknown date"))
        said = {"kavel_id": kavel_id, "since": since, "version": str(version)}
        if status == "uitgegeven":
            raise TerreinenOptionError(
                t(
                    "{kavel_id} is sold already (uitgegeven since {since}, version {version}); "
                    "nothing was written (force: record it anyway)",
                    **said,
                )
            )
        raise TerreinenOptionError(
            t(
                "{kavel_id} is sold (uitgegeven since {since}, version {version}): making it "
                "{status} undoes the sale; nothing was written (if the sale fell through, force "
                "it: its uitgiftedatum is then cleared; a wrong version: `terreinen register "
                "correct` or `undo`)",
                status=status,
                **said,
            )
        )
    if sold and status not in (None, "uitgegeven"):
        values["uitgiftedatum"] = None  # not sold any more: no sale date
    if status == "uitgegeven" and row.at[0, "uitgiftedatum"] is None:
        values["uitgiftedatum"] = day  # a sale recorded here is dated by the edit
    changed = {c: v for c, v in values.items() if not same_value(row.at[0, c], v)}
    if not changed and not force:
        raise TerreinenOptionError(
            t(
                "{kavel_id} has these values already (version {version}): the edit changes "
                "nothing and was not recorded",
                kavel_id=kavel_id,
                version=version,
            )
        )
    return changed


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
    except TerreinenStoreError:  # locked or damaged: say so, never read it as a plain file
        raise
    except TerreinenError:  # not a GeoPackage at all: the file readers will say so
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
