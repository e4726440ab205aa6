"""Physics layer: pure PyTensor functions of tensors plus NumPy flux moments.

Nothing here imports PyMC or touches files. Every formula cites its equation in
[LM] = Atzori Corona et al. 2022 (``../shared/papers/atzori_corona_et_al_2022_light_mediators_coherent.txt``).
Submodules load on first attribute access, so ``from bayes_cevns import physics`` then
``physics.form_factors.helm(...)`` works without importing each submodule.
"""

from importlib import import_module

from bayes_cevns.physics.constants import FLAVOURS, ISOTOPES, Isotope
from bayes_cevns.physics.form_factors import FORM_FACTORS, form_factor

__all__ = ["FLAVOURS", "ISOTOPES", "Isotope", "FORM_FACTORS", "form_factor"]


def __getattr__(name: str):
    """The submodule ``bayes_cevns.physics.<name>``, imported on first use."""
    try:
        return import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
