"""One way to read the project's TOML files (the course, the XQueue and LTI configs): what
goes wrong is a ConfigError (exit 2) that names the file, never a traceback."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from grader.errors import ConfigError


def read_toml(path: Path, label: str, *, missing: str = "") -> dict[str, Any]:
    """The TOML table of ``path``; ``label`` names it in the error (a path, ``--config PATH``).
    ``missing``: what to say, instead of the system's words, when the file is not there."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{label}: {missing or 'not found'}") from None
    except OSError as error:
        raise ConfigError(f"{label}: cannot read it ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{label}: not valid TOML ({error})") from None
