"""Reloading the fact base while serving: when a file in `knowledge/` changes (watchfiles) and on SIGHUP.

The reload runs on a thread of its own, never on a surface's event loop; `Coopbot.reload` swaps the new
base in only if it is valid (bot/live.py)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from watchfiles import watch

from bot.core import Coopbot

log = logging.getLogger("coopbot.reload")


def is_knowledge_file(_change: object, path: str) -> bool:
    return path.endswith((".yaml", ".yml")) and not Path(path).name.startswith(".")


class Watcher:
    """Watches the fact base's directory until `stop` is set; `request()` reloads now (SIGHUP)."""

    def __init__(self, bot: Coopbot, stop: threading.Event) -> None:
        self.bot, self.stop = bot, stop
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        directory = self.bot.live.directory
        if directory is None:
            return
        self._thread = threading.Thread(target=self._watch, args=(directory,), name="coopbot-watch", daemon=True)
        self._thread.start()

    def _watch(self, directory: Path) -> None:
        try:
            for _changes in watch(directory, watch_filter=is_knowledge_file, stop_event=self.stop, debounce=300):
                self.bot.reload()
        except Exception:  # a directory that vanished, too many watches: SIGHUP still reloads
            log.exception("watching %s for changes stopped", directory)

    def request(self) -> None:
        threading.Thread(target=self.bot.reload, name="coopbot-reload", daemon=True).start()
