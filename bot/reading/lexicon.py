"""What reading a question knows of the fact base, worked out once: the entity index, every intent's phrasings,
the topic and cue signals, programmes' keywords with the names and places that anchor them, tokenised; and the
vocabularies that match a question's words to them (vocabulary.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.factbase.model import EVENT_PROGRAMME_KINDS, EVENT_TYPES, Entity, Intent, Interner, KnowledgeBase, Lang
from bot.reading.entities import EntityIndex
from bot.reading.signals import Entry, S, index_by_word
from bot.reading.vocabulary import SLOT, STOPWORDS, Vocabulary, content_words
from bot.text.normalize import alias_key, has_hangul, normalize, words

MAX_ANCHORED = 5  # an entity that anchors more programmes than this (PPS) anchors none
SMALLTALK = ("greeting", "thanks", "help")
ENDINGS = ("보다",)  # Korean cue words written onto the end of a noun
COUNTED = ("countries", "participants", "members")
PLACE = "place:"  # anchors that are words of a programme's place (서울 in '서울 포럼'), not entity ids


class Lexicon:
    """Built once per fact base: the entity index, the phrasings, signals and programme keys, tokenised, and the
    vocabularies of their words."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.index = EntityIndex(kb)
        self.phrasings = self._phrasings(kb)
        self.topic_signals = self._signals(kb.topics)
        self.programme_keys = self._programme_keys(kb)
        self.by_anchor: dict[str, list[tuple[str, frozenset[str], tuple[tuple[str, ...], ...]]]] = {}
        for key in self.programme_keys:
            for anchor in key[1]:
                self.by_anchor.setdefault(anchor, []).append(key)
        one = Interner()
        self.keywords = {
            e.id: one(frozenset(w for k in e.keywords for w in words(normalize(k)))) for e in kb.entities.values()
        }
        self.topic_words = {
            t: frozenset(w for tt, sig in self.topic_signals if tt == t for w in sig) for t in kb.topics
        }
        # Two vocabularies, so the longest known word wins within each: 연수단 is a delegation (topic) and not
        # 연수 'training', while 도입한 in a phrasing does not hide the topic word 도입 'adoption'.
        self.intent_vocab = Vocabulary(w for _, ph in self.phrasings for w in ph)
        # Which phrasings and signals contain a word: only those are scored for a question.
        self.phrasings_with = index_by_word(self.phrasings)
        self.signals_with = index_by_word(self.topic_signals)
        topic_words = {w for _, sig in self.topic_signals for w in sig}
        self.topic_vocab = Vocabulary(topic_words | {w for _, _, keys in self.programme_keys for k in keys for w in k})
        self.cue_signals = self._signals(kb.cues)
        # Cue words inside a longer word mean nothing: 사업 in 실증사업 is not "projects, all of them".
        self.cue_vocab = Vocabulary((w for _, sig in self.cue_signals for w in sig), glued=False)
        # Korean cue words that attach to the end of a noun (보다 'than' in 연수단보다): matched as endings.
        self.cue_endings = [(cue, sig[0]) for cue, sig in self.cue_signals if len(sig) == 1 and sig[0] in ENDINGS]
        self.cues_with = index_by_word(self.cue_signals)
        self.cue_words = {cue: {w for c, signal in self.cue_signals if c == cue for w in signal} for cue in kb.cues}
        # Words of 'next' that are not words of 'after': before a name they ask for its next edition.
        self.edition_words = frozenset(self.cue_words.get("next", set()) - self.cue_words.get("after", set()))
        self.places = self._place_anchors(kb)
        self.event_kinds = frozenset(t for t in kb.topics if t in (*EVENT_TYPES, *EVENT_PROGRAMME_KINDS))
        self._anchor_by_places(kb)
        self.known_words = self.intent_vocab.words | self.topic_vocab.words | self.cue_vocab.words
        self.known_latin = sorted(w for w in self.known_words if w.isascii() and len(w) >= 4)
        self.counted_signals = frozenset(w for topic in COUNTED for w in self.topic_words.get(topic, ()))
        # Latin words Korean speakers use as they are (MOU, ODA): they say nothing about the language.
        korean_lists = [
            *(p for by in kb.intents.values() for p in by["ko"]),
            *(s for by in kb.topics.values() for s in by["ko"]),
        ]
        self.neutral = frozenset(w for text in korean_lists for w in words(normalize(text)) if w.isascii())

    def _phrasings(self, kb: KnowledgeBase) -> list[Entry[Intent]]:
        """Every intent's phrasings, as the words a question must use."""
        phrasings: list[Entry[Intent]] = []
        for intent, by_lang in kb.intents.items():
            for phrasing in (*by_lang["ko"], *by_lang["en"]):
                # Small talk and 'tell me about X' are all function words: keep them, or "who are you" would read
                # as "who" and "tell me about" as nothing.
                keep = intent in (*SMALLTALK, "overview")
                text = phrasing.replace(SLOT, " ")
                split = words(normalize(text)) if keep else content_words(text)
                # A name in a phrasing ('PPS and {entity}') is spotted as a name in a question, so it is not a word
                # of the phrasing; an English word written in lower case stays one even if an acronym shares it (who).
                raw = set(re.findall(r"[a-z]+", phrasing))
                tokens = tuple(w for w in split if not self._is_name(w) or w in raw)
                if tokens:
                    phrasings.append((intent, tokens))
        return phrasings

    def _signals(self, signals: Mapping[S, Mapping[Lang, tuple[str, ...]]]) -> list[Entry[S]]:
        """Topic or cue signals, as words. (A name inside a signal, 'head of PPS', is spotted as a name: it is not a
        word of the signal; a word written in lower case stays one even if an acronym shares it: bid, not BID.)"""
        found = [(what, self._signal_words(s)) for what, by in signals.items() for s in (*by["ko"], *by["en"])]
        return [(what, signal) for what, signal in found if signal]

    def _anchor_by_places(self, kb: KnowledgeBase) -> None:
        """A programme's place anchors it too (서울 + 포럼 is the forum held in Seoul); but a place where many
        programmes were held (as PPS for partners) names none of them."""
        held: dict[str, set[str]] = {}
        for pid, _, _ in self.programme_keys:
            for word in self._place_words(kb.entities[pid]):
                held.setdefault(word, set()).add(pid)
        for pid, anchors, phrases in self.programme_keys:
            programme = kb.entities[pid]
            if programme.place:
                place_words = {w for w in self._place_words(programme) if len(held[w]) <= MAX_ANCHORED}
                key = (pid, anchors | {self.places[w] for w in place_words if w in self.places}, phrases)
                for anchor in key[1] - anchors:
                    self.by_anchor.setdefault(anchor, []).append(key)

    @staticmethod
    def _programme_keys(kb: KnowledgeBase) -> list[tuple[str, frozenset[str], tuple[tuple[str, ...], ...]]]:
        """For each programme with keywords: the entities that anchor it (partners, countries) and its keywords.

        An entity that anchors many programmes (PPS) anchors none: 'PPS training' names no one programme.
        """
        anchored: dict[str, int] = {}
        for entity in kb.entities.values():
            for anchor in (*entity.partners, *entity.countries):
                anchored[anchor] = anchored.get(anchor, 0) + 1
        keys = []
        for entity in kb.entities.values():
            anchors = frozenset(a for a in (*entity.partners, *entity.countries) if anchored[a] <= MAX_ANCHORED)
            phrases = tuple(tuple(words(normalize(k))) for k in entity.keywords)
            if anchors and phrases:
                keys.append((entity.id, anchors, phrases))
        return keys

    @staticmethod
    def _place_words(programme: Entity) -> set[str]:
        place = programme.place
        return {w for t in (place.ko, place.en) for w in words(normalize(t))} if place else set()

    def _signal_words(self, signal: str) -> tuple[str, ...]:
        lower = set(re.findall(r"[a-z]+", signal))
        return tuple(w for w in words(normalize(signal)) if not self._is_name(w) or w in lower)

    def _place_anchors(self, kb: KnowledgeBase) -> dict[str, str]:
        """Words of programmes' places that, with a keyword, name the programme: 서울 + 포럼 is the forum held in Seoul.

        Only proper names count: Korean words and capitalised English ones that are not words of an entity's
        name (Procurement, 조달청 name PPS, not a place) nor ways of asking.
        """
        name_words = {
            w for e in kb.entities.values() for n in (e.name.ko, e.name.en, *e.aliases) for w in words(normalize(n))
        }
        ordinary = name_words | self.intent_vocab.words | self.topic_vocab.words | STOPWORDS
        anchors: dict[str, str] = {}
        for entity in kb.entities.values():
            if entity.type != "programme" or not entity.place:
                continue
            for text in (entity.place.ko, entity.place.en):
                for raw in re.findall(r"[\w-]+", text):
                    word = normalize(raw)
                    proper = has_hangul(raw) or raw[0].isupper()
                    if proper and len(word) >= 2 and word not in ordinary:
                        anchors[word] = PLACE + word
        return anchors

    def _is_name(self, word: str) -> bool:
        return alias_key(word) in self.index.exact
