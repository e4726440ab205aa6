"""Expected counts, Asimov chi^2 and sensitivities for the projected experiments ([E6LR] Sec. 4).

Counts are a PyTensor graph of the card parameters (compiled once per card and experiment), so
the chi^2 used here and the PyMC model of :func:`bayesian_model` are the same forward model.

chi^2 forms of [E6LR], each minimised over its nuisances in closed form:

* Eq. 21 (COHERENT CsI 2017 data): chi^2 = min_{a,b} (N_meas - (1+a) N - (1+b) B_0n)^2 / s^2
  + (a/sigma_a)^2 + (b/sigma_b)^2, s^2 = N_meas + 2 B_ss + B_0n. A quadratic form in (a, b): its
  minimum is r^2 / (s^2 + sigma_a^2 N^2 + sigma_b^2 B_0n^2) with r = N_meas - N - B_0n.
* Eq. 22 (projections, one nuisance): chi^2 = min_a (N_SM - (1+a) N)^2 / s^2 + (a/sigma)^2 with
  s^2 = N_SM + B (B the flat steady-state background): (N_SM - N)^2 / (s^2 + sigma^2 N^2).
* Eq. 23 (binned nu-e, 51Cr): chi^2 = min_a sum_i (N_i^SM - (1+a) N_i)^2 / N_i^SM + (a/sigma)^2,
  minimised over a analytically.

Marginalising the same Gaussian nuisances instead of minimising gives the Bayesian likelihood:
exp(-chi^2/2) / sqrt(det), used by :func:`bayes_mass_lower` on a grid in 1/M^2 and checked
against NUTS on the explicit PyMC model in the tests.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from scipy.optimize import brentq

from bayes_cevns.model.cards import ModelCard, load_card
from bayes_cevns.experiments.projected import Projection, load_projection
from bayes_cevns.inference.limits import delta_chi2_threshold
from bayes_cevns.physics import nu_electron
from bayes_cevns.physics.contributions import weak_charge_sq

HEAVY_MASS = "m_zprime_gev"
#: mass grid (GeV) on which heavy-Z' sensitivities are bracketed before root finding
HEAVY_GRID_GEV = np.geomspace(1.0, 1e5, 121)


def counts_graph(card: ModelCard, proj: Projection, params: Mapping):
    """Expected counts per analysis bin as a PyTensor vector (module docstring of projected)."""
    total = pt.zeros(len(proj.bin_edges_kev) - 1)
    for block in proj.cevns:
        q2 = weak_charge_sq(card.physics, params, block.kinematics, card.options)
        total = total + pt.sum(pt.as_tensor_variable(block.weights) * q2)
    for block in proj.nue:
        g_l, g_r = nu_electron.couplings(card.physics, params, block.species, block.t, card.options)
        g_l = g_l * pt.ones(block.t.shape)
        g_r = g_r * pt.ones(block.t.shape)
        total = total + (pt.dot(block.wa, pt.sqr(g_l)) + pt.dot(block.wb, pt.sqr(g_r))
                         - pt.dot(block.wc, g_l * g_r))
    return total


class Counter:
    """Compiled counts(values) for one card and projected experiment; ``values`` override card defaults."""

    def __init__(self, card: ModelCard | str, experiment: str | Projection):
        self.card = load_card(card) if isinstance(card, str) else card
        self.proj = load_projection(experiment) if isinstance(experiment, str) else experiment
        self.names = tuple(self.card.parameters)
        inputs = {n: pt.dscalar(n) for n in self.names}
        self._fn = pytensor.function(list(inputs.values()), counts_graph(self.card, self.proj, inputs),
                                   on_unused_input="ignore")

    def __call__(self, values: Mapping[str, float] | None = None) -> np.ndarray:
        v = self.card.values(dict(values or {}))
        return np.asarray(self._fn(*(v[n] for n in self.names)), dtype=float)

    def sm(self) -> np.ndarray:
        """Counts with every new-physics coupling switched off (the Asimov data set)."""
        return self(sm_values(self.card))


def sm_values(card: ModelCard) -> dict[str, float]:
    """Card values that reduce the model to the SM: couplings zero, heavy masses at infinity.

    Card bounds are open intervals, so a coupling bounded below by zero is set to 1e-30.
    """
    out = {}
    for name, p in card.parameters.items():
        if name == HEAVY_MASS:
            out[name] = min(p.bounds[1] * 0.999, 1e12)
        elif name == "g" or name.startswith(("eps_", "mu_nu", "r2_nu")):
            out[name] = 0.0 if p.bounds[0] < 0.0 else p.bounds[0] + 1e-30
    return out


@dataclass(frozen=True)
class Chi2Data:
    """What a chi^2 form needs besides the prediction: data, errors and nuisance widths."""

    form: str
    observed: np.ndarray
    variance: np.ndarray
    sys: float
    background: float = 0.0
    sys_background: float = 0.0


def chi2_data(proj: Projection, sm_counts: np.ndarray, sys: float | None = None,
              exposure_scale: float = 1.0) -> Chi2Data:
    """The Asimov (or, for Eq. 21, the measured) data set of an experiment with its errors."""
    s = proj.setup
    sigma = s.sys if sys is None else float(sys)
    if not np.isfinite(sigma) or sigma < 0 or not np.isfinite(exposure_scale) or exposure_scale <= 0:
        raise ValueError("sys must be >= 0 and exposure_scale > 0")
    if s.chi2 == "eq21":
        x = s.extra
        var = x["observed"] + 2.0 * x["bkg_steady_state"] + x["bkg_prompt_neutron"]
        return Chi2Data("eq21", np.array([x["observed"]]), np.array([var]), sigma,
                        x["bkg_prompt_neutron"], x["sys_background"])
    n = sm_counts * exposure_scale
    bkg = s.background_fraction * n
    return Chi2Data(s.chi2, n, n + bkg, sigma)


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


def _delta_chi2_fn(counter: Counter, sys: float | None, exposure_scale: float, fixed: Mapping[str, float]):
    base = dict(fixed)
    sm = counter(base | sm_values(counter.card))
    data = chi2_data(counter.proj, sm, sys, exposure_scale)
    chi0 = chi2(data, sm, exposure_scale)

    def dchi2(values: Mapping[str, float]) -> float:
        return chi2(data, counter(base | dict(values)), exposure_scale) - chi0

    return data, dchi2


def mass_lower_bound(card: ModelCard | str, experiment: str, cl: float = 0.90, sys: float | None = None,
                     exposure_scale: float = 1.0, fixed: Mapping[str, float] | None = None) -> float | None:
    """Expected lower bound on M_Z' (GeV) for a heavy-Z' card: the largest M with Delta chi^2 = threshold.

    Delta chi^2 is taken against the SM (the Asimov data, or for Eq. 21 the SM fit to the data),
    one degree of freedom. Returns None when no mass on ``HEAVY_GRID_GEV`` is excluded (no
    sensitivity, e.g. the E6 psi boson in CEvNS).
    """
    counter = card if isinstance(card, Counter) else Counter(card, experiment)
    if HEAVY_MASS not in counter.card.parameters:
        raise ValueError(f"model {counter.card.name!r} has no {HEAVY_MASS}: use coupling_upper_bound")
    thr = delta_chi2_threshold(cl, 1)
    _, dchi2 = _delta_chi2_fn(counter, sys, exposure_scale, fixed or {})
    grid = HEAVY_GRID_GEV
    vals = np.array([dchi2({HEAVY_MASS: m}) for m in grid])
    above = np.nonzero(vals >= thr)[0]
    if above.size == 0:
        return None
    i = above[-1]
    if i == grid.size - 1:
        return float(grid[-1])
    f = lambda lm: dchi2({HEAVY_MASS: 10.0**lm}) - thr  # noqa: E731
    return float(10.0 ** brentq(f, np.log10(grid[i]), np.log10(grid[i + 1]), xtol=1e-6))


def coupling_upper_bound(card: ModelCard | str, experiment: str, mass_mev: float, cl: float = 0.90,
                         sys: float | None = None, exposure_scale: float = 1.0,
                         log10_g: tuple[float, float] = (-9.0, -0.5)) -> float | None:
    """Expected upper bound on the coupling g of a light-mediator card at mediator mass ``mass_mev``.

    The smallest g with Delta chi^2 = threshold scanning upward from g -> 0 (the excluded
    boundary nearest the SM); None when nothing in the ``log10_g`` range is excluded.
    """
    counter = card if isinstance(card, Counter) else Counter(card, experiment)
    if "g" not in counter.card.parameters or "m_med" not in counter.card.parameters:
        raise ValueError(f"model {counter.card.name!r} is not a light-mediator card (needs g and m_med)")
    thr = delta_chi2_threshold(cl, 1)
    _, dchi2 = _delta_chi2_fn(counter, sys, exposure_scale, {"m_med": mass_mev})
    grid = np.linspace(*log10_g, 181)
    vals = np.array([dchi2({"g": 10.0**x}) for x in grid])
    above = np.nonzero(vals >= thr)[0]
    if above.size == 0:
        return None
    i = above[0]
    if i == 0:
        return float(10.0 ** grid[0])
    return float(10.0 ** brentq(lambda x: dchi2({"g": 10.0**x}) - thr, grid[i - 1], grid[i], xtol=1e-8))


def bayes_mass_lower(card: ModelCard | str, experiment: str, cl: float = 0.90, sys: float | None = None,
                     exposure_scale: float = 1.0, m_min_gev: float = 10.0, n_grid: int = 4000) -> float:
    """Bayesian lower bound on M_Z': posterior quantile with a uniform prior on x = (1 TeV / M)^2.

    x is proportional to the contact coupling eps ~ 1/M^2, so the prior is flat in the size of
    the new-physics amplitude, on [0, (1 TeV / m_min)^2]; nuisances are marginalised
    analytically (:func:`log_marginal`). Returns M at which P(M < bound) = 1 - cl.
    """
    counter = card if isinstance(card, Counter) else Counter(card, experiment)
    data = chi2_data(counter.proj, counter.sm(), sys, exposure_scale)
    x = np.linspace(0.0, (1e3 / m_min_gev) ** 2, n_grid)
    masses = 1e3 / np.sqrt(np.where(x > 0, x, np.nan))
    logl = np.array([log_marginal(data, counter({HEAVY_MASS: m} if np.isfinite(m) else sm_values(counter.card)),
                                  exposure_scale) for m in masses])
    post = np.exp(logl - logl.max())
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (post[1:] + post[:-1]) * np.diff(x))])
    cdf /= cdf[-1]
    x_cl = float(np.interp(cl, cdf, x))
    return 1e3 / np.sqrt(x_cl)


def bayesian_model(card: ModelCard | str, experiment: str, sys: float | None = None, m_min_gev: float = 10.0,
                   exposure_scale: float = 1.0) -> pm.Model:
    """Explicit PyMC model of a heavy-Z' setup with the nuisances of its [E6LR] chi^2 form.

    x = (1 TeV/M)^2 ~ U(0, (1 TeV/m_min)^2); signal nuisance a ~ N(0, sys); Eq. 21 adds the
    background nuisance b ~ N(0, sigma_b). Data: Eq. 21 the measured count, Normal with
    s^2 = N_meas + 2 B_ss + B_0n; Eq. 22 the Asimov total, s^2 = N_SM + B; Eq. 23 the Asimov bins,
    s_i^2 = N_i^SM. Same forward graph as the chi^2.
    """
    counter = card if isinstance(card, Counter) else Counter(card, experiment)
    if HEAVY_MASS not in counter.card.parameters:
        raise ValueError(f"model {counter.card.name!r} has no {HEAVY_MASS}")
    data = chi2_data(counter.proj, counter.sm(), sys, exposure_scale)
    v = counter.card.values()
    with pm.Model() as model:
        x = pm.Uniform("x", 0.0, (1e3 / m_min_gev) ** 2)
        mass = pm.Deterministic(HEAVY_MASS, 1e3 / pt.sqrt(x))
        a = pm.Normal("a", 0.0, data.sys) if data.sys > 0 else 0.0
        params = {k: pt.as_tensor_variable(val) for k, val in v.items()} | {HEAVY_MASS: mass}
        n = counts_graph(counter.card, counter.proj, params) * exposure_scale
        sd = np.sqrt(data.variance)
        if data.form == "eq21":
            b = pm.Normal("b", 0.0, data.sys_background)
            mu = (1.0 + a) * pt.sum(n) + (1.0 + b) * data.background
            pm.Normal("n_obs", mu=mu, sigma=sd[0], observed=data.observed[0])
        elif data.form == "eq22":
            pm.Normal("n_obs", mu=(1.0 + a) * pt.sum(n), sigma=np.sqrt(data.variance.sum()),
                      observed=data.observed.sum())
        else:
            pm.Normal("n_obs", mu=(1.0 + a) * n, sigma=sd, observed=data.observed)
    return model
