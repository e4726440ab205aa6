"""SNS beam timing: proton pulse convolved with pi+ and mu+ decay ([LM] Sec. II).

Prompt nu_mu arrive as Gauss(mu, sigma) * Exp(tau_pi) (an exponentially modified Gaussian);
delayed nu_e, anti-nu_mu as that convolved again with Exp(tau_mu), which for two exponentials
is the difference form (tau_mu EMG_mu - tau_pi EMG_pi)/(tau_mu - tau_pi). Computed in NumPy,
integrated over analysis time bins on a fine grid so that a time-dependent efficiency can be
folded in before binning. :func:`onset_time_table` tabulates these fractions on a grid of
beam-onset offsets (the onset nuisance of CsI and Ar), :func:`onset_nuisance` is its prior.
"""

from collections.abc import Callable

import numpy as np
from scipy.special import erfc, erfcx

from bayes_cevns.experiments.base import Nuisance, TimeTable
from bayes_cevns.physics.constants import FLAVOURS, TAU_MUON_NS, TAU_PION_NS

_TAU_PI_US = TAU_PION_NS * 1e-3
_TAU_MU_US = TAU_MUON_NS * 1e-3


def _emg_pdf(t: np.ndarray, mean: float, sigma: float, tau: float) -> np.ndarray:
    """Exponentially modified Gaussian: N(mean, sigma) convolved with Exp(tau), per unit t.

    With y = (t - mean)/sigma, k = sigma/tau and u = (k - y)/sqrt(2), the density is
    exp(k^2/2 - k y) erfc(u) / (2 tau) = exp(-y^2/2) erfcx(u) / (2 tau); the second form (scaled
    complementary error function) is used where u > 0, so neither factor overflows far before the
    pulse.
    """
    y = (np.asarray(t, dtype=float) - mean) / sigma
    k = sigma / tau
    u = (k - y) / np.sqrt(2.0)
    out = np.empty_like(y)
    before = u > 0
    out[before] = np.exp(-0.5 * y[before] ** 2) * erfcx(u[before])
    out[~before] = np.exp(0.5 * k * k - k * y[~before]) * erfc(u[~before])
    return out / (2.0 * tau)


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
    counts = np.maximum(np.ceil(np.diff(edges) / step_us).astype(int), 4)  # equal steps per bin
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    w = np.repeat(np.diff(edges) / counts, counts)  # every bin's step, all bins in one array
    t = np.repeat(edges[:-1], counts) + (np.arange(counts.sum()) - np.repeat(starts, counts) + 0.5) * w  # midpoints
    if efficiency is not None:
        w = w * efficiency(t)
    p = np.add.reduceat(prompt_pdf(t, mean_us, sigma_us) * w, starts)
    d = np.add.reduceat(delayed_pdf(t, mean_us, sigma_us) * w, starts)
    return np.stack([p if fl == "nu_mu" else d for fl in FLAVOURS])


def onset_time_table(edges_us: np.ndarray, mean_us: float, sigma_us: float, nuisance: str,
                     onset_sigma_us: float,
                     efficiency: Callable[[np.ndarray], np.ndarray] | None = None,
                     n_sigma: float = 3.0, n_offsets: int = 49, repeat: int = 1) -> TimeTable:
    """Flavour time fractions on ``n_offsets`` evenly spaced beam-onset offsets d in
    [-n_sigma, n_sigma] x ``onset_sigma_us``: the pulse mean is ``mean_us + d``.

    ``repeat`` > 1 repeats every time bin that many times along the last axis (columns of
    (time, third axis) with the third axis fastest, as the Ar 3-D binning). The window fraction
    (each flavour's fraction inside the time window at the nominal onset, before any
    time-dependent efficiency) is computed on the unrepeated bins.
    """
    offsets = np.linspace(-n_sigma * onset_sigma_us, n_sigma * onset_sigma_us, n_offsets)
    table = np.stack([flavour_time_fractions(edges_us, mean_us + d, sigma_us, efficiency) for d in offsets])
    window = flavour_time_fractions(edges_us, mean_us, sigma_us).sum(axis=1)
    if repeat > 1:
        table = np.repeat(table, repeat, axis=-1)
    return TimeTable(offsets=offsets, fractions=table, nuisance=nuisance, window_fraction=window)


def onset_nuisance(table: TimeTable, sigma_us: float, description: str = "beam onset offset (us)") -> Nuisance:
    """The onset offset's prior N(0, sigma_us), bounded to the range of ``table``."""
    return Nuisance(table.nuisance, 0.0, sigma_us, description,
                    lower=table.offsets[0], upper=table.offsets[-1])
