"""coopbot's platform-free core: the fact base, the answer engine, the layout of answers and the command line.

Surfaces (adapters/) import only what this package exports: `Coopbot` to ask and to run commands, the
`Answer` model and its `Layout` to render, the command table, the `Surface` contract they implement, and
`BoundedCache` for what they remember, and the `Runtime` they run with (the inbox of questions
taken, the per-person limit). Nothing in this package imports a surface or a platform library.
"""

from bot.answer import Answer, Block, Contact, Kind, SourceRef
from bot.cache import BoundedCache, Cache, Caches
from bot.commands import COMMANDS, Command, parse_command
from bot.core import Coopbot
from bot.feedback import Feedback
from bot.labels import label
from bot.layout import Layout, Part, lay_out
from bot.limits import Admission, UserLimit
from bot.live import Reloaded
from bot.logs import bind, new_correlation, question_done
from bot.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.metrics import Health, Metrics
from bot.model import LANGS, Audience, Lang
from bot.render_text import plain_text, render_plain
from bot.runtime import Runtime
from bot.store import Inbox, Item
from bot.surface import NotConfigured, Surface

__all__ = [
    "COMMANDS",
    "LANGS",
    "METRICS_CONTENT_TYPE",
    "Admission",
    "Answer",
    "Audience",
    "Block",
    "BoundedCache",
    "Cache",
    "Caches",
    "Command",
    "Contact",
    "Coopbot",
    "Feedback",
    "Health",
    "Inbox",
    "Item",
    "Kind",
    "Lang",
    "Layout",
    "Metrics",
    "NotConfigured",
    "Part",
    "Reloaded",
    "Runtime",
    "SourceRef",
    "Surface",
    "UserLimit",
    "bind",
    "label",
    "lay_out",
    "new_correlation",
    "parse_command",
    "plain_text",
    "question_done",
    "render_plain",
]
