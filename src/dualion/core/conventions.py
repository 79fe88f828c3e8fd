r"""The sign and normalisation conventions every dualion domain uses (one per quantity).

* **Current**: ``current_mA > 0`` is charge (oxidation of the working electrode, ions leave), ``< 0`` is
  discharge (ions inserted). Capacities reported per half-cycle are positive.
* **Voltage**: in V, always with its reference electrode (``"Mg"``: vs Mg2+/Mg, ``"Li"``: vs Li+/Li);
  :math:`V_\mathrm{Li} = V_\mathrm{Mg} + \Delta E_\mathrm{ref} - (k_BT/e)\ln a_\mathrm{Li^+}`.
* **Chemical potentials** Δμ_i (eV, relative to the metal): :class:`Per` says per what.
  Per transferred charge (default, the paper's Fig. 6): :math:`\Delta\mu_i = -eV_i`;
  per atom: :math:`\Delta\mu_i = -z_i e V_i`.
* **GITT overpotential**: :math:`\eta = E(\text{end of pulse}) - E_\mathrm{eq}` (signed: < 0 on discharge,
  > 0 on charge), computed only by :func:`dualion.echem.gitt.analyse_gitt`; the cell's GITT calls it.
* **Capacity**: :math:`Q = F n_e / (3.6 M)` (:mod:`dualion.core.charge`), on the pristine mass unless a
  ``basis`` says otherwise.
"""

from __future__ import annotations

from enum import Enum

from dualion.errors import DualionUserError

#: What η means, as written into result files.
ETA_CONVENTION = "eta_V = E(end of pulse) - E_eq (signed: < 0 on discharge, > 0 on charge)"
#: What the current sign means, as written into result files.
CURRENT_CONVENTION = "current_mA > 0 charge (ions leave), < 0 discharge"


class Per(str, Enum):
    """Normalisation of a chemical potential: per transferred ``charge`` (e-) or per ``atom`` (ion).

    A ``str`` enum: ``Per.CHARGE == "charge"``; :meth:`parse` turns user input into one, once.
    """

    CHARGE = "charge"
    ATOM = "atom"

    @classmethod
    def parse(cls, value: str | Per, field: str = "per") -> Per:
        """``"charge"`` / ``"atom"`` (any case, or a :class:`Per`) → :class:`Per`; else a user error."""
        if isinstance(value, Per):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise DualionUserError(f"chemical-potential convention must be 'charge' or 'atom', got {value!r}",
                                   field=field) from None

    def factor(self, z: int | float) -> float:
        """Multiply a per-charge Δμ by this to get this convention's value (1 or z)."""
        return 1.0 if self is Per.CHARGE else float(z)

    def __str__(self) -> str:
        return self.value
