"""What every ``dlgrade`` command shares, the quiz's included: a user error is one ``error:``
line and the documented exit code (grader.errors); the grader's own bug is exit 3, with the
traceback only under ``DLGRADE_DEBUG=1``; and the options several commands take, spelled once.

Its own module so that ``grader.cli`` and the commands of their own modules (``autograde``,
``quiz``) all import it and none imports the CLI."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from grader.errors import DlgradeError
from grader.policy import JAIL_MODES
from grader.submission import TOPICS
from grader.text import LANGS

P = ParamSpec("P")
R = TypeVar("R")

topic_option = click.option("--topic", type=click.Choice(TOPICS), help="Grade only this topic.")
seed_option = click.option("--seed", type=int, help="Replay or vary a run (default: derived from the "
                           "course's secret and the submission's content; DLGRADE_SEED).")  # fmt: skip
course_option = click.option("--course", type=click.Path(path_type=Path, file_okay=False),
                             help="The course: the folder holding course/course.toml (default: "
                             "DLGRADE_COURSE, else the checkout dlgrade is installed from; never the "
                             "current folder).")  # fmt: skip
jail_option = click.option("--jail", type=click.Choice(JAIL_MODES), help="bwrap (the default: "
                           "refuses to grade where bubblewrap is not usable) or plain (weaker, opt-in); "
                           "overrides DLGRADE_JAIL.")  # fmt: skip
lang_option = click.option("--lang", type=click.Choice(LANGS), help="Language of messages.")
debug_option = click.option("--debug", is_flag=True, help="Tracebacks for the grader's own errors.")
partial_option = click.option("--accept-partial", is_flag=True, help="Grade what is intact of a `dlgrade "
                              "submit` archive that fails its manifest (truncated, tampered, incomplete).")  # fmt: skip


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
