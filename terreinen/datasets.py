"""The embedded example data: business parks of Drenthe and Hardenberg (see the README for
how it is generated and what in it is real), shipped inside the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from terreinen._errors import TerreinenOptionError

__all__ = ["available", "get_path"]

_FILES = {
    "parcels": "parcels.geojson",
    "agreements": "agreements.csv",
    "gemeenten": "gemeenten.csv",
}


def available() -> list[str]:
    """Names of the embedded datasets.

    >>> available()
    ['agreements', 'gemeenten', 'parcels']
    """
    return sorted(_FILES)


def get_path(name: str) -> Path:
    """Path of an embedded dataset: ``parcels`` (GeoJSON), ``agreements`` (programming
    agreements CSV) or ``gemeenten`` (the municipality/region table).

    >>> get_path("parcels").name
    'parcels.geojson'
    """
    if name not in _FILES:
        raise TerreinenOptionError(
            f"no embedded dataset {name!r}; choose from {', '.join(available())}"
        )
    return Path(str(resources.files("terreinen").joinpath("data", _FILES[name])))
