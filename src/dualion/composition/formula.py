r"""Chemical formulas with vacancies and groups: parse, write, molar mass, electroneutrality.

A formula such as ``Ti0.78□0.22O1.12F0.40(OH)0.48`` is a sequence of *terms*: an element (``Ti``),
a vacancy (``□``; ``Va`` and ``Vac`` are accepted on input), or a parenthesised *group* (``(OH)``) with
a multiplier. Groups keep their identity (so that ``(OH)`` counts as one anion of charge −1 in the
charge balance), and their element content is used for the molar mass. A vacancy has zero mass and
zero charge.

Electroneutrality, with oxidation states :math:`q_i` (e per atom or group):

.. math:: Q_\mathrm{net} = \sum_i n_i\,q_i = 0 \quad (\text{e per formula unit})

The paper's family (x: fluorine-compensated, y: hydroxyl-compensated Ti vacancies):

.. math:: \mathrm{Ti}_{1-x-y}\square_{x+y}\mathrm{O}_{2-4(x+y)}\mathrm{F}_{4x}(\mathrm{OH})_{4y}

which is neutral for every (x, y): 4(1−x−y) − 2(2−4x−4y) − 4x − 4y = 0.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from dualion.errors import DualionUserError

#: The canonical vacancy symbol written by dualion (U+25A1 WHITE SQUARE).
VACANCY = "\u25a1"
#: Spellings accepted on input for a vacancy (longest first for the tokenizer).
VACANCY_ALIASES: tuple[str, ...] = ("Vac", "Va", "\u25a1", "\u2610", "\u25fb")

#: Default oxidation states (e per atom or per group); override per call.
DEFAULT_OXIDATION_STATES: dict[str, float] = {
    # cations
    "H": 1, "Li": 1, "Na": 1, "K": 1, "Rb": 1, "Cs": 1, "Ag": 1,
    "Mg": 2, "Ca": 2, "Sr": 2, "Ba": 2, "Zn": 2,
    "Al": 3, "Sc": 3, "Y": 3, "La": 3,
    "Ti": 4, "Zr": 4, "Hf": 4, "Sn": 4, "Si": 4,
    "V": 5, "Nb": 5, "Ta": 5, "P": 5,
    "Mo": 6, "W": 6,
    # anions
    "O": -2, "S": -2, "Se": -2, "N": -3,
    "F": -1, "Cl": -1, "Br": -1, "I": -1,
    # groups (keyed by their canonical inner text)
    "OH": -1, "OD": -1, "NH4": 1, "H2O": 0, "CO3": -2, "SO4": -2, "PO4": -3, "NO3": -1,
}

_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_ELEMENT = re.compile(r"[A-Z][a-z]?")
#: Tolerance for electroneutrality, e per formula unit.
CHARGE_TOLERANCE_E = 1e-4


@lru_cache(maxsize=None)
def _element_mass(symbol: str) -> float:
    """Standard atomic weight of ``symbol`` in g mol-1 (pymatgen element data)."""
    from pymatgen.core.periodic_table import Element

    return float(Element(symbol).atomic_mass)


@lru_cache(maxsize=None)
def is_element(symbol: str) -> bool:
    """True if ``symbol`` is a chemical element known to pymatgen (not a dummy species)."""
    from pymatgen.core.periodic_table import Element

    return Element.is_valid_symbol(symbol)


@dataclass(frozen=True)
class Term:
    """One term of a formula: an element, the vacancy, or a group, with its amount per formula unit.

    ``group`` is ``None`` for an element or the vacancy; for a group it holds the element content of
    one group unit as sorted ``(element, count)`` pairs, and ``symbol`` is the group's canonical inner
    text (``"OH"``).
    """

    symbol: str
    amount: float
    group: tuple[tuple[str, float], ...] | None = None

    @property
    def is_vacancy(self) -> bool:
        return self.symbol == VACANCY

    @property
    def is_group(self) -> bool:
        return self.group is not None

    def elements(self) -> dict[str, float]:
        """Element amounts contributed by this term (per formula unit); vacancy → {}."""
        if self.is_vacancy:
            return {}
        if self.group is None:
            return {self.symbol: self.amount}
        return {el: n * self.amount for el, n in self.group}


def format_amount(a: float) -> str:
    """Write an amount: ``1`` → ``""``, integers plain, two decimals when exact (0.40), else shortest."""
    a = float(a)
    if a == 1.0:
        return ""
    if a == int(a) and abs(a) < 1e15:
        return str(int(a))
    if round(a, 2) == a:
        return f"{a:.2f}"
    return np.format_float_positional(a, trim="-")


@dataclass(frozen=True)
class DefectFormula:
    """A formula unit with vacancies and groups (immutable).

    ``terms`` keeps the written order; each symbol appears once. ``str()`` writes the canonical
    formula (vacancy as ``□``), which parses back to an equal object.
    """

    terms: tuple[Term, ...]
    _index: dict = field(default=None, init=False, repr=False, compare=False, hash=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {t.symbol: t for t in self.terms})

    # -- access ---------------------------------------------------------------------------------
    def __str__(self) -> str:
        parts = []
        for t in self.terms:
            sym = f"({t.symbol})" if t.is_group else t.symbol
            parts.append(f"{sym}{format_amount(t.amount)}")
        return "".join(parts)

    def amount(self, symbol: str) -> float:
        """Amount of a term (element, ``□``/``Va``/``Vac``, or group inner text like ``"OH"``); 0 if absent."""
        if symbol in VACANCY_ALIASES:
            symbol = VACANCY
        t = self._index.get(symbol)
        return 0.0 if t is None else t.amount

    @property
    def vacancies(self) -> float:
        """Vacancies per formula unit."""
        return self.amount(VACANCY)

    @property
    def species(self) -> dict[str, float]:
        """Amounts of the terms that are neither vacancy nor group (elements), in written order."""
        return {t.symbol: t.amount for t in self.terms if not t.is_vacancy and not t.is_group}

    @property
    def groups(self) -> dict[str, float]:
        """Amounts of the groups, keyed by inner text (``{"OH": 0.48}``)."""
        return {t.symbol: t.amount for t in self.terms if t.is_group}

    def element_amounts(self) -> dict[str, float]:
        """All element amounts per formula unit with groups expanded (``O`` from ``(OH)`` included)."""
        out: dict[str, float] = {}
        for t in self.terms:
            for el, n in t.elements().items():
                out[el] = out.get(el, 0.0) + n
        return out

    def composition(self):
        """The element content as a :class:`pymatgen.core.Composition` (vacancies dropped)."""
        from pymatgen.core import Composition

        return Composition({el: n for el, n in self.element_amounts().items() if n > 0})

    @property
    def molar_mass_g_mol(self) -> float:
        """Molar mass per formula unit in g mol-1 (pymatgen atomic weights; a vacancy weighs nothing)."""
        return float(sum(n * _element_mass(el) for el, n in self.element_amounts().items()))

    def with_amounts(self, changes: Mapping[str, float], append: bool = True) -> DefectFormula:
        """A copy with the amounts of some terms replaced (new element terms appended at the end)."""
        changes = {VACANCY if k in VACANCY_ALIASES else k: float(v) for k, v in changes.items()}
        terms = [Term(t.symbol, changes.pop(t.symbol, t.amount), t.group) for t in self.terms]
        for sym, a in changes.items():
            if not append:
                raise DualionUserError(f"{sym!r} is not in {self}", field="formula")
            _check_symbol(sym)
            terms.append(Term(sym, a))
        return DefectFormula(tuple(terms))

    def to_dict(self) -> dict:
        """JSON-friendly description."""
        return {"formula": str(self), "species": self.species, "vacancies": self.vacancies,
                "groups": self.groups, "elements": self.element_amounts(),
                "molar_mass_g_mol": self.molar_mass_g_mol}


# -- parsing --------------------------------------------------------------------------------------

def _check_symbol(sym: str) -> None:
    if sym == VACANCY:
        return
    if not is_element(sym):
        raise DualionUserError(f"unknown element {sym!r}", field="formula")


def _parse_terms(text: str, pos: int, depth: int, src: str) -> tuple[list[Term], int]:
    """Parse terms from ``pos`` until ``)`` (depth>0) or the end; returns (terms, new position)."""
    terms: list[Term] = []
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch == ")":
            if depth == 0:
                raise DualionUserError(f"unbalanced ')' at position {pos + 1} in {src!r}", field="formula")
            return terms, pos
        group = None
        if ch == "(":
            inner, end = _parse_terms(text, pos + 1, depth + 1, src)
            if end >= n or text[end] != ")":
                raise DualionUserError(f"unclosed '(' in {src!r}", field="formula")
            if not inner:
                raise DualionUserError(f"empty group '()' in {src!r}", field="formula")
            if any(t.is_vacancy for t in inner):
                raise DualionUserError(f"a vacancy cannot be part of a group in {src!r}", field="formula")
            content: dict[str, float] = {}
            for t in inner:
                for el, k in t.elements().items():
                    content[el] = content.get(el, 0.0) + k
            symbol = str(DefectFormula(tuple(_merge(inner))))
            group = tuple(sorted(content.items()))
            pos = end + 1
        else:
            symbol = None
            for alias in VACANCY_ALIASES:
                if text.startswith(alias, pos):
                    symbol, pos = VACANCY, pos + len(alias)
                    break
            if symbol is None:
                m = _ELEMENT.match(text, pos)
                if not m:
                    hint = (" (two amounts in a row: is a vacancy symbol □ missing?)"
                            if ch.isdigit() or ch == "." else "")
                    raise DualionUserError(f"cannot parse formula {src!r} at position {pos + 1} ({text[pos:]!r}); "
                                           f"expected an element, □/Va/Vac or '('{hint}", field="formula")
                symbol, pos = m.group(0), m.end()
                _check_symbol(symbol)
        m = _NUMBER.match(text, pos)
        if m:
            amount = float(m.group(0))
            pos = m.end()
        else:
            amount = 1.0
        if pos < n and text[pos] == "-":
            raise DualionUserError(f"negative or subtracted amount in {src!r} at position {pos + 1}; amounts must "
                                   "be plain non-negative numbers", field="formula")
        if not math.isfinite(amount):
            raise DualionUserError(f"non-finite amount in {src!r}", field="formula")
        terms.append(Term(symbol, amount, group))
    if depth > 0:
        raise DualionUserError(f"unclosed '(' in {src!r}", field="formula")
    return terms, pos


def _merge(terms: list[Term]) -> list[Term]:
    """Merge repeated symbols (first position kept, amounts summed)."""
    out: dict[str, Term] = {}
    for t in terms:
        if t.symbol in out:
            prev = out[t.symbol]
            out[t.symbol] = Term(t.symbol, prev.amount + t.amount, prev.group)
        else:
            out[t.symbol] = t
    return list(out.values())


def parse_formula(text: str | DefectFormula) -> DefectFormula:
    """Parse a formula with vacancies and groups, e.g. ``"Ti0.78□0.22O1.12F0.40(OH)0.48"``.

    A vacancy is written ``□``, ``Va`` or ``Vac``; groups are parenthesised with an optional
    multiplier and may nest. Repeated symbols are summed. Raises :class:`DualionUserError` for an
    unparseable formula, an unknown element or a negative amount.
    """
    if isinstance(text, DefectFormula):
        return text
    src = str(text)
    s = "".join(src.split())
    if not s:
        raise DualionUserError("empty formula", field="formula")
    if s.startswith("-") or "(-" in s:
        raise DualionUserError(f"negative amount in {src!r}", field="formula")
    terms, _ = _parse_terms(s, 0, 0, src)
    return DefectFormula(tuple(_merge(terms)))


# -- charge balance -------------------------------------------------------------------------------

def oxidation_states(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Default oxidation states merged with ``overrides`` (e per atom or per group)."""
    out = dict(DEFAULT_OXIDATION_STATES)
    for k, v in (overrides or {}).items():
        out[str(k).strip("()")] = float(v)
    return out


def term_charge(term: Term, states: Mapping[str, float]) -> float:
    """Oxidation state of one unit of ``term`` (e); groups not in ``states`` sum their elements."""
    if term.is_vacancy:
        return 0.0
    if term.symbol in states:
        return float(states[term.symbol])
    if term.group is not None:
        try:
            return float(sum(n * states[el] for el, n in term.group))
        except KeyError:
            pass
    raise DualionUserError(f"no oxidation state known for {term.symbol!r}; give it explicitly "
                           f"(e.g. --oxidation {term.symbol}=+3)", field="oxidation states")


def net_charge_e(formula: DefectFormula | str, oxidation: Mapping[str, float] | None = None) -> float:
    """Net charge in e per formula unit: Σ n_i q_i (vacancies count zero)."""
    f = parse_formula(formula)
    states = oxidation_states(oxidation)
    q = float(sum(t.amount * term_charge(t, states) for t in f.terms))
    return round(q, 12) + 0.0  # drop floating-point noise (and -0.0)


def check_electroneutral(formula: DefectFormula | str, oxidation: Mapping[str, float] | None = None,
                         tolerance_e: float = CHARGE_TOLERANCE_E) -> float:
    """Raise :class:`DualionUserError` unless |Σ n_i q_i| ≤ ``tolerance_e``; return the net charge (e/f.u.)."""
    f = parse_formula(formula)
    q = net_charge_e(f, oxidation)
    if abs(q) > tolerance_e:
        raise DualionUserError(f"{f} is not electroneutral: net charge {q:+.4g} e per formula unit "
                               f"(oxidation states {_states_used(f, oxidation)})", field="formula")
    return q


def _states_used(f: DefectFormula, oxidation: Mapping[str, float] | None) -> str:
    states = oxidation_states(oxidation)
    out = []
    for t in f.terms:
        if t.is_vacancy:
            continue
        q = term_charge(t, states)
        name = f"({t.symbol})" if t.is_group else t.symbol
        out.append(f"{name} {q:+g}")
    return ", ".join(out)


# -- the paper's family ---------------------------------------------------------------------------

def family_formula(x: float, y: float, host: str = "Ti", ndigits: int = 10) -> DefectFormula:
    r"""The paper's family Ti\ :sub:`1-x-y`\ □\ :sub:`x+y`\ O\ :sub:`2-4(x+y)`\ F\ :sub:`4x`\ (OH)\ :sub:`4y`.

    ``x``: vacancies compensated by 4 F− each; ``y``: by 4 OH− each. Valid for x, y ≥ 0 and
    x + y ≤ 1/2 (O amount ≥ 0). Terms with zero amount are left out. The paper's compound is
    x = 0.10, y = 0.12 → Ti0.78□0.22O1.12F0.40(OH)0.48. Amounts are rounded to ``ndigits`` decimals to
    remove floating-point noise.
    """
    x, y = float(x), float(y)
    if not (math.isfinite(x) and math.isfinite(y)) or x < 0 or y < 0:
        raise DualionUserError(f"x and y must be finite and ≥ 0, got x={x!r}, y={y!r}", field="x/y")
    if x + y > 0.5 + 1e-12:
        raise DualionUserError(f"x + y must be ≤ 0.5 (O amount 2 − 4(x+y) ≥ 0), got x + y = {x + y:g}",
                               field="x/y")
    if host != "Ti" and not is_element(host):
        raise DualionUserError(f"unknown host element {host!r}", field="host")
    r = lambda v: round(v, ndigits) + 0.0  # noqa: E731  (+0.0 turns -0.0 into 0.0)
    amounts = [(host, r(1 - x - y), None), (VACANCY, r(x + y), None), ("O", r(2 - 4 * (x + y)), None),
               ("F", r(4 * x), None), ("OH", r(4 * y), (("H", 1.0), ("O", 1.0)))]
    return DefectFormula(tuple(Term(s, a, g) for s, a, g in amounts if a > 0))
