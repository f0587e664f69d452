"""`coopbot ask --jsonl` keeps its contract whatever arrives: one valid UTF-8 JSON line per input line."""

from __future__ import annotations

import io
import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import Coopbot
from bot.commandline.batch import MAX_LINE, encode, lines, run


def replies(bot: Coopbot, data: bytes) -> list[dict[str, object]]:
    out = io.BytesIO()
    run(
        lambda text, session, lang, audience: bot.ask(text, session=session, lang=lang, audience=audience),
        io.BytesIO(data),
        out,
        None,
        "public",
    )
    raw = out.getvalue()
    raw.decode("utf-8")  # valid UTF-8, or this raises
    return [json.loads(line, parse_constant=lambda name: math.nan) for line in raw.split(b"\n")[:-1]]


# Lines of arbitrary bytes, arbitrary text, and JSON objects with odd ids and texts: 400 batches of up to 100
# lines, some 20,000 inputs a run.
ODD_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40)
REQUEST = st.fixed_dictionaries(
    {"text": ODD_TEXT},
    optional={"id": st.one_of(st.none(), st.integers(), st.floats(), ODD_TEXT), "session": ODD_TEXT},
).map(lambda r: json.dumps(r, ensure_ascii=True).encode())
LINE = st.one_of(st.binary(max_size=60), ODD_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")), REQUEST).map(
    lambda b: b.replace(b"\n", b" ")
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(LINE, min_size=1, max_size=100))
def test_every_input_line_gets_exactly_one_valid_json_line_with_an_id(bot: Coopbot, inputs: list[bytes]) -> None:
    got = replies(bot, b"\n".join(inputs) + b"\n")
    assert len(got) == len(inputs)
    assert all("id" in reply and isinstance(reply["text"], str) for reply in got)


def test_a_lone_surrogate_id_is_replaced_not_fatal(bot: Coopbot) -> None:
    [reply] = replies(bot, b'{"id": "\\ud800", "text": "APPeN"}\n')
    assert reply["id"] == "\ufffd" and "error" not in reply


def test_nan_is_refused_as_not_json(bot: Coopbot) -> None:
    [reply] = replies(bot, b'{"id": NaN, "text": "APPeN"}\n')
    assert reply["id"] is None and "NaN" in str(reply["error"])


def test_a_request_without_an_id_gets_a_null_id(bot: Coopbot) -> None:
    [reply] = replies(bot, b'{"text": "APPeN"}\n')
    assert reply["id"] is None


def test_an_over_long_line_is_refused_and_the_next_one_answered(bot: Coopbot) -> None:
    data = b'{"text": "' + b"a" * (3 * MAX_LINE) + b'"}\n{"id": 2, "text": "APPeN"}\n'
    first, second = replies(bot, data)
    assert "longer than" in str(first["error"]) and second["id"] == 2


def test_an_over_long_line_is_read_a_chunk_at_a_time() -> None:
    assert list(lines(io.BytesIO(b"x" * 25 + b"\nok\n"), limit=10)) == [None, b"ok"]


def test_line_separators_inside_strings_are_escaped() -> None:
    line = encode({"id": None, "text": "a\u2028b\u2029c\u0085d"})
    assert line.count(b"\n") == 1 and b"\\u2028" in line and "\u0085".encode() not in line
    assert json.loads(line)["text"] == "a\u2028b\u2029c\u0085d"
