"""The register's commands: ``terreinen register init|import|set|history`` and
``terreinen changes``. Exit codes as everywhere (2 unusable input), plus 1 for a delivery
with data errors (nothing written) and 4 for an edit refused because the parcel changed
meanwhile."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from terreinen.cli.common import (
    EXIT_CONFLICT,
    EXIT_FINDINGS,
    AllColumnsOpt,
    FormatOpt,
    GroupHelpInLanguage,
    HelpInLanguage,
    OutputOpt,
    RegionsOpt,
    decimal_number,
    emit,
    fail,
    print_findings,
    say,
    state,
    summary_of,
)
from terreinen.errors import (
    TerreinenConflictError,
    TerreinenDataError,
    TerreinenError,
    TerreinenReadError,
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
# a parcel's history on screen, in this order (what fits 80 columns first)
_HISTORY_KEY_COLUMNS = (
    "versie",
    "geldig_van",
    "geldig_tot",
    "status",
    "planfase",
    "door",
    "reden",
    "bron",
)


@contextlib.contextmanager
def _plain_errors():
    """terreinen's errors as a plain message and an exit code, never a traceback."""

    try:
        yield
    except TerreinenConflictError as exc:
        raise fail(str(exc), EXIT_CONFLICT) from None
    except TerreinenReadError as exc:
        raise fail(str(exc)) from None
    except TerreinenDataError as exc:
        print_findings(exc.report, limit=None if state["verbose"] else 20)
        said = t("{summary}; nothing was written", summary=summary_of(exc.report))
        raise fail(said, EXIT_FINDINGS) from None
    except TerreinenError as exc:
        raise fail(str(exc)) from None


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

    with _plain_errors(), (example_register if example else Register.create)(store) as register:
        say(t("register ready: {label}", label=register.label))


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
    fmt: FormatOpt = "table",
) -> None:
    """Import one delivery: validate it, print what differs from the register, apply it."""

    with _plain_errors(), Register.open(store) as register:
        diff = register.import_delivery(
            delivery, date=date, source=source, gemeente=gemeente, dry_run=dry_run, by=by
        )
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
        emit(table, fmt, None, f"Verschillen met het register ({delivery.name})")
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
) -> None:
    """Record a land-sale officer's edit of one parcel as its new version."""

    with _plain_errors(), Register.open(store) as register:
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
        )
    say(t("{kavel_id}: version {version} recorded", kavel_id=kavel_id, version=version))


@register_app.command("history", cls=HelpInLanguage)
def history(
    kavel_id: Annotated[str, typer.Argument(help="The parcel's KAVEL_ID.")],
    store: StoreOpt,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    all_columns: AllColumnsOpt = False,
) -> None:
    """Every version of one parcel: when valid, when recorded, by whom, from where, why."""

    with _plain_errors(), Register.open(store) as register:
        versions = register.history(kavel_id)
    table = versions.drop(columns="geometry")
    keys = () if all_columns else _HISTORY_KEY_COLUMNS
    emit(table, fmt, output, f"Geschiedenis van {kavel_id}", (store,), key_columns=keys)


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

    with _plain_errors(), Register.open(store) as register:
        table = changes(register, date_from, date_to, by, regions=regions)
    emit(table, fmt, output, f"Wijzigingen per {by}, {date_from} t/m {date_to}", (store, regions))
