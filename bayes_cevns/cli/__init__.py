"""Command-line interface: bayes-cevns predict | fit | compare | profile | limit(s) | sensitivity | nsi-table | ...

This module builds the typer ``app`` (the console script's entry point) and registers the
commands of the modules named for their group; ``bayes-cevns -h`` lists them all. Commands
parse their options (:mod:`~bayes_cevns.cli.parsing`), check output paths before any work
(:mod:`~bayes_cevns.cli.paths`), call :mod:`bayes_cevns.api`, the inference and study functions,
and print; user errors and interruptions go through one handler (:mod:`~bayes_cevns.cli.errors`).
"""

import os
import sys
from typing import Annotated

import typer

from bayes_cevns import __version__
from bayes_cevns.cli import fitting, limits, nsi, prediction, projections, provenance
from bayes_cevns.cli.parsing import osc_table_term

__all__ = ["app", "main", "osc_table_term"]

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Bayesian inference for CEvNS with the public COHERENT data.")

#: (name, function) of every command, in the order ``--help`` lists them
COMMANDS = (
    ("predict", prediction.predict),
    ("fit", fitting.fit),
    ("compare", fitting.compare),
    ("profile", fitting.profile),
    ("limit", limits.limit),
    ("limits", limits.limits),
    ("limit-table", limits.limit_table),
    ("g2-table", limits.g2_table),
    ("sensitivity", projections.sensitivity),
    ("projection-table", projections.projection_table),
    ("nsi-table", nsi.nsi_table),
    ("lma-dark", nsi.lma_dark),
    ("experiments", prediction.experiments),
    ("cards", prediction.cards),
    ("show", provenance.show),
)
for _name, _command in COMMANDS:
    app.command(_name)(_command)


@app.callback(invoke_without_command=True)
def _main(version: Annotated[bool, typer.Option("--version", help="print the package version and exit")] = False) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit(0)


def main() -> None:  # pragma: no cover - entry point
    """Run the CLI and exit with its status.

    Every result is on disk (written atomically) and every cluster closed when the command returns,
    so the process ends without the interpreter's teardown of the compiled functions and imported
    libraries (about a second) once the output streams are flushed."""
    try:
        app()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if not isinstance(stop.code, (int, type(None))):
            print(stop.code, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
