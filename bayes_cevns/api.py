"""The public API a notebook uses, re-exported by :mod:`bayes_cevns`.

* :func:`predict`, :func:`fit`, :func:`profile`, :func:`limit`: one model card on any registered
  experiments;
* :func:`mass_scan` and :func:`coupling_posterior`: coupling limits vs mediator mass and what one
  mass slice says about the coupling ([LM] Sec. IV: chi^2 and marginal-posterior limits, strips);
* :func:`nsi_scan`, :func:`nsi_bounds` and :func:`lma_dark`: NSI couplings on grids ([LAR] Eq. 5,
  [NSI-UV] Sec. 3).

Each function takes a model card (name, path or :class:`~bayes_cevns.model.cards.ModelCard`) or a
compiled scan and experiment ids, validates its input before any compilation, and returns plain
dicts and arrays (the same objects the CLI prints as JSON or writes as tables).
"""

from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

from bayes_cevns.experiments import load_experiment
from bayes_cevns.experiments.datasets import DEFAULT_DATA
from bayes_cevns.inference.fitting import run_fit
from bayes_cevns.inference.limits import (
    CL_2SIGMA,
    PRIORS,
    Slice,
    bayes_upper,
    chi2_upper,
    delta_chi2_threshold,
    mode_masses,
    posterior_log10_g,
)
from bayes_cevns.inference.neyman import neyman_limit
from bayes_cevns.inference.nsi_scan import CEVNS_VISIBLE, EPS_RANGE, HEAVY_MASS_MEV, EpsScan, check_grid
from bayes_cevns.inference.profile import objective, profile_scan
from bayes_cevns.model.build import build_model
from bayes_cevns.model.cards import ModelCard, load_card
from bayes_cevns.model.forward import card_parameter
from bayes_cevns.model.predict import predict_counts
from bayes_cevns.priors.presets import lma_two_solution_prior
from bayes_cevns.studies.lma_dark import compute_lma_dark
from bayes_cevns.studies.nsi import coupling_bounds
from bayes_cevns.studies.scan import load_slices, run_scan, scanner

LIMIT_METHODS = ("chi2", "bayes", "neyman")


def _card(card: str | ModelCard) -> ModelCard:
    return load_card(card) if isinstance(card, str) else card


def _experiments(experiments: Sequence) -> list:
    """The experiments (ids or loaded :class:`Experiment` objects), each id loaded once (an unknown
    id raises before any compilation)."""
    for e in experiments:
        if isinstance(e, str):
            load_experiment(e)
    return list(experiments)


def _check_prior(prior: str) -> None:
    if prior not in PRIORS:
        raise ValueError(f"unknown prior {prior!r}; choose one of {PRIORS}")


def predict(card: str | ModelCard, experiment: str, values: Mapping[str, float] | None = None) -> dict:
    """Expected counts per component (nuisances nominal) of ``experiment`` at the card values."""
    return predict_counts(_card(card), experiment, dict(values or {}))


def fit(card: str | ModelCard, experiments: Sequence[str] = DEFAULT_DATA, **options) -> dict:
    """NUTS posterior summary (see :func:`bayes_cevns.inference.fitting.run_fit` for the options)."""
    c = _card(card)
    return run_fit(c.source or c.name, list(experiments), **options)


def profile(card: str | ModelCard, param: str, grid: Sequence[float] | np.ndarray,
            experiments: Sequence = DEFAULT_DATA, fixed: Mapping[str, float] | None = None,
            **build_options) -> dict:
    """Profile-likelihood Delta chi^2 of ``param`` on ``grid``, every nuisance minimised (MIGRAD).

    ``experiments``: ids or :class:`Experiment` objects (e.g. from
    :func:`~bayes_cevns.experiments.with_options`)."""
    grid = np.asarray(grid, dtype=float)
    if grid.ndim != 1 or grid.size < 2 or not np.all(np.isfinite(grid)):
        raise ValueError("profile grid needs at least two finite values")
    c = _card(card)
    exps = [load_experiment(e) if isinstance(e, str) else e for e in experiments]
    base = card_parameter(c, param, exps)
    built = build_model(c, exps, free=[base], fixed=fixed, **build_options)
    result = profile_scan(objective(built), param, grid)
    return result | {"model": c.name, "data": [e.name for e in exps]}


def limit(card: str | ModelCard, mass_mev: float, experiments: Sequence = DEFAULT_DATA,
          method: str = "chi2", cl: float = CL_2SIGMA, prior: str = "log_uniform", toys: int = 500,
          seed: int = 0) -> dict:
    """Upper limit on the coupling at one mediator mass: profile chi^2 (Wilks, 1 dof), the
    marginal posterior quantile under ``prior`` (one of :data:`~bayes_cevns.inference.limits.PRIORS`),
    or ``neyman``: the profile chi^2 with the critical value of ``toys`` toys at the Wilks limit
    (:func:`~bayes_cevns.inference.neyman.neyman_limit`)."""
    if method not in LIMIT_METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {LIMIT_METHODS}")
    if method == "neyman" and toys < 20:
        raise ValueError(f"the Neyman limit needs at least 20 toys, got {toys}")
    _check_prior(prior)
    delta_chi2_threshold(cl)
    if not (np.isfinite(mass_mev) and mass_mev > 0):
        raise ValueError(f"mediator mass must be a positive number of MeV, got {mass_mev}")
    c = _card(card)
    scan = scanner(c.source or c.name, _experiments(experiments))
    sl = scan.slice(float(mass_mev))
    out = {"model": c.name, "mass_mev": float(mass_mev), "method": method, "cl": cl}
    if method == "neyman":
        res = neyman_limit(scan, sl, toys, seed, cl)
        return out | {"coupling_upper": res["coupling_neyman"],
                      **{k: v for k, v in res.items() if k not in ("delta_chi2_toys", "cl")}}
    res = chi2_upper(sl, cl) if method == "chi2" else bayes_upper(sl, cl, prior)
    out["coupling_upper"] = res["coupling_upper"]
    if method == "bayes":
        out["prior"] = prior
    return out


def mass_scan(card: str | ModelCard, masses: Sequence[float] | np.ndarray,
              experiments: Sequence[str] = DEFAULT_DATA, out: str | Path | None = None, workers: int = 0,
              scheduler: str | None = None, cl: float = CL_2SIGMA, progress: bool = True) -> dict:
    """Coupling limits at each mediator mass (MeV), one slice per mass: profile chi^2 and Laplace
    marginal likelihood on a refined log10 g grid ([LM] Eq. 6 with every nuisance free).

    Returns ``model``, ``data``, ``cl``, ``provenance``, ``rows`` (per mass: the chi^2 limit
    ``chi2``, the posterior limits ``bayes_<prior>``, the chi^2-allowed regions
    ``chi2_allowed_log10_g`` and the posterior weight of each, ``modes``) and ``slices`` (the
    :class:`~bayes_cevns.inference.limits.Slice` of each mass, for :func:`coupling_posterior`).
    With ``out`` the slices are checkpointed under ``<out>/slices`` (a rerun resumes) and the result
    is also written to ``<out>/<model>__<data>.json``; without, a temporary folder is used and removed.
    ``workers = 0`` computes in this process, otherwise on a local Dask cluster (or ``scheduler``).
    """
    masses = np.asarray(masses, dtype=float)
    if masses.ndim != 1 or masses.size == 0 or not np.all(np.isfinite(masses) & (masses > 0)):
        raise ValueError("masses must be a non-empty list of positive numbers of MeV")
    delta_chi2_threshold(cl)
    c, experiments = _card(card), _experiments(experiments)
    name = c.source or c.name
    with ExitStack() as stack:
        folder = out if out is not None else stack.enter_context(TemporaryDirectory(prefix="bayes_cevns_scan_"))
        result = run_scan(name, experiments, masses, folder, scheduler, workers, cl, progress)
        return result | {"slices": load_slices(folder, name, experiments, masses)}


def coupling_posterior(sl: Slice, prior: str = "log_uniform", cl: float = CL_2SIGMA) -> dict:
    """The marginal posterior of the coupling at the slice's mass under ``prior`` (one of
    :data:`~bayes_cevns.inference.limits.PRIORS`): ``log10_g`` and ``density`` (per unit log10 g,
    nuisances Laplace-marginalised), the posterior weight of each chi^2-allowed region at ``cl``
    (``modes``: the SM-like region, then any strip) and the ``cl`` upper limit ``coupling_upper``."""
    _check_prior(prior)
    delta_chi2_threshold(cl)
    log10_g, density = posterior_log10_g(sl, prior)
    return {"mass_mev": sl.mass_mev, "prior": prior, "cl": cl, "log10_g": log10_g, "density": density,
            "modes": mode_masses(sl, prior, cl), "coupling_upper": bayes_upper(sl, cl, prior)["coupling_upper"]}


def nsi_scan(experiments: Sequence[str] = DEFAULT_DATA, couplings: Sequence[str] = CEVNS_VISIBLE) -> EpsScan:
    """The compiled profile chi^2 and Laplace marginal of the CEvNS data as a function of the NSI
    ``couplings`` (card ``nsi_light``; every other eps zero) and the mediator mass. Its
    ``point(values, mass_mev)`` gives (chi^2, log marginal) at one point and ``line(direction, t,
    mass_mev)`` both along eps = t * direction; :func:`nsi_bounds` and :func:`lma_dark` use it."""
    return EpsScan(_experiments(experiments), list(couplings))


def nsi_bounds(scan: EpsScan, coupling: str, t: Sequence[float] | np.ndarray | None = None, cl: float = 0.90,
               mass_mev: float = HEAVY_MASS_MEV) -> dict:
    """One coupling (the others zero) on the grid ``t`` (default 401 points on [-1, 1]): chi^2
    allowed intervals (Wilks, 1 dof), Bayesian HPD intervals (flat prior on the grid), the best fit,
    Delta chi^2 of the SM and the Savage-Dickey Bayes factor ``bf01`` of SM (eps = 0) vs NSI, and
    the ``grid`` of chi^2 and log marginal values. Two allowed regions are usual: around 0 and where
    Q_SM + Q_NSI ~ -Q_SM ([LAR] Eq. 5)."""
    delta_chi2_threshold(cl)
    t = np.linspace(*EPS_RANGE, 401) if t is None else check_grid(t, "t grid")
    return coupling_bounds(scan, coupling, t, cl, mass_mev)


def lma_dark(scan: EpsScan, masses: Sequence[float], t: Sequence[float] | np.ndarray | None = None,
             weight_dark: float = 0.5, **options) -> dict:
    """Posterior probability of the LMA-Dark solution with and without CEvNS at each Z' mass, for
    eps = t * direction (default: U(1)_B, eps^u_ee = eps^d_ee, [NSI-UV] Sec. 3) with the LMA or
    LMA-Dark oscillation prior, LMA-Dark having prior probability ``weight_dark``. ``options``:
    ``direction``, ``threshold``, ``dark_side`` of :func:`bayes_cevns.studies.lma_dark.compute_lma_dark`."""
    if not 0.0 < weight_dark < 1.0:
        raise ValueError(f"weight_dark must lie in (0, 1), got {weight_dark}")
    return compute_lma_dark(scan, masses, t, prior=lma_two_solution_prior(weight_dark=weight_dark), **options)
