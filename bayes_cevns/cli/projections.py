"""Projected experiments: ``sensitivity`` and ``projection-table``."""

import json
from typing import Annotated

import numpy as np
import typer

from bayes_cevns.cli.errors import reported
from bayes_cevns.cli.options import AsJson, OutFolder
from bayes_cevns.cli.output import UNFINISHED, console, run_then_show
from bayes_cevns.cli.parsing import parse_sets
from bayes_cevns.cli.paths import check_output_folder
from bayes_cevns.model.cards import load_card


def _sensitivity(card: str, experiment: str, sys_: float | None, exposure_scale: float, cl: float,
                 mass: float | None, sets: list[str] | None, method: str) -> dict:
    """The ``sensitivity`` result: heavy-Z' cards get a mass lower bound, light ones a coupling bound."""
    from bayes_cevns.inference.limits import delta_chi2_threshold
    from bayes_cevns.studies.projection import HEAVY_MASS, Counter, bayes_mass_lower, coupling_upper_bound, mass_lower_bound

    delta_chi2_threshold(cl)
    if method not in ("chi2", "bayes"):
        raise ValueError(f"unknown method {method!r}; choose chi2 or bayes")
    model = load_card(card)
    values = parse_sets(sets)
    model.values(values)
    counter = Counter(model, experiment)
    out = {"model": model.name, "experiment": experiment, "cl": cl}
    if HEAVY_MASS in model.parameters:
        if mass is not None:
            raise ValueError(f"{model.name} is a heavy-Z' card: --mass does not apply")
        heavy = {k: v for k, v in values.items() if k != HEAVY_MASS}
        if method == "bayes":
            if heavy:
                raise ValueError("--method bayes takes the card's parameters as they are (no --set)")
            out["mass_lower_gev"] = bayes_mass_lower(counter, experiment, cl, sys_, exposure_scale)
        else:
            out["mass_lower_gev"] = mass_lower_bound(counter, experiment, cl, sys_, exposure_scale, heavy)
    else:
        if mass is None or not (np.isfinite(mass) and mass > 0):
            raise ValueError("a light-mediator card needs --mass (MeV, positive)")
        if method != "chi2" or values:
            raise ValueError("light-mediator sensitivities use --method chi2 and no --set")
        out["mass_mev"] = mass
        out["coupling_upper"] = coupling_upper_bound(counter, experiment, mass, cl, sys_, exposure_scale)
    return out


def sensitivity(
    card: Annotated[str, typer.Argument(help="heavy-Z' card (e6_chi, e6_psi, e6_eta, e6, left_right) or light-mediator card")],
    experiment: Annotated[str, typer.Option("--experiment", help="projected experiment id (see `experiments`)")],
    sys_: Annotated[float | None, typer.Option("--sys", help="systematic normalisation uncertainty (default: the table's)")] = None,
    exposure_scale: Annotated[float, typer.Option("--exposure-scale", help="luminosity / nominal luminosity")] = 1.0,
    cl: Annotated[float, typer.Option("--cl", help="confidence level")] = 0.90,
    mass: Annotated[float | None, typer.Option("--mass", help="light mediator: mass in MeV")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="NAME=VALUE card parameter (e.g. beta=0.3)")] = None,
    method: Annotated[str, typer.Option("--method", help="chi2 ([E6LR] Eqs. 21-23) or bayes (heavy Z' only)")] = "chi2",
    as_json: AsJson = False,
) -> None:
    """Expected 90% C.L. bound for a projected experiment: M_Z' lower bound, or coupling upper bound at --mass."""
    with reported():
        out = _sensitivity(card, experiment, sys_, exposure_scale, cl, mass, sets, method)
    if as_json:
        typer.echo(json.dumps(out))
    else:
        console.print(out)


def projection_table(
    out: OutFolder = "results",
    with_data: Annotated[bool, typer.Option("--with-data/--no-data", help="add the U(1)_R limit from the CsI 2021 + Ar 2020 data")] = True,
) -> None:
    """M_Z' bounds for every projected experiment (E6 chi/psi/eta, LR), sys/luminosity/beta scans, U(1)_R bounds."""
    def run() -> None:
        from bayes_cevns.studies.projection_results import run_projection_results

        check_output_folder(out)
        run_projection_results(out, with_data)

    run_then_show(run, f"{out}/projection_table.md", UNFINISHED)
