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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.compiled import CompiledCache, compiled
from bot.engine import Engine
from bot.files import MAX_FILE_BYTES, Problem, files, refusal
from bot.model import KnowledgeBase

log = logging.getLogger("coopbot.reload")


def content_digest(directory: Path) -> bytes:
    """A hash of every knowledge file's name and content: what a compiled base is keyed by. A file the loader
    refuses (a FIFO, a link out of the directory, too large) is not read here either."""
    digest = hashlib.blake2b()
    for path in files(directory):
        digest.update(path.name.encode() + b"\0")
        try:
            if refusal(path, directory) or path.stat().st_size > MAX_FILE_BYTES:
                digest.update(b"\0(refused)\0")
                continue
            with path.open("rb") as handle:
                digest.update(hashlib.file_digest(handle, "blake2b").digest())
        except OSError:
            digest.update(b"\0(unreadable)\0")
    return digest.digest()


@dataclass(frozen=True)
class Base:
    kb: KnowledgeBase
    engine: Engine
    version: str = ""
    loaded_at: float = field(default_factory=time.time)

    @classmethod
    def load(cls, directory: Path, cache: CompiledCache | None = None, content: bytes | None = None) -> Base:
        """Load and validate `directory` and index it, or take its compiled form from `cache`. `content`: the
        files' digest, when the caller has just worked it out."""
        content = content or content_digest(directory)
        engine = compiled(cache, content, lambda: _from_yaml(directory), lambda: content_digest(directory), Engine)
        return cls(engine.kb, engine, content.hex()[:12])


def _from_yaml(directory: Path) -> Engine:
    from bot.knowledge import load  # PyYAML and the schema: only when the YAML is read

    return Engine(load(directory))


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

    def __init__(self, base: Base, directory: Path | None, cache: CompiledCache | None = None) -> None:
        self.base = base
        self.directory, self.cache = directory, cache
        self.last_problems: tuple[Problem, ...] = ()
        self.listeners: list[Callable[[Reloaded], None]] = []
        self._reloading = threading.Lock()

    def reload(self) -> Reloaded:
        if self.directory is None:
            raise RuntimeError("this fact base was not loaded from a directory")
        with self._reloading:
            content = content_digest(self.directory)
            if content.hex()[:12] == self.base.version:
                return Reloaded(self.base)
            from bot.files import KnowledgeError

            try:
                new = Base.load(self.directory, self.cache, content)
            except KnowledgeError as err:
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
