"""The schema of the fact base: the vocabularies (the values a field may take, the ids the code reads), the
fields each kind of record may have, and the checks of single fields and records. A checker reports what is
wrong with a raw YAML value to a `CheckContext` and returns the typed value; references to other records are
only noted, for the loader (bot/knowledge.py) to resolve once the whole base is read. Nothing here reads a file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from bot.commands import COMMANDS
from bot.factbase.model import (
    FACT_TYPES,
    INTENTS,
    LANGS,
    PROGRAMME_KINDS,
    WANTS,
    EntityType,
    Note,
    Omission,
    Quantity,
    Text,
)
from bot.factbase.yamlsource import LineDict, LineList, Problem

# --- vocabularies ---------------------------------------------------------------------------------

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^\d{4}(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")

ENTITY_SECTIONS: dict[str, EntityType] = {
    "countries": "country",
    "regions": "region",
    "organisations": "organisation",
    "programmes": "programme",
    "people": "person",
}
SOURCE_KINDS = ("press_release", "news_article")
ORG_KINDS = ("agency", "ministry", "division", "mdb", "development_agency", "government", "media", "network", "group")
STATUSES = ("completed", "planned", "ongoing")
# The message keys the code reads (messages.yaml); the loaded base must have every one.
REQUIRED_MESSAGES = (
    "fallback", "unknown_entity", "clarify", "greeting", "thanks", "help_intro", "about", "error", "non_text",
    "too_many", "late_reply", "status", "status_problem", "curators_only", "report_lead", "report_none",
    "report_expired", "taught", "teach_failed", "dismissed", "reload_failed", "feedback_thanks", "feedback_ask",
    "share_expired",
    "feedback_noted", "privacy_note", "privacy", "privacy_off",
    "too_long", "start", "contact_answer", "contact_line", "suggest_about", "suggest_contact", "lang_set",
    *(f"command_{command.name}" for command in COMMANDS),
    "not_on_record_detail", "not_on_record_want", "not_on_record_topic", "not_on_record_other", "not_on_record_nothing",
    "not_on_record_nothing_for",
    "not_on_record_role", "not_on_record_role_period", "not_on_record_year", "not_on_record_counted", "on_record",
    *(f"want_{want}" for want in WANTS),
    "kind_any", "status_planned", "status_ongoing", "first_lead", "latest_lead", "upcoming", "period_lead",
    "period_none", "items_lead", "items_lead_scope", "count_items", "count_history", "named_in_sources",
    "compare_earlier", "compare_side_by_side", "compare_later", "compare_same_date", "compare_more", "compare_larger",
    "compare_equal", "compare_ratio", "compare_duration_side", "compare_durations",
    "compare_durations_same", "compare_sum",
    "compare_years", "compare_days_apart",
    "compare_difference", "compare_missing", "premise_yes", "premise_no", "premise_unsaid",
    "premise_after_sources",
    "answer_no", "chat_quit_hint",
    "chat_bye", "days", "duration_lead", "period_until", "period_from", "end_lead", "only_planned", "names_not_listed",
    "names_not_all",
    "names_some", "names_no_others", "nth_lead", "nth_none",
    "names_in_languages", "title_in_languages", "series_change",
    "series_not_for", "series_fall", "series_ratio", "series_share",
    "next_lead", "next_none", "currency_only",
    "latest_source",
)  # fmt: skip


# --- field checkers -------------------------------------------------------------------------------
# A checker takes (value, ctx, line, name) and returns the typed value, or None after reporting a problem.


class Ref(NamedTuple):
    """A reference to another record, resolved once the whole fact base is read."""

    ident: str
    name: str  # the field that holds it, as problems name it
    line: int
    file: str
    kinds: tuple[str, ...]  # the kinds of record it may refer to


@dataclass
class CheckContext:
    """Where the records of one file are being checked: the problems found and the references noted."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)

    def report(self, line: int, name: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, name, message))


Checker = Callable[[Any, CheckContext, int, str], Any]
# A record's fields: each name with its checker and whether the field is required.
Spec = Mapping[str, tuple[Checker, bool]]


def line_of_key(mapping: Any, key: str, default: int) -> int:
    return mapping.line_of(key) if isinstance(mapping, LineDict) else default


def line_of_item(seq: Any, index: int, default: int) -> int:
    return seq.line_of(index) if isinstance(seq, LineList) else default


def required_fields(spec: Spec) -> set[str]:
    return {key for key, (_, required) in spec.items() if required}


def check_str(value: Any, ctx: CheckContext, line: int, name: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        ctx.report(line, name, f"must be text, not {type(value).__name__}")
        return None
    text = str(value).strip()
    if not text:
        ctx.report(line, name, "must not be empty")
        return None
    return text


def check_id(value: Any, ctx: CheckContext, line: int, name: str) -> str | None:
    text = check_str(value, ctx, line, name)
    if text is not None and not ID_RE.match(text):
        ctx.report(line, name, f"{text!r} is not a valid id (lowercase letters, digits and '-')")
        return None
    return text


def check_date(value: Any, ctx: CheckContext, line: int, name: str) -> str | None:
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


def check_flag(value: Any, ctx: CheckContext, line: int, name: str) -> bool | None:
    if not isinstance(value, bool):
        ctx.report(line, name, "must be true or false")
        return None
    return value


def check_text(value: Any, ctx: CheckContext, line: int, name: str) -> Text | None:
    if not isinstance(value, dict):
        ctx.report(line, name, "must give the text in both languages, like {ko: ..., en: ...}")
        return None
    ok = True
    for key in value:
        if key not in LANGS:
            ctx.report(line_of_key(value, key, line), f"{name}.{key}", "unknown language (use ko and en)")
            ok = False
    for lang in LANGS:
        if lang not in value or value[lang] is None or not str(value[lang]).strip():
            ctx.report(line, f"{name}.{lang}", f"missing {'Korean' if lang == 'ko' else 'English'} text")
            ok = False
        elif not isinstance(value[lang], str):
            ctx.report(line_of_key(value, lang, line), f"{name}.{lang}", "must be text")
            ok = False
    return Text(ko=value["ko"].strip(), en=value["en"].strip()) if ok else None


def check_str_list(value: Any, ctx: CheckContext, line: int, name: str) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        ctx.report(line, name, "must be a list")
        return None
    items = [check_str(v, ctx, line_of_item(value, i, line), f"{name}[{i}]") for i, v in enumerate(value)]
    return tuple(i for i in items if i is not None)


def enum_of(*allowed: str) -> Checker:
    """One of the allowed values."""

    def check(value: Any, ctx: CheckContext, line: int, name: str) -> str | None:
        if value not in allowed:
            ctx.report(line, name, f"{value!r} is not one of: {', '.join(allowed)}")
            return None
        return str(value)

    return check


def enum_list_of(*allowed: str) -> Checker:
    """A list of allowed values; the others are reported and left out."""

    def check(value: Any, ctx: CheckContext, line: int, name: str) -> tuple[str, ...] | None:
        items = check_str_list(value, ctx, line, name)
        if items is None:
            return None
        for i, item in enumerate(items):
            if item not in allowed:
                problem = f"{item!r} is not one of: {', '.join(allowed)}"
                ctx.report(line_of_item(value, i, line), f"{name}[{i}]", problem)
        return tuple(i for i in items if i in allowed)

    return check


def refs_to(*kinds: str) -> Checker:
    """A list of ids that must exist among the given kinds; checked once everything is read."""

    def check(value: Any, ctx: CheckContext, line: int, name: str) -> tuple[str, ...] | None:
        items = check_str_list(value, ctx, line, name)
        if items is None:
            return None
        for i, item in enumerate(items):
            ctx.refs.append(Ref(item, f"{name}[{i}]", line_of_item(value, i, line), ctx.file, kinds))
        return items

    return check


def ref_to(*kinds: str) -> Checker:
    """One id that must exist among the given kinds; checked once everything is read."""

    def check(value: Any, ctx: CheckContext, line: int, name: str) -> str | None:
        item = check_str(value, ctx, line, name)
        if item is not None:
            ctx.refs.append(Ref(item, name, line, ctx.file, kinds))
        return item

    return check


def quantity_in(unit_key: str) -> Checker:
    """{value: NUMBER, <unit_key>: ...}: an amount (in a currency) or a count (of a unit)."""

    def check(value: Any, ctx: CheckContext, line: int, name: str) -> Quantity | None:
        if not isinstance(value, dict) or set(value) != {"value", unit_key}:
            ctx.report(line, name, f"must be {{value: NUMBER, {unit_key}: ...}}")
            return None
        number = value["value"]
        if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
            ctx.report(line_of_key(value, "value", line), f"{name}.value", f"{number!r} is not a number")
            return None
        unit = check_str(value[unit_key], ctx, line_of_key(value, unit_key, line), f"{name}.{unit_key}")
        return Quantity(float(number), unit) if unit else None

    return check


def check_record(value: Any, ctx: CheckContext, line: int, name: str, spec: Spec) -> dict[str, Any] | None:
    """Check one mapping against a spec; return its typed fields (None if it is not a mapping)."""
    if not isinstance(value, dict):
        ctx.report(line, name, "must be a mapping of fields")
        return None
    line = getattr(value, "line", line)
    label = f"{name}({value['id']})" if isinstance(value.get("id"), str) else name
    out: dict[str, Any] = {}
    for key, raw in value.items():
        if key not in spec:
            ctx.report(line_of_key(value, key, line), f"{label}.{key}", f"unknown field (allowed: {', '.join(spec)})")
            continue
        if raw is None:
            ctx.report(line_of_key(value, key, line), f"{label}.{key}", "is empty")
            continue
        checked = spec[key][0](raw, ctx, line_of_key(value, key, line), f"{label}.{key}")
        if checked is not None:
            out[key] = checked
    for key, (_, required) in spec.items():
        if required and key not in value:
            ctx.report(line, f"{label}.{key}", "is required")
    return out


def _records_in(
    value: Any, ctx: CheckContext, line: int, name: str, spec: Spec, shape: str
) -> list[dict[str, Any]] | None:
    """The checked fields of each record in a list of small records (notes, omissions); None if not a list.
    A record missing a required field is reported and left out."""
    if not isinstance(value, list):
        ctx.report(line, name, f"must be a list of {shape}")
        return None
    found = [check_record(v, ctx, line_of_item(value, i, line), f"{name}[{i}]", spec) for i, v in enumerate(value)]
    required = required_fields(spec)
    return [fields for fields in found if fields is not None and required <= fields.keys()]


def check_notes(value: Any, ctx: CheckContext, line: int, name: str) -> tuple[Note, ...] | None:
    found = _records_in(value, ctx, line, name, NOTE_SPEC, "{text: {ko, en}, visibility: staff}")
    if found is None:
        return None
    return tuple(Note(text=f["text"], visibility=f.get("visibility", "staff")) for f in found)


def check_omissions(value: Any, ctx: CheckContext, line: int, name: str) -> tuple[Omission, ...] | None:
    found = _records_in(value, ctx, line, name, OMISSION_SPEC, "{text: ..., reason: ...}")
    return None if found is None else tuple(Omission(f["text"], f["reason"]) for f in found)


# --- record specs ---------------------------------------------------------------------------------

VIS = enum_of("public", "staff")
COMMON: Spec = {"visibility": (VIS, False), "notes": (check_notes, False)}
NOTE_SPEC: Spec = {"text": (check_text, True), "visibility": (VIS, False)}
OMISSION_SPEC: Spec = {"text": (check_str, True), "reason": (check_str, True)}
SOURCE_SPEC: Spec = {
    "id": (check_id, True), "kind": (enum_of(*SOURCE_KINDS), True), "publisher": (check_text, True),
    "date": (check_date, True), "date_note": (check_text, False), "title": (check_text, True),
    "seed": (check_str, False), "url": (check_str, False), "contacts": (refs_to("person"), False),
    "omitted": (check_omissions, False), **COMMON,
}  # fmt: skip
ENTITY_BASE: Spec = {
    "id": (check_id, True), "name": (check_text, True), "aliases": (check_str_list, False),
    "summary": (check_text, True), "sources": (refs_to("source"), True), **COMMON,
}  # fmt: skip
ENTITY_SPECS: dict[EntityType, Spec] = {
    "country": {**ENTITY_BASE, "region": (ref_to("region"), False)},
    "region": ENTITY_BASE,
    "organisation": {
        **ENTITY_BASE, "full_name": (check_text, False), "kind": (enum_of(*ORG_KINDS), False),
        "country": (ref_to("country"), False), "parent": (ref_to("organisation"), False),
        "members": (refs_to("organisation"), False),
    },
    "programme": {
        **ENTITY_BASE, "kind": (enum_of(*PROGRAMME_KINDS), True), "partners": (refs_to("organisation"), False),
        "countries": (refs_to("country", "region"), False), "keywords": (check_str_list, False),
        "start": (check_date, False), "end": (check_date, False), "place": (check_text, False),
    },
    "person": {
        **ENTITY_BASE, "title": (check_text, True), "organisation": (ref_to("organisation"), False),
        "division": (check_text, False), "phone": (check_str, False), "email": (check_str, False),
    },
}  # fmt: skip
FACT_SPEC: Spec = {
    "id": (check_id, True), "about": (refs_to("country", "region", "organisation", "programme", "person"), True),
    "type": (enum_of(*FACT_TYPES), True), "asks": (enum_list_of(*INTENTS), True), "topics": (check_str_list, False),
    "text": (check_text, True), "detail": (check_text, False), "question": (check_text, False),
    "sources": (refs_to("source"), True), "date": (check_date, False), "end": (check_date, False),
    "as_of": (check_date, False), "status": (enum_of(*STATUSES), False), "place": (check_text, False),
    "amount": (quantity_in("currency"), False), "count": (quantity_in("unit"), False), **COMMON,
}  # fmt: skip
# A word list in each language: an intent's phrasings, a cue's words, the example questions.
WORDS_SPEC: Spec = {lang: (check_str_list, True) for lang in LANGS}
# A topic's words, the name replies call it by, and what it stands for (see docs/fact-base.md).
TOPIC_SPEC: Spec = {
    **WORDS_SPEC, "name": (check_text, False), "want": (enum_of(*WANTS), False), "detail": (check_flag, False),
    "out_of_scope": (check_flag, False), "broad": (check_flag, False), "not_on_record": (check_flag, False),
    "relation": (check_flag, False),
}  # fmt: skip
OTHER_SPEC: Spec = {"ko": (check_str, True), "en": (check_str, True), "aliases": (check_str_list, False)}
