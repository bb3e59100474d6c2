"""Deprecated path: :mod:`terreinen.io.ibis` (this one works for one release, with a warning)."""

import warnings

from terreinen.io.ibis import *  # noqa: F403
from terreinen.io.ibis import __all__  # noqa: F401

warnings.warn(
    "terreinen.ibis is now terreinen.io.ibis; the old path goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
