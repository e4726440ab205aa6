"""Cramér–Rao bound on a fitted count (inference/fisher.py), and what it says about CsI 2021."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from bayes_cevns.model.cards import load_card
from bayes_cevns.experiments.coherent_csi_2021 import load
from bayes_cevns.inference.fisher import count_width_bound
from bayes_cevns.model.forward import prediction_function


def test_bound_equals_asimov_profile_width_on_a_toy():
    """Independent check: the Delta(-2 ln L) = 1 half-width of the Asimov Poisson likelihood in the
    signal scale, found numerically, equals the Fisher bound (large counts: quadratic)."""
    rng = np.random.default_rng(0)
    s = rng.uniform(50, 400, 20)
    b = rng.uniform(200, 2000, 20)
    n = s + b

    def m2lnl(k):  # -2 ln L of Poisson counts n, up to a k-independent constant
        return 2 * np.sum(k * s + b - n * np.log(k * s + b))

    best = minimize_scalar(m2lnl, bounds=(0.5, 1.5), method="bounded", options={"xatol": 1e-10}).x
    lo = minimize_scalar(lambda k: (m2lnl(k) - m2lnl(best) - 1) ** 2, bounds=(0.5, best), method="bounded",
                         options={"xatol": 1e-10}).x
    hi = minimize_scalar(lambda k: (m2lnl(k) - m2lnl(best) - 1) ** 2, bounds=(best, 1.5), method="bounded",
                         options={"xatol": 1e-10}).x
    width = 0.5 * (hi - lo) * s.sum()
    assert best == pytest.approx(1.0, abs=1e-6)
    assert count_width_bound(s, b) == pytest.approx(width, rel=0.01)


def test_background_free_limit_is_sqrt_n():
    s = np.array([10.0, 40.0, 50.0])
    assert count_width_bound(s, np.zeros(3)) == pytest.approx(10.0)
    assert count_width_bound(s, np.zeros(3), n_signal=400.0) == pytest.approx(20.0)


@pytest.mark.parametrize("signal, background", [
    (np.ones(3), np.ones(4)), (np.array([1.0, -1.0]), np.ones(2)), (np.array([1.0, np.nan]), np.ones(2))])
def test_bad_input_raises(signal, background):
    with pytest.raises(ValueError):
        count_width_bound(signal, background)


@pytest.mark.parametrize("pe_step, t_step", [(None, None), (4.0, 0.25), (1.0, 0.0625)])
def test_csi_released_data_cannot_give_306_pm_20(pe_step, t_step):
    """CsI 2021 in PE x time, every background fixed at its prediction (SS from the 1295 AC events):
    the smallest possible 1-sigma width of a fitted count of 306 is 29.7-30.0 events in the default
    9 x 11 binning and down to 1 PE x 62.5 ns bins. COHERENT's +-20 (and the issue's 25% tolerance,
    <= 25) lies below it, so no Poisson fit of the released (PE, t) data can reproduce it."""
    exp = load() if pe_step is None else load(np.arange(0, 60.001, pe_step), np.arange(0, 6.0001, t_step))
    card = load_card("sm")
    arr = prediction_function(card, exp)(card.values({}))
    bkg = arr["ss"] + arr["brn"] + arr["nin"]
    assert arr["ss"].sum() == pytest.approx(1295.0, rel=1e-9)
    width = count_width_bound(arr["cevns"], bkg, n_signal=306.0)
    assert 28.0 < width < 31.0
    assert width > 20.0 * 1.25
