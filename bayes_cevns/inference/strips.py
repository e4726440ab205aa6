"""Where the interference strips of a light vector mediator lie: seeds for the slice refinement.

A Z' whose amplitude has the opposite sign to the SM weak charge Q_SM = g_V^p Z + g_V^n N
([LM] Eq. 11, form factors neglected) interferes destructively. With Q_Z'(g, M, |q|) the Z' term of
the weak charge for one beam flavour and one target isotope,

* Q_Z' = -Q_SM cancels the CEvNS rate: an *excluded* bump of chi^2 in g ([LM] Eqs. 45, 47);
* Q_Z' = -2 Q_SM restores |Q| = |Q_SM|, the SM rate: the thin *allowed* strip ([LM] Eqs. 44, 46, 48, 49).

Q_Z' is proportional to g^2 / (|q|^2 + M^2), so each condition has one root in g:

* vector mediator ([LM] Eq. 16): Q_Z' = g^2 Q'_l [(2Q'_u + Q'_d) Z + (Q'_u + 2Q'_d) N] /
  (sqrt(2) G_F (|q|^2 + M^2)), and Q_Z' = -k Q_SM gives
  g^2 = -k Q_SM sqrt(2) G_F (|q|^2 + M^2) / (Q'_l [(2Q'_u + Q'_d) Z + (Q'_u + 2Q'_d) N])
  (universal, k = 2, Q_SM ~ -N/2: g^2 = (N/A) sqrt(2) G_F M^2 / 3, [LM] Eq. 44);
* L_alpha - L_beta loop ([LM] Eq. 28): Q_Z' = sqrt(2) alpha g^2 eps_l(|q|) Z / (pi G_F (|q|^2 + M^2)),
  so g^2 = -k Q_SM pi G_F (|q|^2 + M^2) / (sqrt(2) alpha eps_l(|q|) Z) (k = 2 and eps ~ 1.5:
  [LM] Eq. 48).

A root exists only where Q_Z' and Q_SM have opposite signs (no strip for B - L, nor for the
incoherent scalar). [LM] evaluates the roots at |q| << M; here they are evaluated for every beam
flavour and target isotope of the experiments at the 10%, 50% and 90% quantiles of the SM count
distribution over |q| (25-80 MeV for CsI and Ar): the same as |q| = 0 when M >> |q|, and the
relevant values when the |q|^2 of the propagator dominates (low M) or eps_l(|q|) runs (the loop).
The spread of the roots brackets the strip of the flux-averaged likelihood.
"""

from collections.abc import Sequence
from functools import cache

import numpy as np

from bayes_cevns.experiments.base import Experiment
from bayes_cevns.model.cards import ModelCard
from bayes_cevns.physics.constants import ALPHA_EM, FLAVOUR_LEPTON, G_FERMI, GV_N, GV_P_NUE, GV_P_NUMU, LEPTONS
from bayes_cevns.physics.lepton_loop import loop_coefficients

#: half-width (log10 g) added around the strip roots: a factor 2 in g^2 either way
STRIP_MARGIN = 0.5 * np.log10(2.0)
#: roots closer than this (log10 g) give one seed point
SEED_SPACING = 0.02
#: quantiles of the SM count distribution over |q| at which the roots are evaluated (besides q = 0)
Q_QUANTILES = (0.1, 0.5, 0.9)
_GV_P = (GV_P_NUE, GV_P_NUMU, GV_P_NUMU)  # per lepton flavour e, mu, tau ([LM] Eq. 12)


def typical_q(exp: Experiment, quantiles: Sequence[float] = Q_QUANTILES) -> np.ndarray:
    """|q| (MeV) at ``quantiles`` of the nominal SM counts over the recoil nodes, shape
    (n_isotopes, 3 flavours, n_quantiles): the counts per unit Q^2 of each node (the nominal
    energy-response block, summed over energy bins) weighted by Q_SM^2 (form factors neglected)."""
    _, _, blocks = exp.flavour_blocks
    n_iso, k = exp.recoil_grid.shape
    w = blocks[:, : exp.shape[0], :].sum(axis=1).reshape(3, n_iso, k)
    out = np.zeros((n_iso, 3, len(quantiles)))
    for i, kin in enumerate(exp.kinematics):
        order = np.argsort(kin.q)
        for f in range(3):
            cdf = np.cumsum(np.abs(w[f, i, order]))
            if cdf[-1] > 0:
                out[i, f] = np.interp(np.asarray(quantiles) * cdf[-1], cdf, kin.q[order])
    return out


def _z_prime_per_g2(card: ModelCard, iso, flavour: int, q: float, mass_mev: float) -> float | None:
    """Q_Z' / g^2 for one flavour, isotope and |q| (None for a card without an interfering Z')."""
    z, n = iso.Z, iso.N
    prop = 1.0 / (q**2 + mass_mev**2)
    if "vector_mediator" in card.physics:
        ch = card.options["charges"]
        nuclear = (2.0 * ch["u"] + ch["d"]) * z + (ch["u"] + 2.0 * ch["d"]) * n
        return ch[LEPTONS[FLAVOUR_LEPTON[flavour]]] * nuclear * prop / (np.sqrt(2.0) * G_FERMI)
    if "lepton_loop" in card.physics:
        alpha, beta = card.options["loop"]
        eps = _loop_coefficient(alpha, beta, flavour, max(q, 1e-6))
        return np.sqrt(2.0) * ALPHA_EM * eps * z * prop / (np.pi * G_FERMI)
    return None


@cache
def _loop_coefficient(alpha: str, beta: str, flavour: int, q: float) -> float:
    """eps_l(|q|) of [LM] Eq. 29 for one flavour slot; it does not depend on M, so every mass slice
    of a scan reuses the values of the first (one adaptive quadrature per flavour and |q|)."""
    return float(loop_coefficients(alpha, beta, np.array([q]))[flavour, 0])


def interference_roots(card: ModelCard, experiments: Sequence[Experiment], mass_mev: float) -> list[dict]:
    """Every root log10 g of Q_Z' = -k Q_SM (k = 1: cancellation, k = 2: strip), one per beam
    flavour, isotope and |q| of :func:`typical_q`; empty where none exists."""
    out = []
    for exp in experiments:
        qs = typical_q(exp)
        for i, iso in enumerate(exp.isotopes):
            for f in range(3):
                q_sm = _GV_P[FLAVOUR_LEPTON[f]] * iso.Z + GV_N * iso.N
                for q in qs[i, f]:
                    per_g2 = _z_prime_per_g2(card, iso, f, float(q), mass_mev)
                    if per_g2 is None or per_g2 * q_sm >= 0:
                        continue
                    for k in (1, 2):
                        out.append({"experiment": exp.name, "isotope": iso.name, "flavour": f, "q_mev": float(q),
                                    "median_q": bool(q == qs[i, f, len(Q_QUANTILES) // 2]), "k": k,
                                    "log10_g": 0.5 * float(np.log10(-k * q_sm / per_g2))})
    return out


def strip_seeds(card: ModelCard, experiments: Sequence[Experiment], mass_mev: float,
                log10_g_range: tuple[float, float]) -> tuple[list[float], list[tuple[float, float]]]:
    """(seed points, strip windows) in log10 g inside ``log10_g_range``.

    Seeds: the roots of :func:`interference_roots` (cancellations and strips) at the median |q|,
    merged where closer than ``SEED_SPACING`` (one seed per run of close roots, at its median).
    Window: from the
    smallest to the largest strip root, widened by ``STRIP_MARGIN`` (a factor 2 in g^2) on both
    sides: the refinement minimises the profile chi^2 there, so an allowed strip is found even
    when every grid point around it is far above the threshold.
    """
    roots = interference_roots(card, experiments, mass_mev)
    lo, hi = log10_g_range
    seeds = []
    for k in (1, 2):
        seeds += _merge(sorted(r["log10_g"] for r in roots if r["k"] == k and r["median_q"] and lo < r["log10_g"] < hi))
    strip = [r["log10_g"] for r in roots if r["k"] == 2]
    windows = []
    if strip:
        a, b = max(min(strip) - STRIP_MARGIN, lo), min(max(strip) + STRIP_MARGIN, hi)
        if a < b:
            windows.append((float(a), float(b)))
    return sorted(seeds), windows


def _merge(xs: list[float]) -> list[float]:
    """One value (the median) per run of sorted ``xs`` whose neighbours are within SEED_SPACING."""
    runs: list[list[float]] = []
    for x in xs:
        if runs and x - runs[-1][-1] <= SEED_SPACING:
            runs[-1].append(x)
        else:
            runs.append([x])
    return [float(np.median(r)) for r in runs]
