"""Priors on NSI couplings from neutrino oscillations ([NSI-UV] Eqs. 2-5, 31-32).

* :mod:`~bayes_cevns.priors.linear`: linear combinations of eps (flavour differences, matter
  weighting of Eq. 32) and Gaussian, bounded, mixture and rank-one prior terms on them;
* :mod:`~bayes_cevns.priors.presets`: the ranges quoted in [NSI-UV] (current, DUNE+T2HK, LMA-Dark);
* :mod:`~bayes_cevns.priors.tabulated`: any external Delta chi^2 table (CSV, 1-D or 2-D) as a prior.

Terms go into a PyMC model with ``build_model(..., prior_terms=[...])`` or are evaluated on grids
with ``term.logp(values)``.
"""

from bayes_cevns.priors.linear import (
    BoundedPrior,
    GaussianPrior,
    LinearCombination,
    MixturePrior,
    PriorTerm,
    RankOneConstraint,
    flavour_difference,
    matter_weights,
    off_diagonal,
    total_logp,
)
from bayes_cevns.priors.presets import PRESETS, lma_two_solution_prior, preset, preset_term
from bayes_cevns.priors.tabulated import TableError, TabulatedDeltaChi2

__all__ = ["BoundedPrior", "GaussianPrior", "LinearCombination", "MixturePrior", "PRESETS", "PriorTerm",
           "RankOneConstraint", "TableError", "TabulatedDeltaChi2", "flavour_difference", "lma_two_solution_prior",
           "matter_weights", "off_diagonal", "preset", "preset_term", "total_logp"]
