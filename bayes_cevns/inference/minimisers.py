"""The minimisers of the chi^2 objective, behind one interface.

A :class:`Problem` is chi^2 over the variables being minimised (every other variable held):
its value and gradient (and, for Newton, the exact Hessian) as functions of those variables,
their bounds and their scales (a typical step: 1/sqrt of the Hessian diagonal, or MINUIT's
errors). Every minimiser takes a Problem and a start point and returns a :class:`Minimum`:

* :func:`newton`: projected Newton with the exact Hessian (a few evaluations per point: the
  profiles of every mass slice, NSI plane and toy);
* :func:`lbfgs`: L-BFGS-B on the scaled variables (where Newton stalls, far above a limit);
* :func:`migrad`: iminuit's MIGRAD, the reference (fits, profile scans, MINOS intervals of
  :mod:`bayes_cevns.inference.profile`).

:func:`bounded_brent` is the one-dimensional search over a parameter of interest (the extrema of
a slice's profile, a toy's best coupling), each of its evaluations a profile.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from iminuit import Minuit
from scipy.optimize import minimize, minimize_scalar

#: a bound is approached to within this distance (Newton and L-BFGS-B stay inside the support)
BOUND_MARGIN = 1e-9


@dataclass(frozen=True)
class Problem:
    """chi^2 over the minimised variables: ``value_grad(x) -> (chi2, gradient)``, optionally
    ``value_grad_hess(x) -> (chi2, gradient, Hessian)``; bounds ``lo``, ``hi`` (+-inf where
    open) and ``scale`` (a typical step of each variable)."""

    value_grad: Callable[[np.ndarray], tuple[float, np.ndarray]]
    lo: np.ndarray
    hi: np.ndarray
    scale: np.ndarray
    value_grad_hess: Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]] | None = None
    names: Sequence[str] = ()
    #: per variable, the knots where chi^2 is only piecewise smooth (a nuisance interpolated
    #: linearly in a table, e.g. the beam onset), or None
    knots: Sequence[np.ndarray | None] = ()

    @classmethod
    def bounded(cls, value_grad, limits: Sequence[tuple[float | None, float | None]], scale: np.ndarray,
                value_grad_hess=None, names: Sequence[str] = ()) -> "Problem":
        """A Problem from ``(lo, hi)`` limits with ``None`` for an open end."""
        return cls(value_grad, *open_bounds(limits), np.asarray(scale, dtype=float), value_grad_hess, tuple(names))


def open_bounds(limits: Sequence[tuple[float | None, float | None]]) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) arrays from ``(lo, hi)`` limits, -inf / +inf for an open (None) end."""
    lo = np.array([-np.inf if b[0] is None else b[0] for b in limits], dtype=float)
    hi = np.array([np.inf if b[1] is None else b[1] for b in limits], dtype=float)
    return lo, hi


@dataclass
class Minimum:
    """The minimum found: chi^2, the point, the Hessian there (None where the minimiser has none;
    MIGRAD gives its covariance instead), whether the minimiser reports convergence."""

    chi2: float
    x: np.ndarray
    hessian: np.ndarray | None
    converged: bool
    covariance: np.ndarray | None = None


#: a piecewise variable this close to a knot (in units of the knot spacing) is tried across it
KNOT_REACH = 0.15


def newton(problem: Problem, x0: np.ndarray, max_iter: int = 15) -> Minimum:
    """Projected Newton with the exact Hessian.

    Variables on a bound with the gradient pushing outwards are held there; the step solves the
    Newton system of the others with the eigenvalues replaced by their magnitudes (floored at
    1e-6 of the largest, so a saddle is left downhill); the step is backtracked on chi^2 (Armijo)
    and clipped into the bounds. Converged: the Newton decrement would lower chi^2 by < 1e-8
    with every scaled step < 1e-5, or an accepted step did so. The Hessian returned is the exact
    one at the point returned.

    A variable with ``knots`` makes chi^2 piecewise smooth: each piece may hold its own minimum
    next to a knot, which the quadratic model of one piece cannot see past. Where such a variable
    ends within :data:`KNOT_REACH` of a knot spacing from a knot of a converged run, Newton is
    restarted with it mirrored across that knot, and the lower minimum is kept (repeated while it
    lowers chi^2).
    """
    if problem.value_grad_hess is None:
        raise ValueError("Newton needs the exact Hessian: compile the objective with hessian=[...]")
    best = _newton(problem, x0, max_iter)
    for _ in range(8):
        if not best.converged:  # no local minimum to compare (far above a limit: an upper bound)
            break
        trials = [_newton(problem, x, max_iter) for x in _across_knots(problem, best.x)]
        lower = min(trials, key=lambda m: m.chi2, default=None)
        if lower is None or not lower.chi2 < best.chi2 - 1e-9:
            break
        best = lower
    return best


def _across_knots(problem: Problem, x: np.ndarray) -> list[np.ndarray]:
    """Start points with one piecewise variable mirrored across the knot it ends next to."""
    starts = []
    for i, knots in enumerate(problem.knots):
        if knots is None or len(knots) < 2:
            continue
        k = int(np.argmin(np.abs(knots - x[i])))
        spacing = float(np.min(np.diff(knots)))
        d = x[i] - knots[k]
        if abs(d) <= KNOT_REACH * spacing:
            for side in ((-d,) if d else (-0.5 * KNOT_REACH * spacing, 0.5 * KNOT_REACH * spacing)):
                y = x.copy()
                y[i] = np.clip(knots[k] + side, problem.lo[i] + BOUND_MARGIN, problem.hi[i] - BOUND_MARGIN)
                starts.append(y)
    return starts


def _newton(problem: Problem, x0: np.ndarray, max_iter: int) -> Minimum:
    """One run of projected Newton (:func:`newton`) from ``x0``."""
    lo, hi, vgh = problem.lo + BOUND_MARGIN, problem.hi - BOUND_MARGIN, problem.value_grad_hess
    x = np.clip(np.asarray(x0, dtype=float), lo, hi)
    f, g, h = vgh(x)
    if not x.size:  # nothing to minimise
        return Minimum(float(f), x, h, True)
    converged = False
    for _ in range(max_iter):
        free = ~(((x <= lo) & (g > 0)) | ((x >= hi) & (g < 0)))
        step = np.zeros_like(x)
        w, v = np.linalg.eigh(h[np.ix_(free, free)])
        aw = np.abs(w)
        step[free] = -(v / np.maximum(aw, 1e-6 * max(aw.max(), 1e-12))) @ (v.T @ g[free])
        if np.all(w > 0) and -float(g @ step) < 2e-8 and float(np.max(np.abs(step) / problem.scale)) < 1e-5:
            converged = True
            break
        t, accepted = 1.0, False
        while t > 1e-6:
            xt = np.clip(x + t * step, lo, hi)
            ft, gt, ht = vgh(xt)
            if math.isfinite(ft) and ft <= f + 1e-4 * float(g @ (xt - x)):
                accepted = True
                break
            t *= 0.3
        if not accepted:
            break
        converged = f - ft < 1e-8 and float(np.max(np.abs(xt - x) / problem.scale)) < 1e-5
        x, f, g, h = xt, ft, gt, ht
        if converged:
            break
    return Minimum(float(f), x, h, converged)


def lbfgs(problem: Problem, x0: np.ndarray) -> Minimum:
    """L-BFGS-B on the variables divided by their scales (no Hessian returned)."""
    sc = problem.scale
    lo, hi = (problem.lo + BOUND_MARGIN) / sc, (problem.hi - BOUND_MARGIN) / sc

    def fg(u):
        v, g = problem.value_grad(u * sc)
        return (v, g * sc) if math.isfinite(v) else (1e30, np.zeros_like(u))

    res = minimize(fg, np.asarray(x0, dtype=float) / sc, jac=True, method="L-BFGS-B", bounds=list(zip(lo, hi)),
                   options={"maxiter": 2000, "maxcor": 30, "ftol": 1e-12, "gtol": 1e-6})
    return Minimum(float(res.fun), res.x * sc, None, bool(res.success))


def minuit(problem: Problem, x0: np.ndarray, retry: bool = True) -> Minuit:
    """MIGRAD run on the problem (strategy 1; repeated once if invalid, unless ``retry=False``), as
    iminuit's object (for MINOS and the errors)."""
    names = list(problem.names) or [f"x{i}" for i in range(len(x0))]
    last: dict[str, np.ndarray] = {}

    def fcn(x):
        value, grad = problem.value_grad(x)
        last["x"], last["g"] = np.array(x, dtype=float), grad
        return value

    def grad(x):
        if "x" in last and np.array_equal(last["x"], x):
            return last["g"]
        return problem.value_grad(x)[1]

    m = Minuit(fcn, np.asarray(x0, dtype=float), grad=grad, name=names)
    m.errordef = Minuit.LEAST_SQUARES
    for n, a, b in zip(names, problem.lo, problem.hi):
        m.limits[n] = (None if a == -np.inf else float(a), None if b == np.inf else float(b))
    m.strategy = 1
    m.migrad()
    if retry and not m.valid:
        m.migrad()
    return m


def migrad(problem: Problem, x0: np.ndarray, retry: bool = True) -> Minimum:
    """MIGRAD's minimum with its covariance (chi^2 errordef 1)."""
    m = minuit(problem, x0, retry)
    cov = np.array(m.covariance) if m.covariance is not None else None
    return Minimum(float(m.fval), np.array(m.values, dtype=float), None, bool(m.valid), cov)


def bounded_brent(fn: Callable[[float], float], a: float, b: float, xatol: float) -> tuple[float, float]:
    """(x, fn(x)) at the minimum of a function of one variable on [a, b] (bounded Brent)."""
    res = minimize_scalar(fn, bounds=(a, b), method="bounded", options={"xatol": xatol})
    return float(res.x), float(res.fun)
