"""The three U(1)_R coupling bounds of [U1R] Fig. 5, as the paper states them, next to ours.

* nu_e-bar e (TEXONO), [U1R] Eq. 36: the new amplitude shifts g_V by
  (sqrt(2)/G_F) lambda / (m_X^2 + s x), x = T/T_max, s = 2 m_e T_max; the bound requires
  (sqrt(2)/G_F) lambda I(m_X) / D <= r with
  I = int_0^1 [(g_V - g_A) + (g_V + g_A)(1 - x)^2] / (m_X^2 + s x) dx and
  D = (g_V - g_A)^2 + (g_V + g_A)^2 / 3, i.e. an interference term of at most 2r of the SM
  rate. r = 0.1 is Eq. 36 as printed. I has the closed form used below, which keeps the
  logarithm ln(1 + s/m_X^2) that makes the bound flatten for m_X^2 << s.
* COHERENT, [U1R] Eqs. 39-40: the coherent amplitude ratio
  (4 sqrt(2)/(3 G_F)) (A/Q_W) lambda s_W^2 / (m_X^2 + 2MT) at 2MT = 4 E^2 (E = 30 MeV) is at most 0.1.
* rho parameter, [U1R] Eq. 34: g_X c_alpha Y < 2.3e-3, i.e. sqrt(lambda) < 2.3e-3 / 4 for every m_X.

g_V and g_A are the nu_e-e couplings g_V = 1/2 + 2 s_W^2, g_A = 1/2 (charged plus neutral
current) with s_W^2 = 0.238, the value [U1R] uses (Sec. 6.2).
"""

import numpy as np

from bayes_cevns.physics.constants import G_FERMI, M_ELECTRON
from bayes_cevns.physics.nu_electron import t_max

U1R_SIN2 = 0.238
RHO_BOUND_GXCY = 2.3e-3


def _gv_ga(s2: float = U1R_SIN2) -> tuple[float, float]:
    return 0.5 + 2.0 * s2, 0.5


def _int_square(m2: np.ndarray, s: float) -> np.ndarray:
    """int_0^1 (1-x)^2 / (m^2 + s x) dx: closed form for s >= m^2/2, else the series in u = s/m^2
    (sum_k (-u)^k 2/((k+1)(k+2)(k+3)) / m^2), which avoids the cancellation of the closed form."""
    u = s / m2
    c = s + m2
    with np.errstate(divide="ignore", invalid="ignore"):
        closed = (c**2 * np.log1p(u) - 2.0 * c * s + 0.5 * (c**2 - m2**2)) / s**3
    k = np.arange(40)[:, None]
    series = np.sum((-np.minimum(u, 0.5)) ** k * 2.0 / ((k + 1) * (k + 2) * (k + 3)), axis=0) / m2
    return np.where(u >= 0.5, closed, series)


def interference_integral(m_x: np.ndarray, s: float, s2: float = U1R_SIN2) -> np.ndarray:
    """I(m_X) of [U1R] Eq. 36 in MeV^-2 (closed form of the x integral, a series for m_X^2 >> s)."""
    gv, ga = _gv_ga(s2)
    m2 = np.atleast_1d(np.asarray(m_x, dtype=float) ** 2)
    out = (gv - ga) * np.log1p(s / m2) / s + (gv + ga) * _int_square(m2, s)
    return out.reshape(np.shape(m_x))


def nue_bound(m_x, e_nu: float = 8.0, ratio: float = 0.1, s: float | None = None,
              s2: float = U1R_SIN2) -> np.ndarray:
    """Upper bound on sqrt(lambda) from [U1R] Eq. 36 (module docstring); s defaults to 2 m_e T_max(E)."""
    s = 2.0 * M_ELECTRON * float(t_max(e_nu)) if s is None else s
    gv, ga = _gv_ga(s2)
    d = (gv - ga) ** 2 + (gv + ga) ** 2 / 3.0
    lam = ratio * d * G_FERMI / (np.sqrt(2.0) * interference_integral(m_x, s, s2))
    return np.sqrt(lam)


def coherent_bound(m_x, a: int = 133, z: int = 55, e_nu: float = 30.0, ratio: float = 0.1,
                   s2: float = U1R_SIN2) -> np.ndarray:
    """Upper bound on sqrt(lambda) from [U1R] Eqs. 39-40 (amplitude ratio <= ``ratio`` at 2MT = 4E^2)."""
    q_w = (a - z) - (1.0 - 4.0 * s2) * z
    m2 = np.asarray(m_x, dtype=float) ** 2
    lam = ratio * 3.0 * G_FERMI * q_w * (m2 + 4.0 * e_nu**2) / (4.0 * np.sqrt(2.0) * a * s2)
    return np.sqrt(lam)


def rho_bound(m_x) -> np.ndarray:
    """[U1R] Eq. 34 as a bound on sqrt(lambda) = g_X c_alpha Y / 4, independent of m_X."""
    return np.full(np.shape(m_x), RHO_BOUND_GXCY / 4.0)
