"""Teaching: a curator makes questions ways of asking a record, written to knowledge/learned.yaml.

The file is human-readable YAML, one entry per teaching. Teaching cannot break the base: the new file is
checked by the loader itself before it replaces the old one, and written under a lock every process on the
host takes, whole or not at all. Answering reads it (bot/answering/learned.py).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import tempfile
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bot.answering.learned import LEARNED_FILE, key
from bot.factbase.files import MAX_FILE_BYTES, KnowledgeError, Problem, files, refusal
from bot.reading.focus import focus

LOCK_FILE = ".learned.lock"  # beside learned.yaml; every teaching on the host holds it while it reads and writes
TEMPORARY = ".learned-"  # a file being written: a name the loader never reads (not .yaml), swept under the lock
HEADER = (
    "# Ways of asking taught by curators from Slack (/coop report). Written by coopbot; review it in git like\n"
    "# any other file. Each entry: the record (fact) these questions get, who accepted it (a keyed hash) and when.\n"
)


def teach(directory: Path, fact: str, questions: Sequence[str], by: str, now: datetime | None = None) -> Path:
    """Add a teaching to knowledge/learned.yaml: `questions` become ways of asking record `fact`.

    The whole read-modify-write holds an exclusive lock on a file beside it (flock: processes and replicas on
    the host take turns, so no teaching is lost), and the new content is read by the loader itself before it
    replaces the file: KnowledgeError lists what the loader would refuse, and the file is left as it was.
    A question is written as one line of printable text; one over the loader's limit is cut to the sentence
    the bot reads of it, then at a word (`as_taught`). A question already answered with `fact` is not written
    again, and one taught before for another record is moved to this teaching: the file never says two things."""
    import yaml  # only a curator's teaching writes YAML; answering never imports it

    from bot.factbase.loading import MAX_LEARNED_QUESTION

    path = directory / LEARNED_FILE
    wanted: dict[str, str] = {}  # by key: the first of the questions that are the same once normalised
    for question in map(partial(as_taught, limit=MAX_LEARNED_QUESTION), questions):
        if key(question):  # punctuation alone is never matched
            wanted.setdefault(key(question), question)
    with _locked(directory):
        _sweep(directory)
        data = _read(directory, path)
        entries: list[Any] = list(data.get("learned") or [])
        taught = _taught(entries)
        new = {k: q for k, q in wanted.items() if taught.get(k) != fact}
        if not new:
            return path  # every one of them already gets this record
        entries = [e for e in (_without(entry, new.keys()) for entry in entries) if e is not None]
        when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        entries.append({"fact": fact, "questions": list(new.values()), "by": by, "at": when})
        text = HEADER + yaml.safe_dump(data | {"learned": entries}, allow_unicode=True, sort_keys=False, width=100)
        content = text.encode("utf-8")
        _check(directory, content)
        _replace(path, content)
    return path


def as_taught(question: str, limit: int) -> str:
    """A question as it is written down: printable text on one line (a control character, a line break or a
    lone surrogate becomes a space), at most `limit` characters. A longer one is what the bot reads of it
    when it is asked again (bot/focus.py: its question sentence), cut at the last space within the limit
    when that sentence is longer still (anywhere, for a text without spaces)."""
    if len(question) > limit:
        question = focus(question).question
    if not question.isprintable():
        question = "".join(c if c.isprintable() else " " for c in question)
    question = " ".join(question.split())
    if len(question) <= limit:
        return question
    head = question[: limit + 1]
    space = head.rfind(" ")
    return head[:space] if space > 0 else head[:limit]


def _taught(entries: Sequence[Any]) -> dict[str, Any]:
    """What each taught question gets now: the last entry naming it wins, as in LearnedIndex."""
    taught: dict[str, Any] = {}
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("questions"), list):
            taught |= {key(q): entry.get("fact") for q in entry["questions"] if isinstance(q, str)}
    return taught


def _without(entry: Any, keys: Collection[str]) -> Any:
    """An earlier entry without the questions taught again now; None when none of its questions is left."""
    if not isinstance(entry, dict) or not isinstance(entry.get("questions"), list):
        return entry  # not ours to mend: the check below names it
    kept = [q for q in entry["questions"] if not isinstance(q, str) or key(q) not in keys]
    return entry | {"questions": kept} if kept else None


def _read(directory: Path, path: Path) -> dict[str, Any]:
    """The learned file as it is: its sections (the learned: list among them), {} when there is none. A file
    that is not such a mapping is refused with what the loader says of it."""
    import yaml

    raw = path.read_bytes() if path.exists() else b""
    try:
        data = yaml.safe_load(raw.decode("utf-8")) or {}
    except (UnicodeDecodeError, yaml.YAMLError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("learned") or [], list):
        return data
    _check(directory, raw)
    raise KnowledgeError([Problem(f"{directory.name}/{LEARNED_FILE}", 1, "learned", "cannot be read as a list")])


def _check(directory: Path, content: bytes) -> None:
    """Raise KnowledgeError with the problems the loader finds in `content` as the fact base's learned file.
    The loader itself reads a copy of the fact base holding it, so every rule it has (the questions' length,
    the fact named existing, the file's syntax) is applied as it will be on the next load; problems in the
    other files are theirs, not the teaching's, and are left to the reload to report."""
    from bot.factbase.loading import load

    with tempfile.TemporaryDirectory(prefix="coopbot-teach-") as scratch:
        copy = Path(scratch) / directory.resolve().name
        copy.mkdir()
        for source in files(directory):  # what the loader would read: regular files within its size limit
            readable = source.name != LEARNED_FILE and not refusal(source, directory)
            if readable and source.stat().st_size <= MAX_FILE_BYTES:
                shutil.copyfile(source, copy / source.name)
        (copy / LEARNED_FILE).write_bytes(content)
        try:
            load(copy)
        except KnowledgeError as err:
            own = [p for p in err.problems if p.file == f"{copy.name}/{LEARNED_FILE}"]
            if own:
                raise KnowledgeError(own) from None


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on the learned file's lock file, held across processes (flock) until the block ends."""
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _sweep(directory: Path) -> None:
    """Remove what a teaching killed while writing left behind: under the lock, no one else is writing."""
    for left in directory.glob(f"{TEMPORARY}*.tmp"):
        left.unlink(missing_ok=True)


def _replace(path: Path, content: bytes) -> None:
    """Write `path` whole or not at all: a temporary file of its own beside it, on disk, renamed over it (the
    rename on disk too). The file keeps its permissions; a new one is readable by all, like the others."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
