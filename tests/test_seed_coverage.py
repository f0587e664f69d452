"""Every statement of the sources is in the fact base.

The five documents in ../shared/seeds are read as they are: every figure (a number with its unit, a
date, an amount, a count) and every person, organisation and country they name must appear in some
record of the fact base (a fact, an entity, a source), unless the source's entry in sources.yaml
declares it `omitted` with a reason.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.factbase.model import KnowledgeBase
from bot.text.normalize import normalize

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="shared/seeds is not beside the repo")

# A number with the unit that makes it a figure, in either language.
KO_FIGURE = re.compile(r"(\d[\d,.]*)\s*(억\s*원|억원|억|만\s*달러|만달러|달러|명|개국|개|곳|일간|박|일|년|월|회|%)")
EN_FIGURE = re.compile(
    r"(\d[\d,.]*)\s*(billion|million|countries|officials|participants|member countries|days|years|KRW|USD)\b"
    r"|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+(\d{1,2})\b"
    r"|\b((?:19|20)\d\d)\b"
)
SHORT_YEAR = re.compile(r"[’']\s?(\d{2})년")
EN_NUMBER_WORDS = {"fourteen": "14", "eighteen": "18", "eleven": "11", "three": "3", "forty": "40"}
# People are named with their title: 임기근 조달청장, 신봉기 사무관, Mr. Kim Yoonsang, Lalita M. Moorty.
KO_PERSON = re.compile(r"([가-힣]{2,6})\s?(?:[가-힣]{2,5}부\s)?(?:조달청장|청장|사무관|기자|차관|연수단장)")
EN_PERSON = re.compile(
    r"(?:Mr\.|Ms\.|Administrator)\s+([A-Z][a-z]+(?:(?: [A-Z]|-[A-Za-z])[a-z]+)+)|\b([A-Z][a-z]+ [A-Z]\. [A-Z][a-z]+)\b"
)
ACRONYM = re.compile(r"\(([A-Z][A-Za-z]{1,6})\)")


@pytest.fixture(scope="module")
def corpus(kb: KnowledgeBase) -> tuple[str, set[str]]:
    """All the fact base says, normalised, and the numbers it holds in fields."""
    texts: list[str] = []
    numbers: set[str] = set()
    for fact in kb.facts:
        texts += [fact.text.ko, fact.text.en, *(n.text.ko for n in fact.notes), *(n.text.en for n in fact.notes)]
        for q in (fact.amount, fact.count):
            if q:
                numbers.add(_plain(q.value))
        for d in (fact.date, fact.end, fact.as_of):
            if d:
                numbers.update(str(int(p)) for p in d.split("-"))
    for entity in kb.entities.values():
        texts += [entity.name.ko, entity.name.en, *entity.aliases, entity.summary.ko, entity.summary.en]
        texts += [n.text(lang) for n in entity.notes for lang in ("ko", "en")]
        if entity.phone:
            texts.append(entity.phone)
    for source in kb.sources.values():
        texts += [source.title.ko, source.title.en, source.publisher.ko, source.publisher.en, source.date]
        texts += [n.text(lang) for n in source.notes for lang in ("ko", "en")]
    return normalize(" ".join(texts)), numbers


def _plain(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def omitted(kb: KnowledgeBase, seed: str) -> list[str]:
    return [o.text for s in kb.sources.values() if s.seed == seed for o in s.omitted]


def seed_texts() -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]


def figures(text: str) -> list[tuple[str, str]]:
    """(the figure as written, the number a record must hold)."""
    found = [(m.group(0), m.group(1)) for m in KO_FIGURE.finditer(text)]
    for m in EN_FIGURE.finditer(text):
        found.append((m.group(0), next(g for g in m.groups() if g)))
    found += [(m.group(0), "20" + m.group(1)) for m in SHORT_YEAR.finditer(text)]  # ’13년 is 2013
    found += [(w, n) for w, n in EN_NUMBER_WORDS.items() if re.search(rf"\b{w}\b", text, re.I)]
    return found


def held(number: str, written: str, kb_text: str, numbers: set[str]) -> bool:
    """A figure is held when a record states its number with the same unit, or a field holds the number."""
    digits = number.replace(",", "").rstrip(".")
    if digits in numbers or str(int(float(digits))) in numbers:
        return True
    value = normalize(written).replace(" ", "")
    text = kb_text.replace(" ", "").replace(",", "")
    if value.replace(",", "") in text:
        return True
    # '14억원' is written 14억 원 and KRW 1.4 billion; a number touching no other digit is enough then.
    return re.search(rf"(?<![\d.]){re.escape(digits)}(?![\d])", kb_text.replace(",", "")) is not None


def test_every_figure_of_the_sources_is_in_some_record(kb, corpus):
    kb_text, numbers = corpus
    missing = []
    for seed, text in seed_texts():
        skip = omitted(kb, seed)
        for written, number in figures(text):
            if not held(number, written, kb_text, numbers) and not any(written in o or o in written for o in skip):
                missing.append((seed, written))
    assert sorted(set(missing)) == []


def test_every_person_the_sources_name_is_in_some_record(kb, corpus):
    kb_text, _ = corpus
    missing = []
    for seed, text in seed_texts():
        names = [m.group(1) for m in KO_PERSON.finditer(text)]
        names += [m.group(1) or m.group(2) for m in EN_PERSON.finditer(text)]
        skip = omitted(kb, seed)
        missing += [(seed, n) for n in names if normalize(n) not in kb_text and n not in skip]
    assert sorted(set(missing)) == []


def test_every_organisation_and_country_the_sources_name_has_a_record(kb, corpus):
    """A name the gazetteer knows (a country or body with no record) must not be one the sources mention."""
    kb_text, _ = corpus
    missing = []
    for seed, text in seed_texts():
        skip = omitted(kb, seed)
        norm = normalize(text)
        for other in kb.others:
            for name in (other.name.ko, other.name.en, *other.aliases):
                # An acronym is itself only in capitals: WHO, not 'officials who use'.
                found = (
                    re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text)
                    if name.isupper()
                    else re.search(rf"(?<![\w]){re.escape(normalize(name))}(?![\w])", norm)
                )
                if len(name) >= 3 and found and name not in skip:
                    missing.append((seed, name))
        for acronym in ACRONYM.findall(text):
            if normalize(acronym) not in kb_text and acronym not in skip:
                missing.append((seed, acronym))
    assert sorted(set(missing)) == []


def test_every_omission_says_why(kb):
    for source in kb.sources.values():
        for omission in source.omitted:
            assert len(omission.reason.split()) >= 3, (source.id, omission.text)
