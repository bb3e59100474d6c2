"""terreinen: business-park land availability (bedrijventerreinen) in the Netherlands.

The public API is imported on first use, so that ``import terreinen`` and the command
line's ``--help`` stay quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from terreinen import settings

__version__ = "0.1.0"

_API = {
    "read_parcels": "terreinen.loading",
    "Register": "terreinen.register",
    "changes": "terreinen.register",
    "TerreinenDataWarning": "terreinen.loading",
    "validate": "terreinen.validation",
    "Finding": "terreinen.validation",
    "ValidationReport": "terreinen.validation",
    "TerreinenError": "terreinen.validation",
    "TerreinenConflictError": "terreinen.validation",
    "TerreinenDataError": "terreinen.validation",
    "TerreinenReadError": "terreinen.validation",
}

__all__ = [
    "Finding",
    "Register",
    "TerreinenConflictError",
    "TerreinenDataError",
    "TerreinenDataWarning",
    "TerreinenError",
    "TerreinenReadError",
    "ValidationReport",
    "changes",
    "read_parcels",
    "settings",
    "validate",
]


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'terreinen' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from terreinen.loading import TerreinenDataWarning, read_parcels
    from terreinen.register import Register, changes
    from terreinen.validation import (
        Finding,
        TerreinenConflictError,
        TerreinenDataError,
        TerreinenError,
        TerreinenReadError,
        ValidationReport,
        validate,
    )
