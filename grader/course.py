"""The course: one typed object read once from ``course/course.toml``.

Which course: ``--course DIR``, else ``DLGRADE_COURSE``, else the checkout this package was
installed from. Never the current directory and never anything beside a submission: a student
who runs ``dlgrade grade .`` in a repository with its own ``course/`` must not choose the suites.

Precedence: CLI options > environment (``DLGRADE_COURSE``, ``DLGRADE_LIMIT_*``) > the file >
defaults. Errors name the file and the key."""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.errors import ConfigError
from grader.sandbox import Limits
from grader.submission import TOPICS
from grader.text import LANGS
from grader.tomlfile import read_toml


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

    @property
    def contract_path(self) -> Path:
        """The contract of a course without solutions/ (a student bundle): ``dlgrade release``
        writes there what ``contract`` reads from the references of a full course."""
        return self.root / "course" / "contract.json"

    def contract(self, topic: str) -> dict[str, list[list[Any]]]:
        """Each function the topic's module must define -> its parameters, each
        ``[name, kind, has_default, default]``: from the reference (``__all__``) where the course
        has solutions/, else from ``course/contract.json``."""
        if (self.root / "solutions").is_dir():
            reference = self.solution(topic)
            return {name: function_params(getattr(reference, name)) for name in getattr(reference, "__all__", ())}
        if not self.contract_path.is_file():
            raise ConfigError(f"{self.root}: neither solutions/ nor course/contract.json; a course needs its "
                              "references, a student bundle its contract (dlgrade release writes it)")  # fmt: skip
        try:
            contract = json.loads(self.contract_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigError(f"{self.contract_path}: not readable JSON ({error}); release the bundle again") from None
        table = contract.get(topic) if isinstance(contract, dict) else None
        if not isinstance(table, dict) or not all(isinstance(params, list) for params in table.values()):
            raise ConfigError(f"{self.contract_path}: no contract for {topic}; release the bundle again")
        return table

    def solution(self, topic: str) -> ModuleType:
        import importlib

        module = importlib.import_module(f"solutions.{topic}")
        # the reference must be this course's, never a solutions/ found first on sys.path (the
        # current directory of a student's repository, say)
        where = Path(str(getattr(module, "__file__", ""))).resolve().parent
        if where != (self.root / "solutions").resolve():
            raise ConfigError(f"solutions.{topic} was imported from {where}, not from this course's "
                              f"{self.root / 'solutions'}; run dlgrade with --course {self.root}")  # fmt: skip
        return module


def function_params(fn: Callable[..., Any]) -> list[list[Any]]:
    """A function's parameters as plain data, ``[name, kind, has_default, default]`` each: what
    the jail reports of the student's and what ``course/contract.json`` stores."""
    return [
        [p.name, p.kind.name, p.default is not inspect.Parameter.empty,
         None if p.default is inspect.Parameter.empty else p.default]
        for p in inspect.signature(fn).parameters.values()
    ]  # fmt: skip


def _installed_root() -> Path:
    return Path(__file__).resolve().parent.parent


def find_root(option: Path | None = None, work: Path | None = None) -> Path:
    """The course checkout (the folder holding ``course/course.toml``): ``option`` (--course),
    else DLGRADE_COURSE, else the checkout this package was installed from, else ``work``: the
    student's own folder, for the commands a student runs on their own work (``check``), so that
    a student bundle (``dlgrade release``) checks itself with only the engine installed. A grade
    never passes ``work``: nothing beside a submission chooses its suites."""
    if option is not None:
        candidate, source = Path(option), "--course"
    elif env := os.environ.get("DLGRADE_COURSE"):
        candidate, source = Path(env), "DLGRADE_COURSE"
    else:
        installed = _installed_root()
        if (installed / "course" / "course.toml").is_file():
            return installed
        if work is not None and (work / "course" / "course.toml").is_file():
            return work.resolve()
        raise ConfigError(
            "no course found: pass --course DIR (the folder that holds course/course.toml) or set "
            "DLGRADE_COURSE; this installed dlgrade holds no course of its own"
        )
    root = candidate.expanduser().resolve()
    if root.name == "course" and (root / "course.toml").is_file():
        root = root.parent  # the course/ folder itself was given
    if not (root / "course" / "course.toml").is_file():
        raise ConfigError(f"{source} {candidate}: no course/course.toml there; give the folder that "
                          "holds course/course.toml")  # fmt: skip
    return root


def load_course(root: Path | None = None, work: Path | None = None) -> Course:
    root = find_root(root, work)
    path = root / "course" / "course.toml"
    raw = read_toml(path, str(path), missing="not found; pass --course DIR (the folder that holds course/course.toml)")
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
    known = {f"DLGRADE_LIMIT_{key.upper()}" for key in limit_fields}
    unknown = sorted(name for name in os.environ if name.startswith("DLGRADE_LIMIT_") and name not in known)
    if unknown:  # a misspelt limit would be ignored, the run made under the default
        raise ConfigError(f"{unknown[0]} is not a limit of dlgrade; the limits are {', '.join(sorted(known))}")

    # the course's secret: every run's seed derives from it and the submission's content;
    # DLGRADE_SEED is a run's seed, used as given (seed_override), checked here for every command
    seed = get("course", "seed", int, 0)
    assert isinstance(seed, int)  # get() checked it
    seed_override(None)
    from grader import cgroups

    cgroups.policy()  # DLGRADE_CGROUPS too: a bad value is every command's error, before any work
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


def seed_override(option: int | None) -> int | None:
    """The seed a run was told to use (--seed, else DLGRADE_SEED), or None: derive it."""
    if option is not None:
        return option
    text = os.environ.get("DLGRADE_SEED", "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"DLGRADE_SEED={text!r} is not an integer; set it to a whole number or unset it") from None


def suite_version(course: Course) -> str:
    """A hash of the hidden suites: every file under course/<topic>/hidden, names and bytes."""
    digest = hashlib.sha256()
    for topic in course.topics:
        folder = course.root / "course" / topic / "hidden"
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            for part in (str(path.relative_to(course.root)).encode(), path.read_bytes()):
                digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()
