"""coopbot, platform-free: the fact base, reading and answering a question, showing the answer, serving a
surface, curation and the command line (the packages below, each saying what it holds and may import).

Surfaces (adapters/) import only what this package exports, which is of two kinds:
- the core and what it answers with: `Coopbot`, the `Answer` model and its `Layout` to render (`lay_out`,
  `Part`, `label`, `plain_text`), the command table (`COMMANDS`, `parse_command`), `Lang`, `Audience`;
- what serving hands a surface and asks of it: the `Surface` contract and `NotConfigured`, the `Runtime`
  it runs with, the per-question policy (`Asking`, `Question`, `Admission`), the inbox and its `Sweeper`
  (`Item`, `SWEEP_EVERY`, `delays`, `is_outage`, `Unavailable`), caches and their codecs (`Cache`,
  `BoundedCache`, `Codec`, `TEXT`...), readiness and metrics (`Health`, `Metrics`), curation's view of the
  report (`UnansweredCluster`, `Reloaded`).
Nothing in this package imports a surface or a platform library.

Each name is imported when it is first used (PEP 562), so `coopbot ask` (bot.commandline.cli) does not load
the database, the metrics or the surfaces' machinery it never touches.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.answering.live import Reloaded as Reloaded
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
    from bot.core import Coopbot as Coopbot
    from bot.curation.feedback import Feedback as Feedback
    from bot.factbase.model import LANGS as LANGS
    from bot.factbase.model import Audience as Audience
    from bot.factbase.model import Lang as Lang
    from bot.serving.asking import Asking as Asking
    from bot.serving.asking import Question as Question
    from bot.serving.dependency import Unavailable as Unavailable
    from bot.serving.dependency import is_outage as is_outage
    from bot.serving.inbox import Inbox as Inbox
    from bot.serving.inbox import Item as Item
    from bot.serving.limits import Admission as Admission
    from bot.serving.limits import UserLimit as UserLimit
    from bot.serving.logs import bind as bind
    from bot.serving.logs import new_correlation as new_correlation
    from bot.serving.logs import question_done as question_done
    from bot.serving.metrics import METRICS_CONTENT_TYPE as METRICS_CONTENT_TYPE
    from bot.serving.metrics import Health as Health
    from bot.serving.metrics import Metrics as Metrics
    from bot.serving.plaindata import from_data as from_data
    from bot.serving.plaindata import to_data as to_data
    from bot.serving.runtime import Runtime as Runtime
    from bot.serving.runtime import UnansweredCluster as UnansweredCluster
    from bot.serving.surface import NotConfigured as NotConfigured
    from bot.serving.surface import Surface as Surface
    from bot.serving.sweep import SWEEP_EVERY as SWEEP_EVERY
    from bot.serving.sweep import Sweeper as Sweeper
    from bot.serving.sweep import delays as delays
    from bot.showing.answer import Answer as Answer
    from bot.showing.answer import Block as Block
    from bot.showing.answer import Contact as Contact
    from bot.showing.answer import Kind as Kind
    from bot.showing.answer import SourceRef as SourceRef
    from bot.showing.labels import label as label
    from bot.showing.layout import Layout as Layout
    from bot.showing.layout import Part as Part
    from bot.showing.layout import lay_out as lay_out
    from bot.showing.render_text import plain_text as plain_text
    from bot.showing.render_text import render_plain as render_plain
    from bot.text.controls import strip_controls as strip_controls

# name -> (module, attribute)
_EXPORTS: dict[str, tuple[str, str]] = {
    "Question": ("bot.serving.asking", "Question"),
    "Asking": ("bot.serving.asking", "Asking"),
    "Codec": ("bot.cache", "Codec"),
    "FLAG": ("bot.cache", "FLAG"),
    "TEXT": ("bot.cache", "TEXT"),
    "TEXTS": ("bot.cache", "TEXTS"),
    "WHOLE_NUMBERS": ("bot.cache", "WHOLE_NUMBERS"),
    "Sweeper": ("bot.serving.sweep", "Sweeper"),
    "delays": ("bot.serving.sweep", "delays"),
    "SWEEP_EVERY": ("bot.serving.sweep", "SWEEP_EVERY"),
    "is_outage": ("bot.serving.dependency", "is_outage"),
    "Unavailable": ("bot.serving.dependency", "Unavailable"),
    "from_data": ("bot.serving.plaindata", "from_data"),
    "to_data": ("bot.serving.plaindata", "to_data"),
    "Admission": ("bot.serving.limits", "Admission"),
    "Answer": ("bot.showing.answer", "Answer"),
    "Audience": ("bot.factbase.model", "Audience"),
    "Block": ("bot.showing.answer", "Block"),
    "BoundedCache": ("bot.cache", "BoundedCache"),
    "COMMANDS": ("bot.commands", "COMMANDS"),
    "Cache": ("bot.cache", "Cache"),
    "Caches": ("bot.cache", "Caches"),
    "Command": ("bot.commands", "Command"),
    "Contact": ("bot.showing.answer", "Contact"),
    "Coopbot": ("bot.core", "Coopbot"),
    "Feedback": ("bot.curation.feedback", "Feedback"),
    "Health": ("bot.serving.metrics", "Health"),
    "Inbox": ("bot.serving.inbox", "Inbox"),
    "Item": ("bot.serving.inbox", "Item"),
    "Kind": ("bot.showing.answer", "Kind"),
    "LANGS": ("bot.factbase.model", "LANGS"),
    "Lang": ("bot.factbase.model", "Lang"),
    "Layout": ("bot.showing.layout", "Layout"),
    "METRICS_CONTENT_TYPE": ("bot.serving.metrics", "METRICS_CONTENT_TYPE"),
    "Metrics": ("bot.serving.metrics", "Metrics"),
    "NotConfigured": ("bot.serving.surface", "NotConfigured"),
    "Part": ("bot.showing.layout", "Part"),
    "Reloaded": ("bot.answering.live", "Reloaded"),
    "Runtime": ("bot.serving.runtime", "Runtime"),
    "SourceRef": ("bot.showing.answer", "SourceRef"),
    "Surface": ("bot.serving.surface", "Surface"),
    "UnansweredCluster": ("bot.serving.runtime", "UnansweredCluster"),
    "UserLimit": ("bot.serving.limits", "UserLimit"),
    "bind": ("bot.serving.logs", "bind"),
    "label": ("bot.showing.labels", "label"),
    "lay_out": ("bot.showing.layout", "lay_out"),
    "new_correlation": ("bot.serving.logs", "new_correlation"),
    "parse_command": ("bot.commands", "parse_command"),
    "plain_text": ("bot.showing.render_text", "plain_text"),
    "question_done": ("bot.serving.logs", "question_done"),
    "render_plain": ("bot.showing.render_text", "render_plain"),
    "strip_controls": ("bot.text.controls", "strip_controls"),
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bot' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # looked up once
    return value
