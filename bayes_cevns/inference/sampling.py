"""Sampling with provenance, interruption by signals, and convergence checks."""

import importlib
import os
import warnings
from collections.abc import Callable, Mapping

import arviz as az
import numpy as np
import pymc as pm

from bayes_cevns.inference.flat_density import flat_density, sample_nutpie
from bayes_cevns.inference.jax_backend import enable_jax
from bayes_cevns.io import provenance
from bayes_cevns.model.built import BuiltModel
from bayes_cevns.signals import stop_on_signals

SAMPLERS = ("pymc", "nutpie", "numpyro")
#: modules each sampler needs beyond the core dependencies
SAMPLER_MODULES = {"numpyro": ("numpyro", "jax")}
RHAT_MAX = 1.01
ESS_MIN = 400


class ConvergenceWarning(UserWarning):
    """A fit did not pass the R-hat / ESS / divergence checks."""


def report_nothing(_stage: str) -> None:
    """The default stage ``report`` of :func:`sample`: say nothing."""


def check_settings(draws: int = 1000, tune: int = 1000, chains: int = 4, sampler: str = "nutpie",
                   target_accept: float = 0.8) -> None:
    """Raise ValueError for settings :func:`sample` cannot run, and ImportError where the sampler's
    optional packages are missing; cheap, so callers check before building a model."""
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; choose one of {SAMPLERS}")
    for n, v in (("draws", draws), ("tune", tune), ("chains", chains)):
        if v < 1:
            raise ValueError(f"{n} must be a positive integer, got {v}")
    if not 0.0 < target_accept < 1.0:
        raise ValueError(f"target_accept must lie in (0, 1), got {target_accept}")
    for module in SAMPLER_MODULES.get(sampler, ()):
        try:
            importlib.import_module(module)
        except ImportError:
            raise ImportError(f"sampler {sampler!r} needs {' and '.join(SAMPLER_MODULES[sampler])}, "
                              f"but {module} is not installed (pip install 'bayes_cevns[jax]')") from None


def sample(built: BuiltModel, draws: int = 1000, tune: int = 1000, chains: int = 4,
           seed: int = 0, sampler: str = "nutpie", progressbar: bool = False, cores: int | None = None,
           target_accept: float = 0.8, overrides: Mapping[str, object] | None = None,
           report: Callable[[str], None] = report_nothing):
    """NUTS on the model; returns the DataTree with provenance attributes.

    ``nutpie`` (default) runs nutpie's NUTS on the flat log density compiled by
    :mod:`bayes_cevns.inference.flat_density`, the chains on ``cores`` processes (default: every
    available core, at most one per chain);
    ``pymc`` and ``numpyro`` go through ``pm.sample``. Raise ``target_accept`` (e.g. 0.95) for
    narrow curved posteriors such as the NSI u/d ridges. ``overrides`` (what the caller changed
    from the card: fixed values, priors, options) is stored JSON-encoded in the ``overrides``
    attribute. SIGINT / SIGTERM raise :class:`~bayes_cevns.signals.Interrupted` (see :func:`~bayes_cevns.signals.stop_on_signals`).
    ``report`` is called with a short description of each stage (compiling, sampling).
    """
    model = built.model
    check_settings(draws, tune, chains, sampler, target_accept)
    what = f"{chains} chain(s) of {tune} tuning steps + {draws} draws ({sampler})"
    with stop_on_signals():
        if sampler == "nutpie":
            report("compiling the log density")
            flat = flat_density(model)
            report(f"sampling {what}")
            idata = sample_nutpie(model, draws=draws, tune=tune, chains=chains, seed=seed,
                                  target_accept=target_accept, progressbar=progressbar, flat=flat, cores=cores)
        else:
            report(f"compiling and sampling {what}")
            if sampler == "numpyro":
                enable_jax()  # 64-bit, persistent compilation cache
            idata = pm.sample(draws=draws, tune=tune, chains=chains, random_seed=seed, model=model,
                              nuts_sampler=sampler, progressbar=progressbar, target_accept=target_accept,
                              cores=cores or min(chains, os.cpu_count() or 1))
    idata.attrs.update(provenance(built.card, built.experiments, seed=seed, sampler=sampler, draws=draws,
                                  tune=tune, chains=chains, target_accept=target_accept,
                                  overrides=dict(overrides or {})))
    return idata


def diagnostics(idata, var_names: list[str] | None = None) -> dict:
    """Max R-hat, min bulk ESS over the sampled variables, and the number of divergences.

    R-hat compares chains: with one chain ``rhat_max`` is None (not available)."""
    post = idata.posterior
    names = var_names or [v for v in post.data_vars if not v.startswith("mu_")]
    draws = post.to_dataset()[names] if hasattr(post, "to_dataset") else post[names]
    rmax = None
    if draws.sizes.get("chain", 1) > 1:
        rhat = az.rhat(draws)
        rmax = max(float(np.nanmax(np.asarray(rhat[v]))) for v in names)
    ess = az.ess(draws, method="bulk")
    emin = min(float(np.nanmin(np.asarray(ess[v]))) for v in names)
    div = int(np.asarray(idata.sample_stats["diverging"]).sum()) if "sample_stats" in idata.children else 0
    return {"rhat_max": rmax, "ess_bulk_min": emin, "divergences": div}


def check_convergence(diag: dict, rhat_max: float = RHAT_MAX, ess_min: float = ESS_MIN) -> list[str]:
    """Problems found (empty if converged); each one is also raised as a ConvergenceWarning.

    The R-hat check is skipped where R-hat is not available (``None``: one chain); a NaN R-hat
    fails it."""
    problems = []
    if diag["rhat_max"] is not None and not diag["rhat_max"] <= rhat_max:
        problems.append(f"R-hat {diag['rhat_max']:.3f} > {rhat_max}")
    if not diag["ess_bulk_min"] >= ess_min:
        problems.append(f"bulk ESS {diag['ess_bulk_min']:.0f} < {ess_min}")
    if diag["divergences"] > 0:
        problems.append(f"{diag['divergences']} divergent transitions")
    for p in problems:
        warnings.warn(f"NOT CONVERGED: {p}", ConvergenceWarning, stacklevel=2)
    return problems


def summarise(idata, names: list[str], prob: float = 0.6827) -> dict:
    """mean, sd and HDI at ``prob`` for each named posterior variable."""
    post = idata.posterior
    out = {}
    for n in names:
        x = np.asarray(post[n]).reshape(-1)
        lo, hi = az.hdi(x, prob=prob)
        out[n] = {"mean": float(x.mean()), "sd": float(x.std(ddof=1)), "hdi_low": float(lo),
                  "hdi_high": float(hi)}
    return out
