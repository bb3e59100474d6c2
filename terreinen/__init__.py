"""terreinen: business-park land availability (bedrijventerreinen) in the Netherlands.

The public API is imported on first use, so that ``import terreinen`` and the command
line's ``--help`` stay quick.
"""

from __future__ import annotations

import importlib

from terreinen import settings

__version__ = "0.1.0"

_API = {
    "read_parcels": "terreinen.io.files",
    "validate": "terreinen.io.files",
    "Finding": "terreinen.report",
    "ValidationReport": "terreinen.report",
    "TerreinenError": "terreinen.errors",
    "TerreinenDataError": "terreinen.errors",
    "TerreinenDataWarning": "terreinen.errors",
    "TerreinenOptionError": "terreinen.errors",
    "TerreinenReadError": "terreinen.errors",
    "TerreinenWriteError": "terreinen.errors",
    "TerreinenConflictError": "terreinen.errors",
    "get_path": "terreinen.datasets",
    "Register": "terreinen.register",
    "Study": "terreinen.study",
    "changes": "terreinen.register",
}

__all__ = [
    "Finding",
    "Register",
    "Study",
    "TerreinenConflictError",
    "TerreinenDataError",
    "TerreinenDataWarning",
    "TerreinenError",
    "TerreinenOptionError",
    "TerreinenReadError",
    "TerreinenWriteError",
    "ValidationReport",
    "changes",
    "get_path",
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
