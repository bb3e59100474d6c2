"""The register: every version of every parcel from municipal deliveries and officers'
edits (:mod:`.core`), the delivery diff (:mod:`.versions`), what changed in a period
(:mod:`.changes`), over a GeoPackage or PostGIS store (:mod:`.store`)."""

from terreinen.register.core import (
    CHANGES_COLUMNS,
    HISTORY_COLUMNS,
    DeliveryDiff,
    Register,
    changes,
    example_deliveries,
    example_register,
    is_register,
)

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
