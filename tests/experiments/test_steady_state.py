"""Smooth steady-state template from the CsI anti-coincidence sample (experiments/steady_state.py)."""

import numpy as np
import pytest
from scipy.stats import chi2 as chi2_dist

from bayes_cevns.experiments.coherent_csi_2021 import PE_EDGES, TIME_EDGES, load, time_efficiency
from bayes_cevns.experiments.data import load_table
from bayes_cevns.experiments.steady_state import SteadyState
from bayes_cevns.model.build import build_model
from bayes_cevns.inference.profile import minimise, objective

FINE_PE = np.arange(0.0, 60.001, 2.0)
FINE_T = np.arange(0.0, 6.0001, 0.25)


@pytest.fixture(scope="module")
def ac():
    return load_table("coherent_csi_2021", "dataBeamOnAC.txt", 2)


@pytest.fixture(scope="module")
def ss(ac):
    return SteadyState.fit(ac, (0.0, 60.0), (0.0, 6.0), time_efficiency)


def _pearson(observed: np.ndarray, expected: np.ndarray) -> tuple[float, int]:
    ok = expected > 1.0
    return float(np.sum((observed[ok] - expected[ok]) ** 2 / expected[ok])), int(ok.sum())


def test_template_normalisation(ss):
    assert ss.n_events == 1295  # the release's AC events in PE < 60, 0 <= t < 6 us
    assert ss.template(PE_EDGES, TIME_EDGES).sum() == pytest.approx(1295.0, rel=1e-9)
    assert ss.template(FINE_PE, FINE_T).sum() == pytest.approx(1295.0, rel=1e-9)
    half = ss.template(FINE_PE[:16], FINE_T)  # 0-30 PE only
    assert 0.3 < half.sum() / 1295.0 < 0.7


def test_energy_shape_describes_the_ac_spectrum(ss, ac):
    """Pearson chi^2 of the AC energy histogram (2-PE bins) against the fitted shape: p > 0.01."""
    inside = (ac[:, 0] < 60) & (ac[:, 1] >= 0) & (ac[:, 1] < 6)
    h, _ = np.histogram(ac[inside, 0], FINE_PE)
    x2, n = _pearson(h, ss.n_events * ss.energy_fractions(FINE_PE))
    assert chi2_dist.sf(x2, n - 5) > 0.01, (x2, n)


def test_time_shape_is_uniform_times_efficiency(ss, ac):
    """The AC arrival times follow uniform x time efficiency (p > 0.01), which falls 24% by 6 us."""
    inside = (ac[:, 0] < 60) & (ac[:, 1] >= 0) & (ac[:, 1] < 6)
    h, _ = np.histogram(ac[inside, 1], FINE_T)
    frac = ss.time_fractions(FINE_T)
    x2, n = _pearson(h, ss.n_events * frac)
    assert chi2_dist.sf(x2, n - 1) > 0.01, (x2, n)
    assert frac[-1] / frac[0] == pytest.approx(float(time_efficiency(np.array([5.875]))[0]), rel=0.02)


def test_fit_needs_events():
    with pytest.raises(ValueError, match="at least 20"):
        SteadyState.fit(np.array([[10.0, 1.0]] * 5), (0.0, 60.0), (0.0, 6.0), time_efficiency)
    with pytest.raises(ValueError, match="unknown ss_model"):
        load(ss_model="binned")


def _fitted_count(exp) -> float:
    ob = objective(build_model("sm_scaled", [exp]), derived=["cevns_csi"])
    fit = minimise(ob)
    return ob.derived["cevns_csi"](np.array([fit.values[n] for n in ob.names]))[0]


def test_smooth_template_makes_the_fit_binning_stable():
    """MLE CEvNS count, [LM]'s 9 x 11 bins vs 2 PE x 0.25 us: with the smooth template the two agree
    within 5 events (toys drawn from the model give a spread of ~6.5); the factorised AC template
    moves the count by ~22 events, because it freezes the AC sample's noise."""
    smooth = [_fitted_count(load(PE_EDGES, TIME_EDGES)), _fitted_count(load(FINE_PE, FINE_T))]
    assert abs(smooth[1] - smooth[0]) < 5.0, smooth
    fact = [_fitted_count(load(PE_EDGES, TIME_EDGES, ss_model="factorised")),
            _fitted_count(load(FINE_PE, FINE_T, ss_model="factorised"))]
    assert fact[1] - fact[0] > 15.0, fact
