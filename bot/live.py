"""The fact base that is serving, and replacing it while serving (`Coopbot.reload`).

A `Base` is one loaded, validated fact base with its engine and what `/coop status` says of it: a hash
of the files' content, when it was loaded, its counts. Reloading loads and validates the directory
again (the caller runs it off any event loop); on success the new base replaces the old one in a single
assignment, so a question being answered finishes on the base it started with; on failure the old base
goes on serving and the problems are kept for `status` and handed to the listeners (a curators' channel).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot import knowledge
from bot.engine import Engine
from bot.model import KnowledgeBase
from bot.yamlsource import Problem

log = logging.getLogger("coopbot.reload")


def fingerprint(directory: Path) -> str:
    """A hash of every knowledge file's name and content."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml")):
        digest.update(path.name.encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"(unreadable)")
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class Base:
    kb: KnowledgeBase
    engine: Engine
    version: str = ""
    loaded_at: float = field(default_factory=time.time)

    @classmethod
    def load(cls, directory: Path) -> Base:
        version = fingerprint(directory)
        kb = knowledge.load(directory)
        return cls(kb, Engine(kb), version)


@dataclass(frozen=True)
class Reloaded:
    """What a reload did: the base now serving, and the problems that kept a new one out (empty: it went in)."""

    base: Base
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


class LiveBase:
    """The serving base, replaceable while serving; one reload at a time."""

    def __init__(self, base: Base, directory: Path | None) -> None:
        self.base = base
        self.directory = directory
        self.last_problems: tuple[Problem, ...] = ()
        self.listeners: list[Callable[[Reloaded], None]] = []
        self._reloading = threading.Lock()

    def reload(self) -> Reloaded:
        if self.directory is None:
            raise RuntimeError("this fact base was not loaded from a directory")
        with self._reloading:
            if fingerprint(self.directory) == self.base.version:
                return Reloaded(self.base)
            try:
                new = Base.load(self.directory)
            except knowledge.KnowledgeError as err:
                self.last_problems = tuple(err.problems)
                result = Reloaded(self.base, self.last_problems)
                log.error(
                    "the changed fact base has %d problem(s); the one loaded at %s goes on serving:\n%s",
                    len(err.problems),
                    time.strftime("%H:%M:%S", time.localtime(self.base.loaded_at)),
                    "\n".join(str(p) for p in err.problems[:50]),
                )
            else:
                self.base, self.last_problems = new, ()
                result = Reloaded(new)
                log.info("the fact base was reloaded (version %s)", new.version)
        for listener in self.listeners:
            try:
                listener(result)
            except Exception:
                log.exception("a reload listener failed")
        return result


def knowledge_dir(directory: Path | str | None) -> Path:
    return Path(directory or os.environ.get("COOPBOT_KNOWLEDGE") or knowledge.DEFAULT_DIR)
