"""E6 Z' couplings against the standard E6 charge table, and the model behind [E6LR]'s "eta" row.

Independent of ``bayes_cevns.physics.heavy_zprime``: the charges below are typed in from
P. Langacker, Rev. Mod. Phys. 81 (2009) 1199, Table I (also the PDG review "Z' bosons"), for the
left-handed Weyl fields of one 16 of SO(10):

    field     2 sqrt(6) Q_psi   2 sqrt(10) Q_chi   2 sqrt(15) Q_eta
    Q              1                 -1                 -2
    u^c            1                 -1                 -2
    d^c            1                  3                  1
    L              1                  3                  1
    e^c            1                 -1                 -2
    N^c            1                 -5                 -5

with Z' = cos(beta) Z_chi + sin(beta) Z_psi and Q_eta = sqrt(3/8) Q_chi - sqrt(5/8) Q_psi. A Z' with
coupling g' = lambda sqrt(5/3) g s_W/c_W integrated out gives eps^{qV} = (10/3) lambda^2 s_W^2 gamma
e_L^nu (e_L^q + e_R^q) and eps^{eP} = (10/3) lambda^2 s_W^2 gamma e_L^nu e_P^e (gamma = M_Z^2/M'^2,
e_L^f = Q(f_L), e_R^f = -Q(f^c), e_L^nu = Q(L)).

[E6LR] labels its E6 models by cos(beta) only ("cos beta = (1, 0, sqrt(3/8))"), i.e. sin(beta) >= 0,
so its "eta" is cos(beta) = sqrt(3/8), sin(beta) = +sqrt(5/8): 4 sqrt(15) Q = (1, 1, 7, 7, 1, -5)
for (Q, u^c, d^c, L, e^c, N^c). Its CEvNS bound relative to chi is sqrt(7/12) = 0.764; [E6LR]
Table 3 (COHERENT CsI 2017, 90% C.L.) has 144/183 = 0.787; the standard eta gives sqrt(1/6) = 0.408.
"""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from bayes_cevns.physics.heavy_zprime import E6_ANGLES, E6_NU_DECOUPLED, e6_electron_eps, e6_eps

FIELDS = ("Q", "uc", "dc", "L", "ec", "Nc")
Q_PSI = dict(zip(FIELDS, np.array([1, 1, 1, 1, 1, 1]) / (2 * np.sqrt(6))))
Q_CHI = dict(zip(FIELDS, np.array([-1, -1, 3, 3, -1, -5]) / (2 * np.sqrt(10))))
Q_ETA = dict(zip(FIELDS, np.array([-2, -2, 1, 1, -2, -5]) / (2 * np.sqrt(15))))
#: [E6LR]'s "eta": sqrt(3/8) Q_chi + sqrt(5/8) Q_psi, worked out by hand.
Q_ETA_E6LR = dict(zip(FIELDS, np.array([1, 1, 7, 7, 1, -5]) / (4 * np.sqrt(15))))

M_Z_MEV = 91187.6
S2 = 0.23122  # sin^2 theta_W(M_Z), MS-bar (PDG)
M_GEV = 700.0


_B, _M = pt.dscalar("beta"), pt.dscalar("m")
_EPS = pytensor.function([_B, _M], pt.stack([*e6_eps(_B, _M), *e6_electron_eps(_B, _M)]))


def mix(c, s):
    return {f: c * Q_CHI[f] + s * Q_PSI[f] for f in FIELDS}


def expected_eps(q, m_gev=M_GEV):
    """(eps^uV, eps^dV, eps^eL, eps^eR) from left-handed Weyl charges q."""
    pref = 10.0 / 3.0 * S2 * (M_Z_MEV / (1e3 * m_gev)) ** 2 * q["L"]
    return np.array([pref * (q["Q"] - q["uc"]), pref * (q["Q"] - q["dc"]), pref * q["L"], -pref * q["ec"]])


def package_eps(beta, m_gev=M_GEV):
    """(eps^uV, eps^dV, eps^eL, eps^eR) of the package at mixing angle beta and M' = m_gev."""
    return np.asarray(_EPS(beta, m_gev))


MODELS = {  # name: (package angle, charges from the table, independently of the angle)
    "chi": ("chi", Q_CHI),
    "psi": ("psi", Q_PSI),
    "eta": ("eta", Q_ETA),
    "eta_e6lr": ("eta_e6lr", Q_ETA_E6LR),
}


def test_table_combinations():
    """The tabulated eta column is sqrt(3/8) chi - sqrt(5/8) psi (same overall sign); [E6LR]'s eta,
    sqrt(3/8) chi + sqrt(5/8) psi, has the hand-derived charges 4 sqrt15 Q = (1, 1, 7, 7, 1, -5).
    Q_chi is an SO(10) generator, traceless on the 16 (Q_psi, hence eta, is constant there instead)."""
    for f in FIELDS:
        assert mix(np.sqrt(3 / 8), -np.sqrt(5 / 8))[f] == pytest.approx(Q_ETA[f], rel=1e-13)
        assert mix(np.sqrt(3 / 8), np.sqrt(5 / 8))[f] == pytest.approx(Q_ETA_E6LR[f], rel=1e-13)
    mult = {"Q": 6, "uc": 3, "dc": 3, "L": 2, "ec": 1, "Nc": 1}
    assert sum(mult.values()) == 16 and abs(sum(mult[f] * Q_CHI[f] for f in FIELDS)) < 1e-14


def test_angles():
    """chi = 0, psi = pi/2, eta: (cos, sin) = (sqrt(3/8), -sqrt(5/8)); [E6LR]'s eta: (sqrt(3/8), +sqrt(5/8))."""
    assert E6_ANGLES["chi"] == 0.0
    np.testing.assert_allclose([np.cos(E6_ANGLES["psi"]), np.sin(E6_ANGLES["psi"])], [0.0, 1.0], atol=1e-15)
    np.testing.assert_allclose([np.cos(E6_ANGLES["eta"]), np.sin(E6_ANGLES["eta"])],
                               [np.sqrt(3 / 8), -np.sqrt(5 / 8)], rtol=1e-14)
    np.testing.assert_allclose([np.cos(E6_ANGLES["eta_e6lr"]), np.sin(E6_ANGLES["eta_e6lr"])],
                               [np.sqrt(3 / 8), np.sqrt(5 / 8)], rtol=1e-14)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_couplings_match_charge_table(name):
    """The package's CEvNS (eps^uV, eps^dV) and nu-e (eps^eL, eps^eR) of each named model equal those
    built from the tabulated charges; eps^uV = 0 for every E6 model (u and u^c share a 10 of SU(5))."""
    angle, q = MODELS[name]
    got = package_eps(E6_ANGLES[angle])
    want = expected_eps(q)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-18)
    assert got[0] == 0.0
    assert np.all(np.abs(want[2:]) > 1e-6)   # every named model is seen in nu-e scattering


def test_generic_angle_and_mass_scaling():
    """At any beta the package equals the table mixture; contact terms scale as 1/M'^2."""
    for beta in (-1.3, -0.4, 0.3, 1.1):
        np.testing.assert_allclose(package_eps(beta), expected_eps(mix(np.cos(beta), np.sin(beta))),
                                   rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(package_eps(0.3, 2 * M_GEV), package_eps(0.3) / 4, rtol=1e-12)


def test_cevns_blind_models():
    """psi is CEvNS-blind (e_L^q + e_R^q = 0 for u and d: all 16 fields share Q_psi) although its
    neutrino charge 1/(2 sqrt6) is not zero; at tan(beta) = -3 sqrt(3/5) the neutrino charge Q(L)
    vanishes, so CEvNS and nu-e both lose the Z'."""
    q = mix(np.cos(E6_NU_DECOUPLED), np.sin(E6_NU_DECOUPLED))
    assert abs(q["L"]) < 1e-16
    np.testing.assert_allclose(np.tan(E6_NU_DECOUPLED), -3 * np.sqrt(3 / 5), rtol=1e-14)
    assert np.all(np.abs(package_eps(E6_NU_DECOUPLED)) < 1e-18)
    psi = package_eps(E6_ANGLES["psi"])
    assert np.all(np.abs(psi[:2]) < 1e-18) and Q_PSI["L"] == pytest.approx(1 / (2 * np.sqrt(6)))
    assert abs(psi[2]) > 1e-6


def test_eps_ratios_to_chi():
    """eps^dV(beta)/eps^dV(chi) = cos^2 + sqrt(5/27) sin cos: 1/6 for the standard eta, 7/12 for [E6LR]'s."""
    chi = expected_eps(Q_CHI)[1]
    assert expected_eps(Q_ETA)[1] / chi == pytest.approx(1 / 6, rel=1e-13)
    assert expected_eps(Q_ETA_E6LR)[1] / chi == pytest.approx(7 / 12, rel=1e-13)
    for beta in (-0.7, 0.2, 1.0):
        want = np.cos(beta) ** 2 + np.sqrt(5 / 27) * np.sin(beta) * np.cos(beta)
        assert package_eps(beta)[1] / package_eps(0.0)[1] == pytest.approx(want, rel=1e-12)


def test_csi2017_bound_ratio_matches_e6lr_table3():
    """COHERENT CsI 2017 ([E6LR] Eq. 21), 90% C.L.: M(eta_e6lr)/M(chi) within 10% of [E6LR] Table 3's
    144/183 (it is sqrt(7/12) = 0.764 exactly, in the contact limit); the standard eta is sqrt(1/6)."""
    from bayes_cevns.studies.projection import Counter, mass_lower_bound

    exp = "coherent_csi_2017"
    counter = Counter("e6", exp)
    m = {k: mass_lower_bound(counter, exp, fixed={"beta": E6_ANGLES[k]}) for k in ("chi", "eta", "eta_e6lr")}
    assert m["eta_e6lr"] / m["chi"] == pytest.approx(144 / 183, rel=0.10)
    assert m["eta_e6lr"] / m["chi"] == pytest.approx(np.sqrt(7 / 12), rel=1e-4)
    assert m["eta"] / m["chi"] == pytest.approx(np.sqrt(1 / 6), rel=1e-4)
