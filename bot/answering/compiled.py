"""The compiled fact base: the validated base and its indexes (the whole `Engine`), pickled once and loaded
in a fraction of the time reading, validating and indexing the YAML takes (0.2 s instead of 9 s for a base a
hundred times the real one).

A compiled file is keyed by everything the engine is built from: the name and content of every knowledge
file, coopbot's version and the content of its code, and the Python that pickled it. It lives outside the
source tree, in a cache directory (`$COOPBOT_CACHE`, else systemd's `$CACHE_DIRECTORY`, else
`$XDG_CACHE_HOME/coopbot` or `~/.cache/coopbot`; `COOPBOT_CACHE=off` or `--no-cache` turns it off).

Unpickling runs code, so a compiled file is trusted only when it is ours: owned by this user and writable by
no one else, in a directory that is ours too. It is used only when its header names the key asked for and
a digest of its payload matches, so a truncated, corrupted or foreign file is a miss: the YAML is loaded,
and the file written again, atomically (a temporary file renamed into place). Anything else that goes wrong
with the cache (a full disk, a read-only home) is logged once and costs only speed.

The cache also records, for each fact base directory, the last base that validated and served (a small
`last-good-*` file naming its compiled file, which pruning keeps): a start that finds the YAML invalid serves
that one instead of stopping (bot/live.py), trusted by the same checks as any compiled file.
"""

from __future__ import annotations

import copyreg
import gc
import hashlib
import json
import logging
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO, TypeVar

from bot.version import __version__

log = logging.getLogger("coopbot.compiled")
T = TypeVar("T")

ENV = "COOPBOT_CACHE"
OFF = frozenset({"off", "0", "no", "false"})
MAGIC = b"coopbot-compiled-1\n"
DIGEST = 32  # bytes of a blake2b digest
HEADER = len(MAGIC) + DIGEST + 8 + DIGEST  # magic, key, payload length, payload digest
KEEP = 8  # compiled files kept in the directory (the most recently used); older ones are removed
SUFFIX = ".engine"
GOOD = "last-good-"  # + a hash of a fact base's directory: the record of its last base that validated and served
CHUNK = 2**20
CODE = Path(__file__).resolve().parent.parent  # bot/: every package the engine is built from


def _proxy(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


# The fact base is immutable (read-only mappings); pickle them as the dicts they wrap.
copyreg.pickle(MappingProxyType, lambda proxy: (_proxy, (dict(proxy),)))


def default_dir() -> Path | None:
    """Where compiled files go, or None when the cache is off."""
    chosen = os.environ.get(ENV, "").strip()
    if chosen.casefold() in OFF:
        return None
    if chosen:
        return Path(chosen)
    if os.environ.get("CACHE_DIRECTORY"):  # systemd's CacheDirectory= (deploy/coopbot@.service)
        return Path(os.environ["CACHE_DIRECTORY"].split(":")[0])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "coopbot"


def _code_digest() -> bytes:
    """The content of the code that builds an engine: a change to it (without a new version) is a new key."""
    digest = hashlib.blake2b(digest_size=DIGEST)
    digest.update(f"{__version__}\0{sys.version}\0{sys.implementation.cache_tag}".encode())
    for path in sorted(CODE.rglob("*.py")):
        digest.update(str(path.relative_to(CODE)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


class CompiledCache:
    """Compiled engines in one directory, by key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._code: bytes | None = None
        self._warned = False

    def key(self, content: bytes) -> bytes:
        """The key of a fact base whose files hash to `content` (bot.answering.live.content_digest)."""
        if self._code is None:
            self._code = _code_digest()
        return hashlib.blake2b(self._code + content, digest_size=DIGEST).digest()

    def path(self, key: bytes) -> Path:
        return self.directory / f"{key.hex()[:40]}{SUFFIX}"

    def get(self, key: bytes) -> Any | None:
        """The object compiled under `key`, or None: no file, not ours, or not intact."""
        path = self.path(key)
        try:
            with open(path, "rb") as handle:
                if not self._ours(os.fstat(handle.fileno())) or not self._ours(os.stat(self.directory)):
                    self._warn(f"{path} is not owned by this user or is writable by others; not used")
                    return None
                if not self._intact(handle, key):
                    log.warning("the compiled fact base %s is damaged; it is rebuilt from the YAML", path)
                    return None
                handle.seek(HEADER)
                try:
                    with paused_gc():
                        found = pickle.load(handle)  # streamed: the file is never in memory whole
                except Exception as err:  # intact bytes that do not unpickle: code moved under the same key
                    log.warning("the compiled fact base %s cannot be loaded (%s); it is rebuilt", path, err)
                    return None
        except FileNotFoundError:
            return None
        except OSError as err:
            self._warn(f"cannot read the compiled fact base {path}: {err.strerror}")
            return None
        with suppress(OSError):
            os.utime(path)  # most recently used: kept when older ones are pruned
        return found

    def put(self, key: bytes, value: object) -> None:
        """Compile `value` under `key`, atomically; failures are logged, never raised."""
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self._ours(os.stat(self.directory)):  # what is written there would never be trusted
                self._warn(f"{self.directory} is not owned by this user or is writable by others; nothing is kept")
                return
            digest = hashlib.blake2b(payload, digest_size=DIGEST).digest()
            self._write(self.path(key), MAGIC + key + len(payload).to_bytes(8, "big") + digest, payload)
            self._prune()
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as err:
            self._warn(f"cannot write the compiled fact base in {self.directory}: {err}")

    def remember_good(self, directory: Path, content: bytes) -> None:
        """Record that the base of `directory` whose files hash to `content` validated and is serving, so that
        a start finding its YAML invalid can serve it (`last_good`). Only a base compiled here is recorded (one
        edited while it loaded is not); failures are logged, never raised."""
        compiled = self.path(self.key(content))
        record = {"directory": str(directory.resolve()), "compiled": compiled.name, "content": content.hex()}
        try:
            if compiled.exists() and self._ours(os.stat(self.directory)):
                self._write(self._good(directory), json.dumps(record).encode())
        except OSError as err:
            log.warning("cannot record the last good fact base in %s: %s", self.directory, err)

    def last_good(self, directory: Path) -> tuple[bytes, Any] | None:
        """The files' digest and the compiled object of the last base of `directory` that validated and served;
        None when there is none: never recorded, compiled by other code (another coopbot or Python), or a record
        or a compiled file that is not ours or not intact (the checks of `get`)."""
        record = self._record(self._good(directory))
        if record is None:
            return None
        content = bytes.fromhex(record["content"])
        key = self.key(content)
        if record["compiled"] != self.path(key).name:
            log.warning("the last good fact base was compiled by another version of coopbot; it is not served")
            return None
        found = self.get(key)
        return None if found is None else (content, found)

    def _good(self, directory: Path) -> Path:
        name = hashlib.blake2b(str(directory.resolve()).encode(), digest_size=10).hexdigest()
        return self.directory / f"{GOOD}{name}"

    def _record(self, path: Path) -> dict[str, str] | None:
        """A last-good record: ours, and naming a compiled file and a content digest; else None."""
        try:
            with open(path, "rb") as handle:
                if not self._ours(os.fstat(handle.fileno())) or not self._ours(os.stat(self.directory)):
                    log.warning("%s is not owned by this user or is writable by others; not used", path)
                    return None
                record = json.loads(handle.read(4096))
            if isinstance(record, dict) and isinstance(record.get("compiled"), str):
                bytes.fromhex(record["content"])
                return record
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.warning("the record of the last good fact base %s cannot be read (%s)", path, err)
            return None
        log.warning("the record of the last good fact base %s is not one", path)
        return None

    def _write(self, path: Path, *chunks: bytes) -> None:
        """Write `path` whole or not at all: a temporary file of its own, on disk, renamed into place."""
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".compiling-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @staticmethod
    def _intact(handle: BinaryIO, key: bytes) -> bool:
        """The header names `key`, and the payload has the length and the digest the header gives."""
        header = handle.read(HEADER)
        at = len(MAGIC)
        if len(header) < HEADER or not header.startswith(MAGIC) or header[at : at + DIGEST] != key:
            return False
        length = int.from_bytes(header[at + DIGEST : at + DIGEST + 8], "big")
        digest, read = hashlib.blake2b(digest_size=DIGEST), 0
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            read += len(chunk)
        return read == length and digest.digest() == header[at + DIGEST + 8 :]

    @staticmethod
    def _ours(info: os.stat_result) -> bool:
        return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)

    def _prune(self) -> None:
        """Keep the KEEP most recently used compiled files, and those a last-good record names."""
        compiled = sorted(self.directory.glob(f"*{SUFFIX}"), key=_mtime, reverse=True)
        named = {record["compiled"] for path in self.directory.glob(f"{GOOD}*") if (record := self._record(path))}
        for old in compiled[KEEP:]:
            if old.name not in named:
                old.unlink(missing_ok=True)

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning("%s (the fact base is loaded from its YAML instead: slower, nothing else)", message)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@contextmanager
def paused_gc(collect: bool = False) -> Iterator[None]:
    """Build many long-lived objects without the cyclic collector walking them over and over (it doubles the
    time of loading a large base), then freeze them: later collections skip what a fact base keeps. `collect`
    first reclaims the cycles building left behind (the YAML loader's), which freezing would keep for good.
    An engine itself holds no cycles (a test checks), so a replaced one is freed by reference counting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collect:
            gc.collect()
        if enabled:
            gc.enable()
        gc.freeze()


def compiled(
    cache: CompiledCache | None, content: bytes, build: Callable[[], T], still: Callable[[], bytes], kind: type[T]
) -> T:
    """The `kind` built from the fact base whose files hash to `content`: from the cache, else `build()`, then
    stored if the files still hash the same (`still()`: a file edited while it was loading is not compiled
    under the old content's key)."""
    if cache is None:
        with paused_gc(collect=True):
            return build()
    key = cache.key(content)
    found = cache.get(key)
    if isinstance(found, kind):
        return found
    if found is not None:
        log.warning("the compiled fact base holds %s, not %s; it is rebuilt", type(found).__name__, kind.__name__)
    with paused_gc(collect=True):
        built = build()
    if still() == content:
        cache.put(key, built)
    return built
