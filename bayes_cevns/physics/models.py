"""Weak-charge terms of the physics models named by model cards.

Each entry of :data:`PHYSICS` maps ``(params, isotope, q, options)`` to Q^2 with shape (3, K):
the squared effective weak charge per beam flavour on the recoil grid, the only
parameter-dependent input of the factorised rate. ``params`` maps card parameter names to
PyTensor scalars (or floats).
"""

from collections.abc import Callable, Mapping

import numpy as np
import pytensor.tensor as pt

from bayes_cevns.physics.constants import SIN2_THETA_W_LOW_Q, Isotope
from bayes_cevns.physics.form_factors import form_factor
from bayes_cevns.physics.weak_charge import nucleon_couplings, weak_charge_sm


def sm_weak_charge(params: Mapping, isotope: Isotope, q: np.ndarray, options: Mapping):
    """Q_SM per flavour ([LM] Eq. 11) with proton radius fixed ([LM] Eq. 13) and R_n a parameter."""
    ff = form_factor(options.get("form_factor", "helm"))
    s2 = params.get("sin2_theta_w", SIN2_THETA_W_LOW_Q)
    rn = params.get(isotope.rn_param, isotope.rn)
    gvp, gvn = nucleon_couplings(s2, options.get("coupling_scheme", "radiative"))
    return weak_charge_sm(gvp, gvn, isotope.Z, isotope.N, ff(q, isotope.rp), ff(q, rn))


def sm_weak_charge_sq(params: Mapping, isotope: Isotope, q: np.ndarray, options: Mapping):
    """Q_SM^2 per flavour, shape (3, K)."""
    return pt.sqr(sm_weak_charge(params, isotope, q, options))


PHYSICS: dict[str, Callable] = {"sm": sm_weak_charge_sq}


def physics_term(name: str) -> Callable:
    try:
        return PHYSICS[name]
    except KeyError:
        raise ValueError(f"unknown physics term {name!r}; known: {sorted(PHYSICS)}") from None
