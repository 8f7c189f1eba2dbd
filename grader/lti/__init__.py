"""LTI 1.3 Advantage: dlgrade as a tool that Moodle and Canvas launch, and grades posted back
through Assignment and Grade Services (AGS).

- ``config``: the tool's settings (a TOML file and the environment; keys never on a command line);
- ``outbox``: a durable queue of scores (SQLite), so a platform that is down loses nothing;
- ``ags``: the client-credentials grant and the score POST (pylti1p3's service connector);
- ``push``: the gradebook's counting grades into the outbox, for students mapped to LTI users;
- ``tool``: the Flask app of ``dlgrade lti serve`` (OIDC login, launch, upload, JWKS);
- ``cli``: the ``dlgrade lti`` commands.

pylti1p3 (the maintained fork, ``pylti1p3next``) and Flask load only when an ``lti`` command runs
(``pip install 'dlgrade[lti]'``)."""

from __future__ import annotations

from grader.errors import UsageError


def require_extra(what: str = "dlgrade lti") -> None:
    """The lti extra is installed, or one error line saying how to install it."""
    try:
        import flask  # noqa: F401
        import jwt  # noqa: F401
        import pylti1p3  # noqa: F401
    except ImportError as error:
        raise UsageError(f"{what} needs the lti extra ({error.name} is missing): pip install 'dlgrade[lti]'") from None
