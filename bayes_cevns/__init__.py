"""bayes_cevns: Bayesian inference for CEvNS and neutrino-electron scattering with public data.

Layers, imports one way (enforced by import-linter contracts in ``pyproject.toml``):

* :mod:`bayes_cevns.physics` -- pure PyTensor/NumPy physics, constants with sources;
* :mod:`bayes_cevns.experiments` -- one self-registering module per data release, responses in NumPy;
* :mod:`bayes_cevns.model` -- model cards and the only code that writes PyMC models;
* :mod:`bayes_cevns.inference` -- objective, minimisers, profiles, sampling, evidence, toys;
* :mod:`bayes_cevns.studies` -- each published result as compute + write;
* :mod:`bayes_cevns.cli` -- the ``bayes-cevns`` command.

The public API (what a notebook imports) is loaded lazily, so ``import bayes_cevns`` is cheap:
``load_card``, ``load_experiment``, ``build_model``, ``fit``, ``profile``, ``limit``, ``predict``;
the chi^2 ``objective`` of a built model, its MIGRAD ``minimise`` and MINOS ``minos_interval``;
experiments with loader options (``with_options``); the global CEvNS fits (``GLOBAL_COMBINATIONS``,
``global_sm_fits``); coupling limits vs mediator mass
(``mass_scan``, ``coupling_posterior``, ``plot_limits``); NSI (``nsi_scan``, ``nsi_bounds``,
``flat_direction``, ``lma_dark``); and two namespaces, ``physics`` (the formulas, e.g.
``physics.form_factors.helm``) and ``priors`` (oscillation priors for ``build_model(prior_terms=...)``).
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bayes_cevns")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.1.0"

_API = {
    "load_card": "bayes_cevns.model.cards",
    "load_experiment": "bayes_cevns.experiments",
    "available_experiments": "bayes_cevns.experiments",
    "register": "bayes_cevns.experiments",
    "build_model": "bayes_cevns.model.build",
    "BuiltModel": "bayes_cevns.model.built",
    "predict": "bayes_cevns.api",
    "fit": "bayes_cevns.api",
    "profile": "bayes_cevns.api",
    "limit": "bayes_cevns.api",
    "objective": "bayes_cevns.inference.profile",
    "minimise": "bayes_cevns.inference.profile",
    "minos_interval": "bayes_cevns.inference.profile",
    "with_options": "bayes_cevns.experiments",
    "GLOBAL_COMBINATIONS": "bayes_cevns.experiments.datasets",
    "global_sm_fits": "bayes_cevns.studies.global_cevns",
    "mass_scan": "bayes_cevns.api",
    "coupling_posterior": "bayes_cevns.api",
    "plot_limits": "bayes_cevns.plotting",
    "nsi_scan": "bayes_cevns.api",
    "nsi_bounds": "bayes_cevns.api",
    "flat_direction": "bayes_cevns.studies.nsi",
    "lma_dark": "bayes_cevns.api",
    "projection_setups": "bayes_cevns.experiments.projected_setups",
    "projected_counts": "bayes_cevns.studies.projection",
    "sensitivity": "bayes_cevns.studies.projection",
    "projection_model": "bayes_cevns.studies.projection",
    "xenon1t_comparison": "bayes_cevns.studies.projection_results",
    "physics": "bayes_cevns.physics",
    "priors": "bayes_cevns.priors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    """A public name on first use: an object of its module, or a namespace (``physics``, ``priors``)
    where ``_API`` maps the name to the subpackage of that name."""
    if name in _API:
        module = import_module(_API[name])
        return module if _API[name] == f"{__name__}.{name}" else getattr(module, name)
    raise AttributeError(f"module 'bayes_cevns' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
