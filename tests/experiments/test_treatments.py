"""Paper treatments of the COHERENT releases ([LM] Eqs. 6-9, [LAR]) against independent NumPy chi^2."""

import numpy as np
import pytest
from scipy.stats import norm

from bayes_cevns.experiments import load_experiment, with_options
from bayes_cevns.experiments.coherent_ar_2020 import LAR_COUNT_SIGMA
from bayes_cevns.experiments.treatments import Treatment, apply_treatment
from bayes_cevns.inference.objective import objective
from bayes_cevns.model.build import build_model
from bayes_cevns.model.cards import load_card
from bayes_cevns.model.forward import prediction_function

CSI, AR = "coherent_csi_2021", "coherent_ar_2020"


@pytest.fixture(scope="module")
def csi_lm():
    return load_experiment(CSI, treatment="lm2022")


@pytest.fixture(scope="module")
def ar_lm():
    return load_experiment(AR, treatment="lm2022")


def test_lm2022_csi_nuisances_are_those_of_lm_eq6(csi_lm):
    assert list(csi_lm.nuisances) == ["csi_cevns_norm"]
    assert csi_lm.nuisances["csi_cevns_norm"].sigma == pytest.approx(0.12)
    sig = {k: (b.norm_sigma, b.aux_count) for k, b in csi_lm.backgrounds.items()}
    assert sig == {"brn": (0.25, None), "nin": (0.35, None), "ss": (0.021, None)}
    assert csi_lm.likelihood == "poisson"
    assert csi_lm.shape == (9, 11)


def test_lm2022_ar_keeps_the_shape_systematics_of_lm_eq9(ar_lm):
    assert set(ar_lm.nuisances) == {"ar_cevns_norm", "ar_onset", "ar_brn_energy", "ar_brn_tmean", "ar_brn_twidth"}
    assert ar_lm.nuisances["ar_cevns_norm"].sigma == pytest.approx(0.13)
    assert {k: b.norm_sigma for k, b in ar_lm.backgrounds.items()} == {"ss": 0.0079, "brn_prompt": 0.32,
                                                                      "brn_delayed": 1.0}
    assert ar_lm.likelihood == "gauss_chi2" and ar_lm.shape == (12, 10)
    assert not ar_lm.energy_response.up  # quenching folded into the 13%
    assert ar_lm.time_table.nuisance == "ar_onset"


def test_lar2021_sigma_is_the_count_width_of_lar_eq11():
    """[LAR] Eq. 11: sin^2 theta_W = 0.258 (-0.050 +0.048) at 90% about COHERENT's 159 events, with
    tree-level Q_W = N/2 - (1/2 - 2 s^2) Z for Ar-40, is one Gaussian count of sigma 30.1."""
    def q(s2):
        return 22 / 2 - (0.5 - 2 * s2) * 18

    lo, hi = (159.0 * (q(s) / q(0.258)) ** 2 for s in (0.258 - 0.050, 0.258 + 0.048))
    assert LAR_COUNT_SIGMA == pytest.approx((hi - lo) / 2 / norm.ppf(0.95), abs=0.05)


def test_lar2021_is_one_count_at_every_arrival_time():
    """The expectation is the Ar CEvNS count without the time window (133.0 at the SM card's
    defaults, docs/validation.md), above the 119.2 of the analysis window."""
    e = load_experiment(AR, treatment="lar2021")
    assert e.shape == (1, 1) and e.observed[0, 0] == 159.0 and not e.nuisances and not e.backgrounds
    assert e.chi2_variance[0, 0] == pytest.approx(LAR_COUNT_SIGMA ** 2)
    card = load_card("sm")
    one = prediction_function(card, e)(card.values())["cevns"][0, 0]
    window = prediction_function(card, load_experiment(AR))(card.values())["cevns"].sum()
    assert one == pytest.approx(133.0, abs=0.1) and window == pytest.approx(119.2, abs=0.1)


def _scale_chi2(exp, scales):
    """chi^2 of the package at nuisances nominal, for each CEvNS scale."""
    obj = objective(build_model("sm_scaled", [exp]))
    scale = f"cevns_scale_{exp.prefix}"
    # every nuisance at its nominal value: the experiment's own at their means, background norms at 1
    x0 = {n: exp.nuisances[n].mu if n in exp.nuisances else 1.0 for n in obj.names if n != scale}
    return np.array([obj.fun(np.array([s if n == scale else x0[n] for n in obj.names])) for s in scales])


def _nominal_parts(exp):
    """(CEvNS, background) expected counts per bin at nominal nuisances (the SM card)."""
    card = load_card("sm")
    comps = prediction_function(card, exp)(card.values())
    bkg = sum(np.asarray(v) for k, v in comps.items() if k != "cevns" and not k.startswith("_"))
    return np.asarray(comps["cevns"]), bkg


def test_lm2022_csi_delta_chi2_is_baker_cousins(csi_lm):
    """Delta chi^2 between two CEvNS scales = the Baker-Cousins difference of [LM] Eq. 6 (NumPy)."""
    s, b = _nominal_parts(csi_lm)
    n = csi_lm.observed

    def bc(mu):
        return 2.0 * np.sum(mu - n + np.where(n > 0, n * np.log(np.where(n > 0, n, 1.0) / mu), 0.0))

    ref = bc(1.3 * s + b) - bc(s + b)
    got = np.diff(_scale_chi2(csi_lm, [1.0, 1.3]))[0]
    assert got == pytest.approx(ref, rel=1e-6)


def test_lm2022_ar_delta_chi2_is_lm_eq7_eq8(ar_lm):
    """Gaussian chi^2 with sigma^2 = N_exp + N_SS / 5 ([LM] Eq. 8), from the release's numbers."""
    s, b = _nominal_parts(ar_lm)
    n = ar_lm.observed
    var = np.maximum(n + ar_lm.backgrounds["ss"].template.nominal / 5.0, 1.0)
    ref = np.sum((n - 1.3 * s - b) ** 2 / var) - np.sum((n - s - b) ** 2 / var)
    got = np.diff(_scale_chi2(ar_lm, [1.0, 1.3]))[0]
    assert got == pytest.approx(ref, rel=1e-6)


def test_treatment_keeps_the_nominal_prediction(csi_lm):
    full = load_experiment(CSI)
    assert np.array_equal(csi_lm.observed, full.observed)
    np.testing.assert_allclose(csi_lm.time_table.at(0.0), full.time_table.at(0.0))
    np.testing.assert_allclose(csi_lm.energy_response.nominal, full.energy_response.nominal)


def test_energy_only_sums_the_time_bins():
    full = apply_treatment(load_experiment(AR), Treatment("x", "test", "gauss_chi2", 0.13))
    e = apply_treatment(load_experiment(AR), Treatment("x", "test", "gauss_chi2", 0.13, energy_only=True))
    assert e.shape == (12, 1)
    np.testing.assert_allclose(e.observed[:, 0], full.observed.sum(axis=1))
    np.testing.assert_allclose(e.time_table.at(0.0).sum(), full.time_table.at(0.0).sum())


def test_unknown_treatment_is_one_line_before_building():
    with pytest.raises(ValueError, match=r"unknown treatment 'lm2021'; choose one of \['full', 'lm2022'"):
        load_experiment(CSI, treatment="lm2021")
    (e,) = with_options([AR], {"treatment": "lm2022"})
    assert e.nuisances["ar_cevns_norm"].sigma == 0.13


def test_histogram_steady_state_is_the_ac_events_per_bin():
    e = load_experiment(CSI, ss_model="histogram")
    ss = e.backgrounds["ss"]
    assert ss.template.nominal.sum() == ss.aux_count
    assert np.allclose(ss.template.nominal, np.round(ss.template.nominal))
