"""Option strings to values: --set, --prior, --data, --grid, --ar-likelihood, --osc-prior/--osc-table.

Every parser raises :class:`~bayes_cevns.model.cards.CardError` or ValueError naming the option,
so a mistake is reported (by :mod:`bayes_cevns.cli.errors`) before any model is built.
"""

from collections.abc import Sequence

import numpy as np

from bayes_cevns.experiments import available_experiments, by_label, with_options
from bayes_cevns.model.cards import CardError


def assignments(items: Sequence[str] | None, flag: str, form: str) -> list[tuple[str, str]]:
    """Split repeated ``--flag NAME=VALUE`` options into (name, value) pairs."""
    out = []
    for item in items or []:
        if "=" not in item:
            raise CardError(f"{flag} expects {form}, got {item!r}")
        k, v = item.split("=", 1)
        out.append((k.strip(), v.strip()))
    return out


def parse_sets(items: Sequence[str] | None) -> dict[str, float]:
    """``--set NAME=VALUE`` (repeatable) -> {name: finite float}."""
    out = {}
    for k, v in assignments(items, "--set", "NAME=VALUE"):
        try:
            out[k] = float(v)
        except ValueError:
            raise CardError(f"--set {k}: {v!r} is not a number") from None
        if not np.isfinite(out[k]):
            raise CardError(f"--set {k}: value must be finite, got {v!r}")
    return out


def parse_priors(items: Sequence[str] | None) -> dict[str, str]:
    """``--prior NAME=dist(args)`` (repeatable) -> {name: distribution text}."""
    return dict(assignments(items, "--prior", "NAME=dist(args)"))


def experiment_list(data: str) -> list[str]:
    """``--data a,b`` -> the registered data-release ids, checked."""
    names = [d.strip() for d in data.split(",") if d.strip()]
    known = available_experiments("data")
    for n in names:
        if n not in known:
            raise ValueError(f"unknown experiment {n!r}; choose from {list(known)}")
    return names


def data_options(items: Sequence[str] | None) -> dict[str, object]:
    """``--data-option KEY=VALUE`` (repeatable): numbers as floats, other values as text."""
    options: dict[str, object] = {}
    for k, v in assignments(items, "--data-option", "KEY=VALUE"):
        try:
            options[k] = float(v)
        except ValueError:
            options[k] = v
    return options


def experiments_with_options(data: str, items: Sequence[str] | None) -> list:
    """``--data a,b`` with ``--data-option KEY=VALUE``: the experiments, each loaded with the
    options its registration declares."""
    return with_options(experiment_list(data), data_options(items))


def ar_likelihood(kind: str) -> dict[str, str]:
    """``--ar-likelihood``: the likelihood of the experiment labelled ``ar``."""
    return {by_label("ar"): kind}


def linear_grid(text: str, flag: str = "--grid") -> np.ndarray:
    """``LO:HI:N`` -> N points evenly spaced from LO to HI."""
    parts = text.split(":")
    if len(parts) != 3:
        raise ValueError(f"{flag} expects LO:HI:N, got {text!r}")
    try:
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise ValueError(f"{flag} expects numbers LO:HI:N (N an integer), got {text!r}") from None
    if not (lo < hi and n >= 2):
        raise ValueError(f"{flag} needs LO < HI and N >= 2")
    return np.linspace(lo, hi, n)


def osc_table_term(spec: str):
    """``FILE:COL=COMBO[,COL=COMBO]`` -> a tabulated Delta chi^2 prior term (``priors.tabulated``)."""
    from bayes_cevns.priors.linear import LinearCombination
    from bayes_cevns.priors.tabulated import TabulatedDeltaChi2

    path, sep, axes = spec.rpartition(":")
    if not sep or not path or not axes:
        raise ValueError(f"--osc-table expects FILE:COLUMN=COMBINATION, got {spec!r}")
    pairs = assignments(axes.split(","), "--osc-table", "COLUMN=COMBINATION")
    return TabulatedDeltaChi2.from_csv(path, {col: LinearCombination.parse(combo) for col, combo in pairs})


def prior_terms(osc_prior: Sequence[str] | None, osc_kind: str, osc_table: Sequence[str] | None) -> list:
    """The extra log-prior terms of ``--osc-prior`` presets (of kind ``osc_kind``) and ``--osc-table`` files."""
    from bayes_cevns.priors.presets import preset

    terms = [t for name in osc_prior or [] for t in preset(name, osc_kind)]
    return terms + [osc_table_term(spec) for spec in osc_table or []]
