"""SNS beam timing: proton pulse convolved with pi+ and mu+ decay ([LM] Sec. II).

Prompt nu_mu arrive as Gauss(mu, sigma) * Exp(tau_pi) (an exponentially modified Gaussian);
delayed nu_e, anti-nu_mu as that convolved again with Exp(tau_mu), which for two exponentials
is the difference form (tau_mu EMG_mu - tau_pi EMG_pi)/(tau_mu - tau_pi). Computed in NumPy,
integrated over analysis time bins on a fine grid so that a time-dependent efficiency can be
folded in before binning.
"""

from collections.abc import Callable

import numpy as np
from scipy.stats import exponnorm

from bayes_cevns.physics.constants import FLAVOURS, TAU_MUON_NS, TAU_PION_NS

_TAU_PI_US = TAU_PION_NS * 1e-3
_TAU_MU_US = TAU_MUON_NS * 1e-3


def _emg_pdf(t: np.ndarray, mean: float, sigma: float, tau: float) -> np.ndarray:
    return exponnorm.pdf(t, tau / sigma, loc=mean, scale=sigma)


def prompt_pdf(t_us: np.ndarray, mean_us: float, sigma_us: float) -> np.ndarray:
    """Arrival-time density of prompt nu_mu (per us)."""
    return _emg_pdf(t_us, mean_us, sigma_us, _TAU_PI_US)


def delayed_pdf(t_us: np.ndarray, mean_us: float, sigma_us: float) -> np.ndarray:
    """Arrival-time density of delayed nu_e and anti-nu_mu (per us)."""
    a = _TAU_MU_US * _emg_pdf(t_us, mean_us, sigma_us, _TAU_MU_US)
    b = _TAU_PI_US * _emg_pdf(t_us, mean_us, sigma_us, _TAU_PI_US)
    return (a - b) / (_TAU_MU_US - _TAU_PI_US)


def flavour_time_fractions(edges_us: np.ndarray, mean_us: float, sigma_us: float,
                           efficiency: Callable[[np.ndarray], np.ndarray] | None = None,
                           step_us: float = 0.001) -> np.ndarray:
    """Fraction of each flavour's events in each time bin, times the time efficiency.

    Returns shape (3, n_bins), rows ordered as ``FLAVOURS`` (nu_mu prompt, others delayed).
    """
    edges = np.asarray(edges_us, dtype=float)
    out = np.zeros((len(FLAVOURS), edges.size - 1))
    for j in range(edges.size - 1):
        n = max(int(np.ceil((edges[j + 1] - edges[j]) / step_us)), 4)
        t = np.linspace(edges[j], edges[j + 1], n + 1)
        t = 0.5 * (t[1:] + t[:-1])
        w = np.full(n, (edges[j + 1] - edges[j]) / n)
        if efficiency is not None:
            w = w * efficiency(t)
        p = np.sum(prompt_pdf(t, mean_us, sigma_us) * w)
        d = np.sum(delayed_pdf(t, mean_us, sigma_us) * w)
        out[:, j] = [p if fl == "nu_mu" else d for fl in FLAVOURS]
    return out


