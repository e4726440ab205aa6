"""Reading intervals and Laplace-marginal densities off a one-dimensional grid: one convention.

Every grid read-off of the package goes through these two functions: the chi^2 limits and strips
of a mass slice (:mod:`bayes_cevns.inference.slices`), the grid profiles of
:func:`bayes_cevns.inference.profile.profile_scan` / ``profile_derived``, and the one-at-a-time
NSI bounds and HPD regions (:mod:`bayes_cevns.inference.nsi_scan`).

* :func:`allowed_intervals`: the set {x : Delta chi^2(x) <= level}, with Delta chi^2 linear
  between grid points (the Wilks region of [LM] Sec. IV, level = ``chi2.ppf(cl, 1)``).
* :func:`laplace_log_marginal`: the NaN policy for Laplace grids. log m = -chi^2_p/2 - 1/2 log
  det(H/2) is NaN where the nuisance Hessian H was not positive definite; the profile chi^2 there
  is still valid, so the point is kept and only the log-determinant term, which is smooth in the
  scanned parameter, is interpolated linearly from the nearest finite points (held constant beyond
  the outermost finite point). A point whose chi^2 itself is not finite is dropped.
"""

import numpy as np


def allowed_intervals(x, dchi2, level: float) -> list[list[float]]:
    """Disjoint intervals [lo, hi] (increasing) where ``dchi2 <= level``, Delta chi^2 linear in x.

    Contract:

    * ``x`` strictly increasing; points where ``dchi2`` is NaN are dropped first (the profile
      there is unknown, so the neighbours are joined linearly); no finite point: ``[]``.
    * Every end that lies between two grid points is the linear-interpolation crossing of
      ``level`` between the last point inside and the first point outside, so each piece is the
      exact allowed set of the piecewise-linear profile (a single grid point inside gives a piece
      of non-zero width around it; a point exactly at ``level`` between two outside points gives
      a degenerate piece [x_i, x_i]).
    * An end that is not crossed inside the grid is the grid edge itself (the first or last
      finite x): ``lo == x[0]`` (``hi == x[-1]``) means "open, the region continues beyond the
      scanned range". A crossing never lands exactly on an edge point that is outside, so this
      test is unambiguous. ``+inf`` counts as outside.
    """
    x, d = np.asarray(x, float), np.asarray(dchi2, float)
    if x.shape != d.shape or x.ndim != 1:
        raise ValueError(f"x and dchi2 must be 1-D arrays of one length, got {x.shape} and {d.shape}")
    ok = ~np.isnan(d)
    x, d = x[ok], d[ok]
    if x.size > 1 and not np.all(np.diff(x) > 0):
        raise ValueError("the grid x must be strictly increasing")
    inside = d <= level
    out = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], inside.astype(np.int8), [0]])))
    for i, j in zip(edges[::2], edges[1::2] - 1):  # runs inside[i..j]
        lo = x[i] if i == 0 else _crossing(level, x[i - 1], d[i - 1], x[i], d[i])
        hi = x[j] if j == x.size - 1 else _crossing(level, x[j], d[j], x[j + 1], d[j + 1])
        out.append([float(lo), float(hi)])
    return out


def _crossing(level: float, xa: float, da: float, xb: float, db: float) -> float:
    """x where the straight line through (xa, da), (xb, db) takes ``level`` (one end inside, the
    other outside; an infinite end puts the crossing at the finite, inside one)."""
    if not np.isfinite(da):
        return xb
    if not np.isfinite(db):
        return xa
    return xa + (level - da) * (xb - xa) / (db - da)


def outer_interval(x, dchi2, level: float) -> list[float | None]:
    """MINOS-like [lo, hi]: the outermost ends of :func:`allowed_intervals`, None where open
    (the region reaches the grid edge) and [None, None] where nothing is allowed."""
    pieces = allowed_intervals(x, dchi2, level)
    if not pieces:
        return [None, None]
    x = np.asarray(x, float)[~np.isnan(np.asarray(dchi2, float))]
    lo, hi = pieces[0][0], pieces[-1][1]
    return [None if lo == x[0] else lo, None if hi == x[-1] else hi]


def laplace_log_marginal(x, chi2, log_marginal) -> tuple[np.ndarray, np.ndarray]:
    """(x, log m) on the points with finite chi^2, NaN Laplace terms interpolated (module policy).

    ``log_marginal`` = -chi2/2 - 1/2 log det(H/2) per point; the determinant term
    ``log_marginal + chi2/2`` is interpolated over the points where it is NaN. Raises if no point
    has a finite Laplace term.
    """
    x, c2, lm = (np.asarray(v, float) for v in (x, chi2, log_marginal))
    keep = np.isfinite(c2)
    x, c2, lm = x[keep], c2[keep], lm[keep]
    det = lm + 0.5 * c2
    ok = np.isfinite(det)
    if not ok.any():
        raise ValueError("no grid point has a finite Laplace marginal")
    return x, -0.5 * c2 + np.interp(x, x[ok], det[ok])
