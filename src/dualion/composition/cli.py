"""CLI commands of dualion.composition (registered on the main app by :func:`register`).

``dualion capacity FORMULA``, ``dualion formula --x --y`` and ``dualion convert-voltage V``.
Thin: parse options, call :mod:`dualion.composition` / :mod:`dualion.reference`, print.
"""

from __future__ import annotations

import json
from typing import Optional

import typer

from dualion.cliutil import option_names
from dualion.core import paper

from dualion.errors import DualionUserError

#: Library error fields → the options of these commands that set them (errors name the option).
OPTIONS = {"redox": "--redox", "inserted": "--inserted", "basis": "--basis", "host": "--host", "x/y": "--x/--y",
           "li_activity": "--li-activity", "reference_from": "--from", "reference_to": "--to",
           "delta_e_ref_V": "--delta-e-ref", "T_K": "--temperature"}



def parse_amounts(text: str | None, field: str) -> dict[str, float]:
    """Parse ``"Li=0.47,Mg=0.18"`` into ``{"Li": 0.47, "Mg": 0.18}`` (numbers finite and ≥ 0 checked later)."""
    out: dict[str, float] = {}
    if text is None or not text.strip():
        return out
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise DualionUserError(f"expected NAME=NUMBER pairs separated by commas, got {part!r}", field=field)
        name, val = (p.strip() for p in part.split("=", 1))
        try:
            v = float(val)
        except ValueError:
            raise DualionUserError(f"{val!r} is not a number (in {part!r})", field=field) from None
        if name in out:
            raise DualionUserError(f"{name} given twice", field=field)
        out[name] = v
    return out


def _echo_kv(rows: list[tuple[str, object]]) -> None:
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        if isinstance(v, float):
            v = f"{v:.6g}"
        typer.echo(f"{k:<{width}}  {v}")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the main ``dualion`` app."""

    @app.command("capacity")

    @option_names(OPTIONS)
    def capacity(
        formula: str = typer.Argument(..., help="Formula, e.g. 'Ti0.78□0.22O1.12F0.40(OH)0.48' (□, Va or Vac = "
                                                "vacancy; (OH) a group)."),
        redox: Optional[list[str]] = typer.Option(None, "--redox", help="Redox couple ELEMENT:FROM:TO; repeatable. "
                                                  "Default Ti:4:3 (one electron per Ti)."),
        inserted: Optional[str] = typer.Option(None, "--inserted", help="Inserted ions per formula unit, "
                                               "e.g. Li=0.47,Mg=0.18 (n_e = Σ n_i z_i)."),
        basis: str = typer.Option("pristine", "--basis", help="Mass basis of capacity_mAh_g: pristine (host) or "
                                  "discharged (host + inserted ions)."),
        oxidation: Optional[str] = typer.Option(None, "--oxidation", help="Oxidation-state overrides for the "
                                                "charge balance, e.g. Fe=3,OH=-1. The redox element defaults to "
                                                "its FROM state."),
        host: Optional[str] = typer.Option(None, "--host", help="Host cation on the 4a sites (default Ti)."),
        sites: bool = typer.Option(True, "--sites/--no-sites", help="Assign inserted ions to 4a vacancies / 4b "
                                   "interstitials (anatase-type hosts)."),
        measured: Optional[float] = typer.Option(None, "--measured-capacity", help="A measured capacity "
                                                 "(mA h g-1, on --basis) to convert to electrons per formula unit."),
        carrier: str = typer.Option("Li", "--carrier", help="Ion assumed for --measured-capacity on the "
                                    "discharged basis (its mass is added per electron)."),
        average_voltage: Optional[float] = typer.Option(None, "--average-voltage", help="Average voltage (V) for "
                                                        "the energy density, W h kg-1 of active material."),
        voltage_reference: str = typer.Option("Mg", "--voltage-reference", help="Reference of --average-voltage: "
                                              "Mg (vs Mg2+/Mg, default) or Li (vs Li+/Li)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Molar mass, theoretical capacity and (with --inserted) the capacity of inserted ions, in mA h g-1."""
        from dualion.composition import capacity as cap
        from dualion.composition import formula as fm
        from dualion.composition import sites as st

        if voltage_reference not in ("Mg", "Li"):
            raise DualionUserError(f"voltage reference must be 'Mg' or 'Li', got {voltage_reference!r}",
                                   field="--voltage-reference")
        f = fm.parse_formula(formula)
        couples = [cap.parse_redox(r) for r in (redox or ["Ti:4:3"])]
        ox = {c.element: c.ox_from for c in couples}
        ox.update(parse_amounts(oxidation, "--oxidation"))
        q_net = fm.check_electroneutral(f, ox)
        n_th = cap.theoretical_electrons(f, couples)
        res: dict = {
            "formula": str(f), "molar_mass_g_mol": f.molar_mass_g_mol, "net_charge_e_per_formula": q_net,
            "redox": [str(c) for c in couples], "theoretical_electrons_per_formula": n_th,
            "theoretical_capacity_mAh_g": cap.capacity_from_electrons_mAh_g(n_th, f.molar_mass_g_mol),
            "theoretical_basis": "pristine", "units": {"capacity": "mA h g-1", "molar_mass": "g mol-1",
                                                       "energy_density": "W h kg-1 of active material"},
        }
        ins = parse_amounts(inserted, "--inserted")
        b = cap.check_basis(basis)
        if ins:
            r = cap.capacity_from_inserted(f, ins, b)
            res.update({"inserted": r.inserted, "ion_charges": r.charges,
                        "electrons_per_formula": r.electrons_per_formula, "capacity_mAh_g": r.capacity_mAh_g,
                        "basis": r.basis, "molar_mass_basis_g_mol": r.molar_mass_basis_g_mol,
                        "fraction_of_theoretical": r.electrons_per_formula / n_th})
            if sites:
                state = st.assign_sites(f, ins, host=host, oxidation=ox)
                res.update({"site_resolved_formula": str(state), "interstitial_4b": state.interstitial_4b,
                            "vacancy_4a": state.vacancy_4a,
                            "site_assignment": "vacancy-first, highest charge first (assumption)"})
        if measured is not None:
            if b == "pristine":
                n_meas = cap.electrons_from_capacity(measured, f.molar_mass_g_mol)
            else:
                n_meas = cap.electrons_from_capacity_discharged(measured, f, carrier)
                res["measured_capacity_carrier"] = carrier
            res.update({"measured_capacity_mAh_g": measured, "measured_capacity_basis": b,
                        "electrons_from_measured_capacity": n_meas,
                        "measured_fraction_of_theoretical": n_meas / n_th})
        if average_voltage is not None:
            of = next(k for k in ("capacity_mAh_g", "measured_capacity_mAh_g", "theoretical_capacity_mAh_g")
                      if k in res)
            res["average_voltage_V"] = average_voltage
            res["average_voltage_reference"] = voltage_reference
            res["energy_density_Wh_kg"] = cap.energy_density_Wh_kg(res[of], average_voltage)
            res["energy_density_of"] = of
        if as_json:
            typer.echo(json.dumps(res, indent=2, ensure_ascii=False))
            return
        rows: list[tuple[str, object]] = [
            ("formula", res["formula"]), ("molar_mass_g_mol", res["molar_mass_g_mol"]),
            ("redox", ", ".join(res["redox"])),
            ("theoretical_electrons_per_formula", res["theoretical_electrons_per_formula"]),
            ("theoretical_capacity_mAh_g", res["theoretical_capacity_mAh_g"]),
            ("theoretical_basis", "pristine mass")]
        if ins:
            rows += [("inserted", ", ".join(f"{k} {v:g}" for k, v in res["inserted"].items())),
                     ("electrons_per_formula", res["electrons_per_formula"]),
                     ("capacity_mAh_g", res["capacity_mAh_g"]),
                     ("basis", f"{res['basis']} mass ({res['molar_mass_basis_g_mol']:.6g} g mol-1)"),
                     ("fraction_of_theoretical", res["fraction_of_theoretical"])]
            if "site_resolved_formula" in res:
                rows += [("site_resolved_formula", res["site_resolved_formula"]),
                         ("site_assignment", res["site_assignment"])]
        if "measured_capacity_mAh_g" in res:
            rows += [("measured_capacity_mAh_g", f"{measured:g} ({b} mass"
                      + (f", carrier {carrier})" if b == "discharged" else ")")),
                     ("electrons_from_measured_capacity", res["electrons_from_measured_capacity"])]
        if "energy_density_Wh_kg" in res:
            rows += [("energy_density_Wh_kg", f"{res['energy_density_Wh_kg']:.6g} (of {res['energy_density_of']} "
                                              f"at {average_voltage:g} V vs {voltage_reference})")]
        _echo_kv(rows)

    @app.command("formula")

    @option_names(OPTIONS)
    def formula_cmd(
        x: float = typer.Option(..., "--x", help="F-compensated vacancies: 4x F- per x vacancies."),
        y: float = typer.Option(..., "--y", help="OH-compensated vacancies: 4y OH- per y vacancies."),
        host: str = typer.Option("Ti", "--host", help="Host cation (default Ti)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON with the site inventory."),
    ) -> None:
        """The paper's family Ti1-x-y□x+yO2-4(x+y)F4x(OH)4y (x = 0.10, y = 0.12 is the paper's compound)."""
        from dualion.composition import capacity as cap
        from dualion.composition import formula as fm
        from dualion.composition import sites as st

        f = fm.family_formula(x, y, host=host)
        ox = {host: 4} if host != "Ti" else None
        fm.check_electroneutral(f, ox)
        if not as_json:
            typer.echo(str(f))
            return
        inv = st.site_inventory(f, host=host, oxidation=ox)
        res = {"x": x, "y": y, "formula": str(f), "molar_mass_g_mol": f.molar_mass_g_mol,
               "net_charge_e_per_formula": fm.net_charge_e(f, ox), "inventory": inv.to_dict(),
               "theoretical_capacity_mAh_g": cap.theoretical_capacity_mAh_g(f, f"{host}:4:3"),
               "redox": f"{host}:4:3", "theoretical_basis": "pristine"}
        typer.echo(json.dumps(res, indent=2, ensure_ascii=False))

    @app.command("convert-voltage")

    @option_names(OPTIONS)
    def convert_voltage_cmd(
        voltage: float = typer.Argument(..., help="Voltage (V) vs the --from reference (a negative value goes after "
                                     "'--': --from Li --to Mg -- -0.5)."),
        frm: str = typer.Option(..., "--from", help="Reference of VOLTAGE: Mg (vs Mg2+/Mg) or Li (vs Li+/Li)."),
        to: str = typer.Option(..., "--to", help="Target reference: Mg or Li."),
        delta_e_ref: float = typer.Option(paper.DELTA_E_REF_V, "--delta-e-ref", help="E°(Mg2+/Mg) − E°(Li+/Li) in V (paper: "
                                          "0.93 V vs Mg = 1.67 V vs Li)."),
        li_activity: float = typer.Option(1.0, "--li-activity", help="Li+ activity for the Nernst shift."),
        temperature: float = typer.Option(paper.T_K, "--temperature", help="Temperature (K)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Convert a voltage between the Mg2+/Mg and Li+/Li references (V_Li = V_Mg + ΔE_ref − (kT/e) ln a)."""
        from dualion.reference import convert_voltage

        for opt, ref in (("--from", frm), ("--to", to)):
            if ref not in ("Mg", "Li"):
                raise DualionUserError(f"voltage reference must be 'Mg' or 'Li', got {ref!r}", field=opt)
        if not (temperature > 0):
            raise DualionUserError(f"temperature must be > 0 K, got {temperature!r}", field="--temperature")
        if not li_activity > 0:
            raise DualionUserError(f"Li+ activity must be > 0, got {li_activity!r}", field="--li-activity")
        v = float(convert_voltage(voltage, frm, to, delta_e_ref_V=delta_e_ref, li_activity=li_activity,
                                  T_K=temperature))
        if as_json:
            typer.echo(json.dumps({"voltage_V": voltage, "from": frm, "to": to, "converted_V": v,
                                   "delta_e_ref_V": delta_e_ref, "li_activity": li_activity,
                                   "temperature_K": temperature}, indent=2))
            return
        typer.echo(f"{v:.4f} V vs {'Mg2+/Mg' if to == 'Mg' else 'Li+/Li'}")
