"""From a raw message to what it asks: names, language, intent scores, topics and years."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.factbase.model import EVENT_PROGRAMME_KINDS, EVENT_TYPES, Entity, Interner, KnowledgeBase, Lang
from bot.reading.entities import EntityIndex, Mention, is_particles, strip_particles
from bot.reading.language import detect
from bot.reading.periods import MONTH_WORDS, Period, period_in
from bot.reading.vocabulary import (
    SLOT,
    STOPWORDS,
    Vocabulary,
    content_words,
    english_bases,
    exact_table,
    match_table,
    phrase_score,
)
from bot.text.normalize import alias_key, has_hangul, is_hangul, normalize, syllables, words

YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
PHRASE_WEIGHT, QUESTION_WEIGHT = 0.75, 0.25
MAX_ANCHORED = 5
FALLBACK_INTENTS = {"overview": 1, "followup": 2}
LENGTH_BONUS = 0.01
OPENING_BONUS = 0.02
SMALLTALK = ("greeting", "thanks", "help")
ENDINGS = ("보다",)  # Korean cue words written onto the end of a noun
HOW_MANY = ("many", "number")
COUNTED = ("countries", "participants", "members")
PEOPLE_COUNTERS = ("명", "분")  # 강사는 몇 명: the noun before 몇 is who is counted
QUESTION_WORDS = frozenset({"how", "what", "which", "who", "when", "where", "why"})
# Question words that ask something of their own; 'what about' and '어때' ask the last question again.
OWN_QUESTION_WORDS = frozenset({"which", "who", "when", "where", "why"})
KO_QUESTION_STARTS = ("어느", "누구", "누가", "언제", "몇", "얼마", "어디", "왜")
NEAR_COUNTED = 75  # 'delegets' is a misspelt 'delegates', not a word of the question's own
NUMBER_WITH_UNIT = re.compile(r"^\d[\d,.]*(?:년|월|일|명|개국|개|곳|억|만|원|달러|차|회|박|위|%)")
PLACE = "place:"  # anchors that are words of a programme's place (서울 in '서울 포럼'), not entity ids


@dataclass(frozen=True, slots=True)
class Understanding:
    text: str  # normalised
    lang: Lang
    mentions: tuple[Mention, ...]
    residual: tuple[str, ...]
    intents: tuple[tuple[str, float], ...]  # best first
    implied: tuple[str, ...]  # programmes named by a partner or country plus a keyword (ADB + 연수)
    anchors: frozenset[str]  # the names that, with a keyword, named an implied programme (ADB in 'ADB 연수')
    topics: frozenset[str]
    years: frozenset[int]
    unexplained: tuple[str, ...] = ()  # words that are neither names nor known ways of asking
    cues: frozenset[str] = frozenset()  # what kind of answer: first, latest, since, more, confirm, all, ...
    period: Period | None = None  # the period named: in May 2024, before 2010
    terms: tuple[str, ...] = ()  # the question's words that signal a topic, as written (for finding them in text)
    counted: str | None = None  # the topic of what 'how many' counts: countries, participants, members
    asked_word: str | None = None  # the question's own word for what is counted or named: 'trainers', '총재는'

    @property
    def has_question_word(self) -> bool:
        """'Which banks besides the World Bank?' asks a question of its own; 'and Tunisia?' borrows one."""
        return any(w in OWN_QUESTION_WORDS or w.startswith(KO_QUESTION_STARTS) for w in self.residual)

    @property
    def entity_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = dict.fromkeys(self.implied)
        for m in self.mentions:
            if m.known:
                seen.setdefault(m.target, None)
        return tuple(seen)

    @property
    def unknown(self) -> tuple[Mention, ...]:
        return tuple(m for m in self.mentions if not m.known)

    def intent_score(self, intent: str) -> float:
        return dict(self.intents).get(intent, 0.0)


class Understander:
    """Built once per fact base: the entity index, the phrasings and topic words, tokenised."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.index = EntityIndex(kb)
        self.phrasings: list[tuple[str, tuple[str, ...]]] = []
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
                    self.phrasings.append((intent, tokens))
        # (A name inside a signal, 'head of PPS', is spotted as a name: it is not a word of the signal; a word
        # written in lower case stays one even if an acronym shares it: bid, not BID.)
        self.topic_signals: list[tuple[str, tuple[str, ...]]] = [
            (topic, self._signal_words(signal))
            for topic, by_lang in kb.topics.items()
            for signal in (*by_lang["ko"], *by_lang["en"])
        ]
        self.topic_signals = [(t, s) for t, s in self.topic_signals if s]
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
        self.phrasings_with = _index(self.phrasings)
        self.signals_with = _index(self.topic_signals)
        topic_words = {w for _, sig in self.topic_signals for w in sig}
        self.topic_vocab = Vocabulary(topic_words | {w for _, _, keys in self.programme_keys for k in keys for w in k})
        self.cue_signals: list[tuple[str, tuple[str, ...]]] = [
            (cue, self._signal_words(signal))
            for cue, by_lang in kb.cues.items()
            for signal in (*by_lang["ko"], *by_lang["en"])
        ]
        self.cue_signals = [(cue, signal) for cue, signal in self.cue_signals if signal]
        # Cue words inside a longer word mean nothing: 사업 in 실증사업 is not "projects, all of them".
        self.cue_vocab = Vocabulary((w for _, sig in self.cue_signals for w in sig), glued=False)
        # Korean cue words that attach to the end of a noun (보다 'than' in 연수단보다): matched as endings.
        self.cue_endings = [(cue, sig[0]) for cue, sig in self.cue_signals if len(sig) == 1 and sig[0] in ENDINGS]
        self.cues_with = _index(self.cue_signals)
        self.cue_words = {cue: {w for c, signal in self.cue_signals if c == cue for w in signal} for cue in kb.cues}
        self.places = self._place_anchors(kb)
        self.event_kinds = frozenset(t for t in kb.topics if t in (*EVENT_TYPES, *EVENT_PROGRAMME_KINDS))
        # A place where many programmes were held (as PPS for partners) names none of them: 'the forum in Seoul'.
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
        self.known_words = self.intent_vocab.words | self.topic_vocab.words | self.cue_vocab.words
        self.known_latin = sorted(w for w in self.known_words if w.isascii() and len(w) >= 4)
        self.counted_signals = frozenset(w for topic in COUNTED for w in self.topic_words.get(topic, ()))
        # Latin words Korean speakers use as they are (MOU, ODA): they say nothing about the language.
        korean_lists = [
            *(p for by in kb.intents.values() for p in by["ko"]),
            *(s for by in kb.topics.values() for s in by["ko"]),
        ]
        self.neutral = frozenset(w for text in korean_lists for w in words(normalize(text)) if w.isascii())

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

    def _implied(
        self, named: set[str], table: dict[str, float], residual: list[str]
    ) -> tuple[tuple[str, ...], frozenset[str]]:
        def present(phrase: tuple[str, ...]) -> bool:
            # A Korean keyword may begin a longer word (연수단 in 연수단장은); an English one may carry an
            # ending (visit in visited).
            stem = len(phrase) == 1 and syllables(phrase[0]) >= 2
            if phrase_score(phrase, table) >= 0.9 or (stem and any(w.startswith(phrase[0]) for w in residual)):
                return True
            return len(phrase) == 1 and any(phrase[0] in english_bases(w) for w in residual if w.isascii())

        candidates = {key[0]: key for anchor in named for key in self.by_anchor.get(anchor, ())}
        found = [
            (pid, anchors & named)
            for pid, anchors, phrases in candidates.values()
            if pid not in named and any(present(p) for p in phrases)
        ]
        return tuple(pid for pid, _ in found), frozenset().union(*(used for _, used in found))

    def _explained(self, word: str) -> bool:
        if word in STOPWORDS or word.isdigit() or is_particles(word) or YEAR.search(word) or word in MONTH_WORDS:
            return True
        if NUMBER_WITH_UNIT.match(word):
            return True  # 4월, 14명, 43억
        if any(form in self.places for form in strip_particles(word)):
            return True
        return any(
            score >= 0.8
            for vocab in (self.intent_vocab, self.topic_vocab, self.cue_vocab)
            for score in vocab.matches(word).values()
        )

    def _is_name(self, word: str) -> bool:
        return alias_key(word) in self.index.exact

    def _split_hyphens(self, tokens: list[str]) -> list[str]:
        """pps-adb is two names; e-procurement and next-gen are one word."""
        out: list[str] = []
        for token in tokens:
            parts = token.split("-")
            known = token in self.known_words or alias_key(token) in self.index.exact
            out += parts if len(parts) > 1 and not known and all(len(p) >= 2 for p in parts) else [token]
        return out

    def read(self, text: str, chat_lang: Lang | None) -> Understanding:
        norm = normalize(text)
        tokens = self._split_hyphens(words(norm))
        # A word of the vocabulary is a word, not an acronym, unless typed in capitals: who is not WHO.
        protected = frozenset(t for t in tokens if t in self.known_words and t.upper() not in text)
        spotted = self.index.spot(tokens, protected, self.known_words)
        residual = list(spotted.residual)
        # Spacing does not change meaning: 몇 명 is 몇명, 언제 까지 is 언제까지. Joined words are matched whole or
        # by their first word only: 온 + 연수단 is not 연수 'training'.
        joined = _joined(residual)
        spaced = residual + joined
        # Words inside names count only when exact (조달청장 signals the Administrator; 나라장터 is not 나라).
        in_names = {i for m in spotted.mentions if m.end - m.start > 1 for i in range(m.start, m.end)}
        free = [t for i, t in enumerate(tokens) if i not in in_names]
        topic_table = {
            **exact_table(self.topic_vocab, free),
            **match_table(self.topic_vocab, joined, glued=False),
            **match_table(self.topic_vocab, residual),
        }
        # A signal of several words must be written as such, together and in order ('with e-procurement' is
        # not 'support with e-procurement capacity').
        in_order = [*free, *joined]
        matched = [
            (t, s)
            for t, s in _candidates(self.signals_with, topic_table)
            if phrase_score(s, topic_table) >= (0.85 if len(s) == 1 else 0.9)
            and _in_order(s, in_order, self.topic_vocab)
        ]
        whole = {**exact_table(self.topic_vocab, tokens), **topic_table}
        every = [
            (t, s)
            for t, s in _candidates(self.signals_with, whole)
            if phrase_score(s, whole) >= 0.9 and _in_order(s, [*tokens, *joined], self.topic_vocab)
        ]
        topics = frozenset(t for t, s in matched if not _inside_longer(s, every))
        cue_table = {**exact_table(self.cue_vocab, free), **match_table(self.cue_vocab, spaced)}  # not in names
        cue_tokens = [*free, *joined]
        found_cues = [
            (cue, signal)
            for cue, signal in _candidates(self.cues_with, cue_table)
            if phrase_score(signal, cue_table) >= 0.9 and _in_order(signal, cue_tokens, self.cue_vocab)
        ]
        # 'more' of 'more recent' is that, not a comparison of figures.
        cues = frozenset(cue for cue, signal in found_cues if not _inside_longer(signal, found_cues)) | {
            cue for cue, ending in self.cue_endings if any(t.endswith(ending) and t != ending for t in tokens)
        }
        intent_table = {
            **match_table(self.intent_vocab, joined, glued=False),
            **match_table(self.intent_vocab, residual),
        }
        intents = self._score_intents(residual, intent_table)
        unexplained = tuple(w for w in residual if not self._explained(w))
        names = " ".join(m.surface for m in spotted.mentions)
        lang = detect(" ".join(w for w in residual if w not in self.neutral), names, chat_lang)
        years = frozenset(int(y) for y in YEAR.findall(norm))
        places = {self.places[w] for token in residual for w in strip_particles(token) if w in self.places}
        implied, anchors = self._implied({m.target for m in spotted.mentions} | places, topic_table, residual)
        # "IDB workshop dates": 'workshop' names the programme here; it is not what is asked about it.
        # (A word that named an implied programme says which programme, not what is asked of it; a programme
        # named outright leaves its keywords free: 'APPeN 회원국' asks about members.)
        naming = frozenset().union(*(self.keywords.get(e, frozenset()) for e in implied))
        topics = frozenset(
            t for t in topics if not {w for w in self.topic_words[t] if topic_table.get(w, 0) >= 0.9} <= naming
        )
        said = {w for cue in cues for w in self.cue_words[cue]}  # 'the first' may be the record's own word
        terms = tuple(
            w
            for w in residual
            if w not in STOPWORDS
            and w not in QUESTION_WORDS
            and (w in topic_table or w in said or any(f in topic_table for f in strip_particles(w)))
        )  # 'with' of 'work with' and 'how' of 'how long' are in every text
        counted = self._counted(residual)
        asked_word = self._asked_word(residual, unexplained)
        return Understanding(
            norm,
            lang,
            spotted.mentions,
            spotted.residual,
            intents,
            implied,
            anchors,
            topics,
            years,
            unexplained,
            cues,
            period_in(norm),
            terms,
            counted,
            asked_word,
        )

    def _counted(self, residual: list[str]) -> str | None:
        """What 'how many' counts: the topic of the words right after 'many' or 몇 ('몇 개국', 'how many people',
        'how many MOUs'), or in Korean of the word before it ('업무협약은 몇 건')."""
        for i, token in enumerate(residual):
            if token in HOW_MANY or token.startswith("몇"):
                glued = [token[1:]] if token.startswith("몇") and len(token) > 1 else []  # 몇개국
                after = glued + residual[i + 1 : i + 3]
                if token.startswith("몇") and _counter(residual, i).startswith(PEOPLE_COUNTERS):
                    return "participants"  # '연수단은 몇 명이었어요': 명 counts people, whoever they were
                # The word before 몇, past a particle written apart ('MOU는 몇 개': mou, 는, 몇).
                words_before = [w for w in residual[:i] if not is_particles(w)]
                before = words_before[-1:] if token.startswith("몇") else []
                # A counted noun (countries, people) may be a word further; a kind of event counted must be
                # the very next word ('how many MOUs'), else it is what the question is about ('visited').
                for topics, words_ in ((COUNTED, after + before), (self.event_kinds, after[:1] + before)):
                    for word in words_:
                        matches = self.topic_vocab.matches(word)
                        for topic in topics:
                            if any(matches.get(w, 0) >= 0.85 for w in self.topic_words.get(topic, ())):
                                return topic
        return None

    def _asked_word(self, residual: list[str], unexplained: tuple[str, ...]) -> str | None:
        """A word of the question's own that says what 'how many' counts ('how many trainers', '강사는 몇 명',
        '몇 명의 강사가') or whom 'who' asks for ('who leads', 'ADB 총재는 누구'). A misspelt word for people or
        countries ('delegets') is not one."""
        for i, token in enumerate(residual):
            if token in HOW_MANY:
                near = residual[i + 1 : i + 2]
            elif token == "who":
                near = residual[i + 1 : i + 4]  # 'who leads', 'who is the president'
            elif token.startswith(("누구", "누가")):
                near = residual[max(0, i - 1) : i]
            elif token.startswith("몇"):
                counter = _counter(residual, i)
                after = residual[i + 1 + (not token[1:]) : i + 2 + (not token[1:])] if counter.endswith("의") else []
                # Before 몇 only with a counter of people: in '그중 몇 나라', 나라 is itself what is counted.
                before = residual[max(0, i - 1) : i] if counter.startswith(PEOPLE_COUNTERS) else []
                near = [*before, *after]
            else:
                continue
            return next((w for w in near if w in unexplained and len(w) >= 2 and not self._misspelt(w)), None)
        return None

    def _misspelt(self, word: str) -> bool:
        """A misspelling of a word for people or countries ('delegets') or of a known way of asking ('sigend')."""
        signals = self.counted_signals
        if any(fuzz.ratio(form, signal) >= NEAR_COUNTED for form in strip_particles(word) for signal in signals):
            return True
        # One slip of the keys (a letter wrong, missing, extra or swapped) from a known word is that word.
        return word.isascii() and len(word) >= 5 and any(OSA.distance(word, known) <= 1 for known in self.known_latin)

    def _score_intents(self, residual: list[str], table: dict[str, float]) -> tuple[tuple[str, float], ...]:
        """Each intent's best phrasing: how much of it is present, and how much of the question it explains."""
        per_word = [{w for w, s in self.intent_vocab.matches(token).items() if s >= 0.8} for token in residual]
        best: dict[str, float] = {}
        for intent, phrase in _candidates(self.phrasings_with, table):
            covered = phrase_score(phrase, table)
            if covered <= 0:
                continue
            explained = sum(1 for hits in per_word if hits.intersection(phrase)) / len(per_word) if per_word else 0.0
            # A longer phrasing present in full is stronger evidence than a one-word one; a question word that
            # opens the question is the question ('When was the workshop where the forum was planned?').
            score = PHRASE_WEIGHT * covered + QUESTION_WEIGHT * explained + LENGTH_BONUS * covered * len(phrase)
            if residual and residual[0] in phrase:
                score += OPENING_BONUS
            if score > best.get(intent, 0.0):
                best[intent] = score
        # On a tie the more specific intent wins: a follow-up or an overview is what is left when nothing else is.
        return tuple(sorted(best.items(), key=lambda kv: (-round(kv[1], 6), FALLBACK_INTENTS.get(kv[0], 0), kv[0])))


Entry = tuple[str, tuple[str, ...]]


def _index(entries: list[Entry]) -> dict[str, list[Entry]]:
    index: dict[str, list[Entry]] = {}
    for entry in entries:
        for word in set(entry[1]):
            index.setdefault(word, []).append(entry)
    return index


def _counter(residual: list[str], i: int) -> str:
    """The counter of the 몇 at `i`: written onto it (몇개국) or the next word (몇 명이었어요)."""
    return residual[i][1:] or (residual[i + 1] if i + 1 < len(residual) else "")


def _inside_longer(signal: tuple[str, ...], matched: list[tuple[str, tuple[str, ...]]]) -> bool:
    """A one-word signal that is part of a longer signal found (call in 'call center', head in 'delegation head')
    is that longer thing, not a topic of its own."""
    return len(signal) == 1 and any(
        len(other) > 1 and (signal[0] in other or any(signal[0] in english_bases(w) for w in other))
        for _, other in matched
    )  # ('get' is the 'got' of 'got to do with')


def _in_order(signal: tuple[str, ...], tokens: list[str], vocab: Vocabulary) -> bool:
    """Whether a cue of several words is written as such: its words next to each other, in order."""
    if len(signal) == 1:
        return True
    for i in range(len(tokens) - len(signal) + 1):
        if all(w in vocab.matches(tokens[i + k], glued=False) for k, w in enumerate(signal)):
            return True
    return False


def _joined(tokens: list[str]) -> list[str]:
    """Adjacent Korean words written together, where one is short: [몇, 명이었어] -> 몇명이었어."""
    return [
        a + b
        for a, b in itertools.pairwise(tokens)
        if is_hangul(a[-1]) and is_hangul(b[0]) and min(syllables(a), syllables(b)) <= 2
    ]


def _candidates(index: dict[str, list[Entry]], table: dict[str, float]) -> list[Entry]:
    """The entries sharing at least one word with the question, each once, in a stable order."""
    return list(dict.fromkeys(entry for word in table for entry in index.get(word, ())))
