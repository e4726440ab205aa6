"""Neyman construction on toys: critical values, coverage, and each toy's global minimum."""

import math

import numpy as np
import pytest
from scipy.stats import binomtest, chi2

from bayes_cevns.inference.coverage import prior_predictive_toys
from bayes_cevns.inference.limits import LOG10_G_RANGE, MediatorScan, chi2_upper
from bayes_cevns.inference.neyman import coverage, critical_value, toy_delta_chi2
from bayes_cevns.inference.slices import CL_2SIGMA


def test_critical_value_of_chi2_1_samples_is_wilks():
    """For t ~ chi^2_1 the 95.45% critical value is 4.0 (Wilks); for t ~ 1/2 chi^2_0 + 1/2 chi^2_1
    (a bound at the truth, Chernoff) it is chi2.ppf(0.909, 1) = 2.85."""
    t = chi2(1).rvs(40000, random_state=1)
    assert critical_value(t, CL_2SIGMA) == pytest.approx(4.0, abs=0.15)
    half = np.where(np.random.default_rng(2).random(t.size) < 0.5, 0.0, t)
    assert critical_value(half, CL_2SIGMA) == pytest.approx(chi2.ppf(2 * CL_2SIGMA - 1, 1), abs=0.12)
    with pytest.raises(ValueError, match="confidence level"):
        critical_value(t, 1.5)


def test_coverage_interval_is_clopper_pearson():
    t = np.r_[np.zeros(90), np.full(10, 9.0)]
    frac, lo, hi = coverage(t, 4.0, cl=0.95)
    ci = binomtest(90, 100).proportion_ci(0.95, method="exact")
    assert (frac, lo, hi) == pytest.approx((0.9, ci.low, ci.high), abs=1e-9)


@pytest.fixture(scope="module")
def scan():
    return MediatorScan("universal", ["coherent_csi_2021"])


def test_each_toy_finds_its_global_minimum(scan):
    """t from the toy search equals a brute-force profile on a 0.05 grid over the whole log10 g range
    (the strip included) within 0.05, for toys at the Wilks limit at 10 MeV."""
    mass = 10.0
    g_w = chi2_upper(scan.slice(mass), CL_2SIGMA)["coupling_upper"]
    t = toy_delta_chi2(scan, mass, g_w, 4, seed=3)
    assert np.all(np.isfinite(t)) and np.all(t >= 0)
    toys = prior_predictive_toys(scan.built, {scan.coupling_rv: math.log10(g_w), scan.mass_rv: 1.0}, 4, 3)
    original = {k: v.get_value().copy() for k, v in scan.obj.data.items()}
    grid = np.arange(LOG10_G_RANGE[0], LOG10_G_RANGE[1] + 1e-9, 0.05)
    try:
        for i in range(4):
            scan.obj.set_data({k: v[i] for k, v in toys.items()})
            at, xn, _ = scan.profile(math.log10(g_w), 1.0)
            best = at
            for lg in grid:
                c, xn, _ = scan.profile(float(lg), 1.0, xn, polish=False)
                best = min(best, c)
            assert t[i] == pytest.approx(at - best, abs=0.05)
    finally:
        scan.obj.set_data(original)


def test_neyman_limit_needs_toys_before_any_work():
    from bayes_cevns.api import limit
    with pytest.raises(ValueError, match="at least 20 toys"):
        limit("universal", 10.0, ["coherent_csi_2021"], method="neyman", toys=5)
