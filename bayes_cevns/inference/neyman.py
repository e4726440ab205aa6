"""Neyman construction for the coupling of a light mediator: the Delta chi^2 distribution on toys.

At a point (M, g) the test statistic is t(g) = chi^2(g) - min over g' of chi^2(g'), each profiled
over every nuisance with the scan's own compiled objective (:class:`MediatorScan`). Toys are drawn
from the model at (M, g) with every nuisance drawn from its constraint (prior predictive with the
point fixed, :func:`~bayes_cevns.inference.coverage.prior_predictive_toys`), and each toy is fitted
like the data: the profile at g and the global minimum over log10 g in the scan's range, found on
a grid (step :data:`TOY_GRID_STEP` in log10 g) and refined by a bounded Brent search around the
lowest grid point, so that the interference strip of the universal-type models is part of the
minimum.

* ``critical_value`` is the ``cl`` quantile of t over the toys: the Neyman (Feldman-Cousins
  ordering by t) threshold at (M, g), which replaces Wilks' chi^2_1 quantile.
* The coverage of the Wilks limit is P(t <= Wilks threshold) at the Wilks limit g_W: below ``cl``
  the Wilks limit under-covers (is too strong), above it over-covers.
"""

import math

import numpy as np
from scipy.stats import beta

from bayes_cevns.inference.coverage import prior_predictive_toys
from bayes_cevns.inference.limits import LOG10_G_RANGE, MediatorScan
from bayes_cevns.inference.minimisers import bounded_brent
from bayes_cevns.inference.slices import CL_2SIGMA, Slice, chi2_upper
from bayes_cevns.inference.strips import strip_seeds

#: log10 g grid step of each toy's global search; Brent refines around the lowest grid point
TOY_GRID_STEP = 0.5


def critical_value(t: np.ndarray, cl: float) -> float:
    """The ``cl`` quantile of the test statistic over the toys (the Neyman threshold)."""
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or t.size < 2 or not np.all(np.isfinite(t)):
        raise ValueError("need at least two finite toy test statistics")
    if not 0.0 < cl < 1.0:
        raise ValueError(f"confidence level must lie in (0, 1), got {cl}")
    return float(np.quantile(t, cl))


def coverage(t: np.ndarray, threshold: float, cl: float = 0.6827) -> tuple[float, float, float]:
    """Fraction of toys with t <= threshold and its Clopper-Pearson interval at ``cl``."""
    t = np.asarray(t, dtype=float)
    k, n = int(np.sum(t <= threshold)), t.size
    lo = float(beta.ppf((1 - cl) / 2, k, n - k + 1)) if k > 0 else 0.0
    hi = float(beta.ppf((1 + cl) / 2, k + 1, n - k)) if k < n else 1.0
    return k / n, lo, hi


def _toy_grid(scan: MediatorScan, mass_mev: float) -> np.ndarray:
    """The log10 g points every toy's search starts from: a grid of step :data:`TOY_GRID_STEP` over
    the scan range and the card's strip seeds ([LM] Eqs. 44-49) at this mass."""
    return np.union1d(np.arange(LOG10_G_RANGE[0], LOG10_G_RANGE[1] + 1e-9, TOY_GRID_STEP),
                      strip_seeds(scan.card, scan.built.experiments, mass_mev, LOG10_G_RANGE)[0])


def _global_minimum(scan: MediatorScan, lm: float, grid: np.ndarray,
                    start: tuple[float, float, np.ndarray, np.ndarray]) -> float:
    """min over log10 g of the profile chi^2 at log10 M = lm: ``grid`` walked outwards from the toy's
    own point (warm-started, Newton only), a bounded Brent search around the lowest grid point,
    and a polished profile there."""
    lg0, c0, xn, h = start
    cache = {lg0: (c0, xn, h)}
    for j in np.argsort(np.abs(grid - lg0)):
        near = cache[min(cache, key=lambda k: abs(k - grid[j]))]
        cache[float(grid[j])] = scan.profile(float(grid[j]), lm, near[1], polish=False)
    lg_best = min(cache, key=lambda k: cache[k][0])
    xn0 = cache[lg_best][1]
    lg, c2 = bounded_brent(lambda x: scan.profile(x, lm, xn0, polish=False)[0],
                           lg_best - TOY_GRID_STEP, lg_best + TOY_GRID_STEP, 2e-3)
    polished = scan.profile(lg, lm, xn0)[0]
    return min(polished, c2, min(c[0] for c in cache.values()))


def toy_delta_chi2(scan: MediatorScan, mass_mev: float, coupling: float, n_toys: int, seed: int) -> np.ndarray:
    """t = Delta chi^2 at (M, g) on ``n_toys`` toys generated at (M, g) (module docstring)."""
    if not (mass_mev > 0 and coupling > 0):
        raise ValueError(f"mass and coupling must be positive, got M = {mass_mev} MeV, g = {coupling}")
    if n_toys < 2:
        raise ValueError(f"need at least two toys, got {n_toys}")
    lm, lg = math.log10(mass_mev), math.log10(coupling)
    toys = prior_predictive_toys(scan.built, {scan.coupling_rv: lg, scan.mass_rv: lm}, n_toys, seed)
    original = {k: v.get_value().copy() for k, v in scan.obj.data.items()}
    grid = _toy_grid(scan, mass_mev)
    t = np.empty(n_toys)
    try:
        for i in range(n_toys):
            scan.obj.set_data({k: v[i] for k, v in toys.items()})
            c, xn, h = scan.profile(lg, lm)
            t[i] = max(c - _global_minimum(scan, lm, grid, (lg, c, xn, h)), 0.0)
    finally:
        scan.obj.set_data(original)
    return t


def neyman_limit(scan: MediatorScan, sl: Slice, n_toys: int, seed: int, cl: float = CL_2SIGMA) -> dict:
    """At the slice's mass: the Wilks limit g_W, the toys' Delta chi^2 at g_W, the critical value c,
    the coverage of g_W, and the data's limit with threshold c (c held at its value at g_W)."""
    wilks = chi2_upper(sl, cl)
    g_w = wilks["coupling_upper"]
    if g_w is None:
        raise ValueError(f"no Wilks limit at {sl.mass_mev} MeV to build the Neyman limit on ({wilks.get('note')})")
    t = toy_delta_chi2(scan, sl.mass_mev, g_w, n_toys, seed)
    c = critical_value(t, cl)
    frac, lo, hi = coverage(t, wilks["threshold"])
    return {"cl": cl, "n_toys": n_toys, "seed": seed, "wilks_threshold": wilks["threshold"], "coupling_wilks": g_w,
            "critical_value": c, "coverage_wilks": frac, "coverage_68_interval": [lo, hi],
            "coupling_neyman": chi2_upper(sl, cl, threshold=c)["coupling_upper"], "delta_chi2_toys": t.tolist()}
