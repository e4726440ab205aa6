"""The minimisers behind one interface (:mod:`bayes_cevns.inference.minimisers`).

* On a bounded quadratic, whose constrained minimum is known in closed form (one variable held
  on its bound), Newton, L-BFGS-B and MIGRAD all return it; Newton's Hessian is the exact one.
* Started at a saddle of a double well, Newton leaves it downhill to a minimum (the eigenvalue
  magnitudes in the step) instead of converging to the stationary point.
* On a function that is only piecewise smooth (two pieces, each with its own minimum next to the
  knot), Newton told the knots finds the lower minimum across the knot, and without them stays in
  the piece it starts in.
* Newton without a Hessian and an unknown method are one-line errors.
"""

import numpy as np
import pytest

from bayes_cevns.inference.minimisers import Problem, lbfgs, migrad, newton
from bayes_cevns.inference.profile import minimise

A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])
CENTRE = np.array([-1.0, 2.0, 0.5])


def _quadratic() -> Problem:
    def vgh(x):
        d = x - CENTRE
        return float(d @ A @ d), 2.0 * A @ d, 2.0 * A

    # x0 >= 0: the unconstrained minimum (CENTRE) violates the bound, so x0 sits on it
    return Problem.bounded(lambda x: vgh(x)[:2], [(0.0, None), (None, None), (-5.0, 5.0)], np.ones(3), vgh,
                           names=["a", "b", "c"])


def _constrained_minimum() -> np.ndarray:
    """x0 = 0 and (x1, x2) minimising the quadratic with x0 held: A_ff d_f = -A_f0 d_0."""
    d0 = 0.0 - CENTRE[0]
    df = np.linalg.solve(A[1:, 1:], -A[1:, 0] * d0)
    return np.concatenate([[0.0], CENTRE[1:] + df])


@pytest.mark.parametrize(("method", "tol"), [(newton, 1e-8), (lbfgs, 1e-5), (migrad, 1e-4)])
def test_every_minimiser_finds_the_constrained_minimum(method, tol):
    """Newton and L-BFGS-B stop 1e-9 inside a bound; MIGRAD's tolerance is its EDM criterion."""
    expected = _constrained_minimum()
    best = method(_quadratic(), np.array([2.0, -3.0, 4.0]))
    np.testing.assert_allclose(best.x, expected, atol=tol)
    d = expected - CENTRE
    assert best.chi2 == pytest.approx(float(d @ A @ d), abs=10 * tol)
    assert best.converged
    if method is newton:
        np.testing.assert_array_equal(best.hessian, 2.0 * A)


def test_newton_leaves_a_saddle_downhill():
    def vgh(x):
        u, v = x
        return u**4 - 2 * u**2 + v**2, np.array([4 * u**3 - 4 * u, 2 * v]), np.diag([12 * u**2 - 4, 2.0])

    well = Problem.bounded(lambda x: vgh(x)[:2], [(None, None)] * 2, np.ones(2), vgh)
    best = newton(well, np.array([1e-3, 0.3]), max_iter=50)
    assert abs(best.x[0]) == pytest.approx(1.0, abs=1e-6) and abs(best.x[1]) < 1e-6
    assert best.chi2 == pytest.approx(-1.0, abs=1e-10) and best.converged


def test_newton_tries_across_a_knot():
    def vgh(x):
        slope = 1.0 if x[0] < 0 else -3.0  # 10 x^2 + x left of 0, 10 x^2 - 3 x right of it
        return 10 * x[0] ** 2 + slope * x[0], np.array([20 * x[0] + slope]), np.array([[20.0]])

    def piecewise(knots):
        return Problem(lambda x: vgh(x)[:2], np.array([-2.0]), np.array([2.0]), np.ones(1), vgh, knots=knots)

    stuck = newton(piecewise(()), np.array([-1.0]))
    assert stuck.x[0] == pytest.approx(-0.05) and stuck.chi2 == pytest.approx(-0.025)
    best = newton(piecewise((np.array([-1.0, 0.0, 1.0]),)), np.array([-1.0]))
    assert best.x[0] == pytest.approx(0.15) and best.chi2 == pytest.approx(-0.225) and best.converged


def test_bad_requests_are_one_line_errors():
    plain = Problem.bounded(lambda x: (float(x @ x), 2 * x), [(None, None)], np.ones(1))
    with pytest.raises(ValueError, match="exact Hessian"):
        newton(plain, np.zeros(1))
    with pytest.raises(ValueError, match="unknown minimiser"):
        minimise(None, method="simplex")
