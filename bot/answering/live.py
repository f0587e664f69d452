"""The fact base that is serving, and replacing it while serving (`Coopbot.reload`).

A `Base` is one loaded, validated fact base with its engine and what `/coop status` says of it: a hash
of the files' content, when it was loaded, its counts. Reloading loads and validates the directory
again (the caller runs it off any event loop); on success the new base replaces the old one in a single
assignment, so a question being answered finishes on the base it started with; on failure the old base
goes on serving and the problems are kept for `status` and handed to the listeners (a curators' channel).

A base that validated and serves is recorded in the compiled cache as the directory's last good one. A start
that finds the YAML invalid serves that one (`Base.last_good`, `LiveBase.fell_back`): loudly, as a failed
reload is (the log, `status`, the listeners), and `degraded` says so to readiness until a reload succeeds.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.answering.compiled import CompiledCache, compiled
from bot.answering.engine import Engine
from bot.factbase.files import MAX_FILE_BYTES, Problem, files, refusal
from bot.factbase.model import KnowledgeBase

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
    content: bytes = b""  # the digest of the files it was loaded from (its compiled file's key); b"" when unknown

    @classmethod
    def load(cls, directory: Path, cache: CompiledCache | None = None, content: bytes | None = None) -> Base:
        """Load and validate `directory` and index it, or take its compiled form from `cache`. `content`: the
        files' digest, when the caller has just worked it out."""
        content = content or content_digest(directory)
        engine = compiled(cache, content, lambda: _from_yaml(directory), lambda: content_digest(directory), Engine)
        return cls(engine.kb, engine, content.hex()[:12], content=content)

    @classmethod
    def last_good(cls, directory: Path, cache: CompiledCache | None) -> Base | None:
        """The last base of `directory` that validated and served, from the compiled cache; None without one."""
        found = cache.last_good(directory) if cache else None
        if found is None or not isinstance(found[1], Engine):
            return None
        content, engine = found
        return cls(engine.kb, engine, content.hex()[:12], content=content)


def _from_yaml(directory: Path) -> Engine:
    from bot.factbase.loading import load  # PyYAML and the schema: only when the YAML is read

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
        self._fallback: Reloaded | None = None  # the start's failure, while the last good base it took serves

    def listen(self, listener: Callable[[Reloaded], None]) -> None:
        """Hear of every reload from now on; and at once, of a start that fell back to the last good base."""
        self.listeners.append(listener)
        if (start := self._fallback) is not None:
            self._tell(listener, start)

    def served(self) -> None:
        """The serving base validated and serves: recorded as the directory's last good one."""
        if self.cache and self.directory and self.base.content:
            self.cache.remember_good(self.directory, self.base.content)

    def fell_back(self, problems: list[Problem]) -> None:
        """This base is the last good one, serving because the directory's YAML has `problems`: logged (every
        one of them), kept for `status` and readiness, and told to each listener as a failed reload."""
        self.last_problems = tuple(problems)
        self._fallback = Reloaded(self.base, self.last_problems)
        log.error(
            "the fact base in %s has %d problem(s); serving the last good one (version %s) until they are fixed:\n%s",
            self.directory,
            len(problems),
            self.base.version,
            "\n".join(str(p) for p in problems),
        )

    def degraded(self) -> str | None:
        """What readiness notes while the files have problems and an older base serves; None when all is well."""
        if not self.last_problems:
            return None
        return (
            f"the fact base's files have {len(self.last_problems)} problem(s) (the log lists them); serving version"
            f" {self.base.version}, {'the last good one' if self._fallback else 'loaded before the change'}"
        )

    def reload(self) -> Reloaded:
        if self.directory is None:
            raise RuntimeError("this fact base was not loaded from a directory")
        with self._reloading:
            content = content_digest(self.directory)
            if content.hex()[:12] == self.base.version:
                if not self.last_problems:
                    return Reloaded(self.base)
                self.last_problems, self._fallback = (), None  # the files are back to what serves
                result = Reloaded(self.base)
                log.info("the fact base's files are the serving version %s again", self.base.version)
            else:
                result = self._load(self.directory, content)
        for listener in self.listeners:
            self._tell(listener, result)
        return result

    def _load(self, directory: Path, content: bytes) -> Reloaded:
        from bot.factbase.files import KnowledgeError

        try:
            new = Base.load(directory, self.cache, content)
        except KnowledgeError as err:
            self.last_problems = tuple(err.problems)
            log.error(
                "the changed fact base has %d problem(s); the one loaded at %s goes on serving:\n%s",
                len(err.problems),
                time.strftime("%H:%M:%S", time.localtime(self.base.loaded_at)),
                "\n".join(str(p) for p in err.problems[:50]),
            )
            return Reloaded(self.base, self.last_problems)
        self.base, self.last_problems, self._fallback = new, (), None
        self.served()
        log.info("the fact base was reloaded (version %s)", new.version)
        return Reloaded(new)

    @staticmethod
    def _tell(listener: Callable[[Reloaded], None], result: Reloaded) -> None:
        try:
            listener(result)
        except Exception:
            log.exception("a reload listener failed")
