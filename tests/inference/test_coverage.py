"""Coverage of the profile-likelihood interval on toy experiments (fast version; the full one is
``python analyses/toy_coverage.py``)."""

import pytest

from bayes_cevns.inference.coverage import toy_coverage


@pytest.mark.slow
def test_csi_scale_coverage_on_prior_predictive_toys():
    """40 prior-predictive toys of CsI at cevns_scale = 1: the 68.27% MINOS interval covers the truth
    in 45-90% of them (binomial 2-sigma band around 68% for 40 toys is about 53-83%), and the best
    fit is unbiased to within 0.1 (its toy-to-toy spread is ~0.18)."""
    res = toy_coverage("sm_scaled", "coherent_csi_2021", "cevns_scale_csi", 1.0, n_toys=40, seed=3)
    assert 0.45 <= res["coverage"] <= 0.90, res
    assert abs(res["mean_best_fit"] - 1.0) < 0.1, res
    assert 0.08 < res["sd_best_fit"] < 0.35, res
