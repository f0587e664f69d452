"""The teach-two-replicas scenario of bench/faults.py: curators teaching at once through two replicas that share
one copy of knowledge/, one PostgreSQL and one Redis.

Two `serve slack` processes in HTTP mode (COOPBOT_REPLICA a and b, a port each) are pointed at a temporary
copy of knowledge/ (COOPBOT_KNOWLEDGE). Questions the fact base cannot answer are asked, in two families
(so the report has two clusters); the curator (COOPBOT_CURATORS) runs /coop report on each replica; then
--teach "teach as" choices (block_actions of the cluster's static_select, as adapters/slack_render.py's
report_message draws it) are POSTed at once, half to each replica, from CHANNELS channels (several curators
at work). The teachings of one cluster say one thing each of its questions gets: learned.yaml keeps each
question once, for the record of the teaching written last, so no entry count measures them. A teaching is
kept when it was acknowledged as taught and its cluster's questions are in learned.yaml, each once; one that
was not (no reply, a refusal, a question missing or written twice) is lost. The base must still validate.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from faults_intake import SlackIntake, is_apology, notice
from faults_support import DUP, LOST, SENT, Case, exits
from load_fakes import Json
from load_support import REPO, Postgres, Redis, Run, Unavailable, coopbot_command, free_port

CURATOR = "UCURATOR"
CHANNELS = 10
FAMILIES = (
    (
        "How many trainees came from Peru?",
        "peru trainees how many",
        "How many officials from Peru were trained by PPS?",
    ),
    (
        "What is the budget of the Vietnam KONEPS project?",
        "vietnam koneps budget",
        "How much did the Vietnam KONEPS project cost?",
    ),
)
WAIT = 10.0  # seconds a step waits for coopbot's reply
QUIET = 10.0  # seconds without a new response to a teaching after which the rest count as unanswered


def teach_two_replicas(case: Case) -> None:
    """Teachings sent at once to two Slack replicas sharing knowledge/, PostgreSQL and Redis."""
    run, settings = case.run, case.settings
    total = settings.teach
    run.result.setup = f"slack-http: 2 replicas, {total} teachings at once ({total // 2} each) from {CHANNELS} channels"
    try:
        postgres, redis = Postgres(run), Redis(run)
    except Unavailable as err:
        run.result.setup += ": skipped"
        run.note(f"skipped: {err}")
        return
    knowledge = run.workdir / "knowledge"
    shutil.copytree(REPO / "knowledge", knowledge)
    before = entries(knowledge)
    slack = SlackIntake(run, socket=False)
    assert slack.public_port is not None
    ports = [slack.public_port, free_port()]
    shared = {"COOPBOT_DB": postgres.new_database("coopbot"), "COOPBOT_REDIS_URL": redis.url,
              "COOPBOT_KNOWLEDGE": str(knowledge), "COOPBOT_CURATORS": CURATOR}  # fmt: skip
    procs = [slack.start(shared | {"COOPBOT_REPLICA": "a"}, "replica-a")]
    procs.append(slack.start(shared | {"COOPBOT_REPLICA": "b"}, "replica-b", port=ports[1]))
    asked = [
        slack.mention(q, f"CASK{n}", f"UASK{n}{k}") for n, family in enumerate(FAMILIES) for k, q in enumerate(family)
    ]
    run.wait(lambda: all(e.ts in slack.fake.threads for e in asked), timeout=WAIT)
    time.sleep(1.0)  # the conversation log writes in batches
    menus = [report(run, slack, port) for port in ports]
    clusters = next((m for m in menus if m), [])
    run.detail(f"reports: {', '.join(f'{len(m)} clusters' for m in menus)} (replica a, b)")
    if not clusters:
        run.note("no cluster with a 'teach as' menu in the curator's report: nothing to teach")
        exits(run, procs)
        return
    urls = teach_at_once(slack, ports, clusters, total)
    answers = wait_answers(run, slack, urls)
    kinds = {k: sum(1 for a in answers if a == k) for k in dict.fromkeys(answers)}
    time.sleep(2.0)  # the replicas' watchers reload the last change
    held = taught_questions(knowledge)
    unreadable = held if isinstance(held, str) else None
    valid = validate(run, knowledge)
    counts = {} if isinstance(held, str) else held
    whole = [all(counts.get(q.casefold()) == 1 for q in family) for family in FAMILIES]
    kept = sum(
        1
        for n, answer in enumerate(answers)
        if answer == "taught" and whole[FAMILIES.index(cluster_family(clusters[n % len(clusters)]))]
    )
    doubled = sum(max(0, n - 1) for n in counts.values())
    run.set(**{SENT: total, LOST: total - kept, DUP: doubled})
    run.note(f"learned.yaml keeps {kept} of {total} teachings; every question once: {'yes' if not doubled else 'no'}")
    run.detail(f"entries in learned.yaml: {entries(knowledge)} (before: {before})")
    if unreadable:
        run.note(f"learned.yaml UNREADABLE: {' '.join(unreadable.split())[:100]}")
    run.note(f"validate: {valid}")
    run.note("replies: " + ", ".join(f"{k} {n}" for k, n in kinds.items()))
    run.detail(f"clusters taught: {', '.join(str(c['block_id']) for c in clusters)}")
    exits(run, procs)


def report(run: Run, slack: SlackIntake, port: int) -> list[Json]:
    """/coop report by the curator on the replica at `port`: each cluster's block_id and 'teach as' options."""
    url_id = slack.command("report", "CCURATE", CURATOR, port)
    run.wait(lambda: bool(slack.fake.responses_to(url_id)), timeout=WAIT)
    found = []
    for response in slack.fake.responses_to(url_id):
        shown = ""  # the section before a cluster's menu shows its examples
        for block in response.payload.get("blocks") or []:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "section":
                shown = str((block.get("text") or {}).get("text", ""))
            if not str(block.get("block_id", "")).startswith("cluster:"):
                continue
            menu = next((e for e in block.get("elements") or [] if e.get("action_id") == "coop_teach"), None)
            if menu and menu.get("options"):
                found.append({"block_id": block["block_id"], "options": menu["options"], "examples": [shown]})
    return found


def teach_at_once(slack: SlackIntake, ports: list[int], clusters: list[Json], total: int) -> list[str]:
    """`total` teachings, each a cluster and one of its options in turn, sent together; their response_url ids."""
    gate = threading.Barrier(total)
    urls: list[str] = [""] * total

    def one(n: int) -> None:
        cluster = clusters[n % len(clusters)]
        option = cluster["options"][(n // len(clusters)) % len(cluster["options"])]
        action: dict[str, Any] = {"type": "static_select", "action_id": "coop_teach", "block_id": cluster["block_id"],
                                  "selected_option": option}  # fmt: skip
        gate.wait()
        urls[n] = slack.action(action, f"CCURATE{n % CHANNELS}", CURATOR, ports[n % len(ports)])

    threads = [threading.Thread(target=one, args=(n,), daemon=True) for n in range(total)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return urls


def wait_answers(run: Run, slack: SlackIntake, urls: list[str]) -> list[str]:
    """What each teaching got back, once all have or nothing new came for QUIET seconds."""
    last, count = time.monotonic(), -1
    while run.left() > 0:
        answered = sum(1 for u in urls if u and slack.fake.responses_to(u))
        if answered != count:
            last, count = time.monotonic(), answered
        if answered == len(urls) or time.monotonic() - last > QUIET:
            break
        time.sleep(0.2)
    return [reply(slack, u) for u in urls]


def reply(slack: SlackIntake, url_id: str) -> str:
    texts = [r.text for r in slack.fake.responses_to(url_id)] if url_id else []
    if not texts:
        return "no reply"
    for key, said in (("taught", "taught"), ("teach_failed", "not taught"), ("report_expired", "report expired")):
        if any(opening in t for t in texts for opening in notice(key)):
            return said
    return "sorry" if any(is_apology(t) for t in texts) else "other"


def cluster_family(cluster: Json) -> tuple[str, ...]:
    """The family of questions a cluster of the report holds: the one whose questions its examples show."""
    text = " ".join(str(v) for v in cluster.get("examples") or [])
    return next((f for f in FAMILIES if any(q.casefold() in text.casefold() for q in f)), FAMILIES[0])


def taught_questions(knowledge: Path) -> dict[str, int] | str:
    """How often each question is written in learned.yaml (casefolded), or why it cannot be read."""
    path = knowledge / "learned.yaml"
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        return f"{type(err).__name__}: {err}"
    counts: dict[str, int] = {}
    for entry in data.get("learned") or []:
        for question in entry.get("questions") or []:
            counts[str(question).casefold()] = counts.get(str(question).casefold(), 0) + 1
    return counts


def entries(knowledge: Path) -> int | str:
    """Teachings in learned.yaml (0 without the file), or why it cannot be read."""
    path = knowledge / "learned.yaml"
    if not path.exists():
        return 0
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return len(data.get("learned") or [])
    except (yaml.YAMLError, AttributeError, UnicodeDecodeError) as err:
        return f"{type(err).__name__}: {err}"


def validate(run: Run, knowledge: Path) -> str:
    done = subprocess.run(
        [str(coopbot_command()), "validate", "--knowledge", str(knowledge)],
        capture_output=True,
        text=True,
        timeout=max(10.0, run.left()),
    )
    said = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or ["(nothing)"])[-1]
    return "ok" if done.returncode == 0 else f"FAILED ({' '.join(said.split())[:100]})"
