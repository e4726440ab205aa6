"""Physics layer: pure PyTensor functions of tensors plus NumPy flux moments.

Nothing here imports PyMC or touches files. Every formula cites its equation in
[LM] = Atzori Corona et al. 2022 (``../shared/papers/atzori_corona_et_al_2022_light_mediators_coherent.txt``).
"""

from bayes_cevns.physics.constants import FLAVOURS, ISOTOPES, Isotope
from bayes_cevns.physics.form_factors import FORM_FACTORS, form_factor

__all__ = ["FLAVOURS", "ISOTOPES", "Isotope", "FORM_FACTORS", "form_factor"]
