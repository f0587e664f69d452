"""What the tests share: the real fact base, a bot of it, and the fake platforms the adapters run against.

The fakes live in tests/fakes/ and are imported as the top-level package `fakes`: pytest puts tests/ on
sys.path (its default `prepend` import mode, with no __init__.py in tests/) before this file is imported.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakes.slack_api import FakeSlackApi
from fakes.telegram_api import FakeTelegram

from bot import Coopbot, lay_out, plain_text
from bot.factbase.files import DEFAULT_DIR
from bot.factbase.model import KnowledgeBase


@pytest.fixture(scope="session", autouse=True)
def compiled_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Compiled fact bases go to a directory of the test run's (commands started by tests inherit it), never
    to the user's ~/.cache."""
    before = os.environ.get("COOPBOT_CACHE")
    os.environ["COOPBOT_CACHE"] = str(tmp_path_factory.mktemp("compiled"))
    yield
    if before is None:
        os.environ.pop("COOPBOT_CACHE", None)
    else:
        os.environ["COOPBOT_CACHE"] = before


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A writable copy of the real fact base, in the test's own directory, named knowledge/ as the original."""
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_DIR, target)
    return target


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The fact base in knowledge/ (or $COOPBOT_KNOWLEDGE), loaded once: it is immutable."""
    return Coopbot.from_dir(None).kb


@pytest.fixture(scope="module")
def bot(kb: KnowledgeBase) -> Coopbot:
    """A bot of the real fact base, one per test module: the conversations (sessions) it keeps are the module's."""
    return Coopbot(kb)


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    """A fake Telegram Bot API server of its own for each test (tests/fakes/telegram_api.py)."""
    with FakeTelegram() as server:
        yield server


@pytest.fixture(scope="module")
def slack_api() -> Iterator[FakeSlackApi]:
    """The fake Slack Web API, one per test module (tests/fakes/slack_api.py): each test talks in channels
    of its own, so what one test's bot posts never reaches another's."""
    with FakeSlackApi() as fake:
        yield fake


@dataclass(frozen=True)
class StaffNote:
    """A question of the fact base whose answer to staff carries a staff-only note, and that note (Korean)."""

    question: str
    note: str


@pytest.fixture(scope="session")
def staff_note(kb: KnowledgeBase) -> StaffNote:
    """The first record with a staff-only note that its own Korean question brings up for staff and not for
    the public: whichever it is today, so no test pins the fact base's contents."""
    bot = Coopbot(kb)
    for fact in kb.facts:
        for note in fact.notes:
            if note.visibility != "staff" or fact.question is None:
                continue
            question, text = fact.question("ko"), note.text("ko")
            staff = plain_text(lay_out(bot.ask(question, lang="ko", audience="staff")))
            public = plain_text(lay_out(bot.ask(question, lang="ko", audience="public")))
            if text in staff and text not in public:
                return StaffNote(question, text)
    raise AssertionError("no record of knowledge/ has a staff-only note its own question brings up")
