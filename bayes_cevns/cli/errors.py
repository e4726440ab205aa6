"""The one error handler of the CLI: user errors and interruptions become one line on stderr.

A user error (a bad card, experiment, value or path, corrupted data, a missing optional
package) prints ``error: <first line of the message>`` and exits with code 2; an interruption
(SIGINT, or SIGTERM where the command turns it into one) prints ``interrupted: <what was kept>``
and exits with 128 + the signal number (130 for SIGINT, 143 for SIGTERM). Anything else is a
bug and keeps its traceback.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from signal import SIGINT
from typing import NoReturn

import typer

from bayes_cevns.experiments.data import DataIntegrityError
from bayes_cevns.model.cards import CardError
from bayes_cevns.signals import terminate_as_interrupt

#: exceptions that report a problem with the user's input, not a bug
USER_ERRORS = (CardError, DataIntegrityError, ValueError, KeyError, OSError, ImportError)
#: exit code of a user error
USER_ERROR_EXIT = 2


def first_line(err: BaseException) -> str:
    """The first line of the message, or the exception's type name when it has none."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit with the user-error code."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(USER_ERROR_EXIT)


@contextmanager
def reported(interrupted: str = "stopped before finishing") -> Iterator[None]:
    """Run the block, reporting user errors and interruptions as one line each (see the module).

    Inside the block SIGTERM raises like Ctrl-C does. ``interrupted`` says what an
    interruption leaves behind; the exit code comes from the
    exception's ``exit_code`` (:class:`bayes_cevns.signals.Interrupted`), else 130.
    """
    try:
        with terminate_as_interrupt():
            yield
    except KeyboardInterrupt as err:
        typer.echo(f"interrupted: {interrupted}", err=True)
        raise typer.Exit(getattr(err, "exit_code", 128 + SIGINT)) from None
    except USER_ERRORS as err:
        fail(first_line(err))
