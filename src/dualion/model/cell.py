"""Compatibility alias: the galvanostatic cell moved to :mod:`dualion.cell` (import from there)."""

from dualion.cell import *  # noqa: F401,F403
from dualion.cell import __all__  # noqa: F401
