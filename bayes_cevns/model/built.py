"""What :func:`~bayes_cevns.model.build.build_model` returns: the PyMC model and its declared roles."""

from dataclasses import dataclass, field

import numpy as np
import pymc as pm

from bayes_cevns.experiments.base import Experiment
from bayes_cevns.model.cards import ModelCard

#: roles a random variable of a built model can have
ROLES = ("coupling", "mass", "physics", "nuisance", "flux", "background_norm")
#: roles of physics parameters of interest (their priors are excluded from the chi^2)
PHYSICS_ROLES = ("coupling", "mass", "physics")


@dataclass
class BuiltModel:
    """A PyMC model with its card, experiments and the role of every free random variable.

    ``roles`` maps each free random variable to one of :data:`ROLES`, as declared by the card
    (``role`` of a parameter) or by the experiment (``Nuisance.role``), never inferred from its
    name. ``carriers`` maps a card parameter name to the variable that carries it (``g`` ->
    ``log10_g`` for a log-uniform prior; ``cevns_scale`` -> ``cevns_scale_csi`` per experiment).
    """

    model: pm.Model
    card: ModelCard
    experiments: list[Experiment]
    roles: dict[str, str] = field(default_factory=dict)
    carriers: dict[str, list[str]] = field(default_factory=dict)

    def do(self, values: dict[str, float]) -> "BuiltModel":
        """The model with the named free variables fixed at ``values`` (``pm.do``); roles follow."""
        unknown = sorted(set(values) - set(self.roles))
        if unknown:
            raise ValueError(f"cannot fix {unknown}: not free variables of this model")
        fixed = pm.do(self.model, {k: np.float64(v) for k, v in values.items()})
        roles = {k: r for k, r in self.roles.items() if k not in values}
        carriers = {k: [n for n in v if n not in values] for k, v in self.carriers.items()}
        return BuiltModel(fixed, self.card, self.experiments, roles, carriers)

    def __getattr__(self, name: str):
        """Read-only access to the ``pm.Model``'s attributes (``built.free_RVs``, ``built["mu_csi"]``)."""
        if name.startswith("__") or name in ("model", "card", "experiments", "roles", "carriers"):
            raise AttributeError(name)
        return getattr(self.model, name)

    def __getitem__(self, name: str):
        return self.model[name]

    def __enter__(self) -> pm.Model:
        return self.model.__enter__()

    def __exit__(self, *exc) -> None:
        self.model.__exit__(*exc)

    @property
    def sampled_parameters(self) -> list[str]:
        """The free random variables of the physics (role coupling, mass or physics), in order."""
        return [n for n, r in self.roles.items() if r in PHYSICS_ROLES]

    def with_role(self, *roles: str) -> list[str]:
        """Free random variables having one of ``roles``."""
        bad = [r for r in roles if r not in ROLES]
        if bad:
            raise ValueError(f"unknown role(s) {bad}; roles are {ROLES}")
        return [n for n, r in self.roles.items() if r in roles]

    def carrier(self, role: str) -> str:
        """The one random variable of ``role`` (e.g. the coupling of a mediator card)."""
        names = self.with_role(role)
        if len(names) != 1:
            raise ValueError(f"model {self.card.name!r} has {len(names)} free variable(s) of role {role!r}: {names}")
        return names[0]
