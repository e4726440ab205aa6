"""Commands on expectations and on what can be predicted: ``predict``, ``experiments``, ``cards``."""

import json
from typing import Annotated

import typer
from rich.table import Table

from bayes_cevns.cli.errors import reported
from bayes_cevns.cli.options import AsJson
from bayes_cevns.cli.output import console
from bayes_cevns.cli.parsing import experiment_list, parse_sets
from bayes_cevns.cli.paths import check_figure_file
from bayes_cevns.experiments import registrations
from bayes_cevns.model.cards import available_cards, load_card


def predict(
    experiment: Annotated[str, typer.Argument(help="a data release id (see `bayes-cevns experiments`)")],
    model: Annotated[str, typer.Option("--model", help="model card name or path")] = "sm",
    set_: Annotated[list[str] | None, typer.Option("--set", help="NAME=VALUE (repeatable)")] = None,
    as_json: AsJson = False,
    plot: Annotated[str | None, typer.Option("--plot", help="draw predicted spectra over data into this image file (.png, .pdf, .svg, ...)")] = None,
) -> None:
    """Expected counts in the experiment's region of interest for a model card."""
    with reported():
        from bayes_cevns.api import predict as api_predict

        experiment_list(experiment)
        card = load_card(model)
        values = parse_sets(set_)
        if plot:
            check_figure_file(plot)
        result = api_predict(card, experiment, values)
        if plot:
            from bayes_cevns.plotting import plot_prediction

            plot_prediction(card, experiment, values, plot)
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(title=f"{experiment} -- model {card.name}")
    table.add_column("component")
    table.add_column("expected (published convention)", justify="right")
    table.add_column("expected in data", justify="right")
    for k, v in result["counts"].items():
        table.add_row(k, f"{v:.1f}", f"{result['counts_in_data'][k]:.1f}")
    table.add_row("observed", "", f"{result['observed']:.0f}")
    console.print(table)


def experiments() -> None:
    """List the COHERENT data releases and the projected experiments (ids for --data / --experiment)."""
    from bayes_cevns.experiments.projected_setups import projection_setups

    table = Table("id", "kind", "channel", "description")
    with reported():
        for name, reg in registrations("data").items():
            table.add_row(name, "data release", "cevns", f"{reg.title} public data (fit, predict, limit)")
        for name, s in projection_setups().items():
            table.add_row(name, "projected", s.channel, s.label)
    console.print(table)


def cards() -> None:
    """List the available model cards."""
    with reported():
        lines = [f"{name}: {load_card(name).description}" for name in available_cards()]
    typer.echo("\n".join(lines))
