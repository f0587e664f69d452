"""coopbot's platform-free core: the fact base, the answer engine, the layout of answers and the command line.

Surfaces (adapters/) import only what this package exports: `Coopbot` to ask and to run commands, the
`Answer` model and its `Layout` to render, the command table, the `Surface` contract they implement, and
`BoundedCache` for what they remember, and the `Runtime` they run with (the inbox of questions
taken, the per-person limit). Nothing in this package imports a surface or a platform library.

Each name is imported when it is first used (PEP 562), so `import bot.cli` for `coopbot ask` does not load the
database, the metrics or the surfaces' machinery it never touches.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.answer import Answer as Answer
    from bot.answer import Block as Block
    from bot.answer import Contact as Contact
    from bot.answer import Kind as Kind
    from bot.answer import SourceRef as SourceRef
    from bot.cache import FLAG as FLAG
    from bot.cache import TEXT as TEXT
    from bot.cache import TEXTS as TEXTS
    from bot.cache import WHOLE_NUMBERS as WHOLE_NUMBERS
    from bot.cache import BoundedCache as BoundedCache
    from bot.cache import Cache as Cache
    from bot.cache import Caches as Caches
    from bot.cache import Codec as Codec
    from bot.commands import COMMANDS as COMMANDS
    from bot.commands import Command as Command
    from bot.commands import parse_command as parse_command
    from bot.controls import strip_controls as strip_controls
    from bot.core import Coopbot as Coopbot
    from bot.dependency import Unavailable as Unavailable
    from bot.dependency import is_outage as is_outage
    from bot.feedback import Feedback as Feedback
    from bot.labels import label as label
    from bot.layout import Layout as Layout
    from bot.layout import Part as Part
    from bot.layout import lay_out as lay_out
    from bot.limits import Admission as Admission
    from bot.limits import UserLimit as UserLimit
    from bot.live import Reloaded as Reloaded
    from bot.logs import bind as bind
    from bot.logs import new_correlation as new_correlation
    from bot.logs import question_done as question_done
    from bot.metrics import METRICS_CONTENT_TYPE as METRICS_CONTENT_TYPE
    from bot.metrics import Health as Health
    from bot.metrics import Metrics as Metrics
    from bot.model import LANGS as LANGS
    from bot.model import Audience as Audience
    from bot.model import Lang as Lang
    from bot.plaindata import from_data as from_data
    from bot.plaindata import to_data as to_data
    from bot.render_text import plain_text as plain_text
    from bot.render_text import render_plain as render_plain
    from bot.runtime import Runtime as Runtime
    from bot.store import Inbox as Inbox
    from bot.store import Item as Item
    from bot.surface import NotConfigured as NotConfigured
    from bot.surface import Surface as Surface
    from bot.sweep import SWEEP_EVERY as SWEEP_EVERY
    from bot.sweep import Sweeper as Sweeper
    from bot.sweep import delays as delays

# name -> (module, attribute)
_EXPORTS: dict[str, tuple[str, str]] = {
    "Codec": ("bot.cache", "Codec"),
    "FLAG": ("bot.cache", "FLAG"),
    "TEXT": ("bot.cache", "TEXT"),
    "TEXTS": ("bot.cache", "TEXTS"),
    "WHOLE_NUMBERS": ("bot.cache", "WHOLE_NUMBERS"),
    "Sweeper": ("bot.sweep", "Sweeper"),
    "delays": ("bot.sweep", "delays"),
    "SWEEP_EVERY": ("bot.sweep", "SWEEP_EVERY"),
    "is_outage": ("bot.dependency", "is_outage"),
    "Unavailable": ("bot.dependency", "Unavailable"),
    "from_data": ("bot.plaindata", "from_data"),
    "to_data": ("bot.plaindata", "to_data"),
    "Admission": ("bot.limits", "Admission"),
    "Answer": ("bot.answer", "Answer"),
    "Audience": ("bot.model", "Audience"),
    "Block": ("bot.answer", "Block"),
    "BoundedCache": ("bot.cache", "BoundedCache"),
    "COMMANDS": ("bot.commands", "COMMANDS"),
    "Cache": ("bot.cache", "Cache"),
    "Caches": ("bot.cache", "Caches"),
    "Command": ("bot.commands", "Command"),
    "Contact": ("bot.answer", "Contact"),
    "Coopbot": ("bot.core", "Coopbot"),
    "Feedback": ("bot.feedback", "Feedback"),
    "Health": ("bot.metrics", "Health"),
    "Inbox": ("bot.store", "Inbox"),
    "Item": ("bot.store", "Item"),
    "Kind": ("bot.answer", "Kind"),
    "LANGS": ("bot.model", "LANGS"),
    "Lang": ("bot.model", "Lang"),
    "Layout": ("bot.layout", "Layout"),
    "METRICS_CONTENT_TYPE": ("bot.metrics", "METRICS_CONTENT_TYPE"),
    "Metrics": ("bot.metrics", "Metrics"),
    "NotConfigured": ("bot.surface", "NotConfigured"),
    "Part": ("bot.layout", "Part"),
    "Reloaded": ("bot.live", "Reloaded"),
    "Runtime": ("bot.runtime", "Runtime"),
    "SourceRef": ("bot.answer", "SourceRef"),
    "Surface": ("bot.surface", "Surface"),
    "UserLimit": ("bot.limits", "UserLimit"),
    "bind": ("bot.logs", "bind"),
    "label": ("bot.labels", "label"),
    "lay_out": ("bot.layout", "lay_out"),
    "new_correlation": ("bot.logs", "new_correlation"),
    "parse_command": ("bot.commands", "parse_command"),
    "plain_text": ("bot.render_text", "plain_text"),
    "question_done": ("bot.logs", "question_done"),
    "render_plain": ("bot.render_text", "render_plain"),
    "strip_controls": ("bot.controls", "strip_controls"),
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bot' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # looked up once
    return value
