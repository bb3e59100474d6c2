"""Deprecated path: :mod:`terreinen.io.files` (this one works for one release, with a warning)."""

import warnings

from terreinen.io.files import *  # noqa: F403
from terreinen.io.files import __all__  # noqa: F401

warnings.warn(
    "terreinen.loading is now terreinen.io.files; the old path goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
