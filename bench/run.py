"""Benchmark: per-question latency, throughput, cold start and memory, for the real fact base and
for a synthetic one 100 times larger that this script generates.

    python bench/run.py [--scale 100] [--rounds 20]

It prints figures; it asserts nothing (tests never time things).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.convlog import Hasher, Recorder, SqliteConversationLog  # noqa: E402
from bot.core import Coopbot  # noqa: E402
from bot.knowledge import DEFAULT_DIR, load  # noqa: E402
from bot.model import KnowledgeBase  # noqa: E402
from bot.store import Database  # noqa: E402

ENTITY_SECTIONS = ("countries", "regions", "organisations", "programmes", "people")
REFERENCE_FIELDS = ("about", "partners", "countries", "contacts")
SINGLE_REFERENCES = ("region", "country", "parent", "organisation")


def questions() -> list[str]:
    """The repo's own evaluation questions and the shared dev set, where present."""
    found: list[str] = []
    for path in (REPO / "tests" / "eval" / "cases.jsonl", REPO.parent / "shared" / "eval" / "dev.jsonl"):
        if path.exists():
            found += [
                json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            ]
    return found or ["베트남 나라장터 수출 연도", "Kyrgyzstan MOU date", "ADB training participants"]


def synthetic(scale: int, target: Path) -> Path:
    """Write a fact base `scale` times larger: every entity and fact copied under new ids and names."""
    raw: dict[str, Any] = {}
    for path in sorted(DEFAULT_DIR.glob("*.yaml")):
        for key, value in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if isinstance(value, list):
                raw.setdefault(key, []).extend(value)  # sections split across files are concatenated
            else:
                raw.setdefault(key, value)
    ids = {e["id"] for section in ENTITY_SECTIONS for e in raw.get(section, [])}
    out: dict[str, Any] = {k: v for k, v in raw.items() if k not in (*ENTITY_SECTIONS, "facts")}
    for section in (*ENTITY_SECTIONS, "facts"):
        out[section] = list(raw.get(section, []))
        for k in range(1, scale):
            for record in raw.get(section, []):
                out[section].append(_copy(record, k, ids))
    target.mkdir(parents=True, exist_ok=True)
    (target / "all.yaml").write_text(yaml.safe_dump(out, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


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


def latency(bot: Coopbot, qs: list[str], rounds: int) -> dict[str, float]:
    times = []
    for _ in range(rounds):
        for q in qs:
            t0 = time.perf_counter()
            bot.ask(q)
            times.append(time.perf_counter() - t0)
    times.sort()
    return {
        "p50_ms": 1000 * statistics.median(times),
        "p99_ms": 1000 * times[int(0.99 * (len(times) - 1))],
        "qps": len(times) / sum(times),
    }


def cold_start(knowledge: Path, runs: int = 5) -> float:
    env = {**os.environ, "COOPBOT_KNOWLEDGE": str(knowledge)}
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot.cli", "ask", "Kyrgyzstan MOU date"], env=env, cwd=REPO,
                       capture_output=True, check=True)  # fmt: skip
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def child_peak_mb(knowledge: Path) -> float:
    """Peak resident memory of a fresh process that loads the fact base and answers every question."""
    code = (
        "import resource, sys; sys.path.insert(0, sys.argv[2]); from bench.run import questions; "
        "from bot.core import Coopbot; b = Coopbot.from_dir(sys.argv[1]); [b.ask(q) for q in questions()]; "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    run = subprocess.run([sys.executable, "-c", code, str(knowledge), str(REPO)], capture_output=True, text=True,
                         check=True)  # fmt: skip
    return int(run.stdout.strip()) / 1024


def logging_cost(kb: KnowledgeBase, qs: list[str], rounds: int) -> tuple[float, float]:
    """p50 per question without and with the conversation log (a database in a temporary directory)."""
    plain = latency(Coopbot(kb), qs, rounds)["p50_ms"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "coopbot.sqlite3"
        log = SqliteConversationLog(Database(path))
        logged = latency(Coopbot(kb, recorder=Recorder(log, Hasher.beside(path), "bench")), qs, rounds)["p50_ms"]
        log.close()
    return plain, logged


def measure(name: str, knowledge: Path, qs: list[str], rounds: int, log_cost: bool = False) -> None:
    t0 = time.perf_counter()
    kb = load(knowledge)
    loaded = time.perf_counter() - t0
    t0 = time.perf_counter()
    bot = Coopbot(kb)
    built = time.perf_counter() - t0
    lat = latency(bot, qs, rounds)
    counts = kb.summary_counts()
    print(f"\n== {name}: {counts['facts']} facts, {counts['aliases']} aliases, "
          f"{len(kb.entities)} entities ==")  # fmt: skip
    print(f"load+validate      {1000 * loaded:8.1f} ms")
    print(f"index build        {1000 * built:8.1f} ms")
    print(f"latency p50        {lat['p50_ms']:8.3f} ms")
    print(f"latency p99        {lat['p99_ms']:8.3f} ms")
    print(f"throughput         {lat['qps']:8.0f} questions/s (one core)")
    print(f"cold start (ask)   {1000 * cold_start(knowledge):8.0f} ms")
    print(f"peak memory        {child_peak_mb(knowledge):8.1f} MB")
    if log_cost:
        plain, logged = logging_cost(kb, qs, rounds)
        print(f"logging adds       {logged - plain:8.3f} ms p50 ({plain:.3f} -> {logged:.3f} ms)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    qs = questions()
    print(f"{len(qs)} questions x {args.rounds} rounds; python {sys.version.split()[0]}")
    measure("real fact base", DEFAULT_DIR, qs, args.rounds, log_cost=True)
    with tempfile.TemporaryDirectory() as tmp:
        big = synthetic(args.scale, Path(tmp) / "knowledge")
        measure(f"synthetic x{args.scale}", big, qs, max(1, args.rounds // 4))
    print(f"\nthis process peak  {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:8.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
