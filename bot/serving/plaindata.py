"""Frozen dataclasses as JSON data and back, with every value's type checked on the way in.

What another process wrote (a cached Answer in Redis) is read back only if each field has the type its
annotation says: text, whole number, number, flag, one of a Literal's values, a tuple of these, another
such dataclass, or None where the annotation allows it. Anything else raises ValueError, which a reader
takes as a miss. Data, never code.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import TypeVar

T = TypeVar("T")


def to_data(value: object) -> object:
    """A dataclass (or tuple, or scalar) as JSON-ready data: objects as dicts, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: to_data(getattr(value, name)) for name, _, _ in _fields(type(value))}
    if isinstance(value, tuple | list):
        return [to_data(item) for item in value]
    return value


def from_data(cls: type[T], data: object) -> T:
    """`data` read as a `cls`; ValueError when it is not one."""
    return typing.cast(T, _read(cls, data, cls.__name__))


@cache
def _fields(cls: type) -> tuple[tuple[str, object, bool], ...]:
    """Each field written and read: its name, its resolved type, whether it has a default. Fields of a Mapping
    type (an Answer's diagnostics) stay behind: they are never shown."""
    hints = typing.get_type_hints(cls)
    found = []
    for field in dataclasses.fields(cls):
        kind = hints[field.name]
        if typing.get_origin(kind) is Mapping:
            continue
        has_default = field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
        found.append((field.name, kind, has_default))
    return tuple(found)


def _read(kind: object, data: object, where: str) -> object:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            raise ValueError(f"{where}: not an object")
        values = {}
        for name, field_kind, has_default in _fields(kind):
            if name in data:
                values[name] = _read(field_kind, data[name], f"{where}.{name}")
            elif not has_default:
                raise ValueError(f"{where}.{name}: missing")
        return kind(**values)
    if origin is typing.Literal:
        if data not in args:
            raise ValueError(f"{where}: {data!r} is not one of {args}")
        return data
    if origin in (typing.Union, types.UnionType):
        for option in args:
            try:
                return _read(option, data, where)
            except ValueError:
                continue
        raise ValueError(f"{where}: {type(data).__name__} fits none of {args}")
    if origin is tuple:
        if not isinstance(data, list):
            raise ValueError(f"{where}: not a list")
        kinds = [args[0]] * len(data) if len(args) == 2 and args[1] is Ellipsis else list(args)
        if len(kinds) != len(data):
            raise ValueError(f"{where}: {len(data)} items where {len(kinds)} belong")
        return tuple(_read(kind, item, f"{where}[{n}]") for n, (kind, item) in enumerate(zip(kinds, data, strict=True)))
    if kind is type(None):
        if data is not None:
            raise ValueError(f"{where}: not null")
        return None
    if kind is float:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return float(data)
        raise ValueError(f"{where}: not a number")
    if kind in (str, int, bool):
        if type(data) is not kind:
            raise ValueError(f"{where}: not a {kind.__name__}")
        return data
    raise TypeError(f"{where}: {kind!r} cannot be read back from data")
