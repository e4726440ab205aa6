"""Oscillation priors quoted in [NSI-UV] (Farzan & Heeck), as ready-made prior terms.

Source numbers (90% C.L., from the global fit of [NSI-UV] Ref. [12] as used in Ref. [4], standard
LMA solution, all other eps zero), on the combinations eps^u + eps^d of each entry:

* current, [NSI-UV] Eq. 2:  |eps_emu| < 0.12, |eps_etau| < 0.18, |eps_mutau| < 0.018;
  Eq. 3:  -0.11 < eps_ee - eps_mumu < 0.60,  -0.04 < eps_tautau - eps_mumu < 0.037;
* DUNE + T2HK projection (with the current fit as prior), Eq. 4:  |eps_emu| < 0.024,
  |eps_etau| < 0.08, |eps_mutau| < 0.012; Eq. 5:  0.017 < eps_ee - eps_mumu < 0.43,
  -0.027 < eps_tautau - eps_mumu < 0.025.

Reading of the OCR text (documented because it matters): the minus signs of the lower ends
-0.11 (Eq. 3) and -0.04 are not legible in our copy and are restored from the text: Eq. 3 is
the LMA fit that contains the SM point (the text explains the *projected* lower end 0.017 > 0 by
the best fit of Ref. [12] deviating from zero), so its lower end must be below zero.

LMA-Dark (``lma_dark``): [NSI-UV] Sec. 3 states only eps^q_ee - eps^q_mumu ~ -1 (one quark
at a time) with theta_12 > 45 deg. We place it by the exact degeneracy of the oscillation
Hamiltonian H -> -H* (theta_12 -> pi/2 - theta_12, ...), which maps the matter term
1 + eps^matter_ee - eps^matter_mumu to its negative: eps^m_ee - eps^m_mumu -> -(eps^m_ee - eps^m_mumu) - 2,
eps^m_tautau - eps^m_mumu -> -(...), off-diagonals keep their modulus. For Earth matter with
n_n = n_e ([NSI-UV] Fig. 5, Eq. 32 without electrons) eps^m = 3 (eps^u + eps^d), so on the
combinations above x -> -x - 2/3, and the Eq. 3 LMA range maps to
-1.267 < eps_ee - eps_mumu < -0.557 (centre -0.91, the "~ -1" of the text) and
-0.037 < eps_tautau - eps_mumu < 0.04. The fixed point x = -1/3 separates the two solutions
(:data:`LMA_DARK_THRESHOLD`).

Each range becomes a Gaussian with the same central 90% interval (``kind="gaussian"``, default:
one-sided |x| < b gives N(0, b / 1.645)) or a uniform box on it (``kind="box"``).
"""

import re
from dataclasses import dataclass

from bayes_cevns.priors.linear import (
    BoundedPrior,
    GaussianPrior,
    LinearCombination,
    MixturePrior,
    PriorTerm,
    flavour_difference,
    off_diagonal,
)

CL_QUOTED = 0.90
#: the mirror x -> -x - MIRROR_SHIFT of the LMA range on the eps^u + eps^d combinations (Earth matter)
MIRROR_SHIFT = 2.0 / 3.0
#: eps_ee - eps_mumu (u + d) below this is the LMA-Dark side (fixed point of the mirror)
LMA_DARK_THRESHOLD = -MIRROR_SHIFT / 2.0


@dataclass(frozen=True)
class QuotedBound:
    """One quoted range: ``lower < x < upper`` on a combination (``lower = -upper`` for |x| < b)."""

    combination: LinearCombination
    lower: float
    upper: float
    source: str

    def prior(self, kind: str = "gaussian", name: str = "") -> PriorTerm:
        name = name or re.sub(r"[^A-Za-z0-9]+", "_", self.combination.label).strip("_")
        if kind == "gaussian":
            return GaussianPrior.from_interval(self.combination, self.lower, self.upper, CL_QUOTED, name, self.source)
        if kind == "box":
            return BoundedPrior(self.combination, self.lower, self.upper, name, self.source)
        raise ValueError(f"unknown prior kind {kind!r}; choose 'gaussian' or 'box'")


def _set(emu, etau, mutau, ee, tt, source_offdiag, source_diag) -> tuple[QuotedBound, ...]:
    return (QuotedBound(off_diagonal("e", "mu"), -emu, emu, source_offdiag),
            QuotedBound(off_diagonal("e", "tau"), -etau, etau, source_offdiag),
            QuotedBound(off_diagonal("mu", "tau"), -mutau, mutau, source_offdiag),
            QuotedBound(flavour_difference("e", "mu"), *ee, source_diag),
            QuotedBound(flavour_difference("tau", "mu"), *tt, source_diag))


def _mirror(b: QuotedBound, source: str) -> QuotedBound:
    if b.combination.label.startswith("eps_ee-"):
        return QuotedBound(b.combination, -b.upper - MIRROR_SHIFT, -b.lower - MIRROR_SHIFT, source)
    if b.combination.label.startswith("eps_tautau-"):
        return QuotedBound(b.combination, -b.upper, -b.lower, source)
    return QuotedBound(b.combination, b.lower, b.upper, source)


_CURRENT = _set(0.12, 0.18, 0.018, (-0.11, 0.60), (-0.04, 0.037),
                "[NSI-UV] Eq. 2 (current 90% C.L., LMA)", "[NSI-UV] Eq. 3 (current 90% C.L., LMA)")
_FUTURE = _set(0.024, 0.08, 0.012, (0.017, 0.43), (-0.027, 0.025),
               "[NSI-UV] Eq. 4 (DUNE+T2HK projection)", "[NSI-UV] Eq. 5 (DUNE+T2HK projection)")
_DARK = tuple(_mirror(b, "[NSI-UV] Eqs. 2-3 mapped by the LMA-Dark degeneracy (module docstring)")
              for b in _CURRENT)

PRESETS: dict[str, tuple[QuotedBound, ...]] = {
    "current_lma": _CURRENT,
    "dune_t2hk": _FUTURE,
    "lma_dark": _DARK,
}


def preset(name: str, kind: str = "gaussian") -> list[PriorTerm]:
    """The prior terms of a preset (one per quoted range)."""
    if name not in PRESETS:
        raise ValueError(f"unknown oscillation preset {name!r}; choose one of {sorted(PRESETS)}")
    return [b.prior(kind) for b in PRESETS[name]]


def preset_term(name: str, label_prefix: str, kind: str = "gaussian") -> PriorTerm:
    """The one term of a preset whose combination label starts with ``label_prefix``
    (e.g. ``"eps_ee-"``, ``"eps_emu"``)."""
    hits = [b for b in PRESETS.get(name, ()) if b.combination.label.startswith(label_prefix)]
    if name not in PRESETS:
        raise ValueError(f"unknown oscillation preset {name!r}; choose one of {sorted(PRESETS)}")
    if len(hits) != 1:
        raise ValueError(f"preset {name!r} has {len(hits)} terms matching {label_prefix!r}; labels: "
                         f"{[b.combination.label for b in PRESETS[name]]}")
    return hits[0].prior(kind)


def lma_two_solution_prior(kind: str = "gaussian", weight_dark: float = 0.5) -> MixturePrior:
    """eps_ee - eps_mumu (u + d): mixture of the LMA range (Eq. 3) and its LMA-Dark mirror, with
    prior probability ``weight_dark`` for LMA-Dark (oscillation data alone do not choose)."""
    if not 0.0 <= weight_dark <= 1.0:
        raise ValueError(f"weight_dark must lie in [0, 1], got {weight_dark}")
    return MixturePrior((preset_term("current_lma", "eps_ee-", kind), preset_term("lma_dark", "eps_ee-", kind)),
                        (1.0 - weight_dark, weight_dark), name="lma_or_lma_dark")
