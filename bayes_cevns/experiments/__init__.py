"""Experiments: one module per data release or projected detector, each registering itself.

:func:`load_experiment` builds a registered experiment; :func:`available_experiments` lists the
ids. See :mod:`bayes_cevns.experiments.registry` for how an outside package adds one.
"""

from bayes_cevns.experiments.base import Experiment
from bayes_cevns.experiments.registry import (
    available_experiments,
    by_label,
    load_experiment,
    register,
    registration,
    registrations,
    with_options,
)

__all__ = ["Experiment", "available_experiments", "by_label", "load_experiment", "register",
           "registration", "registrations", "with_options"]
