"""Sets of facts as bit masks: a Python int whose bit i stands for the i-th fact of the base.

A question that names no one is weighed against every fact on its topics, which at a thousand times the real
base is thousands of facts. As masks, the facts that share two of its topics, are tagged for its intent, give
the detail it wants and are dated in its year are a few `&` over ints, in C, however many facts there are;
only the facts that score best are then listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def mask_of(positions: Iterable[int], size: int) -> int:
    """The mask of these positions, built as bytes in one pass (or-ing bits into an int one at a time would copy
    the int each time)."""
    bits = bytearray((size + 7) // 8)
    for at in positions:
        bits[at >> 3] |= 1 << (at & 7)
    return int.from_bytes(bits, "little")


def masks_of(keyed: Iterable[tuple[object, int]], size: int) -> dict[object, int]:
    """A mask for each key, of the positions given with it."""
    positions: dict[object, list[int]] = {}
    for key, at in keyed:
        positions.setdefault(key, []).append(at)
    return {key: mask_of(found, size) for key, found in positions.items()}


def positions(mask: int) -> Iterator[int]:
    """The positions in a mask, lowest first: found in its binary digits, written once (clearing one bit at a time
    would copy the whole int at each)."""
    digits = bin(mask)[:1:-1]  # lowest bit first, without '0b'
    at = digits.find("1")
    while at != -1:
        yield at
        at = digits.find("1", at + 1)


def at_least_two(masks: list[int]) -> int:
    """The positions in two or more of the masks."""
    once = twice = 0
    for mask in masks:
        twice |= once & mask
        once |= mask
    return twice
