"""Bayes factors for nested models: Savage-Dickey density ratios, with numerical uncertainties.

For a model M1 with parameter theta and prior pi(theta), nested model M0: theta = theta0, and the
other parameters' prior unchanged by the nesting, the Bayes factor is the Savage-Dickey ratio

    B_01 = Z_0 / Z_1 = p(theta0 | D, M1) / pi(theta0 | M1),

the posterior density at theta0 over the prior density there. B_01 > 1 favours M0 (e.g. the SM,
eps = 0) over M1 (NSI). Two estimators:

* :func:`savage_dickey_grid`: from a posterior density on a grid (e.g. the Laplace-marginalised
  grids of :mod:`bayes_cevns.inference.nsi_scan`); uncertainty = the change when the grid is
  halved (interpolation error) - the Laplace approximation itself is not included;
* :func:`savage_dickey_samples`: from MCMC draws, the posterior density at theta0 by a Gaussian
  KDE (reflected at prior bounds); uncertainty by a moving-block bootstrap over each chain
  (blocks longer than the autocorrelation keep the correlated draws together).
"""

import math
from collections.abc import Sequence

import numpy as np


def _check_density_grid(x: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, p = np.asarray(x, float), np.asarray(p, float)
    if x.ndim != 1 or x.shape != p.shape or x.size < 3:
        raise ValueError("grid and density must be 1-D arrays of the same length (>= 3)")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(p))):
        raise ValueError("grid and density must be finite")
    if not np.all(np.diff(x) > 0):
        raise ValueError("grid must be strictly increasing")
    if np.any(p < 0):
        raise ValueError("a density cannot be negative")
    return x, p


def _result(bf01: float, sd: float, method: str, **extra) -> dict:
    return {"bf01": bf01, "bf01_sd": sd, "log10_bf01": math.log10(bf01) if bf01 > 0 else -math.inf,
            "log10_bf01_sd": sd / (bf01 * math.log(10.0)) if bf01 > 0 else math.inf, "method": method, **extra}


def savage_dickey_grid(x: np.ndarray, posterior: np.ndarray, prior_density_at_x0: float, x0: float = 0.0) -> dict:
    """B_01 from a posterior density on a grid (normalised here by the trapezoidal rule)."""
    x, p = _check_density_grid(x, posterior)
    if not (math.isfinite(prior_density_at_x0) and prior_density_at_x0 > 0):
        raise ValueError(f"prior density at x0 must be positive, got {prior_density_at_x0}")
    if not x[0] <= x0 <= x[-1]:
        raise ValueError(f"x0 = {x0} lies outside the grid [{x[0]}, {x[-1]}]")

    def at_x0(xx, pp):
        return float(np.interp(x0, xx, pp) / np.trapezoid(pp, xx))

    full = at_x0(x, p)
    half = at_x0(x[::2], p[::2]) if x.size >= 5 else full
    return _result(full / prior_density_at_x0, abs(full - half) / prior_density_at_x0, "grid",
                   posterior_density_x0=full)


def _reflected_kde_at(draws: np.ndarray, x0: float, bw: float, bounds: tuple[float | None, float | None]) -> float:
    """Gaussian KDE density at x0 with fixed bandwidth ``bw``, reflected at the bounds."""
    z = np.exp(-0.5 * ((x0 - draws) / bw) ** 2)
    for b in bounds:
        if b is not None:
            z = z + np.exp(-0.5 * ((x0 - (2.0 * b - draws)) / bw) ** 2)
    return float(z.mean() / (bw * math.sqrt(2.0 * math.pi)))


def savage_dickey_samples(draws: np.ndarray, prior_density_at_x0: float, x0: float = 0.0,
                          bounds: tuple[float | None, float | None] = (None, None), n_boot: int = 200,
                          block: int | None = None, seed: int = 0) -> dict:
    """B_01 from posterior draws (shape (chains, draws) or (draws,)) with a block-bootstrap sd.

    The KDE bandwidth is Scott's rule of the pooled draws and is kept fixed in the bootstrap, so
    the sd measures the Monte Carlo error of the density at x0 (not the KDE smoothing bias,
    which is O(bw^2 p'') and small when x0 is well inside the posterior bulk).
    """
    d = np.atleast_2d(np.asarray(draws, dtype=float))
    if d.ndim != 2 or d.shape[1] < 20:
        raise ValueError("need at least 20 draws per chain, shaped (chains, draws)")
    if not np.all(np.isfinite(d)):
        raise ValueError("draws contain NaN or infinite values")
    if not (math.isfinite(prior_density_at_x0) and prior_density_at_x0 > 0):
        raise ValueError(f"prior density at x0 must be positive, got {prior_density_at_x0}")
    if n_boot < 10:
        raise ValueError("n_boot must be at least 10")
    pooled = d.ravel()
    from scipy.stats import gaussian_kde  # scipy.stats costs ~0.6 s to import

    bw = float(gaussian_kde(pooled).factor * pooled.std(ddof=1))
    dens = _reflected_kde_at(pooled, x0, bw, bounds)
    n = d.shape[1]
    block = block or max(1, int(round(n ** (1.0 / 3.0))) * 4)
    block = min(block, n)
    rng = np.random.default_rng(seed)
    n_blocks = int(math.ceil(n / block))
    boot = np.empty(n_boot)
    for k in range(n_boot):
        parts = []
        for chain in d:
            starts = rng.integers(0, n - block + 1, size=n_blocks)
            parts.append(np.concatenate([chain[s:s + block] for s in starts])[:n])
        boot[k] = _reflected_kde_at(np.concatenate(parts), x0, bw, bounds)
    return _result(dens / prior_density_at_x0, float(boot.std(ddof=1)) / prior_density_at_x0, "kde",
                   posterior_density_x0=dens, bandwidth=bw, block=block, n_boot=n_boot)


def posterior_odds(bf01: float, prior_odds_01: float = 1.0) -> float:
    """P(M0 | D) from B_01 and the prior odds P(M0)/P(M1)."""
    o = bf01 * prior_odds_01
    return o / (1.0 + o)


def combine_log10_bf(results: Sequence[dict]) -> tuple[float, float]:
    """Mean and spread (sd) of log10 B_01 over independent estimates (e.g. grid vs KDE)."""
    v = np.array([r["log10_bf01"] for r in results], dtype=float)
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0
