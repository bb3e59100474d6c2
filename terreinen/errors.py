"""terreinen's exceptions and warnings, in one place.

Every error a user can cause is a :class:`TerreinenError`, and each kind is also the
builtin exception it resembles (as rasterio's ``RasterioIOError`` is an ``OSError``), so that
``except ValueError`` or ``except OSError`` in a notebook catches what it should:

- :class:`TerreinenOptionError` (``ValueError``): an argument terreinen cannot use;
- :class:`TerreinenNotFoundError` (``LookupError``): a municipality, parcel, register or
  date with no parcels that is not there;
- :class:`TerreinenDataError` (``ValueError``): input with errors, listed in ``report``;
- :class:`TerreinenReadError` (``ValueError`` and ``OSError``): an input that cannot be read;
- :class:`TerreinenWriteError` (``OSError``): an output that cannot be written;
- :class:`TerreinenStoreError` (``OSError``): a register store that cannot be used, with the
  database driver's error wrapped;
- :class:`TerreinenPermissionError` (``PermissionError``, a store error): the register's
  database does not let this user edit those parcels;
- :class:`TerreinenConflictError` (``RuntimeError``): an edit someone else overtook;
- :class:`TerreinenDependencyError` (``ImportError``): an optional package not installed.

The command line prints the message in plain words and exits with the code its table
(:data:`terreinen.cli.common.EXIT_CODES`) gives the class, never with a traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from terreinen.i18n import format_number, t
from terreinen.report import Finding, ValidationReport

__all__ = [
    "TerreinenConflictError",
    "TerreinenDataError",
    "TerreinenDataWarning",
    "TerreinenDependencyError",
    "TerreinenError",
    "TerreinenNotFoundError",
    "TerreinenOptionError",
    "TerreinenPermissionError",
    "TerreinenReadError",
    "TerreinenStoreError",
    "TerreinenWriteError",
    "optional_import",
]

DATA_MODEL_HINT = "see docs/data-model.md in the terreinen repository"
_MAX_LISTED = 20  # errors in an exception's message before "... and N more"


class TerreinenError(Exception):
    """Base class of terreinen's own errors."""


class TerreinenDataError(TerreinenError, ValueError):
    """The input has errors; ``report`` lists every one with its row and column."""

    def __init__(self, report: ValidationReport):
        self.report = report
        lines = [str(f) for f in report.errors[:_MAX_LISTED]]
        if len(report.errors) > _MAX_LISTED:
            lines.append(
                t("... and {n} more errors", n=format_number(len(report.errors) - _MAX_LISTED, 0))
            )
        super().__init__(f"{report.summary()}\n" + "\n".join(lines))


class TerreinenReadError(TerreinenDataError, OSError):
    """The input cannot be read at all (missing, empty, truncated, wrong encoding, ...)."""

    def __init__(self, source: str, message: str, suggestion: str | None = None):
        self.report = ValidationReport(
            source, findings=[Finding("error", message, suggestion=suggestion)]
        )
        hint = f" ({suggestion})" if suggestion else ""
        Exception.__init__(self, f"{source}: {message}{hint}")


class TerreinenOptionError(TerreinenError, ValueError):
    """An argument or option has a value terreinen cannot use (an unknown level, a
    category, a format)."""


class TerreinenNotFoundError(TerreinenError, LookupError):
    """Something named is not there: a municipality, a parcel, a register, or any parcels
    on the date asked for."""


class TerreinenWriteError(TerreinenError, OSError):
    """An output cannot be written (folder missing, no permission, disk full, or the output
    is one of the inputs)."""


class TerreinenStoreError(TerreinenError, OSError):
    """A register store cannot be used: locked by another program too long, damaged,
    holding what a register does not (foreign triggers, tables of another owner), or the
    database refused the work (rights, a read-only file or transaction, a timeout)."""


class TerreinenPermissionError(TerreinenStoreError, PermissionError):
    """The register's database does not let this user do it: edit another municipality's
    parcels, or write at all with a read-only role (see ``Register.grant``)."""


class TerreinenConflictError(TerreinenError, RuntimeError):
    """An edit was refused because someone else changed the record first."""


class TerreinenDependencyError(TerreinenError, ImportError):
    """An optional dependency is not installed; the message says which extra to install."""


class TerreinenDataWarning(UserWarning):
    """Data were read, with findings worth a look (see :func:`terreinen.validate`)."""


def optional_import(name: str, extra: str) -> ModuleType:
    """Import an optional dependency, or raise an error that says how to install it.

    >>> optional_import("no_such_module", extra="dask")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    terreinen.errors.TerreinenDependencyError: ...: pip install "terreinen[dask]"
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing = exc.name or name  # the package really missing, e.g. dask for our engine
        raise TerreinenDependencyError(
            t(
                'this needs the optional package {missing}: pip install "terreinen[{extra}]"',
                missing=repr(missing),
                extra=extra,
            )
        ) from None
