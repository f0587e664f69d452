"""What 'how many' counts (countries, participants, members, a kind of event), and the question's own word for
what it counts or whom 'who' asks for ('trainers', '총재는')."""

from __future__ import annotations

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.reading.entities import is_particles, strip_particles
from bot.reading.lexicon import COUNTED, Lexicon
from bot.reading.vocabulary import STOPWORDS

HOW_MANY = ("many", "number")
PEOPLE_COUNTERS = ("명", "분")  # 강사는 몇 명: the noun before 몇 is who is counted
NEAR_COUNTED = 75  # 'delegets' is a misspelt 'delegates', not a word of the question's own


# Words that name people as what is counted, as against the countries they came from ('참가 인원' beside '참가국').
PEOPLE_WORDS = frozenset({"participants", "people", "인원", "참가자", "참석자", "명", "headcount"})


def names_people(terms: tuple[str, ...]) -> bool:
    """Whether a question names people as well as countries ('참가 인원/국가', 'participants and countries'), not
    only those taking part (참가국)."""
    return any(form in PEOPLE_WORDS for w in terms for form in strip_particles(w))


def counted(lexicon: Lexicon, residual: list[str]) -> str | None:
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
            for topics, words_ in ((COUNTED, after + before), (lexicon.event_kinds, after[:1] + before)):
                for word in words_:
                    matches = lexicon.topic_vocab.matches(word)
                    for topic in topics:
                        if any(matches.get(w, 0) >= 0.85 for w in lexicon.topic_words.get(topic, ())):
                            return topic
    return None


def asked_word(lexicon: Lexicon, residual: list[str], unexplained: tuple[str, ...]) -> str | None:
    """A word of the question's own that says what 'how many' counts ('how many trainers', '강사는 몇 명',
    '몇 명의 강사가') or whom 'who' asks for ('who leads', 'ADB 총재는 누구'). A misspelt word for people or
    countries ('delegets') is not one."""
    for i, token in enumerate(residual):
        if token in HOW_MANY:
            near = residual[i + 1 : i + 2]
            if any(w in lexicon.counted_signals for f in residual[i + 2 : i + 3] for w in strip_particles(f)):
                return None  # 'how many foreign officials': officials are what is counted, foreign only says which
        elif token == "who":
            near = []  # 'who leads', 'who is the president'; not past the verb: 'who signed from the Kyrgyz side'
            for w in residual[i + 1 : i + 4]:
                if w not in unexplained and w not in STOPWORDS:
                    break
                near.append(w)
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
        return next((w for w in near if w in unexplained and len(w) >= 2 and not _misspelt(lexicon, w)), None)
    return None


def _misspelt(lexicon: Lexicon, word: str) -> bool:
    """A misspelling of a word for people or countries ('delegets') or of a known way of asking ('sigend')."""
    signals = lexicon.counted_signals
    if any(fuzz.ratio(form, signal) >= NEAR_COUNTED for form in strip_particles(word) for signal in signals):
        return True
    # One slip of the keys (a letter wrong, missing, extra or swapped) from a known word is that word.
    return word.isascii() and len(word) >= 5 and any(OSA.distance(word, known) <= 1 for known in lexicon.known_latin)


def _counter(residual: list[str], i: int) -> str:
    """The counter of the 몇 at `i`: written onto it (몇개국) or the next word (몇 명이었어요)."""
    return residual[i][1:] or (residual[i + 1] if i + 1 < len(residual) else "")
