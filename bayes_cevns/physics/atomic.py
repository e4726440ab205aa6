"""Atomic binding in neutrino-electron scattering: the stepping approximation.

At keV recoils an electron can only be knocked out if the energy transfer exceeds its binding
energy. The stepping approximation (Kopeikin et al. 1997; Chen et al., PLB 774 (2017) 656)
replaces the free-electron count Z by the number of electrons with binding energy below T:

    dsigma/dT -> (1/Z) sum_shells n_i Theta(T - B_i) * dsigma/dT(free).

Binding energies in keV from the X-ray Data Booklet (Thompson et al., LBNL 2009), Table 1-1.
"""

import numpy as np

#: element -> ((binding energy keV, occupancy), ...)
SHELLS: dict[str, tuple[tuple[float, int], ...]] = {
    "Xe": ((34.561, 2), (5.453, 2), (5.107, 2), (4.786, 4), (1.1487, 2), (1.0021, 2), (0.9406, 4), (0.6890, 4),
           (0.6764, 6), (0.2133, 2), (0.1467, 2), (0.1455, 4), (0.0695, 4), (0.0675, 6), (0.0233, 2), (0.0134, 2),
           (0.0121, 4)),
}


def stepping_fraction(element: str, recoil_kev) -> np.ndarray:
    """Fraction of the element's electrons that can be ionised by an energy transfer T (keV)."""
    try:
        shells = SHELLS[element]
    except KeyError:
        raise ValueError(f"no shell data for {element!r}; available: {sorted(SHELLS)}") from None
    t = np.asarray(recoil_kev, dtype=float)
    z = sum(n for _, n in shells)
    return sum(n * (t >= b) for b, n in shells) / z
