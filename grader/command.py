"""What every ``dlgrade`` command shares, the quiz's included: a user error is one ``error:``
line and the documented exit code (grader.errors); the grader's own bug is exit 3, with the
traceback only under ``DLGRADE_DEBUG=1``.

Its own module so that ``grader.cli`` and ``grader.quiz.cli`` both import it and neither
imports the other."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click

from grader.errors import DlgradeError

P = ParamSpec("P")
R = TypeVar("R")


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """One clear ``error:`` line and the documented exit code; a traceback only with --debug."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except DlgradeError as error:
            if os.environ.get("DLGRADE_DEBUG"):  # exit 3 too: a short message, the traceback on request
                traceback.print_exc()
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)
        except (click.ClickException, click.exceptions.Exit, SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:  # the grader's own bug
            if os.environ.get("DLGRADE_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"error: dlgrade failed internally ({type(error).__name__}: {error}); "
                "rerun with DLGRADE_DEBUG=1 for the traceback and report it",
                err=True,
            )
            sys.exit(3)

    return wrapper
