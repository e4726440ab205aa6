"""Arguments and options shared by several commands, each declared once with its help text.

A command gives the default in its own signature (``draws: Draws = 1000``), so the defaults stay
visible where the command is defined.
"""

from typing import Annotated

import typer

from bayes_cevns.experiments.datasets import DEFAULT_DATA as _DEFAULT_DATA

#: the default of every --data option: the combined COHERENT data releases
DEFAULT_DATA = ",".join(_DEFAULT_DATA)

Card = Annotated[str, typer.Argument(help="model card name or path")]
MediatorCard = Annotated[str, typer.Argument(help="mediator model card (has g and m_med)")]
Data = Annotated[str, typer.Option("--data", help="comma-separated experiments")]
DataOptions = Annotated[list[str] | None, typer.Option(
    "--data-option", help="KEY=VALUE loader option of the listed experiments that declare it, e.g. flux_prior=sno_nc")]
AsJson = Annotated[bool, typer.Option("--json", help="print one JSON object")]

Draws = Annotated[int, typer.Option("--draws", help="posterior draws per chain")]
Tune = Annotated[int, typer.Option("--tune", help="tuning (warm-up) steps per chain, then discarded")]
Chains = Annotated[int, typer.Option("--chains", help="independent chains (R-hat needs at least 2)")]
Seed = Annotated[int, typer.Option("--seed", help="random seed of the sampler")]
Free = Annotated[list[str] | None, typer.Option("--free", help="also sample this card parameter")]
Priors = Annotated[list[str] | None, typer.Option("--prior", help="NAME=dist(args)")]
Fixed = Annotated[list[str] | None, typer.Option("--set", help="NAME=VALUE for fixed parameters")]
ShareFlux = Annotated[bool, typer.Option(help="one SNS flux nuisance for all detectors")]
ArLikelihood = Annotated[str, typer.Option(help="poisson | gauss_chi2")]

Cl = Annotated[float, typer.Option("--cl", help="confidence / credible level")]
Workers = Annotated[int, typer.Option("--workers", help="Dask worker processes (0: in process)")]
Scheduler = Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address")]
OutFolder = Annotated[str, typer.Option("--out", help="output folder")]
