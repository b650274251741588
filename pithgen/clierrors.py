"""The command line's one error handler: :class:`PithgenGroup`, the click group class of
``pithgen``, turns whatever ends a command into one message on stderr and a documented
exit code (the table is in :mod:`pithgen.errors` and the README). The commands catch
nothing themselves (except ``serve``, whose failed rebuilds are reported and keep the
server up), so that no error is reported twice or in two styles.
"""

from __future__ import annotations

import errno
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import NoReturn

import click

from pithgen.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    EXIT_USAGE,
    PithgenError,
)

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises ``KeyboardInterrupt`` so that the same cleanup
    runs (a build removes its staging folder and releases its lock)."""


def _on_signal(stop: threading.Event | None) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        if stop is not None:
            stop.set()
        raise _Terminated if signum == signal.SIGTERM else KeyboardInterrupt

    return handler


@contextmanager
def interrupts(stop: threading.Event | None = None) -> Iterator[None]:
    """While a command runs, Ctrl-C (SIGINT) raises ``KeyboardInterrupt`` and SIGTERM its
    subclass, so that both end the command through the same cleanup. With ``stop``, both
    also set it: a loop that polls it (the server's) ends even when the exception is lost,
    as it is when it lands in a ``__del__`` run by the garbage collector. Only the main
    thread receives signals; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = _on_signal(stop)
    previous = {signum: signal.signal(signum, handler) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, old in previous.items():
            if old is not None:
                signal.signal(signum, old)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class PithgenGroup(click.Group):
    """The ``pithgen`` group; its :meth:`invoke` is the one place where an exception
    becomes a message on stderr and an exit code:

    - :class:`PithgenError`: ``pithgen: error: ...``, its ``exit_code`` (2);
    - ``OSError``: ``pithgen: error: ...``, 2;
    - Ctrl-C / SIGTERM: ``pithgen: interrupted`` / ``pithgen: terminated``, 130 / 143;
    - anything else is a bug: ``pithgen: internal error: ...``, 3, with the traceback
      under ``--verbose``.

    click's own exceptions (usage errors, ``--help``, ``sys.exit``) pass through."""

    def invoke(self, ctx: click.Context) -> object:
        verbose = bool(ctx.params.get("verbose"))
        with interrupts():
            try:
                return super().invoke(ctx)
            except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
                raise
            except PithgenError as exc:
                _fail(f"pithgen: error: {exc}", exc.exit_code)
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # stdout closed early (| head): click's case
                    raise
                _fail(f"pithgen: error: {exc}", EXIT_USAGE)
            except KeyboardInterrupt as exc:
                if isinstance(exc, _Terminated):
                    _fail("pithgen: terminated", EXIT_TERMINATED)
                _fail("pithgen: interrupted", EXIT_INTERRUPTED)
            except Exception as exc:
                if verbose:
                    click.echo(traceback.format_exc(), err=True, nl=False)
                    hint = "please report it, with the traceback above"
                else:
                    hint = "run with --verbose for the traceback; please report it"
                _fail(f"pithgen: internal error: {_one_line(exc)} ({hint})", EXIT_INTERNAL)
