"""The public API a notebook uses: predict, fit, profile and limit on any registered experiments.

Each function takes a model card (name, path or :class:`~bayes_cevns.model.cards.ModelCard`)
and experiment ids, validates its input before any compilation, and returns plain dicts and
arrays (the same objects the CLI prints as JSON).
"""

from collections.abc import Mapping, Sequence

import numpy as np

from bayes_cevns.experiments import load_experiment
from bayes_cevns.experiments.datasets import DEFAULT_DATA
from bayes_cevns.inference.fitting import run_fit
from bayes_cevns.inference.limits import CL_2SIGMA, PRIORS, bayes_upper, chi2_upper, delta_chi2_threshold
from bayes_cevns.inference.profile import objective, profile_scan
from bayes_cevns.model.build import build_model
from bayes_cevns.model.cards import ModelCard, load_card
from bayes_cevns.model.forward import card_parameter
from bayes_cevns.model.predict import predict_counts
from bayes_cevns.studies.scan import scanner

LIMIT_METHODS = ("chi2", "bayes")


def _card(card: str | ModelCard) -> ModelCard:
    return load_card(card) if isinstance(card, str) else card


def predict(card: str | ModelCard, experiment: str, values: Mapping[str, float] | None = None) -> dict:
    """Expected counts per component (nuisances nominal) of ``experiment`` at the card values."""
    return predict_counts(_card(card), experiment, dict(values or {}))


def fit(card: str | ModelCard, experiments: Sequence[str] = DEFAULT_DATA, **options) -> dict:
    """NUTS posterior summary (see :func:`bayes_cevns.inference.fitting.run_fit` for the options)."""
    c = _card(card)
    return run_fit(c.source or c.name, list(experiments), **options)


def profile(card: str | ModelCard, param: str, grid: Sequence[float] | np.ndarray,
            experiments: Sequence[str] = DEFAULT_DATA, fixed: Mapping[str, float] | None = None,
            **build_options) -> dict:
    """Profile-likelihood Delta chi^2 of ``param`` on ``grid``, every nuisance minimised (MIGRAD)."""
    grid = np.asarray(grid, dtype=float)
    if grid.ndim != 1 or grid.size < 2 or not np.all(np.isfinite(grid)):
        raise ValueError("profile grid needs at least two finite values")
    c = _card(card)
    base = card_parameter(c, param, [load_experiment(e) for e in experiments])
    built = build_model(c, list(experiments), free=[base], fixed=fixed, **build_options)
    result = profile_scan(objective(built), param, grid)
    return result | {"model": c.name, "data": list(experiments)}


def limit(card: str | ModelCard, mass_mev: float, experiments: Sequence[str] = DEFAULT_DATA,
          method: str = "chi2", cl: float = CL_2SIGMA, prior: str = "log_uniform") -> dict:
    """Upper limit on the coupling at one mediator mass: profile chi^2 (Wilks, 1 dof) or the
    marginal posterior quantile under ``prior`` (one of :data:`~bayes_cevns.inference.limits.PRIORS`)."""
    if method not in LIMIT_METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {LIMIT_METHODS}")
    if prior not in PRIORS:
        raise ValueError(f"unknown prior {prior!r}; choose one of {PRIORS}")
    delta_chi2_threshold(cl)
    if not (np.isfinite(mass_mev) and mass_mev > 0):
        raise ValueError(f"mediator mass must be a positive number of MeV, got {mass_mev}")
    c = _card(card)
    for e in experiments:
        load_experiment(e)
    sl = scanner(c.source or c.name, list(experiments)).slice(float(mass_mev))
    res = chi2_upper(sl, cl) if method == "chi2" else bayes_upper(sl, cl, prior)
    out = {"model": c.name, "mass_mev": float(mass_mev), "method": method, "cl": cl,
           "coupling_upper": res["coupling_upper"]}
    if method == "bayes":
        out["prior"] = prior
    return out
