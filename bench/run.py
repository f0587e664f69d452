"""Benchmark: how coopbot's start, memory and per-question latency grow with the fact base, against a BM25
baseline over the same fact texts.

    python bench/run.py [--scales 1,10,100] [--huge] [--rounds 20] [--readme README.md]

For the real fact base (×1) and generated ones 10, 100 (and with --huge 1000) times larger it measures:
the cold start of `coopbot ask` without the compiled cache, with a warm one, and the first start that
compiles it; the peak resident memory of a process that loads the base and answers every question, with and
without the cache; per-question latency p50/p99/max over the evaluation questions; and, in the same run, a
plain BM25 ranking of the fact texts for the same questions, as the ratio to beat (coopbot p50 ÷ BM25 p50).
It prints figures and asserts nothing (tests never time things); `--readme` writes the table into the
README between `<!-- bench:start -->` and `<!-- bench:end -->`.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.answering.compiled import CompiledCache  # noqa: E402
from bot.commandline.evaluate import write_readme  # noqa: E402
from bot.core import Coopbot  # noqa: E402
from bot.factbase.files import DEFAULT_DIR  # noqa: E402
from bot.factbase.model import KnowledgeBase  # noqa: E402
from bot.serving.asking import Asking, Question, Recorded  # noqa: E402
from bot.serving.convlog import DatabaseConversationLog, Hasher, Recorder  # noqa: E402
from bot.serving.database import Database  # noqa: E402
from bot.text.normalize import normalize, words  # noqa: E402

ENTITY_SECTIONS = ("countries", "regions", "organisations", "programmes", "people")
REFERENCE_FIELDS = ("about", "partners", "countries", "contacts")
SINGLE_REFERENCES = ("region", "country", "parent", "organisation")
COPIES_PER_FILE = 10  # a generated base is written as files of ten copies (1.4 MB each), as curators split one
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
QUESTION = "Kyrgyzstan MOU date"


def questions() -> list[str]:
    """The repo's own evaluation questions and the shared dev set, where present."""
    found: list[str] = []
    for path in (REPO / "tests" / "eval" / "cases.jsonl", REPO.parent / "shared" / "eval" / "dev.jsonl"):
        if path.exists():
            found += [
                json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            ]
    return found or ["베트남 나라장터 수출 연도", "Kyrgyzstan MOU date", "ADB training participants"]


# -- a larger fact base ------------------------------------------------------------------------------------


def synthetic(scale: int, target: Path) -> Path:
    """Write a fact base `scale` times larger: every entity and fact copied under new ids and names, the copies
    in files of COPIES_PER_FILE."""
    raw: dict[str, Any] = {}
    for path in sorted(DEFAULT_DIR.glob("*.yaml")):
        for key, value in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if isinstance(value, list):
                raw.setdefault(key, []).extend(value)  # sections split across files are concatenated
            else:
                raw.setdefault(key, value)
    ids = {e["id"] for section in ENTITY_SECTIONS for e in raw.get(section, [])}
    target.mkdir(parents=True, exist_ok=True)
    _dump(raw, target / "base.yaml")
    for first in range(1, scale, COPIES_PER_FILE):
        copies = range(first, min(scale, first + COPIES_PER_FILE))
        chunk = {s: [_copy(r, k, ids) for k in copies for r in raw.get(s, [])] for s in (*ENTITY_SECTIONS, "facts")}
        _dump(chunk, target / f"copies-{first:04d}.yaml")
    return target


def _dump(data: dict[str, Any], path: Path) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: writing 137 MB in Python takes minutes
    path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _copy(record: dict[str, Any], k: int, ids: set[str]) -> dict[str, Any]:
    new = copy.deepcopy(record)
    new["id"] = f"{record['id']}-x{k}"
    if "name" in new:
        new["name"] = {"ko": f"{record['name']['ko']}{k}호", "en": f"{record['name']['en']} {k}"}
        new["aliases"] = [f"{a} {k}" for a in record.get("aliases", [])]
    for key in REFERENCE_FIELDS:
        if key in new:
            new[key] = [f"{r}-x{k}" if r in ids else r for r in new[key]]
    for key in SINGLE_REFERENCES:
        if key in new and new[key] in ids:
            new[key] = f"{new[key]}-x{k}"
    return new


# -- the baseline ------------------------------------------------------------------------------------------


class BM25:
    """Okapi BM25 (k1 1.5, b 0.75) over the fact texts in both languages, through an inverted index: the best
    fact for a question. What a search box would do; the ratio says what coopbot's understanding costs."""

    def __init__(self, kb: KnowledgeBase, k1: float = 1.5, b: float = 0.75) -> None:
        docs = [words(normalize(f"{f.text.ko} {f.text.en}")) for f in kb.facts]
        self.k1, self.b = k1, b
        self.average = sum(map(len, docs)) / max(1, len(docs))
        self.lengths = [len(d) for d in docs]
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for at, doc in enumerate(docs):
            for term, count in Counter(doc).items():
                self.postings.setdefault(term, []).append((at, count))
        self.idf = {t: math.log(1 + (len(docs) - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def best(self, question: str) -> int | None:
        scores: dict[int, float] = {}
        for term in set(words(normalize(question))):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for at, count in self.postings[term]:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[at] / self.average)
                scores[at] = scores.get(at, 0.0) + idf * count * (self.k1 + 1) / (count + norm)
        return max(scores, key=scores.__getitem__) if scores else None


# -- measuring ---------------------------------------------------------------------------------------------


@dataclass
class Figures:
    name: str
    facts: int = 0
    entities: int = 0
    yaml_mb: float = 0.0
    start_no_cache: float = 0.0
    start_compiling: float = 0.0
    start_warm: float = 0.0
    peak_warm_mb: float = 0.0
    peak_no_cache_mb: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    worst: float = 0.0
    bm25_p50: float = 0.0

    @property
    def ratio(self) -> float:
        return self.p50 / self.bm25_p50 if self.bm25_p50 else 0.0


def percentiles(times: list[float]) -> tuple[float, float, float]:
    times = sorted(times)
    return 1000 * statistics.median(times), 1000 * times[int(0.99 * (len(times) - 1))], 1000 * times[-1]


def timed(answer: Callable[[str], object], qs: list[str], rounds: int) -> list[float]:
    """Seconds each question took, every round."""
    times = []
    for _ in range(rounds):
        for q in qs:
            t0 = time.perf_counter()
            answer(q)
            times.append(time.perf_counter() - t0)
    return times


def start(knowledge: Path, cache: Path | None, runs: int) -> float:
    """Median wall time of `coopbot ask` in a new process, from exec to exit."""
    env = {**os.environ, "COOPBOT_KNOWLEDGE": str(knowledge), "COOPBOT_CACHE": str(cache) if cache else "off"}
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot.commandline.cli", "ask", QUESTION], env=env, cwd=REPO,
                       capture_output=True, check=True)  # fmt: skip
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak_mb(knowledge: Path, cache: Path | None) -> float:
    """Peak resident memory of a new process that loads the fact base and answers every question."""
    code = (
        "import resource, sys; sys.path.insert(0, sys.argv[1]); from bench.run import questions; "
        "from bot.core import Coopbot; from bot.answering.compiled import CompiledCache; "
        "from pathlib import Path; c = None if sys.argv[3] == 'off' else CompiledCache(Path(sys.argv[3])); "
        "b = Coopbot.from_dir(sys.argv[2], cache=c); [b.ask(q) for q in questions()]; "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    args = [sys.executable, "-c", code, str(REPO), str(knowledge), str(cache) if cache else "off"]
    run = subprocess.run(args, capture_output=True, text=True, check=True)
    return int(run.stdout.strip()) / 1024


def measure(name: str, scale: int, knowledge: Path, cache: Path, qs: list[str], rounds: int) -> Figures:
    fig = Figures(name)
    fig.yaml_mb = sum(p.stat().st_size for p in knowledge.glob("*.yaml")) / 2**20
    starts = 1 if scale >= 1000 else 2 if scale >= 100 else 5
    print(f"\n== {name} ({fig.yaml_mb:.1f} MB of YAML) ==", flush=True)
    fig.start_no_cache = start(knowledge, None, starts)
    print(f"cold start, no cache        {fig.start_no_cache:8.2f} s", flush=True)
    fig.start_compiling = start(knowledge, cache, 1)
    print(f"first start (compiles)      {fig.start_compiling:8.2f} s", flush=True)
    fig.start_warm = start(knowledge, cache, max(3, starts))
    print(f"cold start, warm cache      {fig.start_warm:8.2f} s", flush=True)
    fig.peak_warm_mb = peak_mb(knowledge, cache)
    print(f"peak memory, warm cache     {fig.peak_warm_mb:8.1f} MB", flush=True)
    fig.peak_no_cache_mb = peak_mb(knowledge, None)
    print(f"peak memory, no cache       {fig.peak_no_cache_mb:8.1f} MB", flush=True)
    bot = Coopbot.from_dir(knowledge, cache=CompiledCache(cache))
    fig.facts, fig.entities = len(bot.kb.facts), len(bot.kb.entities)
    fig.p50, fig.p99, fig.worst = percentiles(timed(bot.ask, qs, rounds))
    fig.bm25_p50 = percentiles(timed(BM25(bot.kb).best, qs, rounds))[0]
    print(f"latency p50 / p99 / max     {fig.p50:8.3f} / {fig.p99:.3f} / {fig.worst:.3f} ms ({fig.facts} facts)")
    print(f"BM25 p50                    {fig.bm25_p50:8.3f} ms; coopbot ÷ BM25 {fig.ratio:.1f}", flush=True)
    return fig


def logging_cost(qs: list[str], rounds: int) -> tuple[float, float]:
    """p50 per question without and with the conversation log (a database in a temporary directory)."""
    kb = Coopbot.from_dir(None).kb
    plain = percentiles(timed(Coopbot(kb).ask, qs, rounds))[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "coopbot.sqlite3"
        log = DatabaseConversationLog(Database(path))
        policy = Asking(Coopbot(kb), [Recorded(Recorder(log, Hasher.beside(path)))])
        logged = percentiles(timed(lambda text: policy.run(Question(text, "bench")), qs, rounds))[0]
        log.close()
    return plain, logged


# -- reporting ---------------------------------------------------------------------------------------------


def table(figures: list[Figures], questions_count: int, rounds: str) -> str:
    header = "| | " + " | ".join(f"{f.name} ({f.facts:,} facts, {f.yaml_mb:.1f} MB)" for f in figures) + " |"
    rows = [
        ("cold start of `coopbot ask`, compiled cache", [f"{f.start_warm:.2f} s" for f in figures]),
        ("cold start, no cache (`--no-cache`)", [f"{f.start_no_cache:.2f} s" for f in figures]),
        ("first start (loads the YAML, compiles)", [f"{f.start_compiling:.2f} s" for f in figures]),
        ("peak memory, compiled cache", [f"{f.peak_warm_mb:.0f} MB" for f in figures]),
        ("peak memory, no cache", [f"{f.peak_no_cache_mb:.0f} MB" for f in figures]),
        ("latency p50 / p99 / max", [f"{f.p50:.2f} / {f.p99:.2f} / {f.worst:.1f} ms" for f in figures]),
        ("BM25 baseline p50", [f"{f.bm25_p50:.3f} ms" for f in figures]),
        ("coopbot p50 ÷ BM25 p50", [f"{f.ratio:.1f}" for f in figures]),
    ]
    lines = [
        f"`make bench`, {questions_count} questions × {rounds} rounds, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores:",
        "",
        header,
        "| --- |" + " --- |" * len(figures),
    ]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    return "\n".join(lines)


def criteria(figures: list[Figures]) -> list[str]:
    """The targets of issue 13, checked against this run."""
    by = {f.name: f for f in figures}
    found: list[tuple[str, bool]] = []
    if "×1" in by:
        one = by["×1"]
        found += [("×1 p50 ≤ 0.4 ms", one.p50 <= 0.4), ("×1 cold start, warm cache ≤ 0.25 s", one.start_warm <= 0.25)]
    if "×100" in by and "×1" in by:
        big, one = by["×100"], by["×1"]
        found += [
            ("×100 cold start, warm cache ≤ 1.0 s", big.start_warm <= 1.0),
            ("×100 cold start ≤ 4 × ×1's", big.start_warm <= 4 * one.start_warm),
            ("×100 peak memory ≤ 150 MB", big.peak_warm_mb <= 150),
            ("×100 p99 ≤ 5 ms", big.p99 <= 5),
            ("×100 max ≤ 20 ms", big.worst <= 20),
        ]
    if "×1000" in by:
        found.append(("×1000 cold start, warm cache ≤ 8 s", by["×1000"].start_warm <= 8))
    return [f"{'ok  ' if ok else 'MISS'} {text}" for text, ok in found]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="fact base sizes to measure (default %(default)s)")
    parser.add_argument("--huge", action="store_true", help="also ×1000 (137 MB of YAML; about 10 minutes)")
    parser.add_argument("--rounds", type=int, default=20, help="rounds of the questions at ×1 (fewer when larger)")
    parser.add_argument("--readme", type=Path, help="write the table into this file's bench section")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")] + ([1000] if args.huge else [])
    qs = questions()
    print(f"{len(qs)} questions; python {sys.version.split()[0]}; {os.cpu_count()} cores", flush=True)
    figures, rounds = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in scales:
            knowledge = DEFAULT_DIR if scale == 1 else synthetic(scale, Path(tmp) / f"x{scale}")
            n = max(1, args.rounds // max(1, round(math.sqrt(scale))))
            rounds.append(str(n))
            figures.append(measure(f"×{scale}", scale, knowledge, Path(tmp) / "cache", qs, n))
    plain, logged = logging_cost(qs, args.rounds)
    print(f"\nthe conversation log adds {logged - plain:.3f} ms to the p50 at ×1 ({plain:.3f} -> {logged:.3f} ms)")
    section = table(figures, len(qs), "/".join(rounds))
    print("\n" + section + "\n")
    print("\n".join(criteria(figures)))
    if args.readme:
        write_readme(args.readme, f"{START}\n{section}\n{END}", START, END)
        print(f"wrote the table into {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
