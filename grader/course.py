"""The course: one typed object read once from ``course/course.toml``.

Precedence: CLI options > environment (``DLGRADE_COURSE`` for the root, ``DLGRADE_SEED``) >
the file > defaults. Errors name the file and the key."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.errors import ConfigError
from grader.sandbox import Limits
from grader.submission import TOPICS
from grader.text import LANGS


@dataclass(frozen=True)
class Course:
    root: Path
    name: str
    seed: int
    lang: str
    topics: tuple[str, ...]  # [topics] in the file's order (the order students meet them)
    max_points: dict[str, float]  # [topics.<topic>] max_points, where given: `dlgrade validate` checks it
    limits: Limits
    raw: dict[str, Any]  # the file's tables, for the one a subsystem reads itself ([quiz]: grader.quiz.config)

    @property
    def config_path(self) -> Path:
        return self.root / "course" / "course.toml"

    def suite(self, topic: str, kind: str = "hidden") -> Path:
        return self.root / "course" / topic / kind / f"test_{topic}.py"

    def topics_with_suites(self, kind: str = "hidden") -> tuple[str, ...]:
        return tuple(topic for topic in self.topics if self.suite(topic, kind).exists())

    def solution(self, topic: str) -> ModuleType:
        import importlib

        return importlib.import_module(f"solutions.{topic}")


def find_root(start: Path | None = None) -> Path:
    """The course checkout: DLGRADE_COURSE, else the nearest folder above the current one with
    course/course.toml, else the checkout this package was installed from."""
    if env := os.environ.get("DLGRADE_COURSE"):
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "course" / "course.toml").is_file():
            return folder
    return Path(__file__).resolve().parent.parent


def load_course(root: Path | None = None) -> Course:
    root = root or find_root()
    path = root / "course" / "course.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: not found; run dlgrade inside a course checkout or set DLGRADE_COURSE"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    _known_keys(raw, path)

    def get(table: str, key: str, kind: type, default: object) -> object:
        value = raw.get(table, {}).get(key, default)
        if kind is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise ConfigError(f"{path}: [{table}] {key} must be a {kind.__name__}, not {value!r}")
        return value

    topics, max_points = _topics(raw.get("topics", {}), path)

    limit_fields = {field.name: field.type for field in dataclasses.fields(Limits)}
    limit_values = {}
    for key, value in raw.get("limits", {}).items():
        if key not in limit_fields:
            raise ConfigError(f"{path}: [limits] unknown key {key!r}; known: {', '.join(limit_fields)}")
        limit_values[key] = _limit(value, limit_fields[key] == "int", f"{path}: [limits] {key}")
    for key, kind in limit_fields.items():  # DLGRADE_LIMIT_CALL_SECONDS=2 and the like
        env_value = os.environ.get(f"DLGRADE_LIMIT_{key.upper()}")
        if env_value:
            name = f"DLGRADE_LIMIT_{key.upper()}={env_value!r}"
            try:
                number: object = int(env_value) if kind == "int" else float(env_value)
            except ValueError:
                number = env_value
            limit_values[key] = _limit(number, kind == "int", name)

    file_seed = get("course", "seed", int, 0)
    seed = file_seed if isinstance(file_seed, int) else 0  # get() checked it is one
    if env_seed := os.environ.get("DLGRADE_SEED"):
        try:
            seed = int(env_seed)
        except ValueError:
            raise ConfigError(f"DLGRADE_SEED={env_seed!r} is not an integer") from None
    return Course(
        root=root,
        name=str(get("course", "name", str, "course")),
        seed=seed,
        lang=_lang(get("course", "lang", str, "en"), path),
        topics=topics,
        max_points=max_points,
        limits=Limits(**limit_values),  # type: ignore[arg-type]  # each value cast to its field's type above
        raw=raw,
    )


def _topics(table: object, path: Path) -> tuple[tuple[str, ...], dict[str, float]]:
    """The course's topics in the file's order (all of the contract's when [topics] is absent),
    and the points each one's hidden suite must add up to, where the file says."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [topics] must be a table of [topics.<topic>] tables")
    unknown = [topic for topic in table if topic not in TOPICS]
    if unknown:
        raise ConfigError(f"{path}: [topics] unknown topic(s) {', '.join(unknown)}; known: {', '.join(TOPICS)}")
    max_points = {}
    for topic, settings in table.items():
        if not isinstance(settings, dict):
            raise ConfigError(f"{path}: [topics.{topic}] must be a table (e.g. max_points = 60), not {settings!r}")
        for key, value in settings.items():
            if key != "max_points":
                raise ConfigError(f"{path}: [topics.{topic}] unknown key {key!r}; known: max_points")
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"{path}: [topics.{topic}] max_points must be a positive number, not {value!r}")
            max_points[topic] = float(value)
    return tuple(table) or TOPICS, max_points


def _lang(value: object, path: Path) -> str:
    if value not in LANGS:
        raise ConfigError(f"{path}: [course] lang must be one of {', '.join(LANGS)}, not {value!r}")
    return str(value)


# every key the grader reads: any other is a typo or a setting nothing uses, and an error
_TABLES = {"course": {"name", "seed", "lang"}, "topics": None, "limits": None, "quiz": None}  # None: its parser checks


def _known_keys(raw: dict[str, Any], path: Path) -> None:
    for table, value in raw.items():
        if table not in _TABLES:
            raise ConfigError(f"{path}: unknown table [{table}]; known: {', '.join(f'[{t}]' for t in _TABLES)}")
        keys = _TABLES[table]
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: [{table}] must be a table, not {value!r}")
        if keys is not None and set(value) - keys:
            unknown = ", ".join(sorted(set(value) - keys))
            raise ConfigError(f"{path}: [{table}] unknown key(s) {unknown}; known: {', '.join(sorted(keys))}")


def _limit(value: object, integer: bool, where: str) -> int | float:
    """A limit from the file or the environment: a positive number, an integer for counts and
    sizes (a fraction is an error, never rounded away)."""
    if integer and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
        raise ConfigError(f"{where} must be a positive integer, not {value!r}")
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < float("inf"):
        raise ConfigError(f"{where} must be a positive number, not {value!r}")
    return value if integer else float(value)
