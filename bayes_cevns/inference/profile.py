"""Frequentist cross-check from the same graph: chi^2 = -2 ln L (data + nuisance constraints).

The objective (:mod:`bayes_cevns.inference.objective`) lives in the natural parameter space and is
minimised here with iminuit (MIGRAD), profiled on grids and bracketed by MINOS. Priors of the *physics* parameters are
excluded, so chi^2 differences are likelihood ratios. For Poisson bins the value equals the
Baker-Cousins chi^2 of [LM] Eq. 6 plus a data-only constant
(:func:`bayes_cevns.model.build.baker_cousins_offset`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from iminuit import Minuit

from bayes_cevns.inference.intervals import outer_interval
from bayes_cevns.inference.objective import Objective, objective
from bayes_cevns.inference.slices import delta_chi2_threshold

__all__ = ["Fit", "Objective", "objective", "minimise", "minos_interval", "profile_scan", "profile_derived"]


@dataclass
class Fit:
    values: dict[str, float]
    errors: dict[str, float]
    chi2: float
    valid: bool


def _minuit(obj: Objective, fcn, grad, x0: np.ndarray) -> Minuit:
    """Minuit on ``fcn`` (a chi^2) over the objective's variables, with their physical limits."""
    m = Minuit(fcn, x0, grad=grad, name=obj.names)
    m.errordef = Minuit.LEAST_SQUARES
    for n, (lo, hi) in zip(obj.names, obj.limits):
        m.limits[n] = (lo, hi)
    return m


def _migrad(obj: Objective, fixed: Mapping[str, float] | None = None,
            start: Mapping[str, float] | None = None) -> Minuit:
    x0 = obj.start.copy()
    for k, v in (start or {}).items():
        x0[obj.names.index(k)] = v
    for k, v in (fixed or {}).items():
        if k not in obj.names:
            raise ValueError(f"unknown parameter {k!r}; free variables: {obj.names}")
        x0[obj.names.index(k)] = v
    m = _minuit(obj, obj.fun, obj.grad, x0)
    for k in fixed or {}:
        m.fixed[k] = True
    m.strategy = 1
    m.migrad()
    if not m.valid:
        m.migrad()
    return m


def minimise(obj: Objective, fixed: Mapping[str, float] | None = None,
             start: Mapping[str, float] | None = None) -> Fit:
    """MIGRAD minimum of chi^2 with some variables fixed (a model without free variables: its chi^2)."""
    if not obj.names:
        return Fit({}, {}, float(obj.fun(np.zeros(0))), True)
    m = _migrad(obj, fixed, start)
    vals = dict(zip(obj.names, map(float, m.values)))
    errs = dict(zip(obj.names, map(float, m.errors)))
    return Fit(vals, errs, float(m.fval), bool(m.valid))


def minos_interval(obj: Objective, param: str, cl: float = 0.6827) -> tuple[float, float, float]:
    """(best fit, lower, upper): MINOS profile-likelihood interval at ``cl`` (Wilks, 1 dof)."""
    if param not in obj.names:
        raise ValueError(f"unknown parameter {param!r}; free variables: {obj.names}")
    m = _migrad(obj)
    m.minos(param, cl=cl)
    me = m.merrors[param]
    best = float(m.values[param])
    return best, best + float(me.lower), best + float(me.upper)


def profile_scan(obj: Objective, param: str, grid: np.ndarray) -> dict:
    """Delta chi^2 profile of ``param`` on ``grid``, best fit and Wilks 1/2 sigma intervals."""
    if param not in obj.names:
        raise ValueError(f"unknown parameter {param!r}; free variables: {obj.names}")
    best = minimise(obj)
    prof, start = [], dict(best.values)
    for x in grid:
        fit = minimise(obj, fixed={param: float(x)}, start=start)
        start = fit.values
        prof.append(fit.chi2)
    prof = np.array(prof)
    dchi2 = prof - min(best.chi2, prof.min())
    out = {"param": param, "grid": [float(g) for g in grid], "delta_chi2": [float(d) for d in dchi2],
           "best_fit": best.values[param], "chi2_min": best.chi2, "minuit_error": best.errors[param],
           "valid": best.valid}
    for label, cl in (("1sigma", 0.6827), ("2sigma", 0.9545)):
        out[label] = _interval(np.asarray(grid, float), dchi2, delta_chi2_threshold(cl, 1))
    return out


def profile_derived(obj: Objective, name: str, grid: np.ndarray, rel_tol: float = 1e-3) -> dict:
    """Delta chi^2 profile of a derived quantity (a deterministic compiled by ``objective(...,
    derived=[name])``, e.g. the CEvNS count), best fit and Wilks 1/2 sigma intervals.

    At each grid value D0 the chi^2 is minimised on the surface D(x) = D0, enforced by the stiff
    penalty ((D(x) - D0)/(rel_tol * |D0|))^2; the reported profile is the chi^2 without the penalty.
    """
    if name not in obj.derived:
        raise ValueError(f"{name!r} was not compiled; build the objective with derived=[{name!r}]")
    dvg = obj.derived[name]
    best = minimise(obj)
    x_best = np.array([best.values[n] for n in obj.names])
    d_best = dvg(x_best)[0]

    def constrained(d0: float, x0: np.ndarray) -> tuple[float, np.ndarray]:
        scale = rel_tol * max(abs(d0), 1e-12)

        def f(x):
            return obj.value_and_grad(x)[0] + ((dvg(x)[0] - d0) / scale) ** 2

        def g(x):
            d, gd = dvg(x)
            return obj.value_and_grad(x)[1] + 2.0 * (d - d0) / scale**2 * gd

        m = _minuit(obj, f, g, x0)
        m.migrad()
        x = np.array(m.values)
        return obj.value_and_grad(x)[0], x

    # walk outwards from the best fit, warm-starting each point from its inner neighbour and
    # from the global minimum; the profile is the lower of the two (guards against local minima)
    grid = np.asarray(grid, float)
    prof = np.empty(grid.size)
    above = [i for i in np.argsort(grid) if grid[i] >= d_best]
    below = [i for i in np.argsort(grid)[::-1] if grid[i] < d_best]
    for side in (above, below):
        x_prev = x_best
        for i in side:
            c1, x1 = constrained(grid[i], x_prev)
            c2, x2 = constrained(grid[i], x_best)
            prof[i], x_prev = (c1, x1) if c1 <= c2 else (c2, x2)
    dchi2 = np.array(prof) - min(best.chi2, min(prof))
    out = {"param": name, "grid": [float(v) for v in grid], "delta_chi2": [float(v) for v in dchi2],
           "best_fit": float(d_best), "chi2_min": best.chi2, "valid": best.valid}
    for label, cl in (("1sigma", 0.6827), ("2sigma", 0.9545)):
        out[label] = _interval(np.asarray(grid, float), dchi2, delta_chi2_threshold(cl, 1))
    return out


def _interval(grid: np.ndarray, dchi2: np.ndarray, level: float) -> list[float | None]:
    """MINOS-like [lo, hi] on the grid: the outermost ends of the allowed pieces of
    :func:`bayes_cevns.inference.intervals.allowed_intervals` (every crossing interpolated
    linearly), None where the region reaches the grid edge."""
    return outer_interval(grid, dchi2, level)
