"""coopbot's platform-free core: the fact base, the answer engine and the command line.

Adapters use `Coopbot.ask(text, session=..., lang=..., audience=...) -> Answer` and render the
Answer; nothing in this package imports an adapter or a platform library.
"""

from bot.answer import Answer, Block, Contact, SourceRef
from bot.core import Coopbot

__all__ = ["Answer", "Block", "Contact", "Coopbot", "SourceRef"]
