"""bayes_cevns: Bayesian inference for CEvNS and neutrino-electron scattering with public data.

Layers, imports one way (enforced by import-linter contracts in ``pyproject.toml``):

* :mod:`bayes_cevns.physics` -- pure PyTensor/NumPy physics, constants with sources;
* :mod:`bayes_cevns.experiments` -- one self-registering module per data release, responses in NumPy;
* :mod:`bayes_cevns.model` -- model cards and the only code that writes PyMC models;
* :mod:`bayes_cevns.inference` -- objective, minimisers, profiles, sampling, evidence, toys;
* :mod:`bayes_cevns.studies` -- each published result as compute + write;
* :mod:`bayes_cevns.cli` -- the ``bayes-cevns`` command.

The public API (what a notebook imports) is loaded lazily, so ``import bayes_cevns`` is cheap:
``load_card``, ``load_experiment``, ``build_model``, ``fit``, ``profile``, ``limit``, ``predict``.
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
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'bayes_cevns' has no attribute {name!r}")
