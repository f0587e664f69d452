"""Load and validate the fact base in `knowledge/`.

Every problem is collected (not just the first) as a `Problem(file, line, field, message)`, so a
curator sees them all at once. The schema rejects unknown fields, a missing language, a bad
date, a dangling reference and an alias shared by two entities. The result is immutable.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.model import (
    EVENT_TYPES,
    FACT_TYPES,
    LANGS,
    PROGRAMME_KINDS,
    WANTS,
    Entity,
    EntityType,
    Fact,
    KnowledgeBase,
    Lang,
    Note,
    Omission,
    OtherName,
    Quantity,
    Source,
    Text,
)
from bot.normalize import alias_key
from bot.yamlsource import LineDict, LineList, Problem, read_yaml

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "knowledge"
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^\d{4}(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")

ENTITY_SECTIONS: dict[str, EntityType] = {
    "countries": "country",
    "regions": "region",
    "organisations": "organisation",
    "programmes": "programme",
    "people": "person",
}
INTENTS = (
    "overview", "when", "how_much", "how_many", "who", "where", "what_is", "list",
    "contact", "source", "greeting", "thanks", "help", "followup",
)  # fmt: skip
SOURCE_KINDS = ("press_release", "news_article")
OUT_OF_SCOPE = "out_of_scope"  # marks, among topic wants, a topic the desk does not answer
BROAD = "broad"  # marks, among topic wants, a topic every record is about (cooperation)
ORG_KINDS = ("agency", "ministry", "division", "mdb", "development_agency", "government", "media", "network", "group")
STATUSES = ("completed", "planned", "ongoing")
REQUIRED_MESSAGES = (
    "fallback", "unknown_entity", "clarify", "greeting", "thanks", "help_intro", "about", "error", "non_text",
    "too_long", "start", "contact_answer", "contact_line", "suggest_about", "suggest_contact", "lang_set",
    "command_start", "command_help", "command_lang", "command_about", "command_contact",
    "not_on_record_detail", "not_on_record_want", "not_on_record_topic", "not_on_record_other",
    "not_on_record_role", "not_on_record_counted", "on_record", *(f"want_{want}" for want in WANTS),
    "kind_any", "status_planned", "status_ongoing", "first_lead", "latest_lead", "upcoming", "period_lead",
    "period_none", "items_lead", "items_lead_scope", "count_items", "count_history", "named_in_sources",
    "compare_earlier", "compare_later", "compare_same_date", "compare_more", "compare_larger", "compare_equal",
    "compare_years", "compare_difference", "compare_missing", "premise_yes", "premise_no", "chat_quit_hint",
    "chat_bye", "days", "duration_lead", "period_until", "period_from", "end_lead", "only_planned", "names_not_listed",
    "names_some",
    "series_change", "next_lead", "next_none", "currency_only", "latest_source",
)  # fmt: skip
# The cue ids the engine reads (cues.yaml): order, period, comparison, confirmation and filler words.
CUES = (
    "first", "latest", "since", "until", "duration", "earlier", "later", "more", "less", "difference", "years",
    "than", "exact", "actually", "next", "compare", "there", "that", "confirm", "all", "before", "after", "events",
    "filler", "or",
)  # fmt: skip


class KnowledgeError(Exception):
    """The fact base has problems; `problems` lists each one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --- field checkers -------------------------------------------------------------------------------
# A checker takes (value, ctx, where) and returns the typed value, or None after reporting a problem.


@dataclass
class _Ctx:
    file: str
    problems: list[Problem] = field(default_factory=list)
    refs: list[tuple[str, str, int, str, tuple[str, ...]]] = field(default_factory=list)

    def report(self, line: int, name: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, name, message))


Checker = Callable[[Any, _Ctx, int, str], Any]


def _str(value: Any, ctx: _Ctx, line: int, name: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        ctx.report(line, name, f"must be text, not {type(value).__name__}")
        return None
    text = str(value).strip()
    if not text:
        ctx.report(line, name, "must not be empty")
        return None
    return text


def _id(value: Any, ctx: _Ctx, line: int, name: str) -> str | None:
    text = _str(value, ctx, line, name)
    if text is not None and not ID_RE.match(text):
        ctx.report(line, name, f"{text!r} is not a valid id (lowercase letters, digits and '-')")
        return None
    return text


def _date(value: Any, ctx: _Ctx, line: int, name: str) -> str | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if DATE_RE.match(text):
        try:
            if len(text) == 10:
                dt.date.fromisoformat(text)
            return text
        except ValueError:
            pass
    ctx.report(line, name, f"{value!r} is not a date (write 2024-05-30, 2024-05 or 2024)")
    return None


def _flag(value: Any, ctx: _Ctx, line: int, name: str) -> bool | None:
    if not isinstance(value, bool):
        ctx.report(line, name, "must be true or false")
        return None
    return value


def _text(value: Any, ctx: _Ctx, line: int, name: str) -> Text | None:
    if not isinstance(value, dict):
        ctx.report(line, name, "must give the text in both languages, like {ko: ..., en: ...}")
        return None
    ok = True
    for key in value:
        if key not in LANGS:
            ctx.report(_line(value, key, line), f"{name}.{key}", "unknown language (use ko and en)")
            ok = False
    for lang in LANGS:
        if lang not in value or value[lang] is None or not str(value[lang]).strip():
            ctx.report(line, f"{name}.{lang}", f"missing {'Korean' if lang == 'ko' else 'English'} text")
            ok = False
        elif not isinstance(value[lang], str):
            ctx.report(_line(value, lang, line), f"{name}.{lang}", "must be text")
            ok = False
    return Text(ko=value["ko"].strip(), en=value["en"].strip()) if ok else None


def _str_list(value: Any, ctx: _Ctx, line: int, name: str) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        ctx.report(line, name, "must be a list")
        return None
    items = [_str(v, ctx, _item_line(value, i, line), f"{name}[{i}]") for i, v in enumerate(value)]
    return tuple(i for i in items if i is not None)


def _enum(*allowed: str) -> Checker:
    def check(value: Any, ctx: _Ctx, line: int, name: str) -> str | None:
        if value not in allowed:
            ctx.report(line, name, f"{value!r} is not one of: {', '.join(allowed)}")
            return None
        return str(value)

    return check


def _enum_list(*allowed: str) -> Checker:
    def check(value: Any, ctx: _Ctx, line: int, name: str) -> tuple[str, ...] | None:
        items = _str_list(value, ctx, line, name)
        if items is None:
            return None
        for i, item in enumerate(items):
            if item not in allowed:
                ctx.report(_item_line(value, i, line), f"{name}[{i}]", f"{item!r} is not one of: {', '.join(allowed)}")
        return tuple(i for i in items if i in allowed)

    return check


def _refs(*kinds: str) -> Checker:
    """A list of ids that must exist among the given kinds; checked once everything is read."""

    def check(value: Any, ctx: _Ctx, line: int, name: str) -> tuple[str, ...] | None:
        items = _str_list(value, ctx, line, name)
        if items is None:
            return None
        for i, item in enumerate(items):
            ctx.refs.append((item, f"{name}[{i}]", _item_line(value, i, line), ctx.file, kinds))
        return items

    return check


def _ref(*kinds: str) -> Checker:
    def check(value: Any, ctx: _Ctx, line: int, name: str) -> str | None:
        item = _str(value, ctx, line, name)
        if item is not None:
            ctx.refs.append((item, name, line, ctx.file, kinds))
        return item

    return check


def _quantity(unit_key: str) -> Checker:
    def check(value: Any, ctx: _Ctx, line: int, name: str) -> Quantity | None:
        if not isinstance(value, dict) or set(value) != {"value", unit_key}:
            ctx.report(line, name, f"must be {{value: NUMBER, {unit_key}: ...}}")
            return None
        number = value["value"]
        if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
            ctx.report(_line(value, "value", line), f"{name}.value", f"{number!r} is not a number")
            return None
        unit = _str(value[unit_key], ctx, _line(value, unit_key, line), f"{name}.{unit_key}")
        return Quantity(float(number), unit) if unit else None

    return check


def _records_in(
    value: Any, ctx: _Ctx, line: int, name: str, spec: dict[str, tuple[Checker, bool]], shape: str
) -> list[dict[str, Any]] | None:
    """The checked fields of each record in a list of small records (notes, omissions); None if not a list.
    A record missing a required field is reported and left out."""
    if not isinstance(value, list):
        ctx.report(line, name, f"must be a list of {shape}")
        return None
    found = [_record(item, ctx, _item_line(value, i, line), f"{name}[{i}]", spec) for i, item in enumerate(value)]
    required = {key for key, (_, needed) in spec.items() if needed}
    return [fields for fields in found if fields is not None and required <= fields.keys()]


def _notes(value: Any, ctx: _Ctx, line: int, name: str) -> tuple[Note, ...] | None:
    found = _records_in(value, ctx, line, name, NOTE_SPEC, "{text: {ko, en}, visibility: staff}")
    if found is None:
        return None
    return tuple(Note(text=f["text"], visibility=f.get("visibility", "staff")) for f in found)


VIS = _enum("public", "staff")
COMMON = {"visibility": (VIS, False), "notes": (_notes, False)}
NOTE_SPEC: dict[str, tuple[Checker, bool]] = {"text": (_text, True), "visibility": (VIS, False)}
OMISSION_SPEC: dict[str, tuple[Checker, bool]] = {"text": (_str, True), "reason": (_str, True)}


def _omissions(value: Any, ctx: _Ctx, line: int, name: str) -> tuple[Omission, ...] | None:
    found = _records_in(value, ctx, line, name, OMISSION_SPEC, "{text: ..., reason: ...}")
    return None if found is None else tuple(Omission(f["text"], f["reason"]) for f in found)


SOURCE_SPEC: dict[str, tuple[Checker, bool]] = {
    "id": (_id, True), "kind": (_enum(*SOURCE_KINDS), True), "publisher": (_text, True),
    "date": (_date, True), "date_note": (_text, False), "title": (_text, True), "seed": (_str, False),
    "url": (_str, False), "contacts": (_refs("person"), False), "omitted": (_omissions, False), **COMMON,
}  # fmt: skip
ENTITY_BASE: dict[str, tuple[Checker, bool]] = {
    "id": (_id, True), "name": (_text, True), "aliases": (_str_list, False), "summary": (_text, True),
    "sources": (_refs("source"), True), **COMMON,
}  # fmt: skip
ENTITY_SPECS: dict[EntityType, dict[str, tuple[Checker, bool]]] = {
    "country": {**ENTITY_BASE, "region": (_ref("region"), False)},
    "region": ENTITY_BASE,
    "organisation": {
        **ENTITY_BASE, "full_name": (_text, False), "kind": (_enum(*ORG_KINDS), False),
        "country": (_ref("country"), False), "parent": (_ref("organisation"), False),
        "members": (_refs("organisation"), False),
    },
    "programme": {
        **ENTITY_BASE, "kind": (_enum(*PROGRAMME_KINDS), True), "partners": (_refs("organisation"), False),
        "countries": (_refs("country", "region"), False), "keywords": (_str_list, False),
        "start": (_date, False), "end": (_date, False), "place": (_text, False),
    },
    "person": {
        **ENTITY_BASE, "title": (_text, True), "organisation": (_ref("organisation"), False),
        "division": (_text, False), "phone": (_str, False), "email": (_str, False),
    },
}  # fmt: skip
FACT_SPEC: dict[str, tuple[Checker, bool]] = {
    "id": (_id, True), "about": (_refs("country", "region", "organisation", "programme", "person"), True),
    "type": (_enum(*FACT_TYPES), True), "asks": (_enum_list(*INTENTS), True), "topics": (_str_list, False),
    "text": (_text, True), "detail": (_text, False), "question": (_text, False), "sources": (_refs("source"), True),
    "date": (_date, False), "end": (_date, False), "as_of": (_date, False),
    "status": (_enum(*STATUSES), False), "place": (_text, False), "amount": (_quantity("currency"), False),
    "count": (_quantity("unit"), False), **COMMON,
}  # fmt: skip
OTHER_SPEC: dict[str, tuple[Checker, bool]] = {"ko": (_str, True), "en": (_str, True), "aliases": (_str_list, False)}


def _line(mapping: Any, key: str, default: int) -> int:
    return mapping.line_of(key) if isinstance(mapping, LineDict) else default


def _item_line(seq: Any, index: int, default: int) -> int:
    return seq.line_of(index) if isinstance(seq, LineList) else default


def _record(
    value: Any, ctx: _Ctx, line: int, name: str, spec: Mapping[str, tuple[Checker, bool]]
) -> dict[str, Any] | None:
    """Check one mapping against a spec; return its typed fields (None if it is not a mapping)."""
    if not isinstance(value, dict):
        ctx.report(line, name, "must be a mapping of fields")
        return None
    line = getattr(value, "line", line)
    label = f"{name}({value['id']})" if isinstance(value.get("id"), str) else name
    out: dict[str, Any] = {}
    for key, raw in value.items():
        if key not in spec:
            ctx.report(_line(value, key, line), f"{label}.{key}", f"unknown field (allowed: {', '.join(spec)})")
            continue
        if raw is None:
            ctx.report(_line(value, key, line), f"{label}.{key}", "is empty")
            continue
        checked = spec[key][0](raw, ctx, _line(value, key, line), f"{label}.{key}")
        if checked is not None:
            out[key] = checked
    for key, (_, required) in spec.items():
        if required and key not in value:
            ctx.report(line, f"{label}.{key}", "is required")
    return out


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
    ids: dict[str, tuple[str, int]] = field(default_factory=dict)


def _claim_id(found: _Collected, ctx: _Ctx, ident: str, line: int, name: str) -> bool:
    if ident in found.ids:
        file, first = found.ids[ident]
        ctx.report(line, name, f"id {ident!r} is already used at {file}:{first}")
        return False
    found.ids[ident] = (ctx.file, line)
    return True


def _records(section: Any, ctx: _Ctx, line: int, name: str) -> list[tuple[Any, int]]:
    if not isinstance(section, list):
        ctx.report(line, name, "must be a list of records (each starting with '- ')")
        return []
    return [(item, _item_line(section, i, line)) for i, item in enumerate(section)]


def _read_sources(section: Any, ctx: _Ctx, line: int, found: _Collected) -> None:
    for item, item_line in _records(section, ctx, line, "sources"):
        rec = _record(item, ctx, item_line, "sources", SOURCE_SPEC)
        if rec is None or not {"id", "kind", "publisher", "date", "title"} <= rec.keys():
            continue
        if _claim_id(found, ctx, rec["id"], item_line, "sources.id"):
            found.sources[rec["id"]] = (Source(**rec), ctx.file, item_line)


def _read_entities(section: Any, ctx: _Ctx, line: int, found: _Collected, key: str) -> None:
    etype = ENTITY_SECTIONS[key]
    spec = ENTITY_SPECS[etype]
    required = {k for k, (_, req) in spec.items() if req}
    for item, item_line in _records(section, ctx, line, key):
        rec = _record(item, ctx, item_line, key, spec)
        if rec is None or not required <= rec.keys():
            continue
        if _claim_id(found, ctx, rec["id"], item_line, f"{key}.id"):
            rec.setdefault("aliases", ())
            found.entities[rec["id"]] = (Entity(type=etype, **rec), ctx.file, item_line)


def _read_facts(section: Any, ctx: _Ctx, line: int, found: _Collected) -> None:
    required = {k for k, (_, req) in FACT_SPEC.items() if req}
    for item, item_line in _records(section, ctx, line, "facts"):
        rec = _record(item, ctx, item_line, "facts", FACT_SPEC)
        if rec is None or not required <= rec.keys():
            continue
        rec.setdefault("topics", ())
        for i, topic in enumerate(rec["topics"]):
            ctx.refs.append(
                (topic, f"facts({rec['id']}).topics[{i}]", _line(item, "topics", item_line), ctx.file, ("topic",))
            )
        if _claim_id(found, ctx, rec["id"], item_line, "facts.id"):
            found.facts.append((Fact(**rec), ctx.file, item_line))


def _read_by_lang(
    section: Any,
    ctx: _Ctx,
    line: int,
    name: str,
    target: dict[str, dict[Lang, tuple[str, ...]]],
    names: dict[str, Text] | None = None,
    wants: dict[str, str] | None = None,
) -> None:
    """intents, topics and cues: each id maps to word lists in both languages; a topic may also have a
    display `name` (what the bot calls it in a reply: "MOU", "업무협약")."""
    if not isinstance(section, dict):
        ctx.report(line, name, "must map each name to {ko: [...], en: [...]}")
        return
    spec: dict[str, tuple[Checker, bool]] = {lang: (_str_list, True) for lang in LANGS}
    if names is not None:
        spec["name"] = (_text, False)
    if wants is not None:
        spec["want"] = (_enum(*WANTS), False)
        spec["detail"] = (_flag, False)
        spec["out_of_scope"] = (_flag, False)
        spec["broad"] = (_flag, False)
    for key, value in section.items():
        key_line = _line(section, key, line)
        if key in target:
            ctx.report(key_line, f"{name}.{key}", "is defined twice")
            continue
        if name == "intents" and key not in INTENTS:
            ctx.report(key_line, f"{name}.{key}", f"unknown intent (known: {', '.join(INTENTS)})")
            continue
        if name == "cues" and key not in CUES:
            ctx.report(key_line, f"{name}.{key}", f"unknown cue (known: {', '.join(CUES)})")
            continue
        rec = _record(value, ctx, key_line, f"{name}.{key}", spec)
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


def _read_messages(section: Any, ctx: _Ctx, line: int, found: _Collected) -> None:
    if not isinstance(section, dict):
        ctx.report(line, "messages", "must map each message name to {ko: ..., en: ...}")
        return
    for key, value in section.items():
        text = _text(value, ctx, _line(section, key, line), f"messages.{key}")
        if text is not None:
            found.messages[key] = text


def _read_examples(section: Any, ctx: _Ctx, line: int, found: _Collected) -> None:
    rec = _record(section, ctx, line, "examples", {lang: (_str_list, True) for lang in LANGS})
    if rec:
        found.examples.update(rec)


def _read_others(section: Any, ctx: _Ctx, line: int, found: _Collected, key: str) -> None:
    kind = "country" if key == "other_countries" else "organisation"
    for item, item_line in _records(section, ctx, line, key):
        rec = _record(item, ctx, item_line, key, OTHER_SPEC)
        if rec and {"ko", "en"} <= rec.keys():
            other = OtherName(Text(rec["ko"], rec["en"]), rec.get("aliases", ()), kind)  # type: ignore[arg-type]
            found.others.append((other, ctx.file, item_line))


def _read_file(data: Any, ctx: _Ctx, found: _Collected) -> None:
    if data is None:
        return
    if not isinstance(data, dict):
        ctx.report(getattr(data, "line", 1), "file", "must be a mapping of sections (sources:, facts:, ...)")
        return
    for key, section in data.items():
        line = _line(data, key, 1)
        if section is None:
            continue
        if key == "sources":
            _read_sources(section, ctx, line, found)
        elif key in ENTITY_SECTIONS:
            _read_entities(section, ctx, line, found, key)
        elif key == "facts":
            _read_facts(section, ctx, line, found)
        elif key == "intents":
            _read_by_lang(section, ctx, line, key, found.intents)
        elif key == "topics":
            _read_by_lang(section, ctx, line, key, found.topics, found.topic_names, found.topic_wants)
        elif key == "cues":
            _read_by_lang(section, ctx, line, key, found.cues)
        elif key == "messages":
            _read_messages(section, ctx, line, found)
        elif key == "examples":
            _read_examples(section, ctx, line, found)
        elif key in ("other_countries", "other_organisations"):
            _read_others(section, ctx, line, found, key)
        else:
            ctx.report(line, key, "unknown section")


# --- whole-base checks ----------------------------------------------------------------------------


def _check_refs(found: _Collected, refs: list[tuple[str, str, int, str, tuple[str, ...]]]) -> list[Problem]:
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
    start, and every topic a fact names can be named back to the reader."""
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


def load(directory: Path | str | None = None) -> KnowledgeBase:
    """Load and validate the fact base; raise KnowledgeError listing every problem."""
    root = Path(directory or os.environ.get("COOPBOT_KNOWLEDGE") or DEFAULT_DIR)
    if not root.is_dir():
        raise KnowledgeError([Problem(str(root), 0, "knowledge", "is not a directory")])
    found = _Collected()
    problems: list[Problem] = []
    refs: list[tuple[str, str, int, str, tuple[str, ...]]] = []
    files = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
    if not files:
        problems.append(Problem(str(root), 0, "knowledge", "holds no .yaml files"))
    for path in files:
        display = _display(path, root)
        data, syntax = read_yaml(path, display)
        problems += syntax
        ctx = _Ctx(display)
        _read_file(data, ctx, found)
        problems += ctx.problems
        refs += ctx.refs
    problems += _check_refs(found, refs)
    problems += _check_aliases(found)
    problems += _check_facts(found)
    problems += _check_complete(found, _display(root, root))
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(
        sources=MappingProxyType({k: v[0] for k, v in found.sources.items()}),
        entities=MappingProxyType({k: v[0] for k, v in found.entities.items()}),
        facts=tuple(f for f, _, _ in found.facts),
        intents=MappingProxyType({k: MappingProxyType(v) for k, v in found.intents.items()}),
        topics=MappingProxyType({k: MappingProxyType(v) for k, v in found.topics.items()}),
        topic_names=MappingProxyType(found.topic_names),
        topic_wants=MappingProxyType(found.topic_wants),  # type: ignore[arg-type]
        cues=MappingProxyType({k: MappingProxyType(v) for k, v in found.cues.items()}),
        messages=MappingProxyType(found.messages),
        examples=MappingProxyType(found.examples),
        others=tuple(o for o, _, _ in found.others),
    )
