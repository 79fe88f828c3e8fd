"""Working ions: formal charges and helpers. Any element with a known formal charge works."""

from __future__ import annotations

from dualion.errors import DualionUserError

#: Formal charge z of the working ion in the electrolyte (M^z+).
FORMAL_CHARGES: dict[str, int] = {
    "H": 1, "Li": 1, "Na": 1, "K": 1, "Rb": 1, "Cs": 1, "Ag": 1,
    "Mg": 2, "Ca": 2, "Sr": 2, "Ba": 2, "Zn": 2,
    "Al": 3, "Y": 3, "Sc": 3,
}

#: Default working ions of the paper.
DEFAULT_IONS: tuple[str, ...] = ("Li", "Mg")


def formal_charge(ion: str, charges: dict[str, int] | None = None) -> int:
    """Formal charge z of ``ion`` (e.g. Li → 1, Mg → 2, Al → 3); ``charges`` overrides the table."""
    table = {**FORMAL_CHARGES, **(charges or {})}
    try:
        return int(table[ion])
    except KeyError:
        raise DualionUserError(f"unknown formal charge for working ion {ion!r}; give it explicitly "
                               f"(known: {', '.join(sorted(table))})", field="ions") from None


def parse_ions(text: str | None) -> tuple[str, ...]:
    """Parse ``"Li,Mg"`` into ``("Li", "Mg")``; checks each has a formal charge."""
    if text is None or not str(text).strip():
        return DEFAULT_IONS
    ions = tuple(p.strip() for p in str(text).split(",") if p.strip())
    if len(set(ions)) != len(ions):
        raise DualionUserError(f"duplicate ion in {text!r}", field="ions")
    for ion in ions:
        formal_charge(ion)
    return ions
