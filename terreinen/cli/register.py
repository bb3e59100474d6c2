"""The register's commands: ``terreinen register`` ``init``, ``upgrade``, ``import``, ``set``,
``correct``, ``undo``, ``revert``, ``history`` and ``terreinen changes``. Exit codes as
everywhere (2 unusable input), plus 1 for a delivery with data errors (nothing written) and
4 for an edit refused because the parcel changed meanwhile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from terreinen.cli.common import (
    AllColumnsOpt,
    FormatOpt,
    GroupHelpInLanguage,
    HelpInLanguage,
    OutputOpt,
    RegionsOpt,
    decimal_number,
    emit,
    fail,
    parse_as_of,
    say,
    state,
)
from terreinen.i18n import t
from terreinen.register import Register, changes, example_register

__all__ = ["changes_command", "register_app"]

register_app = typer.Typer(
    cls=GroupHelpInLanguage,
    help="The parcel register with history: deliveries, edits and every version of a parcel.",
    no_args_is_help=True,
)
StoreOpt = Annotated[
    str, typer.Option("--store", "-s", help="The register: a .gpkg file or a postgresql:// URL.")
]
DateOpt = Annotated[str, typer.Option("--date", help="Valid from this date, YYYY-MM-DD.")]
_SHOWN = 50  # differences printed as a table before "... and N more"
#: On screen, ``history`` shows these (the rest: --all-columns, --format csv|json).
#: On screen, most telling first (a narrow terminal keeps the leading ones that fit): which
#: version, when valid, what, who and why; the current one is also said below the table.
HISTORY_KEY_COLUMNS = (
    "versie",
    "geldig_van",
    "geldig_tot",
    "status",
    "door",
    "reden",
    "actueel",
    "planfase",
    "uitgiftedatum",
    "prijs_m2",
    "bron",
    "vastgelegd_op",
    "ingetrokken_op",
)
_DAYS = ("geldig_van", "geldig_tot", "uitgiftedatum", "laatst_bijgewerkt")
_MOMENTS = ("vastgelegd_op", "ingetrokken_op")  # UTC
AllowFutureOpt = Annotated[
    bool,
    typer.Option(
        "--allow-future", help="Accept a date more than a few days after today (not a typo)."
    ),
]


@register_app.command("init", cls=HelpInLanguage)
def init(
    store: StoreOpt,
    example: Annotated[
        bool,
        typer.Option(
            "--example", help="Fill it with the embedded data's yearly deliveries from 2019."
        ),
    ] = False,
) -> None:
    """Create a register (its tables are kept when they exist)."""

    with (example_register if example else Register.create)(store) as register:
        say(t("register ready: {label}", label=register.label))


@register_app.command("upgrade", cls=HelpInLanguage)
def upgrade(store: StoreOpt) -> None:
    """Bring a register made by an earlier terreinen to this version's layout."""

    start, end = Register.upgrade(store)
    if start == end:
        say(t("register schema version {end}: nothing to upgrade", end=end))
    else:
        say(t("register upgraded from schema version {start} to {end}", start=start, end=end))


@register_app.command("import", cls=HelpInLanguage)
def import_delivery(
    delivery: Annotated[Path, typer.Argument(help="The delivery: any parcels file.")],
    store: StoreOpt,
    date: DateOpt,
    source: Annotated[str, typer.Option("--source", help="Where the delivery came from.")],
    gemeente: Annotated[
        list[str] | None,
        typer.Option(
            help="Municipality the delivery covers (repeat for several); default: "
            "those in the file. Its parcels missing from the file are retired."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the differences, write nothing.")
    ] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who imports; default: you.")] = None,
    accept_delivery: Annotated[
        bool,
        typer.Option(
            "--accept-delivery",
            help="Where the delivery contradicts an edit made since the previous delivery, "
            "apply the delivery (default: keep the edit, record the delivery's value).",
        ),
    ] = False,
    allow_retire: Annotated[
        bool,
        typer.Option(
            "--allow-retire",
            help="Accept retiring more than settings.register_retire_share (20%) of a "
            "municipality's parcels, or all of them.",
        ),
    ] = False,
    allow_future: AllowFutureOpt = False,
    fmt: FormatOpt = "table",
) -> None:
    """Import one delivery: validate it, print what differs from the register and where it
    contradicts officers' edits, apply it."""

    with Register.open(store) as register:
        diff = register.import_delivery(
            delivery,
            date=date,
            source=source,
            gemeente=gemeente,
            dry_run=dry_run,
            by=by,
            accept_delivery=accept_delivery,
            allow_retire=allow_retire,
            allow_future=allow_future,
        )
    if not diff.conflicts.empty:
        emit(diff.conflicts, fmt, None, t("Delivery against edits ({name})", name=delivery.name))
    table = diff.table
    if fmt == "table" and len(table) > _SHOWN and not state["verbose"]:
        said = t(
            "first {n} of {total} differences (--format csv or --verbose: all)",
            n=_SHOWN,
            total=len(table),
        )
        say(said)
        table = table.head(_SHOWN)
    if not diff.table.empty:
        emit(table, fmt, None, t("Differences from the register ({name})", name=delivery.name))
    say(diff.summary())


@register_app.command("set", cls=HelpInLanguage)
def set_fields(
    kavel_id: Annotated[str, typer.Argument(help="The parcel's KAVEL_ID.")],
    store: StoreOpt,
    date: DateOpt,
    by: Annotated[str, typer.Option("--by", help="Who makes the edit.")],
    reason: Annotated[str, typer.Option("--reason", help="Why, e.g. the sale's deed.")],
    status: Annotated[str | None, typer.Option(help="New status.")] = None,
    planfase: Annotated[int | None, typer.Option(help="New plan phase, 1-5.")] = None,
    prijs_m2: Annotated[
        float | None,
        typer.Option("--prijs-m2", help="New asking price, EUR/m².", parser=decimal_number),
    ] = None,
    eigenaar: Annotated[str | None, typer.Option(help="gemeente or particulier.")] = None,
    expect_version: Annotated[
        int | None,
        typer.Option(
            "--expect-version",
            help="Refuse (exit 4) unless the parcel is still at this version.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Sell a sold parcel, un-sell one (its sale date is cleared) or accept an edit "
            "that changes nothing (nothing is recorded).",
        ),
    ] = False,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Record a land-sale officer's edit of one parcel as its new version."""

    with Register.open(store) as register:
        before = register.version(kavel_id)
        version = register.set(
            kavel_id,
            date=date,
            by=by,
            reason=reason,
            status=status,
            planfase=planfase,
            prijs_m2=prijs_m2,
            eigenaar=eigenaar,
            expect_version=expect_version,
            force=force,
            allow_future=allow_future,
        )
    if version == before:
        say(
            t(
                "{kavel_id}: nothing to change, nothing recorded (still version {version})",
                kavel_id=kavel_id,
                version=version,
            )
        )
    else:
        say(t("{kavel_id}: version {version} recorded", kavel_id=kavel_id, version=version))


VersionOpt = Annotated[
    int, typer.Option("--version", help="The version (the current one, see `history`).")
]
ByOpt = Annotated[str, typer.Option("--by", help="Who makes the correction.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why the version was wrong.")]


@register_app.command("correct", cls=HelpInLanguage)
def correct(
    kavel_id: Annotated[str, typer.Argument(help="The parcel's KAVEL_ID.")],
    store: StoreOpt,
    version: VersionOpt,
    by: ByOpt,
    reason: ReasonOpt,
    date: Annotated[str | None, typer.Option("--date", help="The right date, YYYY-MM-DD.")] = None,
    status: Annotated[str | None, typer.Option(help="The right status.")] = None,
    planfase: Annotated[int | None, typer.Option(help="The right plan phase, 1-5.")] = None,
    prijs_m2: Annotated[
        float | None, typer.Option("--prijs-m2", help="The right asking price, EUR/m².")
    ] = None,
    eigenaar: Annotated[str | None, typer.Option(help="gemeente or particulier.")] = None,
    allow_future: AllowFutureOpt = False,
) -> None:
    """Correct a parcel's current version (a wrong date or value): it is withdrawn, kept in
    the history, and a corrected version recorded in its place."""

    with Register.open(store) as register:
        new = register.correct(
            kavel_id,
            version=version,
            by=by,
            reason=reason,
            date=date,
            status=status,
            planfase=planfase,
            prijs_m2=prijs_m2,
            eigenaar=eigenaar,
            allow_future=allow_future,
        )
    say(
        t(
            "{kavel_id}: version {version} withdrawn, version {new} recorded in its place",
            kavel_id=kavel_id,
            version=version,
            new=new,
        )
    )


@register_app.command("undo", cls=HelpInLanguage)
def undo(
    kavel_id: Annotated[str, typer.Argument(help="The parcel's KAVEL_ID.")],
    store: StoreOpt,
    version: VersionOpt,
    by: ByOpt,
    reason: ReasonOpt,
) -> None:
    """Undo a parcel's current version: it is withdrawn, kept in the history, and the
    version before it is current again."""

    with Register.open(store) as register:
        back = register.undo(kavel_id, version=version, by=by, reason=reason)
    say(
        t(
            "{kavel_id}: version {version} withdrawn, version {back} is current again",
            kavel_id=kavel_id,
            version=version,
            back=back,
        )
    )


@register_app.command("revert", cls=HelpInLanguage)
def revert(
    gemeente: Annotated[str, typer.Argument(help="The municipality.")],
    store: StoreOpt,
    to: Annotated[str, typer.Option("--to", help="Restore its parcels as on this day.")],
    date: DateOpt,
    by: ByOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why, e.g. a wrong delivery.")],
) -> None:
    """Restore a municipality's parcels as they were on a day, as new versions (the history
    is kept): e.g. after a wrong delivery."""

    with Register.open(store) as register:
        diff = register.revert(gemeente, to=to, date=date, by=by, reason=reason)
    if not diff.table.empty:
        emit(
            diff.table, "table", None, t("Back to {date} ({gemeente})", date=to, gemeente=gemeente)
        )
    say(diff.summary())


RoleOpt = Annotated[
    str,
    typer.Option(
        "--role",
        help="The database role (lowercase letters, digits, _); created without login where "
        "it does not exist: give it to logins with GRANT role TO login.",
    ),
]


@register_app.command("grant", cls=HelpInLanguage)
def grant(
    store: StoreOpt,
    role: RoleOpt,
    gemeente: Annotated[
        str | None, typer.Argument(help="The municipality whose parcels the role may edit.")
    ] = None,
    province: Annotated[
        bool, typer.Option("--province", help="The role may edit every municipality.")
    ] = False,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="The role may only read (e.g. for publishing).")
    ] = False,
) -> None:
    """Let a database role edit one municipality's parcels (or all: --province), or only
    read (--read-only). PostgreSQL registers only; PostgreSQL enforces it: a municipality's
    role appends versions of its own parcels only, as its login, and can change or delete
    no version."""

    with Register.open(store) as register:
        created = register.grant(role, gemeente, province=province, read_only=read_only)
    if created:
        say(t("role {role} created (without login: GRANT {role} TO a login)", role=role))
    if read_only:
        say(t("{role} may read the register", role=role))
    elif province:
        say(t("{role} may edit every municipality", role=role))
    else:
        say(t("{role} may edit the parcels of {gemeente}", role=role, gemeente=gemeente))


@register_app.command("revoke", cls=HelpInLanguage)
def revoke(
    store: StoreOpt,
    role: Annotated[str, typer.Option("--role", help="The database role whose rights go.")],
    gemeente: Annotated[
        str | None, typer.Argument(help="Only this municipality (default: every right).")
    ] = None,
) -> None:
    """Take a database role's rights on the register (the role itself is kept)."""

    with Register.open(store) as register:
        lost = register.revoke(role, gemeente)
    say(t("{role}: {n} rights taken", role=role, n=lost))


@register_app.command("roles", cls=HelpInLanguage)
def roles(store: StoreOpt, fmt: FormatOpt = "table", output: OutputOpt = None) -> None:
    """Who may do what in a PostgreSQL register: one row per right given."""

    with Register.open(store) as register:
        table = register.grants()
    table["vastgelegd_op"] = pd.to_datetime(table["vastgelegd_op"], utc=True).dt.strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    emit(table, fmt, output, t("Rights in the register"), (store,))


@register_app.command("history", cls=HelpInLanguage)
def history(
    kavel_id: Annotated[str, typer.Argument(help="The parcel's KAVEL_ID.")],
    store: StoreOpt,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    all_columns: AllColumnsOpt = False,
) -> None:
    """Every version of one parcel: when valid, when recorded, by whom, from where, why.
    On screen the key columns; --format csv|json every column, dates in the same form."""

    with Register.open(store) as register:
        versions = register.history(kavel_id)
    table = _dated(versions.drop(columns="geometry"))
    keys = () if all_columns else tuple(c for c in HISTORY_KEY_COLUMNS if table[c].notna().any())
    emit(
        table,
        fmt,
        output,
        t("History of {kavel_id}", kavel_id=kavel_id),
        (store,),
        key_columns=keys,
    )
    current = int(versions.loc[versions["actueel"], "versie"].iloc[0])
    say(
        t(
            "{kavel_id}: current version {current} (give it as --expect-version)",
            kavel_id=kavel_id,
            current=current,
        )
    )


def _dated(table):
    """Dates as ``YYYY-MM-DD`` and moments as ``YYYY-MM-DD HH:MM:SS`` UTC text, the same in
    every format; empty where there is none."""
    out = table.copy()
    for columns, form in ((_DAYS, "%Y-%m-%d"), (_MOMENTS, "%Y-%m-%d %H:%M:%S")):
        for column in columns:
            text = pd.to_datetime(out[column], utc=column in _MOMENTS).dt.strftime(form)
            out[column] = text.astype(object).where(text.notna(), None)
    return out


def changes_command(
    store: StoreOpt,
    date_from: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    date_to: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    by: Annotated[str, typer.Option(help="gemeente, regio, provincie or terrein.")] = "gemeente",
    regions: RegionsOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """What changed in a register between two dates (both included), per area: sold,
    soft to hard, hard to soft, new, retired, and the number of versions recorded."""

    start, end = parse_as_of(date_from, "--from"), parse_as_of(date_to, "--to")
    if start is not None and end is not None and start > end:
        raise fail(t("--from {start} is after --to {end}", start=start, end=end))
    with Register.open(store) as register:
        table = changes(register, start, end, by, regions=regions)
    emit(
        table,
        fmt,
        output,
        t("Changes per {by}, {start} to {end}", by=by, start=date_from, end=date_to),
        (store, regions),
    )
