"""Per-isotope recoil grid and the parameter-independent kinematic factors on it.

A physics term sees one target isotope at a time through a :class:`Kinematics` record: the
recoil energies T_k (MeV), the momentum transfer |q| = sqrt(2 M T) ([LM] below Eq. 16) and the
flux-folded ratios that let interactions with a kinematic factor different from the vector one
of [LM] Eq. 10 enter the factorised rate as an equivalent squared charge (scalar exchange,
[LM] Eq. 33; neutrino magnetic moment, [LAR] Eq. 9). All arrays are NumPy constants.
"""

from dataclasses import dataclass

import numpy as np

from bayes_cevns.physics.constants import FLAVOURS, LEPTON_OF, Isotope
from bayes_cevns.physics.flux import Moments, flux_moments, magnetic_kernel_ratio, scalar_kernel_ratio


@dataclass(frozen=True, eq=False)
class Kinematics:
    """Recoil grid of one isotope: ``t`` (K,), ``q`` (K,), ratios (3, K) per flavour slot, and the
    neutrino species in each slot (``FLAVOURS`` for pi-DAR; ``SOLAR_FLAVOURS`` for the Sun)."""

    isotope: Isotope
    t: np.ndarray
    q: np.ndarray
    scalar_ratio: np.ndarray
    magnetic_ratio: np.ndarray
    flavours: tuple[str, ...] = FLAVOURS

    @property
    def leptons(self) -> tuple[int, ...]:
        """Lepton flavour (e, mu, tau index) of each slot."""
        return tuple(LEPTON_OF[f] for f in self.flavours)

    @classmethod
    def pion_dar(cls, isotope: Isotope, recoil_t: np.ndarray) -> "Kinematics":
        """Kinematics for the pi-DAR source of [LM] Eqs. 1-3 on the recoil nodes ``recoil_t``."""
        t = np.asarray(recoil_t, dtype=float)
        return cls.from_moments(isotope, t, flux_moments(t, isotope.mass))

    @classmethod
    def from_moments(cls, isotope: Isotope, recoil_t: np.ndarray, moments: Moments,
                     flavours: tuple[str, ...] = FLAVOURS) -> "Kinematics":
        """Kinematics for any source given its flux moments (3 flavour rows, see ``flux.numeric_moments``)
        and the species of its slots."""
        t = np.asarray(recoil_t, dtype=float)
        return cls(isotope, t, np.sqrt(2.0 * isotope.mass * t),
                   scalar_kernel_ratio(t, isotope.mass, moments), magnetic_kernel_ratio(t, isotope.mass, moments),
                   tuple(flavours))
