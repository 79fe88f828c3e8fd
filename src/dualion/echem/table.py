"""The normalised cycler table: :class:`CyclerData` lives in :mod:`dualion.core.cycler` (re-exported here)."""

from dualion.core.cycler import (CC, CCCV, CONTROL_CODES, CONTROL_NAMES, CV, EIS,  # noqa: F401
                                 LOW_CURRENT_DENSITY_WARN_mA_g, MIN_CURRENT_DENSITY_mA_g, OCV, REST, UNKNOWN,
                                 CyclerData, make_cycler_data, write_cycler_csv)
