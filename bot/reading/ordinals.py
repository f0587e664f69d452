"""Which one of a series a question asks for by its place: 'the second country', '세 번째로 수출한 나라'.
('몇 번째' asks for the place itself: that is the `ordinal` topic, not this.)"""

from __future__ import annotations

import re

KO_NUMBERS = {"첫": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10}
EN_NUMBERS = {
    "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
KO_NTH = re.compile(r"(?<![가-힣])(" + "|".join(KO_NUMBERS) + r"|\d+)\s*번\s*째")
EN_NTH = re.compile(r"\b(" + "|".join(EN_NUMBERS) + r"|(\d+)(?:nd|rd|th))\b(?!\s+half)")


def nth(text: str) -> int | None:
    """The place in a series the question names (2 for 'second', '두 번째'), from the second on; None if none.
    'The first' is the `first` cue's, with its own answers; 'the second half of 2024' is a period."""
    found = KO_NTH.search(text)
    if found:
        word = found.group(1)
        value = int(word) if word.isdigit() else KO_NUMBERS[word]
        return value if value >= 2 else None
    found = EN_NTH.search(text.casefold())
    if found:
        value = int(found.group(2)) if found.group(2) else EN_NUMBERS[found.group(1)]
        return value if value >= 2 else None
    return None
