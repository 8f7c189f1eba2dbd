"""YAML with positions: a bank is read with PyYAML's SafeLoader, every mapping remembers the line
it starts on (so an error can name it), and a duplicate key is an error (PyYAML silently keeps
the last one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from grader.errors import ConfigError


class LineDict(dict[Any, Any]):
    """A mapping of the YAML file and the 1-based line it starts on."""

    line = 0


class _Loader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line
        out = LineDict(super().construct_mapping(node, deep=True))
        out.line = node.start_mark.line + 1
        return out


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    return loader.construct_mapping(node)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def read_yaml(path: Path) -> Any:
    """The document of ``path``; ConfigError naming the file (and the line) if it cannot be read."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the bank: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text (byte {e.start}); save the bank as UTF-8") from None
    try:
        return yaml.load(raw, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        reason = getattr(e, "problem", None) or str(e)
        raise ConfigError(f"{where}: bad YAML: {reason}") from None


def line_of(node: Any) -> int:
    """The line a mapping of the file starts on (0: not a mapping of the file)."""
    return node.line if isinstance(node, LineDict) else 0
