"""Storage of the parcel register: one SQL code path (:mod:`.base`) over a GeoPackage
(:mod:`.gpkg`, SQLite) and over PostgreSQL with PostGIS (:mod:`.postgis`)."""

from __future__ import annotations

from pathlib import Path

from terreinen.errors import TerreinenOptionError
from terreinen.i18n import t
from terreinen.register.store.base import Store
from terreinen.register.store.gpkg import SQLiteStore
from terreinen.register.store.postgis import PostgresStore

__all__ = ["PostgresStore", "SQLiteStore", "Store", "connect", "is_store_url"]


def is_store_url(store: str | Path) -> bool:
    return str(store).startswith(("postgresql://", "postgres://"))


def connect(store: str | Path) -> Store:
    """A connection to a register store: a ``postgresql://`` URL or a GeoPackage path."""
    if is_store_url(store):
        return PostgresStore(str(store))
    path = Path(store)
    if path.suffix.lower() != ".gpkg":
        raise TerreinenOptionError(
            t(
                "{store}: a register store is a GeoPackage file (.gpkg) or a postgresql:// URL",
                store=store,
            )
        )
    return SQLiteStore(path)
