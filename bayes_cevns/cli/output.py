"""Where the CLI writes: results on stdout, progress on stderr, and the tables that jobs leave behind."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from bayes_cevns.cli.errors import reported
from bayes_cevns.signals import stop_on_signals

console = Console()
progress_console = Console(stderr=True)
#: what an interrupted table job (one without checkpoints) leaves behind
UNFINISHED = "stopped before finishing; files already written are complete, re-run the same command for the rest"


@contextmanager
def stage_status(quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr showing the stage it is given (call the yielded function with a text).

    Shown only on a terminal: not with ``quiet`` nor when stdout is redirected or piped."""
    if quiet or not sys.stdout.isatty() or not progress_console.is_terminal:
        yield lambda _text: None
        return
    with progress_console.status("starting") as status:
        yield lambda text: status.update(text)


def run_then_show(run: Callable[[], object], shown: str | Path, interrupted: str) -> None:
    """Run a results job, then print the table it wrote; user errors and interruptions (SIGINT,
    SIGTERM) are reported as one line, ``interrupted`` saying what an interruption leaves."""
    with reported(interrupted):

        with stop_on_signals():
            run()
        text = Path(shown).read_text()
    typer.echo(text)
