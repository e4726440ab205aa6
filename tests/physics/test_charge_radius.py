"""COHERENT CsI predictions with neutrino charge radii against the equivalent contact NSI.

A charge radius <r^2_nu_l> shifts the proton vector coupling of flavour l by
delta g_V^p = -sqrt(2) pi alpha <r^2> / (3 G_F) (photon exchange; module docstring of
``bayes_cevns.physics.em_properties`` for the factor 2 of the printed [LAR] Eq. 10), and leaves the
neutron coupling alone. A vector NSI eps_ll^q ([LAR] Eq. 5) shifts the proton coupling by
2 eps^u + eps^d and the neutron one by eps^u + 2 eps^d, so eps^u = 2 delta / 3, eps^d = -delta / 3
reproduces the charge-radius shift exactly, and the two cards must predict the same CEvNS counts.
delta is computed here from CODATA 2018 values, independently of the package constants.
"""

import numpy as np
import pytest

from bayes_cevns.api import predict

EXPERIMENT = "coherent_csi_2021"
ALPHA = 7.2973525693e-3  # CODATA 2018
G_F_GEV2 = 1.1663787e-5  # CODATA 2018, G_F / (hbar c)^3 in GeV^-2
HBARC_GEV_CM = 1.973269804e-14  # CODATA 2018


def gvp_shift(r2_1e32_cm2: float) -> float:
    """delta g_V^p = -sqrt(2) pi alpha <r^2> / (3 G_F) with <r^2> converted by (hbar c)^2."""
    return -np.sqrt(2.0) * np.pi * ALPHA / (3.0 * G_F_GEV2) * r2_1e32_cm2 * 1e-32 / HBARC_GEV_CM**2


def proton_only_eps(delta: float, pair: str) -> dict:
    """NSI couplings eps_<pair>^{u,d} with 2 eps^u + eps^d = delta and eps^u + 2 eps^d = 0."""
    return {f"eps_{pair}_u": 2.0 * delta / 3.0, f"eps_{pair}_d": -delta / 3.0}


def cevns(card: str, values: dict) -> float:
    return predict(card, EXPERIMENT, values)["counts"]["cevns"]


def test_csi_nu_e_charge_radius_equals_proton_only_nsi():
    """r2_nu_e = 10 (1e-32 cm^2, delta g_V^p = -0.238) gives the CsI CEvNS count of the NSI card with
    the same proton-only shift for nu_e (within 1%; they agree to 1e-6), and not the count of twice
    that shift (the factor-2 reading of [LAR] Eq. 10, ~560.8 events)."""
    delta = gvp_shift(10.0)
    assert delta == pytest.approx(-0.238, abs=0.002)
    radius = cevns("charge_radius", {"r2_nu_e": 10.0})
    nsi = cevns("nsi", proton_only_eps(delta, "ee"))
    assert radius == pytest.approx(nsi, rel=1e-2)
    assert radius == pytest.approx(nsi, rel=1e-6)
    doubled = cevns("nsi", proton_only_eps(2.0 * delta, "ee"))
    assert abs(doubled / radius - 1.0) > 0.1


def test_csi_nu_mu_and_nu_mu_bar_radii_are_separate():
    """r2_nu_mu (prompt nu_mu) and r2_nu_mubar (delayed anti-nu_mu) act on their own flavour: their
    excesses over the SM add, and together they equal the proton-only NSI eps_mumu, which shifts
    both muon-flavour rows (delta g_V^p the same for nu and anti-nu, [LAR] Eq. 14 convention)."""
    sm = cevns("charge_radius", {})
    mu = cevns("charge_radius", {"r2_nu_mu": 10.0})
    mubar = cevns("charge_radius", {"r2_nu_mubar": 10.0})
    both = cevns("charge_radius", {"r2_nu_mu": 10.0, "r2_nu_mubar": 10.0})
    assert mu != pytest.approx(sm, rel=1e-2) and mubar != pytest.approx(sm, rel=1e-2)
    assert both - sm == pytest.approx((mu - sm) + (mubar - sm), rel=1e-9)
    nsi = cevns("nsi", proton_only_eps(gvp_shift(10.0), "mumu"))
    assert both == pytest.approx(nsi, rel=1e-6)
