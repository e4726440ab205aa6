"""Expected counts and sensitivities of the projected experiments ([E6LR] Sec. 4).

Counts come from the one forward model, :func:`~bayes_cevns.model.forward.prediction_function`
and :func:`~bayes_cevns.model.forward.expected_components`, on the registered projected
Experiment (:mod:`bayes_cevns.experiments.projected_release`): the signal is its ``cevns`` and
``nue`` components at nominal nuisances. The nuisances of [E6LR]'s chi^2 forms (Eqs. 21-23) are
treated in closed form by :mod:`bayes_cevns.studies.projection_chi2`; :func:`projection_model` is
the same likelihood as an explicit PyMC model, with the nuisances sampled.

The scanned parameters are found by their declared roles (``role`` in the card): a heavy-Z'
card has one parameter of role ``mass`` and none of role ``coupling``; a light-mediator card
one of each. The SM (Asimov) point is :meth:`~bayes_cevns.model.cards.ModelCard.sm_values`.
"""

from collections.abc import Callable, Mapping
from functools import lru_cache

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy.optimize import brentq

from bayes_cevns.experiments import load_experiment
from bayes_cevns.experiments.projected_setups import Setup, get_setup
from bayes_cevns.inference.limits import delta_chi2_threshold
from bayes_cevns.model.cards import ModelCard, load_card
from bayes_cevns.model.forward import expected_components, prediction_function
from bayes_cevns.studies.projection_chi2 import chi2, chi2_data, log_marginal

#: the forward-model components that make the signal of a projected experiment
SIGNAL_COMPONENTS = ("cevns", "nue")
#: mass grid (GeV) on which heavy-Z' sensitivities are bracketed before root finding
HEAVY_GRID_GEV = np.geomspace(1.0, 1e5, 121)
METHODS = ("chi2", "bayes")


def _with_role(card: ModelCard, role: str) -> list[str]:
    return [n for n, p in card.parameters.items() if p.role == role]


def is_heavy_zprime(card: ModelCard) -> bool:
    """A heavy-Z' (contact) card: one parameter of role ``mass`` and none of role ``coupling``."""
    return len(_with_role(card, "mass")) == 1 and not _with_role(card, "coupling")


def heavy_mass(card: ModelCard) -> str:
    """The Z' mass parameter of a heavy-Z' card (:func:`is_heavy_zprime`)."""
    if not is_heavy_zprime(card):
        raise ValueError(f"model {card.name!r} is not a heavy-Z' card (one parameter of role 'mass', none of role "
                         "'coupling'): use coupling_upper_bound")
    return _with_role(card, "mass")[0]


def mediator_parameters(card: ModelCard) -> tuple[str, str]:
    """(coupling, mass) of a light-mediator card: its one parameter of each role."""
    coupling, mass = _with_role(card, "coupling"), _with_role(card, "mass")
    if len(coupling) != 1 or len(mass) != 1:
        raise ValueError(f"model {card.name!r} is not a light-mediator card (needs one parameter of role 'coupling' "
                         f"and one of role 'mass'; it has {coupling} and {mass})")
    return coupling[0], mass[0]


def _signal(components: Mapping):
    """Signal counts per analysis bin (NumPy or PyTensor): the sum of the ``SIGNAL_COMPONENTS``."""
    return sum(components[k] for k in SIGNAL_COMPONENTS if k in components).flatten()


class Counter:
    """Compiled signal counts of one card on one projected experiment, through the forward model.

    ``counter(values)``: counts at the card defaults with validated ``values`` overriding them;
    ``counter.sm(fixed)``: counts at the card's SM values (the Asimov data set).
    """

    def __init__(self, card: ModelCard | str, experiment: str):
        self.card = load_card(card) if isinstance(card, str) else card
        self.experiment = load_experiment(experiment)
        self.setup: Setup = get_setup(self.experiment.name)
        self._predict = prediction_function(self.card, self.experiment)

    def __call__(self, values: Mapping[str, float] | None = None) -> np.ndarray:
        return self._counts(self.card.values(dict(values or {})))

    def sm(self, fixed: Mapping[str, float] | None = None) -> np.ndarray:
        """Counts at :meth:`ModelCard.sm_values`; parameters without an SM value at ``fixed`` or their defaults."""
        fixed = dict(fixed or {})
        clash = sorted(k for k in fixed if self.card.parameter(k).sm_value is not None)
        if clash:
            raise ValueError(f"{clash} have an SM value and cannot be fixed for the SM prediction")
        checked = self.card.values(fixed)
        return self._counts(self.card.sm_values() | {k: checked[k] for k in fixed})

    def _counts(self, values: Mapping[str, float]) -> np.ndarray:
        return np.asarray(_signal(self._predict(values)), dtype=float)


@lru_cache(maxsize=64)
def _named_counter(card: str, experiment: str) -> Counter:
    return Counter(card, experiment)


def _counter(card: ModelCard | str | Counter, experiment: str) -> Counter:
    """A Counter for ``card`` on ``experiment``: the given one, or compiled once per card name."""
    if isinstance(card, Counter):
        if card.experiment.name != experiment:
            raise ValueError(f"the counter is for {card.experiment.name!r}, not {experiment!r}")
        return card
    return _named_counter(card, experiment) if isinstance(card, str) else Counter(card, experiment)


def projected_counts(card: ModelCard | str, experiment: str, values: Mapping[str, float] | None = None,
                     sm: bool = False) -> np.ndarray:
    """Expected signal counts per analysis bin of a projected experiment ([E6LR] Eqs. 16, 19):
    at the card defaults with ``values`` overriding them, or with ``sm=True`` at the card's SM
    values (the Asimov data set; ``values`` then sets parameters that have no SM value)."""
    counter = _counter(card, experiment)
    return counter.sm(values) if sm else counter(values)


def _delta_chi2_fn(counter: Counter, sys: float | None, exposure_scale: float, fixed: Mapping[str, float]):
    """Delta chi^2(values) against the SM, both at the ``fixed`` parameter values."""
    base = dict(fixed)
    sm = counter.sm(base)
    data = chi2_data(counter.setup, sm, sys, exposure_scale)
    chi0 = chi2(data, sm, exposure_scale)

    def dchi2(values: Mapping[str, float]) -> float:
        return chi2(data, counter(base | dict(values)), exposure_scale) - chi0

    return dchi2


def mass_lower_bound(card: ModelCard | str | Counter, experiment: str, cl: float = 0.90, sys: float | None = None,
                     exposure_scale: float = 1.0, fixed: Mapping[str, float] | None = None) -> float | None:
    """Expected lower bound on M_Z' (GeV) for a heavy-Z' card: the largest M with Delta chi^2 = threshold.

    Delta chi^2 is taken against the SM (the Asimov data, or for Eq. 21 the SM fit to the data),
    one degree of freedom. Returns None when no mass on ``HEAVY_GRID_GEV`` is excluded (no
    sensitivity, e.g. the E6 psi boson in CEvNS).
    """
    counter = _counter(card, experiment)
    mass = heavy_mass(counter.card)
    dchi2 = _delta_chi2_fn(counter, sys, exposure_scale, fixed or {})
    return largest_excluded_mass(lambda m: dchi2({mass: m}), delta_chi2_threshold(cl, 1))


def largest_excluded_mass(dchi2: Callable[[float], float], level: float,
                          grid: np.ndarray = HEAVY_GRID_GEV) -> float | None:
    """The largest M (GeV) with ``dchi2(M) >= level``: the last grid point above, then Brent between
    it and the next. None when no grid mass is excluded; the grid's top when all are."""
    vals = np.array([dchi2(m) for m in grid])
    above = np.nonzero(vals >= level)[0]
    if above.size == 0:
        return None
    i = above[-1]
    if i == grid.size - 1:
        return float(grid[-1])
    return float(10.0 ** brentq(lambda lm: dchi2(10.0**lm) - level, np.log10(grid[i]), np.log10(grid[i + 1]),
                                xtol=1e-6))


def coupling_upper_bound(card: ModelCard | str | Counter, experiment: str, mass_mev: float, cl: float = 0.90,
                         sys: float | None = None, exposure_scale: float = 1.0,
                         log10_g: tuple[float, float] = (-9.0, -0.5)) -> float | None:
    """Expected upper bound on the coupling of a light-mediator card at mediator mass ``mass_mev``.

    The smallest coupling with Delta chi^2 = threshold scanning upward from 0 (the excluded
    boundary nearest the SM); None when nothing in the ``log10_g`` range is excluded.
    """
    counter = _counter(card, experiment)
    coupling, mass = mediator_parameters(counter.card)
    thr = delta_chi2_threshold(cl, 1)
    dchi2 = _delta_chi2_fn(counter, sys, exposure_scale, {mass: mass_mev})
    grid = np.linspace(*log10_g, 181)
    vals = np.array([dchi2({coupling: 10.0**x}) for x in grid])
    above = np.nonzero(vals >= thr)[0]
    if above.size == 0:
        return None
    i = above[0]
    if i == 0:
        return float(10.0 ** grid[0])
    return float(10.0 ** brentq(lambda x: dchi2({coupling: 10.0**x}) - thr, grid[i - 1], grid[i], xtol=1e-8))


def bayes_mass_lower(card: ModelCard | str | Counter, experiment: str, cl: float = 0.90, sys: float | None = None,
                     exposure_scale: float = 1.0, m_min_gev: float = 10.0, n_grid: int = 4000) -> float:
    """Bayesian lower bound on M_Z': posterior quantile with a uniform prior on x = (1 TeV / M)^2.

    x is proportional to the contact coupling eps ~ 1/M^2, so the prior is flat in the size of
    the new-physics amplitude, on [0, (1 TeV / m_min)^2]; nuisances are marginalised
    analytically (:func:`~bayes_cevns.studies.projection_chi2.log_marginal`). Returns M at which
    P(M < bound) = 1 - cl.
    """
    counter = _counter(card, experiment)
    mass = heavy_mass(counter.card)
    sm = counter.sm()
    data = chi2_data(counter.setup, sm, sys, exposure_scale)
    x = np.linspace(0.0, (1e3 / m_min_gev) ** 2, n_grid)
    masses = 1e3 / np.sqrt(np.where(x > 0, x, np.nan))
    logl = np.array([log_marginal(data, counter({mass: m}) if np.isfinite(m) else sm, exposure_scale)
                     for m in masses])
    post = np.exp(logl - logl.max())
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (post[1:] + post[:-1]) * np.diff(x))])
    cdf /= cdf[-1]
    x_cl = float(np.interp(cl, cdf, x))
    return 1e3 / np.sqrt(x_cl)


def projection_model(card: ModelCard | str | Counter, experiment: str, sys: float | None = None,
                     m_min_gev: float = 10.0, exposure_scale: float = 1.0) -> pm.Model:
    """Explicit PyMC model of a heavy-Z' card on a projected experiment, with the nuisances of its
    [E6LR] chi^2 form sampled (the likelihood :func:`bayes_mass_lower` integrates on a grid).

    x = (1 TeV/M)^2 ~ U(0, (1 TeV/m_min)^2); signal nuisance a ~ N(0, sys); Eq. 21 adds the
    background nuisance b ~ N(0, sigma_b). Data: Eq. 21 the measured count, Normal with
    s^2 = N_meas + 2 B_ss + B_0n; Eq. 22 the Asimov total, s^2 = N_SM + B; Eq. 23 the Asimov bins,
    s_i^2 = N_i^SM. N are the forward model's counts (:func:`expected_components`), as in the chi^2.
    """
    counter = _counter(card, experiment)
    name = heavy_mass(counter.card)
    data = chi2_data(counter.setup, counter.sm(), sys, exposure_scale)
    with pm.Model() as model:
        x = pm.Uniform("x", 0.0, (1e3 / m_min_gev) ** 2)
        mass = pm.Deterministic(name, 1e3 / pt.sqrt(x))
        a = pm.Normal("a", 0.0, data.sys) if data.sys > 0 else 0.0
        params = {k: pt.as_tensor_variable(v) for k, v in counter.card.values().items()} | {name: mass}
        n = _signal(expected_components(counter.card, counter.experiment, params, {})) * exposure_scale
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


def sensitivity(card: ModelCard | str, experiment: str, cl: float = 0.90, sys: float | None = None,
                exposure_scale: float = 1.0, mass_mev: float | None = None,
                fixed: Mapping[str, float] | None = None, method: str = "chi2") -> dict:
    """Expected bound of a projected experiment on a card ([E6LR] Sec. 4, [U1R] Sec. 6).

    A heavy-Z' card (:func:`is_heavy_zprime`) gets the lower bound on its mass, ``mass_lower_gev``
    (:func:`mass_lower_bound`, the other parameters at ``fixed`` or their defaults; with
    ``method="bayes"`` :func:`bayes_mass_lower`); a light-mediator card the upper bound on its
    coupling at ``mass_mev`` (MeV), ``coupling_upper`` (:func:`coupling_upper_bound`). ``sys``
    overrides the setup's systematic, ``exposure_scale`` scales its luminosity. None: no sensitivity.
    """
    delta_chi2_threshold(cl)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    counter = _counter(card, experiment)
    model = counter.card
    fixed = dict(fixed or {})
    model.values(fixed)
    out = {"model": model.name, "experiment": experiment, "cl": cl}
    if is_heavy_zprime(model):
        if mass_mev is not None:
            raise ValueError(f"{model.name} is a heavy-Z' card: a mediator mass (--mass) does not apply")
        others = {k: v for k, v in fixed.items() if k != heavy_mass(model)}
        if method == "bayes":
            if others:
                raise ValueError("the bayes method takes the card's parameters as they are (no fixed values, --set)")
            out["mass_lower_gev"] = bayes_mass_lower(counter, experiment, cl, sys, exposure_scale)
        else:
            out["mass_lower_gev"] = mass_lower_bound(counter, experiment, cl, sys, exposure_scale, others)
        return out
    if mass_mev is None or not (np.isfinite(mass_mev) and mass_mev > 0):
        raise ValueError("a light-mediator card needs a mediator mass (mass_mev, --mass: MeV, positive)")
    if method != "chi2" or fixed:
        raise ValueError("light-mediator sensitivities use the chi2 method and no fixed values (--set)")
    out["mass_mev"] = mass_mev
    out["coupling_upper"] = coupling_upper_bound(counter, experiment, mass_mev, cl, sys, exposure_scale)
    return out
