"""Experiment modules, one per data release, and their registry."""

from collections.abc import Callable
from functools import lru_cache

from bayes_cevns.experiments.base import Experiment

_LOADERS: dict[str, str] = {
    "coherent_csi_2021": "bayes_cevns.experiments.coherent_csi_2021",
    "coherent_ar_2020": "bayes_cevns.experiments.coherent_ar_2020",
}

EXPERIMENTS = tuple(_LOADERS)


def _loader(name: str) -> Callable[..., Experiment]:
    if name not in _LOADERS:
        raise ValueError(f"unknown experiment {name!r}; choose one of {list(EXPERIMENTS)}")
    import importlib

    return importlib.import_module(_LOADERS[name]).load


@lru_cache(maxsize=8)
def load_experiment(name: str, **kwargs) -> Experiment:
    """Build (once per process) the experiment named ``name`` with its default binning."""
    return _loader(name)(**kwargs)


__all__ = ["EXPERIMENTS", "Experiment", "load_experiment"]
