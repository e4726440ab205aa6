"""Cramér–Rao (Asimov Fisher) bound on a fitted signal count in a binned Poisson likelihood.

For expected counts ``mu_i = s * S_i + B_i`` with a free signal scale ``s`` and known backgrounds,
the Fisher information of the data about ``s`` is ``I = sum_i S_i^2 / mu_i``, so no unbiased fit of
the signal count ``N = s * sum_i S_i`` can have a width below ``sum_i S_i / sqrt(I)``. Free
background norms and shape nuisances only widen it. Evaluated at the Asimov point (data equal
to expectation), it is the expected 1-sigma width of a fit.
"""

import numpy as np


def count_width_bound(signal: np.ndarray, background: np.ndarray, n_signal: float | None = None) -> float:
    """1-sigma lower bound on the fitted signal count, backgrounds fixed.

    ``signal`` and ``background`` are expected counts per bin (any shape); ``n_signal`` rescales
    the signal to that total first (e.g. a measured count instead of the prediction).
    """
    s = np.asarray(signal, dtype=float)
    b = np.asarray(background, dtype=float)
    if s.shape != b.shape:
        raise ValueError(f"signal {s.shape} and background {b.shape} must have the same shape")
    if np.any(s < 0) or np.any(b < 0) or not (np.all(np.isfinite(s)) and np.all(np.isfinite(b))):
        raise ValueError("expected counts must be finite and non-negative")
    if n_signal is not None:
        s = s * (n_signal / s.sum())
    mu = s + b
    used = mu > 0
    info = np.sum(s[used] ** 2 / mu[used]) / s.sum() ** 2  # Fisher information about N
    return float(1.0 / np.sqrt(info))
