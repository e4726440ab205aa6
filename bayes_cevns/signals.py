"""Signals as exceptions: SIGINT and SIGTERM stop work cleanly, with the shell's exit code.

:class:`Interrupted` is a ``KeyboardInterrupt`` that remembers its signal, so the CLI's one error
handler can print one line and exit with 128 + the signal number (130 for SIGINT, 143 for
SIGTERM). :func:`stop_on_signals` guards sampling and scans; :func:`terminate_as_interrupt`
makes SIGTERM behave like Ctrl-C for a block of work.
"""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Interrupted(KeyboardInterrupt):
    """Work stopped by SIGINT or SIGTERM; ``exit_code`` is the shell's 128 + signal number."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@contextmanager
def stop_on_signals(signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[None]:
    """Raise :class:`Interrupted` when one of ``signals`` arrives inside the block.

    Samplers catch ``KeyboardInterrupt`` and return the draws made so far (nutpie fills the rest
    of the chains with NaN); the block then ends normally, and the interruption is raised again
    on leaving it, so partial chains never reach the caller. Outside the main thread (where no
    handler can be installed) the block runs unguarded.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def handler(signum: int, _frame: object) -> None:
        received.append(signum)
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in signals}
    try:
        yield
    except BaseException as err:
        if received and not isinstance(err, Interrupted):
            raise Interrupted(received[0]) from err
        raise
    finally:
        for s, h in previous.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)
    if received:
        raise Interrupted(received[0])


def _raise_interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Inside the block SIGTERM raises :class:`Interrupted` (as SIGINT raises KeyboardInterrupt);
    the previous handler is restored on leaving it. Outside the main thread it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
