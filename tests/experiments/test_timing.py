"""Beam timing densities against independent computations.

* The exponentially modified Gaussian equals scipy's ``exponnorm`` and a direct numerical
  convolution of the Gaussian pulse with the exponential decay, also far before and after the
  pulse, where the naive product overflows.
* The delayed density is the convolution with both decays (pi then mu), and every flavour's
  fractions over a window that holds the whole pulse sum to one.
"""

import numpy as np
import pytest
from scipy.signal import fftconvolve
from scipy.stats import exponnorm, norm

from bayes_cevns.experiments.timing import _TAU_MU_US, _TAU_PI_US, delayed_pdf, flavour_time_fractions, prompt_pdf


def _convolved(t: np.ndarray, mean: float, sigma: float, taus: tuple[float, ...]) -> np.ndarray:
    """Gauss(mean, sigma) convolved with Exp(tau) for each tau: the trapezoid rule on a fine grid."""
    dt = 2e-4
    grid = np.arange(mean - 10 * sigma, t.max() + dt, dt)
    dens = norm.pdf(grid, mean, sigma)
    s = np.arange(0.0, 40.0, dt)
    for tau in taus:
        kernel = np.exp(-s / tau) / tau * dt
        kernel[0] *= 0.5
        dens = fftconvolve(dens, kernel)[: grid.size]
    return np.interp(t, grid, dens)


@pytest.mark.parametrize("mean, sigma", [(0.44, 0.15), (0.5, 0.08)])
def test_prompt_density_is_the_emg(mean, sigma):
    t = np.linspace(-1.0, 6.0, 701)
    np.testing.assert_allclose(prompt_pdf(t, mean, sigma), exponnorm.pdf(t, _TAU_PI_US / sigma, loc=mean, scale=sigma),
                               rtol=1e-11, atol=1e-300)
    inside = (t > mean - 2 * sigma) & (t < 2.0)
    np.testing.assert_allclose(prompt_pdf(t[inside], mean, sigma),
                               _convolved(t[inside], mean, sigma, (_TAU_PI_US,)), rtol=1e-4, atol=1e-12)


def test_densities_stay_finite_far_from_the_pulse():
    t = np.array([0.44 - 40 * 0.15, 0.44 - 8 * 0.15, 60.0, 200.0])
    for f in (prompt_pdf, delayed_pdf):
        v = f(t, 0.44, 0.15)
        assert np.all(np.isfinite(v)) and np.all(v >= 0)
    assert prompt_pdf(t[:1], 0.44, 0.15)[0] < 1e-100  # 40 sigma before the pulse


def test_delayed_density_is_the_double_convolution():
    t = np.linspace(0.3, 8.0, 400)
    np.testing.assert_allclose(delayed_pdf(t, 0.44, 0.15), _convolved(t, 0.44, 0.15, (_TAU_PI_US, _TAU_MU_US)),
                               rtol=1e-4, atol=1e-9)


def test_fractions_over_the_whole_pulse_sum_to_one():
    edges = np.linspace(-2.0, 60.0, 63)
    fractions = flavour_time_fractions(edges, 0.44, 0.15, step_us=0.002)
    np.testing.assert_allclose(fractions.sum(axis=1), 1.0, atol=2e-6)
