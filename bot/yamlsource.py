"""Reading YAML with line numbers, so every problem can be named as `file:line`.

The loader is PyYAML's SafeLoader (what `yaml.safe_load` uses) with two additions: mappings and
sequences remember the line of each key and item, and a key written twice in one mapping is an
error instead of silently keeping the last value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class LineDict(dict[str, Any]):
    """A mapping that knows the line it starts on and the line of each key."""

    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that knows the line it starts on and the line of each item."""

    line: int
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


# libyaml's parser when PyYAML was built with it (ten times faster on a large fact base); the same safe
# constructors either way.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeBase):  # type: ignore[valid-type,misc]
    """SafeLoader that records line numbers and refuses duplicate keys."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            raise DuplicateKeyError(
                "while reading a mapping", node.start_mark, f"key {key!r} is written twice", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> object:
    """A date YAML recognises by its shape but that does not exist (2024-13-01) stays text for the schema to reject."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(path: Path, display: str) -> tuple[Any, list[Problem]]:
    """Parse one file. On a syntax error return (None, [problem at the error's line])."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        return None, [Problem(display, 1, "file", f"not UTF-8 text ({err.reason})")]
    except OSError as err:
        return None, [Problem(display, 1, "file", f"cannot be read ({err.strerror})")]
    try:
        return yaml.load(text, Loader=_LineLoader), []
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        message = " ".join(p for p in (err.context, err.problem) if p) or "invalid YAML"
        return None, [Problem(display, line, "yaml", f"syntax error: {message}")]
    except yaml.YAMLError as err:
        return None, [Problem(display, 1, "yaml", f"syntax error: {err}")]
