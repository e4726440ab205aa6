"""Steady-state background from an anti-coincidence (AC) sample, as a smooth template.

Binning the AC events and using the histogram (or the product of its energy and time marginals)
as the template freezes the AC sample's Poisson noise into the background model. In CsI 2021 the
AC sample has 1295 events in the ROI, about 25 per 0.125-us time column. The fitted CEvNS count
then depends on the binning: +22 events between [LM]'s 9 x 11 bins and 2 PE x 0.25 us, while
toys drawn from the model itself give -0.9 +- 6.5.

Here the template is smooth. Two inputs fix its shape:
* the energy shape is a logistic turn-on times exp(quadratic), fitted unbinned (maximum
  likelihood) to the AC energies;
* the time shape is uniform (random coincidences) times the detector's time-dependent efficiency.

The AC total stays the normalisation (an auxiliary Poisson measurement in the model). The four
shape parameters are fixed at their maximum-likelihood values. They are fitted to the same
events that set the normalisation, so their uncertainty is small next to that of the total
(√1295, 2.8%).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

_GRID_POINTS = 6001


def _shape(params: np.ndarray, x: np.ndarray, span: float) -> np.ndarray:
    """Unnormalised density: 1/(1 + exp(-(x - x0)/w)) * exp(c1 u + c2 u^2), u = x/span."""
    x0, log_w, c1, c2 = params
    u = x / span
    return np.exp(c1 * u + c2 * u * u) / (1.0 + np.exp(-(x - x0) / np.exp(log_w)))


def _cdf_on(grid: np.ndarray, density: np.ndarray) -> np.ndarray:
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(grid))])
    return cum / cum[-1]


@dataclass(frozen=True)
class SteadyState:
    """Smooth steady-state model fitted to AC events inside [e_lo, e_hi) x [t_lo, t_hi)."""

    n_events: int
    energy_params: np.ndarray
    energy_range: tuple[float, float]
    time_range: tuple[float, float]
    time_efficiency: Callable[[np.ndarray], np.ndarray]

    @classmethod
    def fit(cls, events: np.ndarray, energy_range: tuple[float, float], time_range: tuple[float, float],
            time_efficiency: Callable[[np.ndarray], np.ndarray]) -> "SteadyState":
        """Unbinned maximum-likelihood fit of the energy shape to the AC events in the window."""
        ev = np.asarray(events, dtype=float)
        inside = ((ev[:, 0] >= energy_range[0]) & (ev[:, 0] < energy_range[1])
                  & (ev[:, 1] >= time_range[0]) & (ev[:, 1] < time_range[1]))
        e = ev[inside, 0]
        if e.size < 20:
            raise ValueError(f"steady-state fit needs at least 20 AC events in the window, got {e.size}")
        grid = np.linspace(*energy_range, _GRID_POINTS)
        span = energy_range[1] - energy_range[0]

        def nll(p: np.ndarray) -> float:
            norm = np.trapezoid(_shape(p, grid, span), grid)
            val = -np.sum(np.log(_shape(p, e, span))) + e.size * np.log(norm)
            return float(val) if np.isfinite(val) else 1e300

        start = np.array([np.quantile(e, 0.02), 0.0, 0.0, 0.0])
        res = minimize(nll, start, method="Nelder-Mead",
                       options={"maxiter": 8000, "xatol": 1e-7, "fatol": 1e-9})
        if not res.success:
            raise RuntimeError(f"steady-state energy-shape fit did not converge: {res.message}")
        return cls(int(e.size), res.x, energy_range, time_range, time_efficiency)

    def energy_fractions(self, edges: np.ndarray) -> np.ndarray:
        """Fraction of the window's AC events in each energy bin."""
        grid = np.linspace(*self.energy_range, _GRID_POINTS)
        cdf = _cdf_on(grid, _shape(self.energy_params, grid, self.energy_range[1] - self.energy_range[0]))
        return np.diff(np.interp(edges, grid, cdf))

    def time_fractions(self, edges: np.ndarray) -> np.ndarray:
        """Fraction in each time bin: uniform arrival times times the time efficiency."""
        grid = np.linspace(*self.time_range, _GRID_POINTS)
        return np.diff(np.interp(edges, grid, _cdf_on(grid, self.time_efficiency(grid))))

    def template(self, energy_edges: np.ndarray, time_edges: np.ndarray) -> np.ndarray:
        """Expected steady-state counts per (energy, time) bin at the AC normalisation."""
        return self.n_events * np.outer(self.energy_fractions(energy_edges), self.time_fractions(time_edges))
