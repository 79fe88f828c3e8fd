"""The founding paper's parameters, each with its source, in one place (no other module repeats them).

Paper: *Exploiting Cationic Vacancies for Increased Energy Densities in Dual-Ion Batteries* (text in
``shared/paper/``). "Exp." = the Experimental section; "ASSUMED" = not in the paper, chosen by dualion
and said so wherever it is used.
"""

from __future__ import annotations

#: The cation-deficient anatase, Ti1-x-y□x+yO2-4(x+y)F4x(OH)4y with x = 0.10, y = 0.12 (title; Figs. 1c–3).
FORMULA = "Ti0.78□0.22O1.12F0.40(OH)0.48"
#: Family parameters of :data:`FORMULA` (x: F-compensated, y: OH-compensated vacancies).
FAMILY_X, FAMILY_Y = 0.10, 0.12
#: Redox couple of the host (Results: "Lithium and magnesium insertion ... imply the Ti4+/Ti3+ redox couple").
REDOX = "Ti:4:3"
#: Theoretical capacity the paper quotes, mA h g-1 (Results, Fig. 1 text; dualion's formula gives 294.4).
THEORETICAL_CAPACITY_QUOTED_MAH_G = 290.0
#: Reversible capacity measured at 1.0 M LiCl, mA h g-1, pristine mass (Results, Fig. 1c: "300 mA h g-1").
MEASURED_CAPACITY_1M_MAH_G = 300.0

#: E°(Mg2+/Mg) − E°(Li+/Li), V: "0.93 V vs. Mg2+/Mg or 1.67 V vs. Li+/Li" at 1 M LiCl (Results, Fig. 1b).
DELTA_E_REF_V = 0.74
#: Temperature, K: "the temperature was set at 25 °C" (Exp.).
T_K = 298.15
#: Voltage window, V vs Mg2+/Mg: "within the voltage range of 0.05 – 2.3 V vs. Mg2+/Mg" (Exp.).
V_WINDOW_V: tuple[float, float] = (0.05, 2.3)
#: Current densities of the rate test, mA g-1 (Fig. 2a).
RATES_MA_G: tuple[float, ...] = (20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)
#: Rate of the discharge–charge curves, mA g-1 (Fig. 1 caption: "cycled at 20 mA g-1").
CURVE_RATE_MA_G = 20.0
#: Rate of the long-term cycling, mA g-1, and its length (Fig. 2b: 1000 mA g-1, 400 cycles).
CYCLING_RATE_MA_G, CYCLING_CYCLES = 1000.0, 400
#: LiCl concentrations of Fig. 1, mol L-1 ("varied from 0 M to 1 M"; 0.05, 0.1, 0.2, 1 M in the text).
LICL_M: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2, 1.0)
#: APC salt concentration, mol L-1 ("0.2 M APC", Exp.).
APC_M = 0.2

#: GITT protocol (Exp.): "10 mA g-1 ... for 1 h, followed by a relaxation period for 10 h ... until +0.05 V".
GITT_PULSE_MA_G = 10.0
GITT_PULSE_S = 3600.0
GITT_REST_S = 36000.0
#: Electrolyte of the GITT and ICP study (Results, Fig. 3): 0.2 M APC + 0.2 M LiCl.
GITT_LICL_M = 0.2

#: ICP-AES uptakes at the end of discharge, ions per formula unit (Results, Figs. 2c and 3b):
#: pure APC 0.22 Mg (vacancies full); APC + 0.2 M LiCl 0.47 Li + 0.18 Mg (0.83 e-).
ICP_UPTAKE: dict[float, dict[str, float]] = {0.0: {"Li": 0.0, "Mg": 0.22}, 0.2: {"Li": 0.47, "Mg": 0.18}}
#: Li on the 4b interstitials from the lattice parameters, per fu (Results, PDF: "0.30–0.35 Li+").
LI_INTERSTITIAL_RANGE: tuple[float, float] = (0.30, 0.35)
#: Li in the Ti vacancies suggested by 0.22 − 0.18 (Results, Fig. 3b text: "0.04 Li+").
LI_VACANCY = 0.04

#: Pristine and discharged lattice parameters, Å (Results, PDF): a, c.
LATTICE_PRISTINE_A: tuple[float, float] = (3.7991, 9.475)
LATTICE_DISCHARGED_A: tuple[float, float] = (3.875, 9.325)

#: Electrolyte soaked into the separator, µL ("soaked with 400 μL of the electrolyte solution", Exp.).
ELECTROLYTE_VOLUME_UL = 400.0
#: Electrode loading, mg cm-2, and active fraction ("density of 2 mg cm-2"; "80 wt.% active materials", Exp.).
AREAL_LOADING_MG_CM2 = 2.0
ACTIVE_FRACTION = 0.80
#: ASSUMED: electrode diameter, mm (the paper gives no area; a 10 mm Swagelok electrode).
ELECTRODE_DIAMETER_MM = 10.0
#: Active mass, mg: loading × active fraction × π (d/2)² = 2 × 0.8 × 0.785 = 1.257 → 1.26 mg (derived from the
#: ASSUMED diameter; only currents in mA and the finite-electrolyte Li balance depend on it).
ACTIVE_MASS_MG = round(AREAL_LOADING_MG_CM2 * ACTIVE_FRACTION * 3.141592653589793 * (ELECTRODE_DIAMETER_MM / 20.0) ** 2,
                       2)

# ---- measured electrochemistry the model is compared with (issue 13; "measured (paper)" markers) ----
#: Plateau of stoichiometric TiO2 at 1.0 M LiCl, V vs Mg2+/Mg (Results, Fig. 1a/1b: "0.93 V vs. Mg2+/Mg").
MEASURED_PLATEAU_TIO2_1M_V = 0.93
#: Main discharge dQ/dV peak of the defective host, V vs Mg2+/Mg, per LiCl (M) (Results, Fig. 1d: "peaks
#: shifting from 0.77 V for 0.05 M LiCl to 1 V for 1.0 M LiCl").
MEASURED_DQDV_PEAK_V: dict[float, float] = {0.05: 0.77, 1.0: 1.0}
#: Reversible capacity of the defective host at 20 mA g-1, mA h g-1, per LiCl (M) (Results, Fig. 1c: "150 mA h
#: g-1" Li-free; "more than 250" at 0.1 M, a lower bound; "300" at 1.0 M).
MEASURED_CAPACITY_MAH_G: dict[float, float] = {0.0: 150.0, 0.1: 250.0, 1.0: MEASURED_CAPACITY_1M_MAH_G}
#: Reversible capacity of stoichiometric TiO2 with 0.2–1 M LiCl, mA h g-1 (Results, Fig. 1a: "ca. 200").
MEASURED_CAPACITY_TIO2_MAH_G = 200.0
#: Reversible capacities of the rate test (Results, Fig. 2a), mA h g-1: {(LiCl M, rate mA g-1): value}.
#: "below 100 mA g-1 ... 260 and 275 mA h g-1 ... for 0.2 M and 1 M" (quoted here at 20 and 50 mA g-1) and
#: "up to 200 mA h g-1 under 1000 mA g-1 ... 1 M". The paper gives no number for 0.2 M above 100 mA g-1.
MEASURED_RATE_CAPACITY_MAH_G: dict[tuple[float, float], float] = {
    (0.2, 20.0): 260.0, (0.2, 50.0): 260.0, (1.0, 20.0): 275.0, (1.0, 50.0): 275.0, (1.0, 1000.0): 200.0}
