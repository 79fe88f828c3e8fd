"""What one constant-current step of the cell returns, and the surface thresholds that end it: shared by the
LSODA path (:mod:`dualion.cell.particle`) and the compiled path (:mod:`dualion.cell.fast`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class _Sol:
    t: np.ndarray
    y: np.ndarray
    sol: Any
    status: int
    message: str


#: |logit θ| of the surface beyond which an ion counts as saturated (full on discharge, empty on charge).
SATURATION_LOGIT = 30.0
#: |logit θ| of the surface beyond which an ion counts as exhausted in the direction of the current while the other
#: ion still carries current: its surface is then held (quasi-steady) and passes on the diffusive supply
#: (θ within e^-30 ≈ 1e-13 of empty/full: the neglected surface content is < 1e-13 ions per fu).
EXHAUSTED_LOGIT = SATURATION_LOGIT
#: A step whose time stops advancing this close to its voltage cutoff (V) ends there (the capacity left is
#: negligible: the voltage is diving to the cutoff); further away it is an integration failure.
STALL_NEAR_CUTOFF_V = 0.03
