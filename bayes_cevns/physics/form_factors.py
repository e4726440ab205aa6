"""Nuclear form factors as pure PyTensor functions.

All take the momentum transfer ``q`` in MeV and an rms radius ``r_rms`` in fm and return
F(q^2) with F(0) = 1. [LM] uses Helm (text below Eq. 12); symmetrized Fermi (Piekarewicz
et al. 2016) and Klein-Nystrand (Klein & Nystrand 1999) are the alternatives it quotes.
Each parametrisation is tied to the rms radius through its analytic second moment, so the
three are directly comparable at equal R.
"""

from collections.abc import Callable

import numpy as np
import pytensor.tensor as pt

from bayes_cevns.physics.constants import HBARC_MEV_FM

#: Helm surface thickness s in fm (Lewin & Smith 1996).
HELM_SKIN_FM = 0.9
#: Symmetrized-Fermi diffuseness a in fm (Piekarewicz et al. 2016 use ~0.52 fm).
SF_DIFFUSENESS_FM = 0.52
#: Klein-Nystrand Yukawa range a_k in fm (Klein & Nystrand 1999).
KN_RANGE_FM = 0.7

_SERIES_CUT = 1e-2


def bessel_ratio(x):
    """3 j1(x)/x for the spherical Bessel j1, with a series branch at small x.

    The unused branch is fed a safe argument so that gradients stay finite
    (``pt.switch`` evaluates both branches).
    """
    x = pt.as_tensor_variable(x)
    small = pt.lt(pt.abs(x), _SERIES_CUT)
    xs = pt.switch(small, pt.ones_like(x), x)
    exact = 3.0 * (pt.sin(xs) - xs * pt.cos(xs)) / xs**3
    x2 = x * x
    series = 1.0 - x2 / 10.0 + x2 * x2 / 280.0
    return pt.switch(small, series, exact)


def helm(q, r_rms):
    """Helm form factor F = 3 j1(qR0)/(qR0) exp(-(qs)^2/2) with R0^2 = 5/3 (R^2 - 3 s^2)."""
    s = HELM_SKIN_FM
    r0 = pt.sqrt(5.0 / 3.0 * (pt.as_tensor_variable(r_rms) ** 2 - 3.0 * s**2))
    qf = pt.as_tensor_variable(q) / HBARC_MEV_FM
    return bessel_ratio(qf * r0) * pt.exp(-0.5 * (qf * s) ** 2)


def symmetrized_fermi(q, r_rms):
    """Symmetrized-Fermi form factor (Piekarewicz et al. 2016), c^2 = 5/3 (R^2 - 7/5 pi^2 a^2).

    F = 3/(qc[(qc)^2 + (pi q a)^2]) * (pi q a / sinh(pi q a)) * [pi q a coth(pi q a) sin(qc) - qc cos(qc)].
    """
    a = SF_DIFFUSENESS_FM
    c = pt.sqrt(5.0 / 3.0 * (pt.as_tensor_variable(r_rms) ** 2 - 7.0 / 5.0 * np.pi**2 * a**2))
    qf = pt.as_tensor_variable(q) / HBARC_MEV_FM
    small = pt.lt(qf * c, _SERIES_CUT)
    qs = pt.switch(small, _SERIES_CUT / c, qf)
    qc = qs * c
    pqa = np.pi * qs * a
    full = (
        3.0
        / (qc * (qc**2 + pqa**2))
        * (pqa / pt.sinh(pqa))
        * (pqa / pt.tanh(pqa) * pt.sin(qc) - qc * pt.cos(qc))
    )
    r2 = 3.0 / 5.0 * c**2 + 7.0 / 5.0 * (np.pi * a) ** 2
    series = 1.0 - (qf**2) * r2 / 6.0
    return pt.switch(small, series, full)


def klein_nystrand(q, r_rms):
    """Klein-Nystrand form factor F = 3 j1(qR_A)/(qR_A) / (1 + q^2 a_k^2), R_A^2 = 5/3 (R^2 - 6 a_k^2)."""
    ak = KN_RANGE_FM
    ra = pt.sqrt(5.0 / 3.0 * (pt.as_tensor_variable(r_rms) ** 2 - 6.0 * ak**2))
    qf = pt.as_tensor_variable(q) / HBARC_MEV_FM
    return bessel_ratio(qf * ra) / (1.0 + (qf * ak) ** 2)


FORM_FACTORS: dict[str, Callable] = {
    "helm": helm,
    "symmetrized_fermi": symmetrized_fermi,
    "klein_nystrand": klein_nystrand,
}


def form_factor(name: str) -> Callable:
    """Look up a form factor by name, with a clear error for unknown names."""
    try:
        return FORM_FACTORS[name]
    except KeyError:
        raise ValueError(
            f"unknown form factor {name!r}; choose one of {sorted(FORM_FACTORS)}"
        ) from None
