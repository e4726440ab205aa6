"""Projected detectors as experiments: Asimov data, the [E6LR] chi^2 through the one forward model."""

import numpy as np
import pytest

import bayes_cevns
from bayes_cevns.experiments import available_experiments, load_experiment
from bayes_cevns.experiments.projected_setups import projection_setups
from bayes_cevns.inference.profile import minimise, objective
from bayes_cevns.model.cards import load_card
from bayes_cevns.model.predict import predicted_arrays


def _signal(card: str, experiment: str, values: dict) -> np.ndarray:
    comps = predicted_arrays(load_card(card), experiment, values)
    return sum(v for k, v in comps.items() if k in ("cevns", "nue")).reshape(-1)


def _chi2(card: str, experiment: str, values: dict) -> float:
    """Profile chi^2 (nuisances minimised with MIGRAD) at the card values."""
    built = bayes_cevns.build_model(card, [experiment], fixed=values)
    return minimise(objective(built)).chi2


def test_every_setup_row_is_a_projected_experiment():
    projected = set(available_experiments("projected"))
    assert projected == set(projection_setups())
    assert not projected & set(available_experiments("data"))
    exp = load_experiment("conus")
    assert exp.asimov and exp.likelihood == "gauss_chi2"
    assert exp.nuisances["conus_sys"].sigma == pytest.approx(projection_setups()["conus"].sys)


def test_eq22_delta_chi2_matches_the_closed_form():
    """[E6LR] Eq. 22 minimised over a: (N_SM - N)^2 / (N_SM (1 + f_B) + sigma^2 N^2), checked on a
    reactor (CONUS) projection with a 150 GeV left-right Z'."""
    s = projection_setups()["conus"]
    n_sm = _signal("left_right", "conus", load_card("left_right").sm_values()).sum()
    n = _signal("left_right", "conus", {"m_zprime_gev": 150.0}).sum()
    expected = (n_sm - n) ** 2 / (n_sm * (1.0 + s.background_fraction) + (s.sys * n) ** 2)
    got = _chi2("left_right", "conus", {"m_zprime_gev": 150.0}) - _chi2(
        "left_right", "conus", {"m_zprime_gev": 999000.0})
    assert expected > 1.0
    assert got == pytest.approx(expected, rel=1e-4)


def test_binned_nu_e_projection_matches_the_closed_form():
    """A binned nu-e projection (51Cr-LXe, configuration C) with a U(1)_R boson: one normalisation nuisance a shared
    by the bins, minimised analytically: a* = sum w n r / (sum w n^2 + 1/sigma^2)."""
    s = projection_setups()["cr51_lxe_c"]
    values = {"g": 3e-6, "m_med": 1.0}
    n_sm = _signal("u1r", "cr51_lxe_c", {"g": 1e-30, "m_med": 1.0})
    n = _signal("u1r", "cr51_lxe_c", values)
    w = 1.0 / (n_sm * (1.0 + s.background_fraction))
    r = n_sm - n
    if s.sys == 0:  # statistics only (the Eq. 23 default): no normalisation nuisance
        expected = np.sum(w * r**2)
    else:
        a = np.sum(w * n * r) / (np.sum(w * n**2) + 1.0 / s.sys**2)
        expected = np.sum(w * (r - a * n) ** 2) + (a / s.sys) ** 2
    got = _chi2("u1r", "cr51_lxe_c", values) - _chi2("u1r", "cr51_lxe_c", {"g": 1e-30, "m_med": 1.0})
    assert s.bins > 1 and expected > 0.5
    assert got == pytest.approx(expected, rel=1e-3)
