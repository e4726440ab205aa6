"""Shared test support: repository paths and independent reference computations.

The references are written from the papers' equations with NumPy/SciPy only, never through the
package, so a test comparing the package with them can fail.
"""

from pathlib import Path

import numpy as np
from scipy import integrate

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = REPO_ROOT / "data"
M_MU = 105.6583755  # MeV, PDG 2024


def delta_a_reference(g: float, m_boson: float, kind: str, m_lepton: float = M_MU) -> float:
    """delta a_l of a boson of mass ``m_boson`` (MeV) and coupling ``g``: adaptive quadrature of
    [LM] Eq. 58 with Eq. 59's Q(x) (vector: 2x^2(1-x); scalar: x^2(2-x))."""
    q = (lambda x: 2 * x**2 * (1 - x)) if kind == "vector" else (lambda x: x**2 * (2 - x))
    r2 = (m_boson / m_lepton) ** 2
    val, _ = integrate.quad(lambda x: q(x) / (x**2 + (1 - x) * r2), 0, 1, epsabs=0, epsrel=1e-12, limit=400,
                            points=[min(1.0, m_boson / m_lepton), max(0.0, 1 - 1 / r2)])
    return g**2 / (8 * np.pi**2) * val


def clear_data_caches() -> None:
    """Forget every cached manifest, table and experiment (after the data folder changed)."""
    from bayes_cevns.experiments import data, load_experiment, projected_setups, projected_weights, solar, xenonnt_8b

    data._manifest.cache_clear()
    load_experiment.cache_clear()
    projected_setups.setup_table.cache_clear()
    projected_weights.load_projection.cache_clear()
    xenonnt_8b._archive.cache_clear()
    for fn in (solar._b16_fluxes, solar._boron8, solar._hep):
        fn.cache_clear()
