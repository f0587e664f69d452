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
"""

from __future__ import annotations

import copyreg
import gc
import hashlib
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
CHUNK = 2**20
CODE = Path(__file__).resolve().parent


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
    for path in sorted(CODE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


class CompiledCache:
    """Compiled engines in one directory, by key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._code: bytes | None = None
        self._warned = False

    def key(self, content: bytes) -> bytes:
        """The key of a fact base whose files hash to `content` (bot.live.content_digest)."""
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
            header = MAGIC + key + len(payload).to_bytes(8, "big") + digest
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".compiling-", suffix=SUFFIX)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(header)
                    handle.write(payload)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, self.path(key))
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            self._prune()
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as err:
            self._warn(f"cannot write the compiled fact base in {self.directory}: {err}")

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
        compiled = sorted(self.directory.glob(f"*{SUFFIX}"), key=_mtime, reverse=True)
        for old in compiled[KEEP:]:
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
