"""One mass slice of a coupling scan and what is read off it: chi^2 and posterior limits, modes, planes.

A :class:`Slice` holds the profile chi^2 and the Laplace log marginal likelihood on a log10 g grid
at one mediator mass (computed by :class:`bayes_cevns.inference.limits.MediatorScan`).

* chi^2: the limit is the first g above the small-coupling (SM-like) region where
  Delta chi^2 = chi^2_p(g) - min_g chi^2_p crosses ``chi2.ppf(cl, 1)`` (4.0 at the 95.45% C.L. of
  [LM]), interpolated linearly on the refined grid; allowed intervals and strips follow the one
  convention of :func:`bayes_cevns.inference.intervals.allowed_intervals`.
* Bayes: the one-dimensional posterior in g from the Laplace-marginal likelihood, for a
  log-uniform prior in g, uniform in g or uniform in g^2 (densities 1, g and g^2 per unit log g).
  Points with a NaN Laplace term keep their chi^2 and get the interpolated log-determinant
  (:func:`bayes_cevns.inference.intervals.laplace_log_marginal`).
"""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.special import gammaincinv

from bayes_cevns.inference.intervals import allowed_intervals, laplace_log_marginal

CL_2SIGMA = 0.9545
PRIORS = ("log_uniform", "uniform_g", "uniform_g2")
#: default log10 g range of the scans
LOG10_G_RANGE = (-7.0, 0.0)


def delta_chi2_threshold(cl: float, dof: int = 1) -> float:
    """Wilks threshold for a C.L. (4.0 for 95.45% with 1 dof, 6.18 with 2 dof)."""
    if not 0.0 < cl < 1.0:
        raise ValueError(f"confidence level must lie in (0, 1), got {cl}")
    return float(2.0 * gammaincinv(0.5 * dof, cl))  # the chi^2 quantile


@dataclass
class Slice:
    """Profile chi^2 and Laplace log marginal likelihood on a log10 g grid at one mass."""

    mass_mev: float
    log10_g: list[float]
    chi2: list[float]
    log_marginal: list[float]
    extra: dict = field(default_factory=dict)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.array(self.log10_g), np.array(self.chi2), np.array(self.log_marginal)

    def to_dict(self) -> dict:
        return asdict(self)


def chi2_upper(sl: Slice, cl: float = CL_2SIGMA, threshold: float | None = None) -> dict:
    """chi^2 limit: the upper end of the first allowed interval, when that interval starts at the
    smallest coupling of the grid (the SM-like region), i.e. the first g above it where
    Delta chi^2 crosses ``chi2.ppf(cl, 1)``. Every allowed interval (``allowed_log10_g``, the
    strips included) comes from :func:`bayes_cevns.inference.intervals.allowed_intervals`;
    ``log10_g_resolution`` is the grid spacing at the crossing. ``threshold`` replaces Wilks'
    Delta chi^2 (e.g. a Neyman critical value)."""
    lg, c2, _ = sl.arrays()
    thr = delta_chi2_threshold(cl, 1) if threshold is None else float(threshold)
    cmin = float(np.nanmin(c2))
    allowed = allowed_intervals(lg, c2 - cmin, thr)
    out = {"threshold": thr, "chi2_min": cmin, "log10_g_best": float(lg[np.nanargmin(c2)]),
           "allowed_log10_g": allowed, "coupling_upper": None}
    lg = lg[~np.isnan(c2)]
    if not allowed or allowed[0][0] > lg[0]:
        out["note"] = "smallest coupling of the grid is already excluded"
        return out
    root = allowed[0][1]
    if root == lg[-1]:
        out["note"] = "no exclusion inside the coupling range"
        return out
    out["coupling_upper"] = float(10.0**root)
    k = int(np.searchsorted(lg, root))
    out["log10_g_resolution"] = float(lg[min(k, lg.size - 1)] - lg[max(k - 1, 0)])
    return out


def posterior_log10_g(sl: Slice, prior: str = "log_uniform", n_fine: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """Normalised marginal posterior density of log10 g on a fine grid (Laplace marginal x prior)."""
    if prior not in PRIORS:
        raise ValueError(f"unknown coupling prior {prior!r}; choose one of {PRIORS}")
    lg, lmarg = laplace_log_marginal(*sl.arrays())
    fine = np.linspace(lg[0], lg[-1], n_fine)
    logp = np.interp(fine, lg, lmarg)
    if prior in ("uniform_g", "uniform_g2"):
        logp = logp + (1.0 if prior == "uniform_g" else 2.0) * math.log(10.0) * fine
    p = np.exp(logp - logp.max())
    p /= np.trapezoid(p, fine)
    return fine, p


def bayes_upper(sl: Slice, cl: float = CL_2SIGMA, prior: str = "log_uniform") -> dict:
    """Upper credible limit on g: the ``cl`` quantile of the marginal posterior of g."""
    fine, p = posterior_log10_g(sl, prior)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * np.diff(fine))])
    cdf /= cdf[-1]
    lg_up = float(np.interp(cl, cdf, fine))
    return {"prior": prior, "coupling_upper": 10.0**lg_up, "prior_range_log10_g": [float(fine[0]), float(fine[-1])],
            "posterior_mass_top_decade": float(1.0 - np.interp(fine[-1] - 1.0, fine, cdf))}


def mode_masses(sl: Slice, prior: str = "log_uniform", cl: float = CL_2SIGMA) -> list[dict]:
    """Posterior probability of each disjoint chi^2-allowed region of log10 g (multimodality)."""
    lg, c2, _ = sl.arrays()
    regions = allowed_intervals(lg, c2 - np.nanmin(c2), delta_chi2_threshold(cl, 1))
    fine, p = posterior_log10_g(sl, prior)
    out = []
    for a, b in regions:
        sel = (fine >= a - 1e-9) & (fine <= b + 1e-9)
        out.append({"log10_g": [a, b], "posterior": float(np.trapezoid(p[sel], fine[sel])) if sel.sum() > 1 else 0.0})
    return out


def hpd_level(density: np.ndarray, cell_mass: np.ndarray, prob: float) -> float:
    """Density level that bounds the highest-density region holding ``prob`` of the posterior mass
    (``cell_mass``: the mass of each grid cell, any shape matching ``density``)."""
    d, m = np.ravel(density), np.ravel(cell_mass)
    order = np.argsort(d)[::-1]
    csum = np.cumsum(m[order]) / m.sum()
    return float(d[order][min(int(np.searchsorted(csum, prob)), d.size - 1)])


def plane(slices: Sequence[Slice], cl: float = CL_2SIGMA, n_g: int = 600) -> dict:
    """Joint (M, g) regions from mass slices on a common log10 g grid.

    * chi^2: Delta chi^2(M, g) against the minimum over the whole plane, with the 2-dof threshold
      ``chi2.ppf(cl, 2)`` (6.18 at 95.45%): the allowed region for M and g estimated jointly.
    * posterior: log-uniform priors on M (over the scanned masses) and on g; the highest-density
      region holding ``cl`` of the joint posterior (nuisances marginalised by Laplace).
    Returns the grids, Delta chi^2, the posterior density per unit (log10 M, log10 g), and the
    density level that bounds the credible region.
    """
    lo = max(min(s.log10_g) for s in slices)
    hi = min(max(s.log10_g) for s in slices)
    lg = np.linspace(lo, hi, n_g)
    chi = np.array([np.interp(lg, *s.arrays()[:2]) for s in slices])
    logm = np.array([np.interp(lg, *laplace_log_marginal(*s.arrays())) for s in slices])
    post = np.exp(logm - logm.max())
    lmass = np.log10([s.mass_mev for s in slices])
    area = (np.gradient(lmass) if len(lmass) > 1 else np.ones(1))[:, None] * (lg[1] - lg[0])
    dens = post / float((post * area).sum())
    level = hpd_level(dens, dens * area, cl)
    return {"log10_mass": lmass, "log10_g": lg, "delta_chi2": chi - chi.min(),
            "chi2_threshold": delta_chi2_threshold(cl, 2), "posterior": dens, "posterior_level": level}
