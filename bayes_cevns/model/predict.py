"""Nominal predictions (all nuisances at their central values) for the CLI and notebooks."""

import numpy as np

from bayes_cevns.model.cards import ModelCard
from bayes_cevns.experiments import load_experiment
from bayes_cevns.model.forward import prediction_function


_COMPILED: dict[tuple, object] = {}


def _compiled(card: ModelCard, experiment: str):
    key = (card.text or card.name, repr(sorted(card.options.items())), experiment)
    if key not in _COMPILED:
        _COMPILED[key] = prediction_function(card, load_experiment(experiment))
    return _COMPILED[key]


def predicted_arrays(card: ModelCard, experiment: str, values: dict[str, float]) -> dict[str, np.ndarray]:
    """Expected counts per component and bin at the card values (validated overrides)."""
    return _compiled(card, experiment)(card.values(values))


def predict_counts(card: ModelCard, experiment: str, values: dict[str, float]) -> dict:
    """Counts in the ROI, in the collaboration's convention and as expected in the data.

    The collaborations quote CsI predictions before the time-dependent efficiency (CEvNS 341,
    BRN 18.4, NIN 5.6); ``counts`` follows that convention, ``counts_in_data`` includes it.
    """
    exp = load_experiment(experiment)
    arr = predicted_arrays(card, experiment, values)
    in_data = {k: float(v.sum()) for k, v in arr.items() if not k.startswith("_")}
    published = dict(in_data)
    published["cevns"] = float(arr["_cevns_published"])
    for name, bkg in exp.backgrounds.items():
        if bkg.published_count is not None:
            published[name] = bkg.published_count
    return {
        "experiment": experiment,
        "model": card.name,
        "parameters": card.values(values),
        "counts": published,
        "counts_in_data": in_data,
        "observed": float(exp.observed.sum()),
        "reference": exp.reference,
    }
