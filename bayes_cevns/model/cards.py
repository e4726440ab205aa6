"""Declarative model cards (TOML files in ``models/``): parameters, units, bounds, priors.

A card names a physics term of :mod:`bayes_cevns.physics.contributions` and lists its parameters.
Parameters with ``free = false`` are held at ``default`` unless freed; every value set by a
user is validated against ``bounds`` (an open interval: unphysical values raise).
"""

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from bayes_cevns.model.card_schema import SCHEMA_FILE, schema_error
from bayes_cevns.physics.constants import ISOTOPES, LEPTONS
from bayes_cevns.physics.contributions import CONTRIBUTIONS
from bayes_cevns.physics.vector_mediator import parse_charges

#: Parameters of the SM part that every card may declare.
SM_PARAMETERS = ("sin2_theta_w",) + tuple(sorted({iso.rn_param for iso in ISOTOPES.values()}))
#: [model] keys that are not physics options.
_MODEL_KEYS = ("name", "description", "physics", "rate_scale", "rate_reference", "per_experiment",
               "replaces_nuisances")
#: [model] options of the SM part that every card may set.
SM_OPTIONS = ("coupling_scheme", "form_factor", "running")

#: declared roles of card parameters
PARAMETER_ROLES = ("coupling", "mass", "physics")

PRIOR_KINDS = {
    "uniform": ("lower", "upper"),
    "normal": ("mu", "sigma"),
    "truncated_normal": ("mu", "sigma", "lower", "upper"),
    "log_uniform": ("lower", "upper"),
    "half_normal": ("sigma",),
}


class CardError(ValueError):
    """A model card, parameter name, value or prior is invalid."""


@dataclass(frozen=True)
class Prior:
    dist: str
    args: dict[str, float]

    def __post_init__(self):
        need = PRIOR_KINDS.get(self.dist)
        if need is None:
            raise CardError(f"unknown prior {self.dist!r}; choose one of {sorted(PRIOR_KINDS)}")
        missing = set(need) - set(self.args)
        extra = set(self.args) - set(need)
        if missing or extra:
            raise CardError(f"prior {self.dist!r} takes {need}, got {sorted(self.args)}")
        for k, v in self.args.items():
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                raise CardError(f"prior {self.dist!r}: {k} must be a finite number, got {v!r}")
        if "sigma" in self.args and self.args["sigma"] <= 0:
            raise CardError(f"prior {self.dist!r}: sigma must be positive, got {self.args['sigma']}")
        if "lower" in self.args and "upper" in self.args and not self.args["lower"] < self.args["upper"]:
            raise CardError(f"prior {self.dist!r}: lower must be below upper")
        if self.dist == "log_uniform" and self.args["lower"] <= 0:
            raise CardError("log_uniform prior needs lower > 0")

    @classmethod
    def parse(cls, text: str) -> "Prior":
        """Parse ``dist(a,b,...)``, e.g. ``uniform(0.1,0.4)`` or ``normal(5.0,0.2)``."""
        text = text.strip()
        if not text.endswith(")") or "(" not in text:
            raise CardError(f"cannot parse prior {text!r}; write e.g. uniform(0.1,0.4)")
        dist, rest = text[:-1].split("(", 1)
        dist = dist.strip()
        if dist not in PRIOR_KINDS:
            raise CardError(f"unknown prior {dist!r}; choose one of {sorted(PRIOR_KINDS)}")
        try:
            vals = [float(v) for v in rest.split(",")] if rest.strip() else []
        except ValueError:
            raise CardError(f"cannot parse prior arguments in {text!r}") from None
        names = PRIOR_KINDS[dist]
        if len(vals) != len(names):
            raise CardError(f"prior {dist} takes {len(names)} arguments {names}, got {len(vals)}")
        return cls(dist, dict(zip(names, vals)))


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    default: float
    bounds: tuple[float, float]
    free: bool
    prior: Prior
    #: "coupling", "mass" (the mediator's, scanned in (M, g) limits) or "physics"
    role: str = "physics"
    #: value at which the card reduces to the SM (a coupling's 0, a heavy mass's decoupling
    #: value); used for Asimov data of projected experiments. None: no SM limit declared
    sm_value: float | None = None

    def check(self, value: float) -> float:
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise CardError(f"parameter {self.name}: value must be a finite number, got {value!r}")
        lo, hi = self.bounds
        if not lo < value < hi:
            raise CardError(
                f"parameter {self.name} = {value} {self.unit} is unphysical: must lie in ({lo}, {hi})")
        return float(value)


@dataclass(frozen=True)
class ModelCard:
    name: str
    description: str
    physics: tuple[str, ...]
    options: dict
    parameters: dict[str, Parameter]
    rate_scale: str | None = None
    per_experiment: tuple[str, ...] = ()
    source: str = ""
    text: str = field(default="", repr=False)
    #: the value of ``rate_scale`` at which the rate is the nominal one: the rate is multiplied
    #: by rate_scale / rate_reference (e.g. a flux in physical units over its reference flux)
    rate_reference: float = 1.0
    #: experiment nuisances that a card parameter stands for (``b8_flux``'s free flux replaces the
    #: solar-flux prior of the solar experiments): ``build_model`` holds them at nominal
    replaces_nuisances: tuple[str, ...] = ()

    def parameter(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise CardError(
                f"model {self.name!r} has no parameter {name!r}; known: {sorted(self.parameters)}") from None

    def sm_values(self) -> dict[str, float]:
        """Default values with every parameter that declares an ``sm_value`` set to it."""
        out = {k: p.default for k, p in self.parameters.items()}
        out.update({k: p.sm_value for k, p in self.parameters.items() if p.sm_value is not None})
        return out

    def values(self, overrides: dict[str, float] | None = None) -> dict[str, float]:
        """Default values with validated overrides."""
        out = {k: p.default for k, p in self.parameters.items()}
        for k, v in (overrides or {}).items():
            out[k] = self.parameter(k).check(v)
        return out


def models_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "models"


def card_schema_path() -> Path:
    """The JSON Schema every card is validated against (``models/schema/card.schema.json``)."""
    return models_dir() / SCHEMA_FILE


def available_cards() -> list[str]:
    return sorted(p.stem for p in models_dir().glob("*.toml"))


def load_card(name_or_path: str) -> ModelCard:
    """Load a card by name (``models/<name>.toml``) or by path, validating its content.

    The structure (tables, keys, value types) is checked against :func:`card_schema_path` first,
    then the physics: contributions, options, bounds and priors.
    """
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = models_dir() / f"{name_or_path}.toml"
    if not path.is_file():
        raise CardError(f"unknown model card {name_or_path!r}; available: {available_cards()}")
    text = path.read_text()
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CardError(f"model card {path} is not valid TOML: {err}") from None
    problem = schema_error(raw, card_schema_path())
    if problem:
        raise CardError(f"model card {path}: {problem}")
    model = raw.get("model", {})
    physics = model.get("physics")
    physics = (physics,) if isinstance(physics, str) else tuple(physics or ())
    unknown = [p for p in physics if p not in CONTRIBUTIONS]
    if not physics or unknown:
        raise CardError(f"model card {path}: unknown physics {unknown or physics!r}; known: {sorted(CONTRIBUTIONS)}")
    params = {}
    for pname, p in raw.get("parameters", {}).items():
        try:
            prior = Prior(p["prior"]["dist"], {k: v for k, v in p["prior"].items() if k != "dist"})
            par = Parameter(pname, p.get("description", ""), p.get("unit", ""), float(p["default"]),
                            (float(p["bounds"][0]), float(p["bounds"][1])), bool(p.get("free", False)), prior,
                            p.get("role", "physics"), p.get("sm_value"))
        except (KeyError, TypeError, IndexError) as err:
            raise CardError(f"model card {path}: parameter {pname!r} is incomplete ({err})") from None
        if par.role not in PARAMETER_ROLES:
            raise CardError(f"model card {path}: parameter {pname!r} has role {par.role!r}; "
                            f"choose one of {PARAMETER_ROLES}")
        par.check(par.default)
        lo, hi = par.bounds
        if par.sm_value is not None and not lo <= par.sm_value <= hi:
            raise CardError(f"model card {path}: [parameters.{pname}] sm_value {par.sm_value} lies outside "
                            f"its bounds [{lo}, {hi}]")
        params[pname] = par
    options = {k: v for k, v in model.items() if k not in _MODEL_KEYS}
    if "charges" in raw:
        try:
            options["charges"] = parse_charges(raw["charges"])
        except ValueError as err:
            raise CardError(f"model card {path}: {err}") from None
    rate_scale = model.get("rate_scale")
    if rate_scale is not None and rate_scale not in params:
        raise CardError(f"model card {path}: rate_scale {rate_scale!r} is not a parameter")
    reference = model.get("rate_reference", 1.0)
    if rate_scale is None and "rate_reference" in model:
        raise CardError(f"model card {path}: [model] rate_reference needs a rate_scale parameter")
    _check_physics(path, physics, params, options, rate_scale)
    return ModelCard(model.get("name", path.stem), model.get("description", ""), physics, options,
                     params, rate_scale, tuple(model.get("per_experiment", ())), str(path), text,
                     float(reference), tuple(model.get("replaces_nuisances", ())))


def _check_physics(path: Path, physics: tuple[str, ...], params: dict, options: dict,
                   rate_scale: str | None) -> None:
    """Every contribution has its parameters and options; nothing in the card goes unused."""
    allowed_params = set(SM_PARAMETERS) | ({rate_scale} if rate_scale else set())
    allowed_options = set(SM_OPTIONS)
    for name in physics:
        c = CONTRIBUTIONS[name]
        missing = [p for p in c.required if p not in params]
        if missing:
            raise CardError(f"model card {path}: physics {name!r} needs parameter(s) {missing}")
        missing = [o for o in c.options if o not in options]
        if missing:
            raise CardError(f"model card {path}: physics {name!r} needs option(s) {missing}")
        allowed_params |= set(c.required) | set(c.optional)
        allowed_options |= set(c.options) | set(c.optional_options)
    unused = sorted(set(params) - allowed_params)
    if unused:
        raise CardError(f"model card {path}: parameter(s) {unused} are not used by physics {list(physics)}")
    unknown = sorted(set(options) - allowed_options)
    if unknown:
        raise CardError(f"model card {path}: unknown option(s) {unknown} for physics {list(physics)}")
    loop = options.get("loop")
    if loop is not None and (len(loop) != 2 or loop[0] == loop[1] or not set(loop) <= set(LEPTONS)):
        raise CardError(f"model card {path}: loop must name two different lepton flavours of {LEPTONS}")
