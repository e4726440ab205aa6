"""One interval convention and one NaN policy for every grid read-off (issue "One statistics engine").

Hand-computed crossings of the piecewise-linear profile; the chi^2 limit of a mass slice, the
MINOS-like grid interval of ``profile_scan`` and the NSI one-at-a-time intervals must agree
with :func:`allowed_intervals` on the same numbers.
"""

import math

import numpy as np
import pytest

from bayes_cevns.inference.intervals import allowed_intervals, laplace_log_marginal, outer_interval
from bayes_cevns.inference.nsi_scan import EpsGrid, one_at_a_time, posterior_density
from bayes_cevns.inference.profile import _interval
from bayes_cevns.inference.slices import Slice, chi2_upper, mode_masses, posterior_log10_g

X7 = np.arange(7.0)
#: two pieces: a single grid point inside (x = 1) and two points inside (x = 4, 5)
D_TWO = np.array([5.0, 3.0, 5.0, 6.0, 2.0, 2.0, 8.0])


def same(got, expected, atol=1e-12):
    """Lists of [lo, hi] pieces equal to ``atol``."""
    g, e = np.asarray(got, float), np.asarray(expected, float)
    assert g.shape == e.shape and np.allclose(g, e, rtol=0.0, atol=atol), (got, expected)


def test_two_pieces_single_point_piece_interpolated():
    """Crossings of 4: (0,5)-(1,3) at 0.5, (1,3)-(2,5) at 1.5, (3,6)-(4,2) at 3.5, (5,2)-(6,8) at 16/3.
    A single point inside gives a piece of width 1 (not the degenerate [1, 1] of grid points)."""
    got = allowed_intervals(X7, D_TWO, 4.0)
    same(got, [[0.5, 1.5], [3.5, 16.0 / 3.0]])


def test_edge_touching_pieces_are_open_at_the_grid_edge():
    """[1, 2, 6, 3, 0] at level 4: [0, 1.5] and [8/3, 4]; the ends at x[0] and x[-1] mean 'open'."""
    x = np.arange(5.0)
    got = allowed_intervals(x, [1.0, 2.0, 6.0, 3.0, 0.0], 4.0)
    same(got, [[0.0, 1.5], [8.0 / 3.0, 4.0]])
    assert outer_interval(x, [1.0, 2.0, 6.0, 3.0, 0.0], 4.0) == [None, None]
    assert allowed_intervals(x, np.zeros(5), 4.0) == [[0.0, 4.0]]
    assert allowed_intervals(x, np.full(5, 9.0), 4.0) == []
    assert outer_interval(x, np.full(5, 9.0), 4.0) == [None, None]


def test_uneven_spacing_touching_level_and_infinite_points():
    """Non-uniform grid: (0.1, 2)-(1.0, 6) crosses 4 at 0.55. A point exactly at the level between
    two outside points is a degenerate piece; +inf is outside and puts the crossing on the
    finite neighbour."""
    same(allowed_intervals([0.0, 0.1, 1.0], [0.0, 2.0, 6.0], 4.0), [[0.0, 0.55]])
    assert allowed_intervals([0.0, 1.0, 2.0], [5.0, 4.0, 5.0], 4.0) == [[1.0, 1.0]]
    assert allowed_intervals([0.0, 1.0, 2.0], [math.inf, 1.0, math.inf], 4.0) == [[1.0, 1.0]]


def test_nan_points_are_dropped_and_neighbours_joined():
    """NaN chi^2 is unknown, not excluded: [5, nan, 3, nan, 5] is the line through (0,5), (2,3),
    (4,5), crossing 4 at 1 and 3. A NaN edge point moves the open edge to the first finite x."""
    same(allowed_intervals(np.arange(5.0), [5.0, np.nan, 3.0, np.nan, 5.0], 4.0), [[1.0, 3.0]])
    same(allowed_intervals([0.0, 1.0, 2.0], [np.nan, 1.0, 5.0], 4.0), [[1.0, 1.75]])
    assert outer_interval([0.0, 1.0, 2.0], [np.nan, 1.0, 5.0], 4.0) == [None, pytest.approx(1.75)]
    assert allowed_intervals([0.0, 1.0], [np.nan, np.nan], 4.0) == []
    with pytest.raises(ValueError, match="increasing"):
        allowed_intervals([0.0, 2.0, 1.0], [0.0, 1.0, 2.0], 4.0)


def test_every_entry_point_uses_the_same_ends():
    """chi2_upper / mode_masses (mass slices), profile_scan's grid interval and the NSI
    one-at-a-time bounds read the same pieces off the same profile."""
    lg = X7 - 6.0  # -6 .. 0; shift D so the first piece is the SM-like region [-6, ...]
    d = np.array([0.0, 3.0, 5.0, 6.0, 2.0, 2.0, 8.0])
    pieces = allowed_intervals(lg, d, 4.0)
    same(pieces, [[-6.0, -4.5], [-2.5, -1.0 + 1.0 / 3.0]])
    sl = Slice(1.0, lg.tolist(), (d + 100.0).tolist(), (-0.5 * d).tolist())
    chi = chi2_upper(sl, cl=0.9545)
    same(chi["allowed_log10_g"], pieces, atol=1e-3)
    assert math.log10(chi["coupling_upper"]) == pytest.approx(-4.5, abs=1e-3)
    same([m["log10_g"] for m in mode_masses(sl)], chi["allowed_log10_g"])
    assert _interval(lg, d, 4.0) == [None, pytest.approx(-1.0 + 1.0 / 3.0)]
    grid = EpsGrid({"eps_ee_u": 1.0}, 1e5, ["x"], lg, d + 100.0, -0.5 * (d + 100.0))
    r = one_at_a_time(grid, cl=0.9545)
    same(r["chi2_intervals"], chi["allowed_log10_g"])


def test_laplace_nan_policy_keeps_chi2_and_interpolates_the_determinant():
    """log m = -chi2/2 + det with det NaN at x = 1: det there is the mean of its neighbours
    (-2), and chi^2 = 2 is kept: log m(1) = -1 - 2 = -3. A non-finite chi^2 point is dropped."""
    x, lm = laplace_log_marginal([0.0, 1.0, 2.0], [0.0, 2.0, 0.0], [-1.0, np.nan, -3.0])
    assert x.tolist() == [0.0, 1.0, 2.0] and lm == pytest.approx([-1.0, -3.0, -3.0])
    x, lm = laplace_log_marginal([0.0, 1.0, 2.0], [0.0, np.inf, 0.0], [-1.0, np.nan, -3.0])
    assert x.tolist() == [0.0, 2.0]
    with pytest.raises(ValueError, match="finite"):
        laplace_log_marginal([0.0, 1.0], [0.0, 1.0], [np.nan, np.nan])


def test_posteriors_weigh_a_strip_whose_laplace_term_is_nan():
    """A narrow chi^2 dip (the only good fit) whose Laplace term is NaN must keep its posterior
    mass: the mass slice (``posterior_log10_g``) and the NSI grid (``posterior_density``) apply the
    same policy and agree. Dropping the NaN point would erase the dip."""
    x = np.linspace(-3.0, 0.0, 31)
    c2 = np.full(x.size, 40.0)
    c2[15] = 0.0  # the strip, at x = -1.5
    lm = -0.5 * c2 - 1.0
    lm[15] = np.nan
    fine, p = posterior_log10_g(Slice(1.0, x.tolist(), c2.tolist(), lm.tolist()), n_fine=3001)
    near = np.abs(fine + 1.5) <= 0.1
    assert np.trapezoid(p[near], fine[near]) > 0.99
    t, q = posterior_density(EpsGrid({"eps_ee_u": 1.0}, 1e5, ["x"], x, c2, lm), n_fine=3001)
    assert np.allclose(t, fine) and np.allclose(q, p, rtol=1e-9, atol=1e-12)
