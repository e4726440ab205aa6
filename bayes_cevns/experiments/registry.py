"""The one registry of experiments: data releases and projected detectors.

An experiment module registers its loader with the :func:`register` decorator. On first use
the registry imports every module of :mod:`bayes_cevns.experiments` (their decorators run) and
loads every entry point of the group ``bayes_cevns.experiments`` (a module whose decorators
register, or a :class:`Registration`), so an outside package adds an experiment without
touching this one. Nothing outside
``experiments/`` names an experiment id.
"""

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import entry_points

ENTRY_POINT_GROUP = "bayes_cevns.experiments"


@dataclass(frozen=True)
class Registration:
    """A registered experiment: its id, loader, short label, plot style and kind."""

    name: str
    loader: Callable
    label: str
    color: str = "black"
    kind: str = "data"  # "data" (a public release) or "projected" (Asimov data from a setup)
    title: str = ""  # short human name for tables and legends ("CsI")
    #: keyword options of the loader that a user may set (``--data-option KEY=VALUE``)
    options: tuple[str, ...] = ()


_REGISTRY: dict[str, Registration] = {}
_discovered = False


def register(name: str, label: str, color: str = "black", kind: str = "data",
             title: str = "", options: tuple[str, ...] = ()) -> Callable[[Callable], Callable]:
    """Decorator: register ``loader`` (keyword options -> Experiment) under ``name``.

    ``label`` prefixes the experiment's parameter names (``csi`` -> ``csi_flux``), ``title`` names
    it in tables and legends, ``color`` in plots, ``options`` the loader keywords users may set."""
    if kind not in ("data", "projected"):
        raise ValueError(f"experiment {name!r}: kind must be 'data' or 'projected', got {kind!r}")

    def deco(loader: Callable) -> Callable:
        add(Registration(name, loader, label, color, kind, title or label, tuple(options)))
        return loader

    return deco


def add(reg: Registration) -> None:
    """Add one registration; a second experiment with the same id or label is an error."""
    old = _REGISTRY.get(reg.name)
    if old is not None and old.loader is not reg.loader:
        raise ValueError(f"experiment {reg.name!r} is registered twice")
    clash = [r.name for r in _REGISTRY.values() if r.label == reg.label and r.name != reg.name]
    if clash:
        raise ValueError(f"experiment {reg.name!r}: label {reg.label!r} is already used by {clash[0]!r}")
    _REGISTRY[reg.name] = reg
    load_experiment.cache_clear()


def unregister(name: str) -> None:
    """Remove an experiment (tests of temporary experiments)."""
    _REGISTRY.pop(name, None)
    load_experiment.cache_clear()


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    package = importlib.import_module("bayes_cevns.experiments")
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        if isinstance(obj, Registration):
            add(obj)


def registrations(kind: str | None = None) -> dict[str, Registration]:
    """Every registered experiment (of one ``kind`` if given), in registration order."""
    _discover()
    return {k: r for k, r in _REGISTRY.items() if kind is None or r.kind == kind}


def registration(name: str) -> Registration:
    """The registration of ``name``; a one-line error naming the known ids otherwise."""
    regs = registrations()
    if name not in regs:
        raise ValueError(f"unknown experiment {name!r}; choose one of {list(regs)}")
    return regs[name]


def with_options(names: Sequence[str], options: Mapping[str, object], strict: bool = True) -> list:
    """The experiments ``names``, each loaded with the ``options`` its registration declares.

    An option that no listed experiment declares is an error (one line, before anything is built)
    unless ``strict=False`` (one dataset of a table that other datasets' options do not concern);
    an experiment without options of its own, and every one without options, stays an id."""
    if not options:
        return list(names)
    regs = [registration(n) for n in names]
    unused = sorted(set(options) - {k for r in regs for k in r.options})
    if unused and strict:
        raise ValueError(f"no experiment of {list(names)} takes the option(s) {unused}; options: "
                         f"{ {r.name: list(r.options) for r in regs if r.options} }")
    out = []
    for r in regs:
        mine = {k: v for k, v in options.items() if k in r.options}
        out.append(load_experiment(r.name, **mine) if mine else r.name)
    return out


def available_experiments(kind: str | None = None) -> tuple[str, ...]:
    """Ids of the registered experiments (data releases first)."""
    return tuple(registrations(kind))


def by_label(label: str) -> str:
    """The experiment id whose short label is ``label``."""
    for r in registrations().values():
        if r.label == label:
            return r.name
    raise ValueError(f"no experiment has the label {label!r}; labels: {[r.label for r in registrations().values()]}")


@lru_cache(maxsize=32)
def load_experiment(name: str, **kwargs):
    """Build (once per process and option set) the experiment ``name``."""
    exp = registration(name).loader(**kwargs)
    if exp.name != name:
        raise ValueError(f"loader of {name!r} returned an experiment named {exp.name!r}")
    return exp
