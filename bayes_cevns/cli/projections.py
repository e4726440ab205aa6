"""Projected experiments: ``sensitivity`` and ``projection-table``."""

import json
from typing import Annotated

import typer

from bayes_cevns.cli.errors import reported
from bayes_cevns.cli.options import AsJson, OutFolder
from bayes_cevns.cli.output import UNFINISHED, console, run_then_show
from bayes_cevns.cli.parsing import parse_sets
from bayes_cevns.cli.paths import check_output_folder


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
    from bayes_cevns.studies.projection import sensitivity as compute_sensitivity

    with reported():
        out = compute_sensitivity(card, experiment, cl, sys_, exposure_scale, mass, parse_sets(sets), method)
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
        from bayes_cevns.studies.projection_results import compute_projections, write_projections

        check_output_folder(out)
        write_projections(compute_projections(with_data), out)

    run_then_show(run, f"{out}/projection_table.md", UNFINISHED)
