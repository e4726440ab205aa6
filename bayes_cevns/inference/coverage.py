"""Frequentist coverage of profile-likelihood intervals on toy experiments.

Toys are drawn from the model's prior predictive with the tested parameter fixed at its truth
(``pm.do``): every nuisance is drawn from its prior and the counts in every analysis bin and in
the auxiliary measurements are Poisson. The constraint terms of the objective stay centred at the
nominal values, so the ensemble-averaged coverage is the relevant frequentist check. Each toy is
fitted by the same compiled objective (:meth:`Objective.set_data`): one MIGRAD + MINOS per toy.
"""

import numpy as np
import pymc as pm

from bayes_cevns.inference.profile import minos_interval, objective
from bayes_cevns.model.build import build_model
from bayes_cevns.model.built import BuiltModel
from bayes_cevns.model.cards import load_card


def prior_predictive_toys(built: BuiltModel, truth: dict[str, float], n_toys: int, seed: int) -> dict:
    """Toy data sets (by ``pm.Data`` name) from the prior predictive with ``truth`` fixed (``pm.do``)."""
    observed = {}
    for exp in built.experiments:
        p = exp.prefix
        observed[f"obs_{p}"] = f"data_{p}"
        observed.update({f"{p}_{b}_aux": f"data_{p}_{b}_aux"
                         for b, bkg in exp.backgrounds.items() if bkg.aux_count is not None})
    prior = pm.sample_prior_predictive(draws=n_toys, model=pm.do(built.model, truth),
                                       var_names=list(observed), random_seed=seed)
    return {d: np.asarray(prior.prior_predictive[o]).reshape(n_toys, *np.shape(prior.prior_predictive[o])[2:])
            for o, d in observed.items()}


def toy_coverage(card: str, experiment: str, param: str, truth: float, n_toys: int,
                 cl: float = 0.6827, seed: int = 0) -> dict:
    """Fraction of toys whose MINOS interval at ``cl`` contains ``truth``, and the fitted values."""
    model = build_model(load_card(card), [experiment])
    toys = prior_predictive_toys(model, {param: truth}, n_toys, seed)
    obj = objective(model)
    best, covered = [], 0
    for i in range(n_toys):
        obj.set_data({d: v[i] for d, v in toys.items()})
        x, lo, hi = minos_interval(obj, param, cl)
        best.append(x)
        covered += int(lo <= truth <= hi)
    best = np.array(best)
    return {"coverage": covered / n_toys, "n_toys": n_toys, "cl": cl, "truth": truth,
            "mean_best_fit": float(best.mean()), "sd_best_fit": float(best.std(ddof=1))}
