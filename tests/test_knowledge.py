"""The fact base: the real one loads; each kind of curator mistake is named with file and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.factbase.loading import DEFAULT_DIR, KnowledgeError, load

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture
def broken_copy(knowledge_copy: Path):
    """A copy of the real fact base plus one extra file whose content each test chooses."""
    target = knowledge_copy

    def write(text: str) -> Path:
        (target / "zz-broken.yaml").write_text(text, encoding="utf-8")
        return target

    return write


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as err:
        load(directory)
    return [str(p) for p in err.value.problems]


def test_real_fact_base_validates(kb):
    assert kb.summary_counts()["sources"] == 5


def test_syntax_error_is_reported_with_file_and_line(broken_copy):
    found = problems_of(broken_copy("facts:\n  - id: x\n    text: {ko: a, en: b\n"))
    assert len(found) == 1
    assert found[0].startswith("knowledge/zz-broken.yaml:")
    assert ": yaml: syntax error" in found[0]


def test_unknown_field_is_rejected(broken_copy):
    text = (
        "countries:\n  - id: atlantis\n    name: {ko: 아틀란티스, en: Atlantis}\n    summary: {ko: 가, en: a}\n"
        "    sources: [pps-2024-05-30-kyrgyzstan-mou]\n    colour: blue\n"
    )
    found = problems_of(broken_copy(text))
    assert found == [
        "knowledge/zz-broken.yaml:6: countries(atlantis).colour: unknown field "
        "(allowed: id, name, aliases, summary, sources, visibility, notes, region)"
    ]


def test_missing_english_text_is_named(broken_copy):
    text = (
        "countries:\n  - id: atlantis\n    name: {ko: 아틀란티스}\n    summary: {ko: 가, en: a}\n"
        "    sources: [pps-2024-05-30-kyrgyzstan-mou]\n"
    )
    assert problems_of(broken_copy(text)) == [
        "knowledge/zz-broken.yaml:3: countries(atlantis).name.en: missing English text"
    ]


def test_dangling_source_reference_is_named(broken_copy):
    text = (
        "countries:\n  - id: atlantis\n    name: {ko: 아틀란티스, en: Atlantis}\n    summary: {ko: 가, en: a}\n"
        "    sources: [no-such-source]\n"
    )
    assert problems_of(broken_copy(text)) == [
        "knowledge/zz-broken.yaml:5: countries(atlantis).sources[0]: refers to 'no-such-source', which does not exist"
    ]


def test_alias_shared_by_two_entities_is_rejected(broken_copy):
    text = (
        "countries:\n  - id: atlantis\n    name: {ko: 아틀란티스, en: Atlantis}\n    aliases: [베트남]\n"
        "    summary: {ko: 가, en: a}\n    sources: [pps-2024-05-30-kyrgyzstan-mou]\n"
    )
    found = problems_of(broken_copy(text))
    assert found == ["knowledge/zz-broken.yaml:2: atlantis.aliases: alias '베트남' already names 'vietnam'"]


def test_bad_date_is_rejected(broken_copy):
    text = (
        "sources:\n  - id: bad-date\n    kind: press_release\n    publisher: {ko: 조달청, en: PPS}\n"
        "    date: 2024-13-01\n    title: {ko: 제목, en: Title}\n"
    )
    found = problems_of(broken_copy(text))
    assert found == [
        "knowledge/zz-broken.yaml:5: sources(bad-date).date: '2024-13-01' is not a date "
        "(write 2024-05-30, 2024-05 or 2024)"
    ]


def test_key_written_twice_is_a_syntax_problem(broken_copy):
    found = problems_of(broken_copy("examples:\n  ko: [가]\n  ko: [나]\n  en: [a]\n"))
    assert found == [
        "knowledge/zz-broken.yaml:3: yaml: syntax error: while reading a mapping key 'ko' is written twice"
    ]


def test_every_problem_is_listed_not_just_the_first(broken_copy):
    text = "countries:\n  - id: a-land\n    name: {ko: 가나다}\n    summary: {ko: 가, en: a}\n    sources: [nope]\n"
    assert len(problems_of(broken_copy(text))) == 2


def test_every_record_cites_an_existing_source(kb):
    for record in (*kb.facts, *kb.entities.values()):
        assert record.sources, record.id
        assert set(record.sources) <= set(kb.sources), record.id


def test_every_source_is_cited_by_something(kb):
    cited = {s for r in (*kb.facts, *kb.entities.values()) for s in r.sources}
    assert cited == set(kb.sources)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the repo")
def test_every_seed_document_is_a_source(kb):
    assert {s.seed for s in kb.sources.values()} == {p.name for p in SEEDS.glob("*.txt")}


def test_staff_notes_exist_for_source_inconsistencies(kb):
    staff_notes = [
        n for r in (*kb.facts, *kb.entities.values(), *kb.sources.values()) for n in r.notes if n.visibility == "staff"
    ]
    assert len(staff_notes) >= 4


def test_loaded_fact_base_is_immutable(kb):
    with pytest.raises(TypeError):
        kb.entities["x"] = kb.entities["vietnam"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        kb.facts[0].text = None  # type: ignore[misc]


def test_loading_twice_gives_equal_results(kb):
    assert load(DEFAULT_DIR) == kb


def test_validate_command_exits_1_and_lists_problems(broken_copy):
    directory = broken_copy("facts:\n  - id: x\n    text: {ko: a, en: b\n")
    run = subprocess.run(
        [sys.executable, "-m", "bot.commandline.cli", "validate", "--knowledge", str(directory)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert run.stdout.startswith("knowledge/zz-broken.yaml:")


def test_validate_command_summarises_a_good_fact_base():
    run = subprocess.run([sys.executable, "-m", "bot.commandline.cli", "validate"], capture_output=True, text=True)
    assert run.returncode == 0
    assert run.stdout.startswith("ok: 5 sources, ")


# -- what questions across records rely on ----------------------------------------------------------

FACT = (
    "facts:\n  - id: {id}\n    about: [vietnam]\n    type: {type}\n    asks: [when]\n"
    "    text: {{ko: 가, en: a}}\n    sources: [hankyung-2014-koneps-cameroon-jordan]\n{extra}"
)


def test_an_event_without_a_date_is_refused(broken_copy):
    found = problems_of(broken_copy(FACT.format(id="x-export", type="export", extra="")))
    assert found == ["knowledge/zz-broken.yaml:2: facts(x-export).date: a export fact is an event and needs a date"]


def test_a_count_fact_without_its_count_is_refused(broken_copy):
    found = problems_of(broken_copy(FACT.format(id="x-count", type="count", extra="")))
    assert found == ["knowledge/zz-broken.yaml:2: facts(x-count).count: a count fact needs count: {value, unit}"]


def test_a_count_without_its_unit_is_refused(broken_copy):
    found = problems_of(broken_copy(FACT.format(id="x-count", type="count", extra="    count: {value: 3}\n")))
    assert "knowledge/zz-broken.yaml:8: facts(x-count).count: must be {value: NUMBER, unit: ...}" in found


def test_a_unit_no_message_writes_is_refused(broken_copy):
    extra = "    count: {value: 3, unit: ministries}\n"
    found = problems_of(broken_copy(FACT.format(id="x-count", type="count", extra=extra)))
    assert found == ["knowledge/zz-broken.yaml:2: facts(x-count).count.unit: no message unit_ministries writes it"]


def test_a_currency_no_message_writes_or_names_is_refused(broken_copy):
    extra = "    amount: {value: 3, currency: EUR}\n"
    found = problems_of(broken_copy(FACT.format(id="x-budget", type="budget", extra=extra)))
    assert found == [
        "knowledge/zz-broken.yaml:2: facts(x-budget).amount.currency: no message currency_EUR",
        "knowledge/zz-broken.yaml:2: facts(x-budget).amount.currency: no message currency_name_EUR",
    ]


def test_an_end_before_its_date_is_refused(broken_copy):
    extra = "    date: 2024-05-09\n    end: 2024-05-07\n"
    found = problems_of(broken_copy(FACT.format(id="x-export", type="export", extra=extra)))
    assert found == ["knowledge/zz-broken.yaml:2: facts(x-export).end: 2024-05-07 is before the date 2024-05-09"]


def test_a_topic_without_a_name_is_refused(broken_copy):
    found = problems_of(broken_copy("topics:\n  weather: {ko: [날씨], en: [weather]}\n"))
    assert found == ["knowledge/topics.yaml:1: topics.weather.name: is required (how replies name it)"]


def test_an_unknown_cue_is_refused(broken_copy):
    found = problems_of(broken_copy("cues:\n  sometimes: {ko: [가끔], en: [sometimes]}\n"))
    assert found[0].startswith("knowledge/zz-broken.yaml:2: cues.sometimes: unknown cue")


def test_an_omission_without_its_reason_is_refused(broken_copy):
    text = (
        "sources:\n  - id: extra-source\n    kind: news_article\n    publisher: {ko: 가, en: a}\n    date: 2020\n"
        "    title: {ko: 가, en: a}\n    omitted: [{text: 가}]\n"
    )
    found = problems_of(broken_copy(text))
    assert "knowledge/zz-broken.yaml:7: sources(extra-source).omitted[0].reason: is required" in found
