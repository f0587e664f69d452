"""`coopbot eval`: run question sets in process and print accuracy per language, intent and kind.

Case files are JSON lines in the shared grader's format: `text`, `lang`, `kind` (answer | fallback |
unknown), `all` (groups of accepted forms, one of each group must appear), `forbid`, `names` (for
unknown), optional `session` and `intent`. Judging follows the shared grader so numbers agree.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from bot.core import Coopbot
from bot.language import hangul_share

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CASES = (REPO / "tests" / "eval" / "cases.jsonl", REPO.parent / "shared" / "eval" / "dev.jsonl")


def has(text: str, form: str) -> bool:
    """Case-insensitive containment; a number must not touch other digits (9 is not in 2019)."""
    if re.fullmatch(r"[\d.,]+", form):
        return re.search(r"(?<![\d.,])" + re.escape(form) + r"(?![\d])", text) is not None
    return form.casefold() in text.casefold()


def judge(case: dict[str, Any], out: dict[str, Any]) -> str | None:
    """None when the reply is right, else why not."""
    text, matched, lang = out["text"], out["matched"], out["lang"]
    if text.strip():
        if lang != case["lang"]:
            return f"lang {lang!r} != {case['lang']!r}"
        share = hangul_share(text) or 0.0
        if case["lang"] == "ko" and share < 0.35:
            return f"reply not in Korean (hangul share {share:.2f})"
        if case["lang"] == "en" and share > 0.25:
            return f"reply not in English (hangul share {share:.2f})"
    if case["kind"] == "fallback":
        return None if not matched else "answered an out-of-scope question"
    if case["kind"] == "unknown":
        return None if not matched or not any(has(text, n) for n in case["names"]) else "answered about another entity"
    if not matched:
        return "not matched"
    for group in case["all"]:
        if not any(has(text, f) for f in group):
            return f"missing one of {group[:4]}"
    for form in case.get("forbid", []):
        if has(text, form):
            return f"contains forbidden {form!r}"
    return None


def run_cases(bot: Coopbot, cases: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any], str | None]]:
    results = []
    for case in cases:
        session = case.get("session")
        answer = bot.ask(case["text"], session=f"eval:{session}" if session else None)
        out = answer.to_dict()
        results.append((case, out, judge(case, out)))
    return results


def report(results: list[tuple[dict[str, Any], dict[str, Any], str | None]], show_fail: int) -> tuple[int, int]:
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case, _, why in results:
        keys = ["all", f"lang:{case['lang']}", f"kind:{case['kind']}"]
        keys += [f"intent:{case['intent']}"] if case.get("intent") else []
        keys += [f"tag:{t}" for t in case.get("tags", [])]
        for key in keys:
            rows[key][0] += why is None
            rows[key][1] += 1
    for key in sorted(rows, key=lambda k: (k != "all", k)):
        ok, n = rows[key]
        print(f"  {key:22s} {ok:4d}/{n:<4d} {100 * ok / n:5.1f}%")
    fails = [(c, o, w) for c, o, w in results if w]
    for case, out, why in fails[:show_fail]:
        print(f"  FAIL {case.get('id', '?')} [{why}] {case['text']!r} -> {out['text'][:140]!r}")
    return rows["all"][0], rows["all"][1]


def main(bot: Coopbot, paths: list[Path] | None, show_fail: int) -> int:
    files = [p for p in (paths or DEFAULT_CASES) if p.exists()]
    total_ok = total = 0
    for path in files:
        cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        print(f"{path} ({len(cases)} cases)")
        ok, n = report(run_cases(bot, cases), show_fail)
        total_ok, total = total_ok + ok, total + n
    if total:
        print(f"overall {100 * total_ok / total:.1f}% ({total_ok}/{total})")
    return 0
