"""The compiled fact base (bot/compiled.py): a warm cache answers exactly as the YAML does, and a cache that is
stale, damaged, foreign or unwritable is never trusted and never stops an answer."""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.answering import compiled
from bot.answering.compiled import KEEP, CompiledCache
from bot.answering.engine import Engine
from bot.answering.live import Base, content_digest
from bot.core import Coopbot
from bot.factbase import loading as knowledge
from bot.showing.protocol import answer_json

REPO = Path(__file__).resolve().parent.parent
CASE_FILES = (REPO / "tests" / "eval" / "cases.jsonl", REPO.parent / "shared" / "eval" / "dev.jsonl")


@pytest.fixture
def cache(tmp_path: Path) -> CompiledCache:
    return CompiledCache(tmp_path / "cache")


def compiled_files(cache: CompiledCache) -> list[Path]:
    return sorted(cache.directory.glob("*.engine"))


def refuse_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, loading the YAML fails the test: the base must come from the cache."""

    def loaded(*_args: object) -> None:
        raise AssertionError("the fact base was loaded from its YAML")

    monkeypatch.setattr(knowledge, "load", loaded)


def test_the_first_load_compiles_the_base_and_the_next_loads_it_without_reading_the_yaml(
    knowledge_copy: Path, cache: CompiledCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Coopbot.from_dir(knowledge_copy, cache=cache)
    assert len(compiled_files(cache)) == 1
    refuse_yaml(monkeypatch)
    second = Coopbot.from_dir(knowledge_copy, cache=cache)
    assert second.kb == first.kb
    assert second.live.base.version == first.live.base.version


def test_every_evaluation_question_gets_the_same_answer_with_and_without_the_cache(
    cache: CompiledCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_yaml = Coopbot.from_dir(None)
    Coopbot.from_dir(None, cache=cache)
    refuse_yaml(monkeypatch)
    from_cache = Coopbot.from_dir(None, cache=cache)
    cases = [json.loads(line) for path in CASE_FILES if path.exists() for line in path.read_text().splitlines()]
    assert len(cases) > 600
    for case in cases:
        session = f"s:{case['session']}" if case.get("session") else None
        expected = answer_json(from_yaml.ask(case["text"], session=session))
        assert answer_json(from_cache.ask(case["text"], session=session)) == expected, case["text"]


def test_an_edited_file_is_a_new_key_and_the_edit_is_answered(
    knowledge_copy: Path, cache: CompiledCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = Coopbot.from_dir(knowledge_copy, cache=cache)
    messages = knowledge_copy / "messages.yaml"
    text = messages.read_text(encoding="utf-8")
    old = before.kb.messages["too_many"].en
    messages.write_text(text.replace(old, "Slow down, please."), encoding="utf-8")
    after = Coopbot.from_dir(knowledge_copy, cache=cache)
    assert after.kb.messages["too_many"].en == "Slow down, please."
    assert len(compiled_files(cache)) == 2


def test_a_new_coopbot_version_does_not_use_what_an_older_one_compiled(
    knowledge_copy: Path, cache: CompiledCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_key = cache.key(content_digest(knowledge_copy))
    monkeypatch.setattr(compiled, "__version__", "99.0")
    assert CompiledCache(cache.directory).key(content_digest(knowledge_copy)) != old_key


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:-100] + bytes(b ^ 0xFF for b in data[-100:]), id="payload-flipped"),
        pytest.param(lambda data: b"not a compiled base at all", id="garbage"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: data[:30] + b"\0" * 32 + data[62:], id="key-overwritten"),
    ],
)
def test_a_damaged_compiled_file_is_rebuilt_from_the_yaml(
    damage: object, knowledge_copy: Path, cache: CompiledCache, caplog: pytest.LogCaptureFixture
) -> None:
    reference = Coopbot.from_dir(knowledge_copy, cache=cache)
    [path] = compiled_files(cache)
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    with caplog.at_level(logging.WARNING, logger="coopbot.compiled"):
        bot = Coopbot.from_dir(knowledge_copy, cache=cache)
    assert bot.kb == reference.kb
    assert "rebuilt" in caplog.text
    assert cache.get(cache.key(content_digest(knowledge_copy))) is not None  # and written again, whole


def test_a_compiled_file_of_another_fact_base_is_never_used_for_this_one(
    knowledge_copy: Path, cache: CompiledCache, tmp_path: Path
) -> None:
    """Another base's file put in this base's place names another key in its header: a miss."""
    Coopbot.from_dir(knowledge_copy, cache=cache)
    [mine] = compiled_files(cache)
    other = tmp_path / "other"
    shutil.copytree(knowledge_copy, other)
    (other / "learned.yaml").write_text("learned: []\n", encoding="utf-8")
    Coopbot.from_dir(other, cache=cache)
    [theirs] = [p for p in compiled_files(cache) if p != mine]
    shutil.copyfile(theirs, mine)
    assert cache.get(cache.key(content_digest(knowledge_copy))) is None


def test_a_compiled_file_others_may_write_is_not_trusted(
    knowledge_copy: Path, cache: CompiledCache, caplog: pytest.LogCaptureFixture
) -> None:
    Coopbot.from_dir(knowledge_copy, cache=cache)
    [path] = compiled_files(cache)
    path.chmod(0o666)
    with caplog.at_level(logging.WARNING, logger="coopbot.compiled"):
        assert cache.get(cache.key(content_digest(knowledge_copy))) is None
    assert "writable by others" in caplog.text


def test_nothing_is_compiled_into_a_directory_others_may_write(tmp_path: Path, knowledge_copy: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    Coopbot.from_dir(knowledge_copy, cache=CompiledCache(shared))
    assert list(shared.iterdir()) == []


def test_an_unwritable_cache_directory_costs_only_speed(
    knowledge_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    with caplog.at_level(logging.WARNING, logger="coopbot.compiled"):
        bot = Coopbot.from_dir(knowledge_copy, cache=CompiledCache(blocked / "cache"))
    assert bot.ask("When was the Kyrgyzstan MOU signed?").matched
    [warning] = [r for r in caplog.records if r.name == "coopbot.compiled"]  # one, not one per attempt
    assert "loaded from its YAML instead" in warning.getMessage()


def test_a_base_edited_while_it_loads_is_not_compiled_under_the_old_content(
    knowledge_copy: Path, cache: CompiledCache
) -> None:
    content = content_digest(knowledge_copy)
    engine = compiled.compiled(
        cache, content, lambda: Engine(knowledge.load(knowledge_copy)), lambda: b"edited", Engine
    )
    assert isinstance(engine, Engine)
    assert compiled_files(cache) == []


def test_an_invalid_base_is_reported_and_never_compiled(knowledge_copy: Path, cache: CompiledCache) -> None:
    (knowledge_copy / "broken.yaml").write_text("facts: [\n", encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError):
        Coopbot.from_dir(knowledge_copy, cache=cache)
    assert compiled_files(cache) == []


def test_only_the_most_recently_used_compiled_files_are_kept(cache: CompiledCache) -> None:
    for n in range(KEEP + 3):
        cache.put(bytes([n]) * 32, {"base": n})
    assert len(compiled_files(cache)) == KEEP
    assert cache.get(bytes([KEEP + 2]) * 32) == {"base": KEEP + 2}


def test_the_cache_directory_is_private(cache: CompiledCache) -> None:
    cache.put(b"k" * 32, "value")
    assert cache.directory.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in compiled_files(cache))


def test_the_cache_is_off_when_the_environment_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COOPBOT_CACHE", "off")
    assert compiled.default_dir() is None
    monkeypatch.setenv("COOPBOT_CACHE", str(tmp_path))
    assert compiled.default_dir() == tmp_path
    monkeypatch.delenv("COOPBOT_CACHE")
    monkeypatch.setenv("CACHE_DIRECTORY", "/var/cache/coopbot")
    assert compiled.default_dir() == Path("/var/cache/coopbot")


def test_ask_with_no_cache_compiles_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "COOPBOT_CACHE": str(tmp_path / "cache")}
    ask = [sys.executable, "-m", "bot.commandline.cli", "ask", "Kyrgyzstan MOU date"]
    off = subprocess.run([*ask, "--no-cache"], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    assert not (tmp_path / "cache").exists()
    on = subprocess.run(ask, env=env, cwd=REPO, capture_output=True, text=True, check=True)
    assert len(list((tmp_path / "cache").glob("*.engine"))) == 1
    assert on.stdout == off.stdout


def test_an_engine_holds_no_reference_cycles(kb: knowledge.KnowledgeBase) -> None:
    """Loading freezes the base it builds (the collector skips it); a replaced base must then be freed by
    reference counting alone, or every reload would keep the old one."""
    gc.collect()
    gc.disable()
    try:
        engine = Engine(kb)
        engine.answer("When was the Kyrgyzstan MOU signed?", Coopbot(kb).store.get("x"), None, "public")
        del engine
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_reload_after_an_edit_compiles_the_new_base(
    knowledge_copy: Path, cache: CompiledCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = Coopbot.from_dir(knowledge_copy, cache=cache)
    messages = knowledge_copy / "messages.yaml"
    messages.write_text(messages.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert bot.reload().ok
    assert len(compiled_files(cache)) == 2
    refuse_yaml(monkeypatch)
    assert Coopbot.from_dir(knowledge_copy, cache=cache).live.base.version == bot.live.base.version


def test_a_compiled_file_that_holds_something_else_is_rebuilt(
    knowledge_copy: Path, cache: CompiledCache, caplog: pytest.LogCaptureFixture
) -> None:
    cache.put(cache.key(content_digest(knowledge_copy)), {"not": "an engine"})
    with caplog.at_level(logging.WARNING, logger="coopbot.compiled"):
        bot = Coopbot.from_dir(knowledge_copy, cache=cache)
    assert bot.ask("When was the Kyrgyzstan MOU signed?").matched
    assert "holds dict, not Engine; it is rebuilt" in caplog.text


def test_the_last_good_base_is_what_last_served_from_its_directory(knowledge_copy: Path, cache: CompiledCache) -> None:
    bot = Coopbot.from_dir(knowledge_copy, cache=cache)
    bot.live.served()
    good = Base.last_good(knowledge_copy, cache)
    assert good is not None and good.version == bot.live.base.version and good.kb == bot.kb
    assert Base.last_good(knowledge_copy.parent, cache) is None  # another directory has none


def test_the_last_good_compiled_file_is_kept_when_older_ones_are_pruned(
    knowledge_copy: Path, cache: CompiledCache
) -> None:
    Coopbot.from_dir(knowledge_copy, cache=cache).live.served()
    for n in range(KEEP + 3):
        cache.put(bytes([n]) * 32, {"base": n})
    assert len(compiled_files(cache)) == KEEP + 1
    assert Base.last_good(knowledge_copy, cache) is not None


def test_a_last_good_base_compiled_by_other_code_is_not_served(
    knowledge_copy: Path, cache: CompiledCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    Coopbot.from_dir(knowledge_copy, cache=cache).live.served()
    monkeypatch.setattr(compiled, "_code_digest", lambda: b"another version of coopbot")
    assert Base.last_good(knowledge_copy, CompiledCache(cache.directory)) is None


def test_a_last_good_record_others_may_write_is_not_trusted(knowledge_copy: Path, cache: CompiledCache) -> None:
    Coopbot.from_dir(knowledge_copy, cache=cache).live.served()
    [record] = cache.directory.glob("last-good-*")
    record.chmod(0o666)
    assert Base.last_good(knowledge_copy, cache) is None
