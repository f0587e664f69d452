"""Reading YAML with line numbers, so every problem can be named as `file:line`.

The loader is PyYAML's SafeLoader (what `yaml.safe_load` uses) with two additions: mappings and
sequences remember the line of each key and item, and a key written twice in one mapping is an
error instead of silently keeping the last value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.factbase.files import EXCERPT, MAX_FILE_BYTES, Problem, refusal

__all__ = ["EXCERPT", "MAX_FILE_BYTES", "LineDict", "LineList", "Problem", "read_yaml"]

MAX_NODES = 2_000_000  # values of one file once its aliases are expanded
MAX_DEPTH = 50  # levels of nesting; the fact base needs six


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


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


# libyaml's parser when PyYAML was built with it (ten times faster on a large fact base); the same safe
# constructors either way.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_STR = "tag:yaml.org,2002:str"


class _LineLoader(_SafeBase):  # type: ignore[valid-type,misc]
    """SafeLoader that records line numbers, refuses duplicate keys, and measures what it builds: how many values
    a mapping or a sequence holds once its aliases are expanded (each node measured once, as aliases share
    nodes, so this is linear in the file however large the expansion it describes), and how deep it nests."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.sizes: dict[int, int] = {}  # id(node) -> values in it, aliases expanded
        self.open: set[int] = set()  # the collections being built, outermost to innermost


def _enter(loader: _LineLoader, node: yaml.Node, children: list[yaml.Node]) -> None:
    """Before a collection's values are built: refuse nesting past MAX_DEPTH and an alias inside what it names."""
    if len(loader.open) >= MAX_DEPTH:
        raise _TooLarge(f"nests deeper than {MAX_DEPTH} levels", node)
    if any(id(child) in loader.open or child is node for child in children):
        raise _TooLarge("an alias refers to a value that contains it", node)
    loader.open.add(id(node))


def _leave(loader: _LineLoader, node: yaml.Node, children: list[yaml.Node]) -> None:
    """After: its size, aliases expanded, within MAX_NODES."""
    loader.open.discard(id(node))
    size = 1 + sum(loader.sizes.get(id(child), 1) for child in children)
    if size > MAX_NODES:
        raise _TooLarge(f"its aliases expand it past {MAX_NODES:,} values", node)
    loader.sizes[id(node)] = size


def _value(loader: _LineLoader, node: yaml.Node) -> Any:
    """A node's value; plain text (most of a fact base) directly, without PyYAML's dispatch for each one."""
    if node.__class__ is yaml.ScalarNode and node.tag == _STR:
        return node.value
    return loader.construct_object(node, deep=True)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    loader.flatten_mapping(node)
    children = [part for pair in node.value for part in pair]
    _enter(loader, node, children)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            raise DuplicateKeyError(
                "while reading a mapping", node.start_mark, f"key {key!r} is written twice", key_node.start_mark
            )
        result[key] = _value(loader, value_node)
        result.key_lines[key] = key_node.start_mark.line + 1
    _leave(loader, node, children)
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    _enter(loader, node, node.value)
    result = LineList(_value(loader, child) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    _leave(loader, node, node.value)
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


def read_yaml(path: Path, display: str, root: Path | None = None) -> tuple[Any, list[Problem]]:
    """Parse one file. On a refusal or a syntax error return (None, [problem at the line where it is]).

    A fact base is data from people, so a file cannot be turned against the host: it must be a regular file
    inside `root` (no link out of it, no device, no FIFO), within MAX_FILE_BYTES, and its aliases may not
    expand it past MAX_NODES nor nest it deeper than MAX_DEPTH."""
    refused = refusal(path, root or path.parent)
    if refused:
        return None, [Problem(display, 1, "file", refused)]
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            return None, [Problem(display, 1, "file", f"is larger than {MAX_FILE_BYTES // 2**20} MiB")]
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, [Problem(display, 1, "file", f"not UTF-8 text ({err.reason})")]
    except OSError as err:
        return None, [Problem(display, 1, "file", f"cannot be read ({err.strerror})")]
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        return loader.construct_document(node), []
    except _TooLarge as err:
        return None, [Problem(display, err.line, "yaml", str(err))]
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        message = " ".join(p for p in (err.context, err.problem) if p) or "invalid YAML"
        return None, [Problem(display, line, "yaml", f"syntax error: {message}")]
    except yaml.YAMLError as err:
        return None, [Problem(display, 1, "yaml", f"syntax error: {err}")]
    finally:
        loader.dispose()


class _TooLarge(Exception):
    def __init__(self, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.line = node.start_mark.line + 1
