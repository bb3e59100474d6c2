"""Deprecated path: :mod:`terreinen.io.tables` (this one works for one release, with a warning)."""

import warnings

from terreinen.io.tables import *  # noqa: F403
from terreinen.io.tables import __all__  # noqa: F401

warnings.warn(
    "terreinen.tables is now terreinen.io.tables; the old path goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
