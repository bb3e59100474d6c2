"""The embedded example data: business parks of Drenthe and Hardenberg (see the README for
how it is generated and what in it is real), shipped inside the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from terreinen.errors import TerreinenOptionError
from terreinen.i18n import t

__all__ = ["available", "get_path"]

_FILES = {
    "parcels": "parcels.geojson",
    "agreements": "agreements.csv",
    "cbs_gemeenten": "cbs_gemeenten.parquet",
    "cbs_provincies": "cbs_provincies.parquet",
    "gemeenten": "gemeenten.csv",
    "leveringen": "leveringen.csv",
    "leveringen_verschillen": "leveringen_verschillen.csv",
}


def available() -> list[str]:
    """Names of the embedded datasets.

    >>> available()
    ['agreements', 'cbs_gemeenten', 'cbs_provincies', 'gemeenten', 'leveringen',
     'leveringen_verschillen', 'parcels']
    """
    return sorted(_FILES)


def get_path(name: str) -> Path:
    """Path of an embedded dataset: ``parcels`` (GeoJSON), ``agreements`` (programming
    agreements CSV), ``gemeenten`` (the municipality/region table), ``cbs_gemeenten`` and
    ``cbs_provincies`` (the CBS outlines, GeoParquet; read them with terreinen.io.cbs), or
    the register's example history: ``leveringen`` (the yearly deliveries) and
    ``leveringen_verschillen`` (how each delivery differs from the parcels; see
    terreinen.register.example_register).

    >>> get_path("parcels").name
    'parcels.geojson'
    """
    if name not in _FILES:
        raise TerreinenOptionError(
            t(
                "no embedded dataset {name}; choose from {choices}",
                name=repr(name),
                choices=", ".join(available()),
            )
        )
    return Path(str(resources.files("terreinen").joinpath("data", _FILES[name])))
