"""Load the fact base in `knowledge/`: read every YAML file, check each record against the schema
(bot/schema.py), then check what only the whole base can tell (references, shared aliases, the dates, units
and currencies facts rely on, completeness) and build the immutable `KnowledgeBase`. Every problem is
collected as a `Problem(file, line, field, message)`, not just the first, so a curator sees them all at once.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

from bot.factbase.files import DEFAULT_DIR, KnowledgeError, Problem, files, knowledge_dir
from bot.factbase.model import (
    BROAD,
    CUES,
    EVENT_TYPES,
    INTENTS,
    LANGS,
    NOT_ON_RECORD,
    OUT_OF_SCOPE,
    RELATION,
    Cue,
    Entity,
    Fact,
    Intent,
    KnowledgeBase,
    Lang,
    Learned,
    OtherName,
    Source,
    Text,
)
from bot.factbase.schema import (
    ENTITY_SECTIONS,
    ENTITY_SPECS,
    FACT_SPEC,
    OTHER_SPEC,
    REQUIRED_MESSAGES,
    SOURCE_SPEC,
    TOPIC_SPEC,
    WORDS_SPEC,
    CheckContext,
    Ref,
    Spec,
    check_record,
    check_text,
    line_of_item,
    line_of_key,
    required_fields,
)
from bot.factbase.yamlsource import read_yaml
from bot.text.normalize import alias_key

__all__ = ["DEFAULT_DIR", "KnowledgeError", "Problem", "load"]

MAX_TOTAL_BYTES = 256 * 2**20  # all files of the fact base together (a thousand times the real one is 140 MB)


# --- sections -------------------------------------------------------------------------------------


@dataclass
class _Collected:
    sources: dict[str, tuple[Source, str, int]] = field(default_factory=dict)
    entities: dict[str, tuple[Entity, str, int]] = field(default_factory=dict)
    facts: list[tuple[Fact, str, int]] = field(default_factory=list)
    intents: dict[str, dict[Lang, tuple[str, ...]]] = field(default_factory=dict)
    topics: dict[str, dict[Lang, tuple[str, ...]]] = field(default_factory=dict)
    topic_names: dict[str, Text] = field(default_factory=dict)
    topic_wants: dict[str, str] = field(default_factory=dict)
    cues: dict[str, dict[Lang, tuple[str, ...]]] = field(default_factory=dict)
    messages: dict[str, Text] = field(default_factory=dict)
    examples: dict[Lang, tuple[str, ...]] = field(default_factory=dict)
    others: list[tuple[OtherName, str, int]] = field(default_factory=list)
    learned: list[tuple[Learned, str, int]] = field(default_factory=list)
    ids: dict[str, tuple[str, int]] = field(default_factory=dict)


def _claim_id(found: _Collected, ctx: CheckContext, ident: str, line: int, name: str) -> bool:
    if ident in found.ids:
        file, first = found.ids[ident]
        ctx.report(line, name, f"id {ident!r} is already used at {file}:{first}")
        return False
    found.ids[ident] = (ctx.file, line)
    return True


def _records(section: Any, ctx: CheckContext, line: int, name: str) -> list[tuple[Any, int]]:
    if not isinstance(section, list):
        ctx.report(line, name, "must be a list of records (each starting with '- ')")
        return []
    return [(item, line_of_item(section, i, line)) for i, item in enumerate(section)]


def _read_sources(section: Any, ctx: CheckContext, line: int, found: _Collected) -> None:
    required = required_fields(SOURCE_SPEC)
    for item, item_line in _records(section, ctx, line, "sources"):
        rec = check_record(item, ctx, item_line, "sources", SOURCE_SPEC)
        if rec is None or not required <= rec.keys():
            continue
        if _claim_id(found, ctx, rec["id"], item_line, "sources.id"):
            found.sources[rec["id"]] = (Source(**rec), ctx.file, item_line)


def _read_entities(section: Any, ctx: CheckContext, line: int, found: _Collected, key: str) -> None:
    etype = ENTITY_SECTIONS[key]
    spec = ENTITY_SPECS[etype]
    required = required_fields(spec)
    for item, item_line in _records(section, ctx, line, key):
        rec = check_record(item, ctx, item_line, key, spec)
        if rec is None or not required <= rec.keys():
            continue
        if _claim_id(found, ctx, rec["id"], item_line, f"{key}.id"):
            rec.setdefault("aliases", ())
            found.entities[rec["id"]] = (Entity(type=etype, **rec), ctx.file, item_line)


def _read_facts(section: Any, ctx: CheckContext, line: int, found: _Collected) -> None:
    required = required_fields(FACT_SPEC)
    for item, item_line in _records(section, ctx, line, "facts"):
        rec = check_record(item, ctx, item_line, "facts", FACT_SPEC)
        if rec is None or not required <= rec.keys():
            continue
        rec.setdefault("topics", ())
        for i, topic in enumerate(rec["topics"]):
            name = f"facts({rec['id']}).topics[{i}]"
            ctx.refs.append(Ref(topic, name, line_of_key(item, "topics", item_line), ctx.file, ("topic",)))
        if _claim_id(found, ctx, rec["id"], item_line, "facts.id"):
            found.facts.append((Fact(**rec), ctx.file, item_line))


def _read_by_lang(
    section: Any,
    ctx: CheckContext,
    line: int,
    name: str,
    target: dict[str, dict[Lang, tuple[str, ...]]],
    spec: Spec,
    names: dict[str, Text] | None = None,
    wants: dict[str, str] | None = None,
) -> None:
    """intents, topics and cues: each id maps to word lists in both languages; a topic may also have a
    display `name` (what the bot calls it in a reply: "MOU", "업무협약") and what it stands for."""
    if not isinstance(section, dict):
        ctx.report(line, name, "must map each name to {ko: [...], en: [...]}")
        return
    for key, value in section.items():
        key_line = line_of_key(section, key, line)
        if key in target:
            ctx.report(key_line, f"{name}.{key}", "is defined twice")
            continue
        if name == "intents" and key not in INTENTS:
            ctx.report(key_line, f"{name}.{key}", f"unknown intent (known: {', '.join(INTENTS)})")
            continue
        if name == "cues" and key not in CUES:
            ctx.report(key_line, f"{name}.{key}", f"unknown cue (known: {', '.join(CUES)})")
            continue
        rec = check_record(value, ctx, key_line, f"{name}.{key}", spec)
        if rec is not None and all(lang in rec for lang in LANGS):
            target[key] = {lang: rec[lang] for lang in LANGS}
            if names is not None and "name" in rec:
                names[key] = rec["name"]
            if wants is not None and "want" in rec:
                wants[key] = rec["want"]
            if wants is not None and rec.get("detail"):
                wants.setdefault(key, "")
            if wants is not None and rec.get("out_of_scope"):
                wants[key] = OUT_OF_SCOPE
            if wants is not None and rec.get("broad"):
                wants.setdefault(key, BROAD)
            if wants is not None and rec.get("not_on_record"):
                wants[key] = NOT_ON_RECORD
            if wants is not None and rec.get("relation"):
                wants.setdefault(key, RELATION)


def _read_messages(section: Any, ctx: CheckContext, line: int, found: _Collected) -> None:
    if not isinstance(section, dict):
        ctx.report(line, "messages", "must map each message name to {ko: ..., en: ...}")
        return
    for key, value in section.items():
        text = check_text(value, ctx, line_of_key(section, key, line), f"messages.{key}")
        if text is not None:
            found.messages[key] = text


def _read_examples(section: Any, ctx: CheckContext, line: int, found: _Collected) -> None:
    rec = check_record(section, ctx, line, "examples", WORDS_SPEC)
    if rec:
        found.examples.update({lang: rec[lang] for lang in LANGS if lang in rec})


def _read_others(section: Any, ctx: CheckContext, line: int, found: _Collected, key: str) -> None:
    kind: Literal["country", "organisation"] = "country" if key == "other_countries" else "organisation"
    for item, item_line in _records(section, ctx, line, key):
        rec = check_record(item, ctx, item_line, key, OTHER_SPEC)
        if rec and {"ko", "en"} <= rec.keys():
            other = OtherName(Text(rec["ko"], rec["en"]), rec.get("aliases", ()), kind)
            found.others.append((other, ctx.file, item_line))


MAX_LEARNED_QUESTION = 500  # characters; a taught way of asking is a question, not a document


def _read_learned(section: Any, ctx: CheckContext, line: int, found: _Collected) -> None:
    for item, item_line in _records(section, ctx, line, "learned"):
        if not isinstance(item, dict):
            ctx.report(item_line, "learned", "each entry must be a mapping of fact, questions, by, at")
            continue
        fact, questions, by, at = (item.get(k) for k in ("fact", "questions", "by", "at"))
        for name, value in (("fact", fact), ("by", by), ("at", at)):
            if not isinstance(value, str) or not value.strip():
                ctx.report(line_of_key(item, name, item_line), f"learned.{name}", "is required (a text)")
        if not isinstance(questions, list) or not questions:
            ctx.report(line_of_key(item, "questions", item_line), "learned.questions", "must list the questions")
            continue
        for question in questions:
            if not isinstance(question, str) or not question.strip() or len(question) > MAX_LEARNED_QUESTION:
                ctx.report(
                    line_of_key(item, "questions", item_line),
                    "learned.questions",
                    f"each must be a question of 1 to {MAX_LEARNED_QUESTION} characters",
                )
            elif isinstance(fact, str) and isinstance(by, str) and isinstance(at, str):
                found.learned.append((Learned(question.strip(), fact, by, at), ctx.file, item_line))


def _read_file(data: Any, ctx: CheckContext, found: _Collected) -> None:
    if data is None:
        return
    if not isinstance(data, dict):
        ctx.report(getattr(data, "line", 1), "file", "must be a mapping of sections (sources:, facts:, ...)")
        return
    for key, section in data.items():
        line = line_of_key(data, key, 1)
        if section is None:
            continue
        if key == "sources":
            _read_sources(section, ctx, line, found)
        elif key in ENTITY_SECTIONS:
            _read_entities(section, ctx, line, found, key)
        elif key == "facts":
            _read_facts(section, ctx, line, found)
        elif key == "intents":
            _read_by_lang(section, ctx, line, key, found.intents, WORDS_SPEC)
        elif key == "topics":
            _read_by_lang(section, ctx, line, key, found.topics, TOPIC_SPEC, found.topic_names, found.topic_wants)
        elif key == "cues":
            _read_by_lang(section, ctx, line, key, found.cues, WORDS_SPEC)
        elif key == "messages":
            _read_messages(section, ctx, line, found)
        elif key == "examples":
            _read_examples(section, ctx, line, found)
        elif key in ("other_countries", "other_organisations"):
            _read_others(section, ctx, line, found, key)
        elif key == "learned":
            _read_learned(section, ctx, line, found)
        else:
            ctx.report(line, key, "unknown section")


# --- whole-base checks ----------------------------------------------------------------------------


def _check_refs(found: _Collected, refs: list[Ref]) -> list[Problem]:
    kinds: dict[str, str] = {sid: "source" for sid in found.sources}
    kinds.update({eid: e.type for eid, (e, _, _) in found.entities.items()})
    kinds.update({tid: "topic" for tid in found.topics})
    problems = []
    for ident, name, line, file, allowed in refs:
        kind = kinds.get(ident)
        if kind is None:
            problems.append(Problem(file, line, name, f"refers to {ident!r}, which does not exist"))
        elif kind not in allowed:
            problems.append(Problem(file, line, name, f"{ident!r} is a {kind}, expected a {' or '.join(allowed)}"))
    return problems


def _check_facts(found: _Collected) -> list[Problem]:
    """What questions across records rely on: an event has a date, a count its unit, an end follows its
    start, and every unit and currency a fact uses has the messages that write it."""
    problems = []
    for fact, file, line in found.facts:
        where = f"facts({fact.id})"
        if fact.type in EVENT_TYPES and not fact.date:
            problems.append(Problem(file, line, f"{where}.date", f"a {fact.type} fact is an event and needs a date"))
        if fact.type == "count" and fact.count is None:
            problems.append(Problem(file, line, f"{where}.count", "a count fact needs count: {value, unit}"))
        if fact.type == "budget" and fact.amount is None:
            problems.append(Problem(file, line, f"{where}.amount", "a budget fact needs amount: {value, currency}"))
        if fact.count and f"unit_{fact.count.unit}" not in found.messages:
            problems.append(Problem(file, line, f"{where}.count.unit", f"no message unit_{fact.count.unit} writes it"))
        for key in (f"currency_{fact.amount.unit}", f"currency_name_{fact.amount.unit}") if fact.amount else ():
            if key not in found.messages:  # one writes the amount, the other names the currency ('in won only')
                problems.append(Problem(file, line, f"{where}.amount.currency", f"no message {key}"))
        if fact.date and fact.end and fact.end < fact.date:
            problems.append(Problem(file, line, f"{where}.end", f"{fact.end} is before the date {fact.date}"))
    for entity, file, line in found.entities.values():
        if entity.start and entity.end and entity.end < entity.start:
            problems.append(Problem(file, line, f"{entity.id}.end", f"{entity.end} is before the start {entity.start}"))
    return problems


def _check_aliases(found: _Collected) -> list[Problem]:
    """One alias, one entity: two entities (or an entity and an 'other' name) may not share a name."""
    owner: dict[str, str] = {}
    problems = []

    def claim(name: str, who: str, file: str, line: int, field_name: str) -> None:
        key = alias_key(name)
        if not key:
            problems.append(Problem(file, line, field_name, f"alias {name!r} has no letters"))
        elif owner.setdefault(key, who) != who:
            problems.append(Problem(file, line, field_name, f"alias {name!r} already names {owner[key]!r}"))

    for eid, (entity, file, line) in found.entities.items():
        for name in (entity.name.ko, entity.name.en, *entity.aliases):
            claim(name, eid, file, line, f"{eid}.aliases")
    for other, file, line in found.others:
        for name in (other.name.ko, other.name.en, *other.aliases):
            claim(name, f"other:{other.name.en}", file, line, f"{other.name.en}.aliases")
    return problems


def _check_complete(found: _Collected, root: str) -> list[Problem]:
    """Everything the code reads is there: its messages, a phrasing for each intent, words for each cue, a
    name for each topic, and at least one source."""
    problems = []
    where = f"{root}/messages.yaml"
    problems += [
        Problem(where, 1, f"messages.{k}", "is required") for k in REQUIRED_MESSAGES if k not in found.messages
    ]
    for intent in INTENTS:
        if intent not in found.intents:
            problems.append(Problem(f"{root}/intents.yaml", 1, f"intents.{intent}", "has no phrasings"))
    for topic in found.topics:
        if topic not in found.topic_names:
            problems.append(
                Problem(f"{root}/topics.yaml", 1, f"topics.{topic}.name", "is required (how replies name it)")
            )
    for cue in CUES:
        if cue not in found.cues:
            problems.append(Problem(f"{root}/cues.yaml", 1, f"cues.{cue}", "has no words"))
    if not found.sources:
        problems.append(Problem(root, 1, "sources", "the fact base has no sources"))
    return problems


def _display(path: Path, root: Path) -> str:
    """How a file is named in problems: relative to the fact base's parent (knowledge/facts.yaml)."""
    return f"{root.name}/{path.name}" if path != root else root.name


def _size(path: Path) -> int:
    """The size of a regular file (what read_yaml will read); 0 for anything it refuses unread."""
    try:
        info = path.stat()
    except OSError:
        return 0
    return info.st_size if stat.S_ISREG(info.st_mode) else 0


def load(directory: Path | str | None = None) -> KnowledgeBase:
    """Load and validate the fact base; raise KnowledgeError listing every problem."""
    root = knowledge_dir(directory)
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), 0, "knowledge", "is not a directory")])
    found = _Collected()
    problems: list[Problem] = []
    refs: list[Ref] = []
    paths = files(root)
    if not paths:
        problems.append(Problem(str(root), 0, "knowledge", "holds no .yaml files"))
    if sum(_size(path) for path in paths) > MAX_TOTAL_BYTES:
        raise KnowledgeError([Problem(str(root), 0, "knowledge", f"holds more than {MAX_TOTAL_BYTES // 2**20} MiB")])
    for path in paths:
        display = _display(path, root)
        data, syntax = read_yaml(path, display, root)
        problems += syntax
        ctx = CheckContext(display)
        _read_file(data, ctx, found)
        problems += ctx.problems
        refs += ctx.refs
    problems += _check_refs(found, refs)
    problems += _check_aliases(found)
    problems += _check_facts(found)
    problems += _check_complete(found, _display(root, root))
    fact_ids = {f.id for f, _, _ in found.facts}
    problems += [
        Problem(file, line, "learned.fact", f"refers to {taught.fact!r}, which is not a fact")
        for taught, file, line in found.learned
        if taught.fact not in fact_ids
    ]
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(
        sources=MappingProxyType({k: v[0] for k, v in found.sources.items()}),
        entities=MappingProxyType({k: v[0] for k, v in found.entities.items()}),
        facts=tuple(f for f, _, _ in found.facts),
        # Their names were checked against the enumerations as they were read.
        intents=MappingProxyType({cast(Intent, k): MappingProxyType(v) for k, v in found.intents.items()}),
        topics=MappingProxyType({k: MappingProxyType(v) for k, v in found.topics.items()}),
        topic_names=MappingProxyType(found.topic_names),
        topic_wants=MappingProxyType(found.topic_wants),
        cues=MappingProxyType({cast(Cue, k): MappingProxyType(v) for k, v in found.cues.items()}),
        messages=MappingProxyType(found.messages),
        examples=MappingProxyType(found.examples),
        others=tuple(o for o, _, _ in found.others),
        learned=tuple(taught for taught, _, _ in found.learned),
    )
