"""The squared weak charge of every physics model, composed from named contributions.

A model card names one or more contributions (``physics = "vector_mediator"`` or a list). Each
adds to the SM charge Q_l^SM of [LM] Eq. 11 either *coherently* (a shift of the amplitude: Z',
L_alpha - L_beta loop, NSI diagonal, charge radius, heavy Z', U(1)_R) or *incoherently* (a
term added to |Q|^2: scalar exchange, magnetic moment, NSI flavour-changing). The squared
charge per beam flavour on the recoil grid is

    |Q_l|^2 = (Q_l^SM + sum coherent_l)^2 + sum incoherent_l,

shape (3, K): the only parameter-dependent input of the factorised rate ([LM] Eqs. 4 and 10).
Contributions receive the card's parameter values (PyTensor scalars or floats), the isotope's
:class:`~bayes_cevns.physics.kinematics.Kinematics` and the card options.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pytensor.tensor as pt

from bayes_cevns.physics.constants import FLAVOURS, LEPTON_OF, SIN2_THETA_W_LOW_Q, Isotope
from bayes_cevns.physics.em_properties import (
    CHARGE_RADIUS_PARAMETERS,
    MAGNETIC_PARAMETERS,
    charge_radius_shift,
    magnetic_rate_term,
)
from bayes_cevns.physics.form_factors import form_factor
from bayes_cevns.physics.heavy_zprime import contact_shift, e6_eps, lr_eps
from bayes_cevns.physics.kinematics import Kinematics
from bayes_cevns.physics.lepton_loop import lepton_loop_shift
from bayes_cevns.physics.nsi import NSI_PARAMETERS, nsi_charges
from bayes_cevns.physics.scalar_mediator import scalar_rate_term
from bayes_cevns.physics.u1r import u1r_shift
from bayes_cevns.physics.vector_mediator import vector_mediator_shift
from bayes_cevns.physics.lepton_loop import charge_radius_running
from bayes_cevns.physics.weak_charge import nucleon_couplings, weak_charge_sm


@dataclass(frozen=True)
class Nucleus:
    """What a contribution sees of one isotope: kinematics, form factors and sin^2 theta_W."""

    kin: Kinematics
    f_p: object
    f_n: object
    s2: object

    @property
    def Z(self) -> int:
        return self.kin.isotope.Z

    @property
    def N(self) -> int:
        return self.kin.isotope.N


Terms = tuple[list, list]


@dataclass(frozen=True)
class Contribution:
    """A named physics contribution: its required and optional parameters and option keys."""

    name: str
    build: Callable[[Mapping, Nucleus, Mapping], Terms]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    optional_options: tuple[str, ...] = ()


def _sm(params, nuc, options) -> Terms:
    return [], []


def _vector(params, nuc, options) -> Terms:
    return [vector_mediator_shift(params["g"], params["m_med"], options["charges"], nuc.Z, nuc.N,
                                  nuc.kin.q, nuc.f_p, nuc.f_n, nuc.kin.leptons)], []


def _loop(params, nuc, options) -> Terms:
    alpha, beta = options["loop"]
    return [lepton_loop_shift(params["g"], params["m_med"], alpha, beta, nuc.Z, nuc.kin.q, nuc.f_p,
                              nuc.kin.leptons)], []


def _scalar(params, nuc, options) -> Terms:
    return [], [scalar_rate_term(params["g"], params["m_med"], nuc.Z, nuc.N, nuc.kin.q, nuc.f_p, nuc.f_n,
                                 nuc.kin.scalar_ratio)]


def _nsi(params, nuc, options) -> Terms:
    eps = {k: v for k, v in params.items() if k in NSI_PARAMETERS}
    diag, off = nsi_charges(eps, nuc.Z, nuc.N, nuc.f_p, nuc.f_n, nuc.kin.q, params.get("m_med"), nuc.kin.leptons)
    return [diag], [pt.sqr(o) for o in off]


def _magnetic(params, nuc, options) -> Terms:
    return [], [magnetic_rate_term(params, nuc.Z, nuc.f_p, nuc.kin.magnetic_ratio, nuc.kin.flavours)]


def _charge_radius(params, nuc, options) -> Terms:
    return [charge_radius_shift(params, nuc.Z, nuc.f_p, nuc.kin.flavours)], []


def _e6(params, nuc, options) -> Terms:
    eps_u, eps_d = e6_eps(params["beta"], params["m_zprime_gev"], float(options.get("coupling_ratio", 1.0)))
    return [contact_shift(eps_u, eps_d, nuc.Z, nuc.N, nuc.f_p, nuc.f_n)], []


def _left_right(params, nuc, options) -> Terms:
    eps_u, eps_d = lr_eps(params["m_zprime_gev"])
    return [contact_shift(eps_u, eps_d, nuc.Z, nuc.N, nuc.f_p, nuc.f_n)], []


def _u1r(params, nuc, options) -> Terms:
    return [u1r_shift(params["g"], params["m_med"], nuc.s2, nuc.Z, nuc.N, nuc.kin.q, nuc.f_p, nuc.f_n)], []


_MEDIATOR = ("g", "m_med")
CONTRIBUTIONS: dict[str, Contribution] = {c.name: c for c in (
    Contribution("sm", _sm),
    Contribution("vector_mediator", _vector, _MEDIATOR, options=("charges",)),
    Contribution("lepton_loop", _loop, _MEDIATOR, options=("loop",)),
    Contribution("scalar_mediator", _scalar, _MEDIATOR),
    Contribution("nsi", _nsi, optional=NSI_PARAMETERS + ("m_med",)),
    Contribution("magnetic_moment", _magnetic, optional=MAGNETIC_PARAMETERS),
    Contribution("charge_radius", _charge_radius, optional=CHARGE_RADIUS_PARAMETERS),
    Contribution("e6", _e6, ("m_zprime_gev", "beta"), optional_options=("coupling_ratio",)),
    Contribution("left_right", _left_right, ("m_zprime_gev",)),
    Contribution("u1r", _u1r, _MEDIATOR),
)}


def physics_term(name: str) -> Contribution:
    try:
        return CONTRIBUTIONS[name]
    except KeyError:
        raise ValueError(f"unknown physics term {name!r}; known: {sorted(CONTRIBUTIONS)}") from None


def sm_weak_charge(params: Mapping, isotope: Isotope, q: np.ndarray, options: Mapping,
                   flavours: tuple[str, ...] = FLAVOURS):
    """Q_SM per flavour slot ([LM] Eq. 11) with proton radius fixed ([LM] Eq. 13) and R_n a parameter."""
    gvp, gvn, fp, fn, _ = _sm_parts(params, isotope, q, options, flavours)
    return weak_charge_sm(gvp, gvn, isotope.Z, isotope.N, fp, fn)


def _sm_parts(params, isotope, q, options, flavours: tuple[str, ...] = FLAVOURS):
    ff = form_factor(options.get("form_factor", "helm"))
    s2 = params.get("sin2_theta_w", SIN2_THETA_W_LOW_Q)
    rn = params.get(isotope.rn_param, isotope.rn)
    gvp, gvn = nucleon_couplings(s2, options.get("coupling_scheme", "radiative"), flavours)
    if options.get("running", False):
        gvp = gvp[:, None] + charge_radius_running(np.asarray(q, dtype=float), tuple(LEPTON_OF[f] for f in flavours))
    return gvp, gvn, ff(q, isotope.rp), ff(q, rn), s2


def weak_charge_sq(physics: tuple[str, ...], params: Mapping, kin: Kinematics, options: Mapping):
    """|Q_l|^2 per beam flavour on the isotope's recoil grid, shape (3, K) (module docstring)."""
    iso = kin.isotope
    gvp, gvn, fp, fn, s2 = _sm_parts(params, iso, kin.q, options, kin.flavours)
    nuc = Nucleus(kin, fp, fn, pt.as_tensor_variable(s2))
    charge = weak_charge_sm(gvp, gvn, iso.Z, iso.N, fp, fn)
    extra = []
    for name in physics:
        coherent, incoherent = physics_term(name).build(params, nuc, options)
        for c in coherent:
            charge = charge + c
        extra.extend(incoherent)
    out = pt.sqr(charge)
    for e in extra:
        out = out + e
    return out
