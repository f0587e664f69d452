"""Structured logs (bot/logs.py): one JSON object per line, the question's bound fields, no secrets, a text form."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import sys
import threading
from collections.abc import Iterator

import pytest

from bot.serving.logs import bind, configure, new_correlation, question_done
from bot.serving.redact import REDACTED, Redactor

SECRET = "xoxb-secret-token-123"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """A JSON handler on a StringIO; the root logger's handlers and level are put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    out = io.StringIO()
    configure("json", out)
    yield out
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def lines(out: io.StringIO) -> list[dict[str, object]]:
    """This test's lines (threads left by other tests may log to the root logger meanwhile)."""
    text = out.getvalue()
    assert text.endswith("\n")
    return [found for line in text.split("\n")[:-1] if (found := json.loads(line))["logger"] == "coopbot.test"]


log = logging.getLogger("coopbot.test")


def test_each_record_is_one_line_of_json_with_time_level_logger_and_event(stream: io.StringIO) -> None:
    log.info("first %s", "one")
    log.warning("second")
    first, second = lines(stream)
    assert first["event"] == "first one" and first["level"] == "INFO" and first["logger"] == "coopbot.test"
    assert second["level"] == "WARNING"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(first["time"]))


def test_newlines_and_korean_stay_on_one_line_and_round_trip(stream: io.StringIO) -> None:
    message = "입찰 공고\n두 번째 줄\r\n세 번째\u2028넷째\u2029다섯째\x85끝"
    log.info(message)
    assert len(stream.getvalue().splitlines()) == 1
    assert "입찰 공고" in stream.getvalue()  # written as it is, not as \\u escapes
    assert lines(stream)[0]["event"] == message


def test_bound_fields_appear_on_lines_inside_the_block_only(stream: io.StringIO) -> None:
    correlation = new_correlation()
    with bind(correlation=correlation, surface="slack"):
        log.info("inside")
    log.info("outside")
    inside, outside = lines(stream)
    assert re.fullmatch(r"[0-9a-f]{12}", correlation)
    assert inside["correlation"] == correlation and inside["surface"] == "slack"
    assert "correlation" not in outside and "surface" not in outside


def test_an_inner_bind_overrides_and_the_outer_comes_back(stream: io.StringIO) -> None:
    with bind(correlation="outer", surface="slack"):
        with bind(correlation="inner"):
            log.info("nested")
        log.info("after")
    nested, after = lines(stream)
    assert nested["correlation"] == "inner" and nested["surface"] == "slack"
    assert after["correlation"] == "outer" and after["surface"] == "slack"


def test_concurrent_asyncio_tasks_keep_their_own_fields(stream: io.StringIO) -> None:
    async def question(name: str, first: asyncio.Event, second: asyncio.Event) -> None:
        with bind(correlation=name):
            log.info("start")
            first.set()
            await second.wait()  # the other task binds and logs meanwhile
            log.info("end")

    async def both() -> None:
        a_started, b_started = asyncio.Event(), asyncio.Event()
        await asyncio.gather(question("a", a_started, b_started), question("b", b_started, a_started))
        log.info("after")

    asyncio.run(both())
    seen = [(line["event"], line.get("correlation")) for line in lines(stream)]
    assert sorted(seen[:4]) == [("end", "a"), ("end", "b"), ("start", "a"), ("start", "b")]
    assert seen[4] == ("after", None)


def test_threads_keep_their_own_fields(stream: io.StringIO) -> None:
    barrier = threading.Barrier(2)

    def question(name: str) -> None:
        with bind(correlation=name):
            barrier.wait()  # both bound at once
            log.info("answered")
            barrier.wait()

    threads = [threading.Thread(target=question, args=(name,)) for name in ("t1", "t2")]
    with bind(correlation="main"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        log.info("main")
    assert sorted(str(line["correlation"]) for line in lines(stream)) == ["main", "t1", "t2"]


def test_asyncio_to_thread_carries_the_fields(stream: io.StringIO) -> None:
    async def question() -> None:
        with bind(correlation="q1"):
            await asyncio.to_thread(log.info, "in a thread")

    asyncio.run(question())
    assert lines(stream)[0]["correlation"] == "q1"


def test_extra_fields_appear_and_odd_values_are_written_as_repr(stream: io.StringIO) -> None:
    log.info("done", extra={"latency_ms": 12.5, "hits": [1, 2], "where": {"a": None}, "obj": object, "nan": 1e999})
    line = lines(stream)[0]
    assert line["latency_ms"] == 12.5 and line["hits"] == [1, 2] and line["where"] == {"a": None}
    assert line["obj"] == "<class 'object'>" and line["nan"] == "inf"
    assert "args" not in line and "lineno" not in line and "msg" not in line  # LogRecord's own are not echoed


def test_question_done_logs_one_answered_line(stream: io.StringIO) -> None:
    with bind(correlation="c1"):
        question_done(log, surface="telegram", latency_ms=41.234, outcome="answered", kind="fact", lang="ko", hits=3)
    line = lines(stream)[0]
    assert line["event"] == "answered" and line["level"] == "INFO" and line["correlation"] == "c1"
    assert (line["surface"], line["latency_ms"], line["outcome"], line["kind"], line["lang"], line["hits"]) == (
        "telegram",
        41.2,
        "answered",
        "fact",
        "ko",
        3,
    )


def test_an_exception_gives_error_and_traceback_on_one_line(stream: io.StringIO) -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError:
        log.exception("failed")
    assert len(stream.getvalue().splitlines()) == 1
    line = lines(stream)[0]
    assert line["event"] == "failed" and line["level"] == "ERROR"
    assert line["error"] == "ValueError: bad\nvalue"
    assert str(line["traceback"]).startswith("Traceback (most recent call last):")
    assert "raise ValueError" in str(line["traceback"])


def test_the_redactor_on_the_handler_keeps_secrets_out_of_every_field(
    stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # install() sets it; put it back afterwards
    Redactor([SECRET]).install()  # as the command line does, after configure
    with bind(surface=f"slack {SECRET}"):
        log.info(f"token {SECRET} in the message")
        log.info("token %s in the args", SECRET)
        log.info("extra", extra={"url": f"https://x/?t={SECRET}", "nested": [{"k": SECRET}]})
        try:
            raise RuntimeError(f"rejected {SECRET}")
        except RuntimeError:
            log.exception("failed")
    output = stream.getvalue()
    assert SECRET not in output and "xoxb-" not in output
    message, args, extra, failed = lines(stream)
    assert message["event"] == f"token {REDACTED} in the message" and args["event"] == f"token {REDACTED} in the args"
    assert extra["url"] == f"https://x/?t={REDACTED}" and extra["nested"] == [{"k": REDACTED}]
    assert failed["error"] == f"RuntimeError: rejected {REDACTED}" and failed["surface"] == f"slack {REDACTED}"


def test_the_text_format_is_the_classic_line_with_the_fields_at_the_end(stream: io.StringIO) -> None:
    out = io.StringIO()
    configure("text", out)
    with bind(correlation="abc", surface="slack"):
        log.info("answered %d", 1)
    log.info("plain")
    first, second = out.getvalue().splitlines()
    pattern = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO coopbot\.test: "
    assert re.fullmatch(pattern + r"answered 1 \[correlation=abc surface=slack\]", first)
    assert re.fullmatch(pattern + "plain", second)
