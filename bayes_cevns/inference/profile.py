"""Frequentist cross-check from the same graph: chi^2 = -2 ln L (data + nuisance constraints).

The objective (:mod:`bayes_cevns.inference.objective`) lives in the natural parameter space and is
minimised here with iminuit's MIGRAD (:func:`bayes_cevns.inference.minimisers.migrad`), profiled on
grids and bracketed by MINOS. Priors of the *physics* parameters are
excluded, so chi^2 differences are likelihood ratios. For Poisson bins the value equals the
Baker-Cousins chi^2 of [LM] Eq. 6 plus a data-only constant
(:func:`bayes_cevns.model.build.baker_cousins_offset`).
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from bayes_cevns.inference.intervals import outer_interval
from bayes_cevns.inference.minimisers import Problem, migrad, minuit, newton
from bayes_cevns.inference.objective import Objective, objective
from bayes_cevns.inference.slices import delta_chi2_threshold

__all__ = ["Fit", "Objective", "objective", "minimise", "minos_interval", "profile_scan", "profile_derived"]


@dataclass
class Fit:
    values: dict[str, float]
    errors: dict[str, float]
    chi2: float
    valid: bool


def _problem(obj: Objective, fixed: Mapping[str, float] | None = None,
             start: Mapping[str, float] | None = None) -> tuple[Problem, np.ndarray, np.ndarray]:
    """(chi^2 over the variables not in ``fixed``, the full start point, the indices of those
    variables): MIGRAD minimises in the free subspace, the fixed values held in the full point."""
    x0 = obj.start.copy()
    for k, v in (start or {}).items():
        x0[obj.names.index(k)] = v
    for k, v in (fixed or {}).items():
        if k not in obj.names:
            raise ValueError(f"unknown parameter {k!r}; free variables: {obj.names}")
        x0[obj.names.index(k)] = v
    free = np.array([i for i, n in enumerate(obj.names) if n not in (fixed or {})], dtype=int)

    def full(u):
        x = x0.copy()
        x[free] = u
        return x

    def value_grad(u):
        value, grad = obj.value_and_grad(full(u))
        return value, np.asarray(grad)[free]

    limits = [obj.limits[i] for i in free]
    problem = Problem.bounded(value_grad, limits, np.ones(free.size), names=[obj.names[i] for i in free])
    return problem, x0, free


#: minimisers of :func:`minimise`
METHODS = ("migrad", "newton")


def minimise(obj: Objective, fixed: Mapping[str, float] | None = None,
             start: Mapping[str, float] | None = None, method: str = "migrad") -> Fit:
    """Minimum of chi^2 with some variables fixed (none left free, or a model without free
    variables: the chi^2 at that point).

    ``method``: ``"migrad"`` (iminuit, the reference; errors from its covariance) or ``"newton"``
    (projected Newton with the exact Hessian: the objective must be compiled with
    ``hessian=`` exactly the variables left free; errors sqrt(diag(2 H^-1))). A fixed variable's
    error is 0.
    """
    if method not in METHODS:
        raise ValueError(f"unknown minimiser {method!r}; choose one of {METHODS}")
    if not obj.names:
        return Fit({}, {}, float(obj.fun(np.zeros(0))), True)
    problem, x0, free = _problem(obj, fixed, start)
    x, errs = x0.copy(), np.zeros(x0.size)
    if not free.size:  # every variable held: the chi^2 at that point
        chi2, valid = float(obj.value_and_grad(x0)[0]), True
    elif method == "newton":
        best = newton(_with_hessian(obj, problem, x0, free), x0[free])
        x[free], chi2, valid = best.x, best.chi2, best.converged
        errs[free] = np.sqrt(np.abs(np.diag(2.0 * np.linalg.pinv(best.hessian))))
    else:
        m = minuit(problem, x0[free])
        x[free], chi2, valid = np.array(m.values, dtype=float), float(m.fval), bool(m.valid)
        errs[free] = np.array(m.errors, dtype=float)
    return Fit(dict(zip(obj.names, map(float, x))), dict(zip(obj.names, map(float, errs))), chi2, valid)


def _with_hessian(obj: Objective, problem: Problem, x0: np.ndarray, free: np.ndarray) -> Problem:
    """``problem`` with the objective's exact Hessian (its block reordered to the free variables
    of the full point ``x0``); Newton's scale is 1/sqrt of the Hessian diagonal at the start."""
    names = [obj.names[i] for i in free]
    if sorted(obj.hessian_names) != sorted(names):
        raise ValueError(f"Newton needs the Hessian over the free variables {names}; the objective has it over "
                         f"{obj.hessian_names} (objective(..., hessian=[...]))")
    order = [obj.hessian_names.index(n) for n in names]

    def vgh(u):
        x = x0.copy()
        x[free] = u
        value, grad, hess = obj.value_grad_hess(x)
        return value, np.asarray(grad)[free], hess[np.ix_(order, order)]

    scale = 1.0 / np.sqrt(np.maximum(np.abs(np.diag(vgh(x0[free])[2])), 1e-12))
    return Problem(problem.value_grad, problem.lo, problem.hi, scale, vgh, problem.names)


def minos_interval(obj: Objective, param: str, cl: float = 0.6827) -> tuple[float, float, float]:
    """(best fit, lower, upper): MINOS profile-likelihood interval at ``cl`` (Wilks, 1 dof)."""
    if param not in obj.names:
        raise ValueError(f"unknown parameter {param!r}; free variables: {obj.names}")
    problem, x0, _ = _problem(obj)
    m = minuit(problem, x0)
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

        def penalised(x):
            value, grad = obj.value_and_grad(x)
            d, gd = dvg(x)
            return value + ((d - d0) / scale) ** 2, grad + 2.0 * (d - d0) / scale**2 * gd

        problem = Problem.bounded(penalised, obj.limits, np.ones(len(obj.names)), names=obj.names)
        x = migrad(problem, x0, retry=False).x
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
