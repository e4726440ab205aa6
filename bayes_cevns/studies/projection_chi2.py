"""The chi^2 forms of [E6LR] for projected experiments, each minimised over its nuisances in closed form.

* Eq. 21 (COHERENT CsI 2017 data): chi^2 = min_{a,b} (N_meas - (1+a) N - (1+b) B_0n)^2 / s^2
  + (a/sigma_a)^2 + (b/sigma_b)^2, s^2 = N_meas + 2 B_ss + B_0n. A quadratic form in (a, b): its
  minimum is r^2 / (s^2 + sigma_a^2 N^2 + sigma_b^2 B_0n^2) with r = N_meas - N - B_0n.
* Eq. 22 (projections, one nuisance): chi^2 = min_a (N_SM - (1+a) N)^2 / s^2 + (a/sigma)^2 with
  s^2 = N_SM + B (B the flat steady-state background): (N_SM - N)^2 / (s^2 + sigma^2 N^2).
* Eq. 23 (binned nu-e, 51Cr): chi^2 = min_a sum_i (N_i^SM - (1+a) N_i)^2 / N_i^SM + (a/sigma)^2,
  minimised over a analytically: a* = sum_i w_i N_i r_i / (sum_i w_i N_i^2 + 1/sigma^2), w_i = 1/N_i^SM.

Marginalising the same Gaussian nuisances instead of minimising gives the Bayesian likelihood
exp(-chi^2/2) / sqrt(det) (:func:`log_marginal`). The predicted counts N are those of the forward
model (:class:`bayes_cevns.studies.projection.Counter`); this module only holds the statistics.
"""

from dataclasses import dataclass

import numpy as np

from bayes_cevns.experiments.projected_setups import Setup


@dataclass(frozen=True)
class Chi2Data:
    """What a chi^2 form needs besides the prediction: data, errors and nuisance widths."""

    form: str
    observed: np.ndarray
    variance: np.ndarray
    sys: float
    background: float = 0.0
    sys_background: float = 0.0


def chi2_data(setup: Setup, sm_counts: np.ndarray, sys: float | None = None,
              exposure_scale: float = 1.0) -> Chi2Data:
    """The Asimov data set (``sm_counts`` x ``exposure_scale``, or for Eq. 21 the measured count)
    of a setup row with its errors; ``sys`` overrides the row's nuisance width."""
    sigma = setup.sys if sys is None else float(sys)
    if not np.isfinite(sigma) or sigma < 0 or not np.isfinite(exposure_scale) or exposure_scale <= 0:
        raise ValueError("sys must be >= 0 and exposure_scale > 0")
    if setup.chi2 == "eq21":
        x = setup.extra
        var = x["observed"] + 2.0 * x["bkg_steady_state"] + x["bkg_prompt_neutron"]
        return Chi2Data("eq21", np.array([x["observed"]]), np.array([var]), sigma,
                        x["bkg_prompt_neutron"], x["sys_background"])
    n = sm_counts * exposure_scale
    bkg = setup.background_fraction * n
    return Chi2Data(setup.chi2, n, n + bkg, sigma)


def _total_variance(data: Chi2Data, n: np.ndarray) -> float:
    """Statistical plus nuisance variance of the one-number forms (Eqs. 21 and 22)."""
    if data.form == "eq21":
        return data.variance[0] + (data.sys * n.sum()) ** 2 + (data.sys_background * data.background) ** 2
    return data.variance.sum() + (data.sys * n.sum()) ** 2


def chi2(data: Chi2Data, counts: np.ndarray, exposure_scale: float = 1.0) -> float:
    """The [E6LR] chi^2 (Eqs. 21-23) of predicted ``counts``, nuisances minimised (module docstring)."""
    n = np.asarray(counts, dtype=float) * exposure_scale
    if not np.all(np.isfinite(n)):
        raise ValueError("predicted counts are not finite")
    if data.form in ("eq21", "eq22"):
        r = data.observed.sum() - n.sum() - data.background
        return float(r**2 / _total_variance(data, n))
    w = 1.0 / data.variance
    r = data.observed - n
    if data.sys == 0:
        return float(np.sum(w * r**2))
    a = np.sum(w * n * r) / (np.sum(w * n**2) + 1.0 / data.sys**2)
    return float(np.sum(w * (r - a * n) ** 2) + (a / data.sys) ** 2)


def log_marginal(data: Chi2Data, counts: np.ndarray, exposure_scale: float = 1.0) -> float:
    """ln L with the Gaussian nuisances integrated out, up to a data-only constant."""
    n = np.asarray(counts, dtype=float) * exposure_scale
    if data.form in ("eq21", "eq22"):
        log_det = np.log(_total_variance(data, n))
    else:
        log_det = np.log1p(data.sys**2 * np.sum(1.0 / data.variance * n**2))
    return -0.5 * chi2(data, counts, exposure_scale) - 0.5 * log_det
