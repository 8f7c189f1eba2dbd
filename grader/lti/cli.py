"""``dlgrade lti``: the LTI 1.3 tool (``serve``), grade passback (``push``), and the keys a
platform needs to register the tool (``keygen``, ``jwks``). Secrets come from the config file
or the environment (grader.lti.config), never from an option."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from grader.command import handles_errors
from grader.errors import UsageError

config_option = click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
                             help="The LTI config (TOML; default: DLGRADE_LTI_CONFIG). See docs/lti.md.")  # fmt: skip


@click.group("lti")
def lti() -> None:
    """LTI 1.3 Advantage: the tool Moodle and Canvas launch, and grades posted back (AGS)."""


@lti.command("keygen")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@handles_errors
def keygen(out: Path) -> None:
    """Write a new RSA private key for the tool to OUT (mode 0600; refuses to overwrite)."""
    from grader.lti import require_extra
    from grader.lti.config import new_private_key

    require_extra("dlgrade lti keygen")
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{out}: exists; keygen never overwrites a key (platforms trust the old one)") from None
    except OSError as error:
        raise UsageError(f"{out}: cannot write ({error.strerror})") from None
    with os.fdopen(fd, "w", encoding="ascii") as stream:
        stream.write(new_private_key())
    click.echo(f"wrote {out}; name it in [tool] private_key_file, or put it in DLGRADE_LTI_PRIVATE_KEY")


@lti.command("jwks")
@config_option
@handles_errors
def jwks(config_path: Path | None) -> None:
    """Print the tool's public JWKS (for a platform that takes a pasted key, not a URL)."""
    from grader.lti import require_extra
    from grader.lti.config import load_config

    require_extra("dlgrade lti jwks")
    click.echo(json.dumps({"keys": [load_config(config_path).public_jwk]}, indent=2))


@lti.command("push")
@config_option
@click.option("--db", required=True, help="The gradebook's URL (sqlite:///PATH or postgresql+psycopg://USER@HOST/DB).")
@handles_errors
def push_(config_path: Path | None, db: str) -> None:
    """Post the gradebook's counting grades to the platform (students mapped to LTI users).

    A rerun posts only what changed; scores the platform could not take are kept and posted by
    the next run. Exit 2 when any score is still waiting or was refused."""
    from grader.lti import require_extra
    from grader.lti.config import load_config
    from grader.lti.push import push

    require_extra("dlgrade lti push")
    config = load_config(config_path)
    done = push(config, db)
    flushed = done.flushed
    click.echo(f"lti push: {flushed.sent} score(s) posted, {done.unchanged} unchanged since the last push, "
               f"{flushed.waiting} waiting, {len(flushed.refused)} refused", err=True)  # fmt: skip
    if done.unmapped:
        click.echo(f"note: {len(done.unmapped)} student(s) have no LTI user id (add them to [push] students, or "
                   f"they launch the tool once): {', '.join(done.unmapped[:20])}", err=True)  # fmt: skip
    for line in done.skipped:
        click.echo(f"note: not posted: {line}", err=True)
    for line in flushed.refused:
        click.echo(f"refused: {line}", err=True)
    if flushed.down:
        click.echo(f"error: {flushed.down[0]}; {flushed.waiting} score(s) kept in {config.state}, posted by the next "
                   "`dlgrade lti push` or by `dlgrade lti serve`", err=True)  # fmt: skip
        sys.exit(2)
    if flushed.refused:
        click.echo(f"error: the platform refused {len(flushed.refused)} score(s) (above); fix and push again", err=True)
        sys.exit(2)


@lti.command("serve")
@config_option
@handles_errors
def serve_(config_path: Path | None) -> None:
    """Run the LTI tool: OIDC login, launch, the upload page, grading in the jail, scores to AGS.

    Its URLs (for the platform): URL/lti/login, URL/lti/launch, URL/lti/jwks, where URL is
    [tool] url. Scores the platform did not take are posted again every [tool] retry_seconds."""
    from grader.lti import require_extra
    from grader.lti.config import load_config
    from grader.lti.tool import serve

    require_extra("dlgrade lti serve")
    config = load_config(config_path)
    if not config.url:
        raise UsageError(f"{config.path}: [tool] url is missing: the public https URL the platform reaches the tool at")
    serve(config)
