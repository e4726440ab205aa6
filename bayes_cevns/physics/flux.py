"""The pi-DAR neutrino flux at the SNS ([LM] Eqs. 1-3) and its flux moments.

The spectra here are normalised to one neutrino per flavour; multiply by
eta = r N_POT / (4 pi L^2) for the fluence. Because the CEvNS cross section ([LM] Eq. 10)
is a polynomial in 1/E^2 times a weak charge that depends on T only, the energy integral of
[LM] Eq. 4 factorises into *flux moments* that are computed once, analytically, in NumPy:

    A_f(T) = int_{E_min(T)}^{E_max} phi_f(E) dE,    B_f(T) = int_{E_min(T)}^{E_max} phi_f(E)/E^2 dE,
    C_f(T) = int_{E_min(T)}^{E_max} phi_f(E)/E dE,

with E_min(T) = sqrt(M T / 2). Then int phi_f dsigma/dT dE = (G_F^2 M/pi) K_f(T) Q_f(T)^2 with
K_f = A_f - (M T / 2) B_f.
"""

import numpy as np

from bayes_cevns.physics.constants import E_MAX_DELAYED, E_PROMPT, FLAVOURS, G_FERMI, M_MUON


def spectrum(flavour: str, energy: np.ndarray) -> np.ndarray:
    """dN/dE per neutrino of the flavour, in MeV^-1 ([LM] Eqs. 2-3); the prompt line has no density."""
    e = np.asarray(energy, dtype=float)
    inside = (e >= 0) & (e <= E_MAX_DELAYED)
    if flavour == "nu_e":
        val = 192.0 * e**2 / M_MUON**3 * (0.5 - e / M_MUON)
    elif flavour == "nu_mu_bar":
        val = 64.0 * e**2 / M_MUON**3 * (0.75 - e / M_MUON)
    elif flavour == "nu_mu":
        raise ValueError("nu_mu from pi-DAR is a line at E_PROMPT ([LM] Eq. 1): use flux_moments")
    else:
        raise ValueError(f"unknown flavour {flavour!r}; choose one of {FLAVOURS}")
    return np.where(inside, val, 0.0)


def _delayed_primitives(flavour: str, e: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Antiderivatives of phi(E), phi(E)/E^2 and phi(E)/E for the Michel-type spectra."""
    m = M_MUON
    if flavour == "nu_e":
        c, p0, p1 = 192.0 / m**3, 0.5, -1.0 / m
    else:
        c, p0, p1 = 64.0 / m**3, 0.75, -1.0 / m
    a = c * (p0 * e**3 / 3.0 + p1 * e**4 / 4.0)
    b = c * (p0 * e + p1 * e**2 / 2.0)
    d = c * (p0 * e**2 / 2.0 + p1 * e**3 / 3.0)
    return a, b, d


def e_min(recoil_t: np.ndarray, nuclear_mass: float) -> np.ndarray:
    """Minimum neutrino energy for recoil T, sqrt(M T / 2) ([LM] Eq. 4)."""
    return np.sqrt(nuclear_mass * np.asarray(recoil_t, dtype=float) / 2.0)


def flux_moments(recoil_t: np.ndarray, nuclear_mass: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Moments A_f(T), B_f(T), C_f(T) = int phi_f/E dE of every flavour on a recoil grid (T in MeV).

    Returns three arrays of shape (3, len(T)), flavours ordered as ``FLAVOURS``.
    """
    t = np.asarray(recoil_t, dtype=float)
    emin = e_min(t, nuclear_mass)
    a = np.zeros((len(FLAVOURS), t.size))
    b = np.zeros_like(a)
    c = np.zeros_like(a)
    for i, fl in enumerate(FLAVOURS):
        if fl == "nu_mu":
            open_ = emin < E_PROMPT
            a[i] = open_.astype(float)
            b[i] = open_ / E_PROMPT**2
            c[i] = open_ / E_PROMPT
        else:
            lo = np.minimum(emin, E_MAX_DELAYED)
            hi = _delayed_primitives(fl, np.float64(E_MAX_DELAYED))
            low = _delayed_primitives(fl, lo)
            a[i], b[i], c[i] = (h - l for h, l in zip(hi, low))
    return a, b, c


Moments = tuple[np.ndarray, np.ndarray, np.ndarray]


def numeric_moments(energy: np.ndarray, spectra: np.ndarray, emin: np.ndarray) -> Moments:
    """Moments A, B, C of tabulated spectra: int_{E_min(T)}^{E_max} phi(E) E^{0,-2,-1} dE.

    ``spectra`` has shape (n_flavours, n_E) on the ascending grid ``energy``; ``emin`` the
    threshold energy per recoil node. Cumulative trapezoids, linear in E between nodes; the
    same factorisation as the analytic pi-DAR moments, for any source (reactor, 51Cr lines are
    added by :func:`line_moments`). Returns three arrays of shape (n_flavours, len(emin)).
    """
    e = np.asarray(energy, dtype=float)
    if e.ndim != 1 or np.any(np.diff(e) <= 0) or e[0] <= 0:
        raise ValueError("energy grid must be one-dimensional, positive and strictly ascending")
    phi = np.atleast_2d(np.asarray(spectra, dtype=float))
    out = []
    for weight in (np.ones_like(e), 1.0 / e**2, 1.0 / e):
        f = phi * weight
        cum = np.concatenate([np.zeros((f.shape[0], 1)), np.cumsum(0.5 * (f[:, 1:] + f[:, :-1]) * np.diff(e), axis=1)],
                             axis=1)
        below = np.array([np.interp(emin, e, c) for c in cum])
        out.append(cum[:, -1:] - below)
    return out[0], out[1], out[2]


def line_moments(lines: tuple[tuple[float, float], ...], emin: np.ndarray) -> Moments:
    """Moments of monochromatic lines (energy, intensity): one flavour row, shape (1, len(emin))."""
    emin = np.asarray(emin, dtype=float)
    a = sum(w * (emin < e) for e, w in lines)
    b = sum(w * (emin < e) / e**2 for e, w in lines)
    c = sum(w * (emin < e) / e for e, w in lines)
    return a[None, :] * 1.0, b[None, :] * 1.0, c[None, :] * 1.0


def folded_kernel(recoil_t: np.ndarray, nuclear_mass: float, moments: Moments | None = None) -> np.ndarray:
    """K_f(T) = int phi_f(E) (1 - M T / 2E^2) dE, shape (n_flavours, len(T)) ([LM] Eqs. 4 and 10).

    ``moments`` defaults to the pi-DAR ones of :func:`flux_moments`.
    """
    a, b, _ = flux_moments(recoil_t, nuclear_mass) if moments is None else moments
    t = np.asarray(recoil_t, dtype=float)
    return np.clip(a - nuclear_mass * t / 2.0 * b, 0.0, None)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    safe = np.where(den > 0, den, 1.0)
    return np.where(den > 0, num / safe, 0.0)


def scalar_kernel_ratio(recoil_t: np.ndarray, nuclear_mass: float, moments: Moments | None = None) -> np.ndarray:
    """R_S(T) = [int phi M^2 T/(4 pi E^2) dE] / [(G_F^2 M / pi) K_f(T)], shape (3, len(T)).

    The scalar cross section ([LM] Eq. 33) has the kinematic factor M^2 T/(4 pi E^2) instead of
    the vector one (G_F^2 M/pi)(1 - M T/2E^2) of Eq. 10, so its flux-folded rate is the vector
    kernel times R_S: a scalar charge squared Q_phi^2 enters the factorised rate as R_S Q_phi^2.
    """
    moments = flux_moments(recoil_t, nuclear_mass) if moments is None else moments
    t = np.asarray(recoil_t, dtype=float)
    return _ratio(nuclear_mass * t * moments[1] / (4.0 * G_FERMI**2), folded_kernel(recoil_t, nuclear_mass, moments))


def magnetic_kernel_ratio(recoil_t: np.ndarray, nuclear_mass: float, moments: Moments | None = None) -> np.ndarray:
    """R_mu(T) = [int phi (1/T - 1/E) dE] / [(G_F^2 M / pi) K_f(T)], shape (3, len(T)), in MeV^2.

    The magnetic-moment cross section ([LAR] Eq. 9) has the kinematic factor (1/T - 1/E), so
    with C_f = int phi/E dE its flux-folded rate is (A_f/T - C_f) times the coupling factor.
    """
    moments = flux_moments(recoil_t, nuclear_mass) if moments is None else moments
    a, _, c = moments
    t = np.asarray(recoil_t, dtype=float)
    num = np.clip(a / t - c, 0.0, None)
    return _ratio(num / (G_FERMI**2 * nuclear_mass / np.pi), folded_kernel(recoil_t, nuclear_mass, moments))


def max_recoil(energy: float, nuclear_mass: float) -> float:
    """Kinematic endpoint T_max = 2 E^2 / M (in the M >> E limit used by [LM] Eq. 4)."""
    return 2.0 * energy**2 / nuclear_mass


def fluence_norm(nu_per_flavour_per_pot: float, n_pot: float, baseline_m: float) -> float:
    """eta = r N_POT / (4 pi L^2) in neutrinos per cm^2 per flavour ([LM] below Eq. 3)."""
    return nu_per_flavour_per_pot * n_pot / (4.0 * np.pi * (baseline_m * 100.0) ** 2)
