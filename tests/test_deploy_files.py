"""The deployment files agree with the code: the Slack app manifest asks for what the Slack adapter needs and
nothing more, the environment example names every variable coopbot reads and fills in no secret, and the systemd
unit starts, reloads and stops coopbot the way coopbot expects (deploy/, docs/deploying.md)."""

from __future__ import annotations

import ast
import re
import shlex
import signal
from pathlib import Path
from typing import Any

import yaml

from bot.commandline.running import STOP_SIGNALS
from bot.serving.redact import SECRET_NAMES
from bot.serving.runtime import DEFAULT_GRACE

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
MANIFEST = DEPLOY / "slack-app-manifest.yaml"
ENV_EXAMPLE = DEPLOY / "coopbot.env.example"
UNIT = DEPLOY / "coopbot@.service"
GUIDE = ROOT / "docs" / "deploying.md"
SLACK_ADAPTER = ROOT / "adapters" / "slack"
SOURCES = ("bot", "adapters")

ENV_NAME = re.compile(r"[\"']((?:TELEGRAM|SLACK|COOPBOT)_[A-Z_]+)[\"']")  # a string literal naming a variable
ASSIGNMENT = re.compile(r"^#?([A-Z][A-Z0-9_]*)=(.*)$")  # NAME=value, or commented out: #NAME=default
TIME_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?")
SPAN_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, None: 1.0}


# -- what the code says -------------------------------------------------------------------------------------


def slack_source() -> str:
    """The Slack adapter's code, every module of its package."""
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(SLACK_ADAPTER.glob("*.py")))


def slack_constant(name: str) -> Any:
    for path in sorted(SLACK_ADAPTER.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                return ast.literal_eval(node.value)
    raise AssertionError(f"adapters/slack/ defines no {name}")


def named_in_slack_docstring(label: str) -> set[str]:
    """The names the adapter's docstring lists after `label` (e.g. `bot scopes`), up to the next `;`."""
    docstring = ast.get_docstring(ast.parse((SLACK_ADAPTER / "__init__.py").read_text(encoding="utf-8"))) or ""
    found = re.search(rf"\b{label}\s+([^;]+);", docstring)
    assert found, f"the docstring of adapters/slack/__init__.py no longer lists its {label}"
    listed = re.sub(r"\([^)]*\)", "", found.group(1))  # "(to look for a reply ...)" explains, it names nothing
    return {word for word in re.findall(r"[a-z_]+(?:[:.][a-z_]+)?", listed) if word != "and"}


def variables_read() -> set[str]:
    names: set[str] = set()
    for package in SOURCES:
        for source in (ROOT / package).rglob("*.py"):
            names |= set(ENV_NAME.findall(source.read_text(encoding="utf-8")))
    assert names, "no environment variable found in the sources: the pattern no longer matches how they are named"
    return names


# -- what the files say --------------------------------------------------------------------------------------


def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def env_assignments() -> dict[str, str]:
    """Every NAME=value of the example, set or commented out, with its value."""
    found = (ASSIGNMENT.match(line.strip()) for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines())
    return {m.group(1): m.group(2).strip() for m in found if m}


def unit() -> dict[str, dict[str, list[str]]]:
    """The unit's sections and their settings; a setting may be given more than once."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in UNIT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"a setting outside any section: {line!r}"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def service(key: str) -> list[str]:
    return unit().get("Service", {}).get(key, [])


def seconds(span: str) -> float:
    """A systemd time span ("20", "20s", "1min 30s") in seconds."""
    parts = TIME_SPAN.findall(span)
    assert parts, f"not a time span: {span!r}"
    return sum(float(number) * SPAN_UNITS[unit or None] for number, unit in parts)


# -- the Slack app manifest ------------------------------------------------------------------------------------


def test_the_manifest_requests_exactly_the_bot_scopes_the_slack_adapter_names() -> None:
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == named_in_slack_docstring("bot scopes")


def test_the_manifest_subscribes_to_exactly_the_events_the_slack_adapter_names() -> None:
    assert set(manifest()["settings"]["event_subscriptions"]["bot_events"]) == named_in_slack_docstring("events")


def test_every_event_the_slack_adapter_listens_for_is_subscribed() -> None:
    listened = set(re.findall(r"app\.event\(\"([^\"]+)\"\)", slack_source()))
    subscribed = manifest()["settings"]["event_subscriptions"]["bot_events"]
    assert listened
    for event in listened:  # `message` is heard as message.im, message.channels, ...
        assert any(e == event or e.startswith(event + ".") for e in subscribed), event


def test_the_manifest_declares_the_coop_command_at_the_events_path() -> None:
    commands = {c["command"]: c for c in manifest()["features"]["slash_commands"]}
    assert "/coop" in commands
    assert commands["/coop"]["url"].endswith(slack_constant("EVENTS_PATH"))


def test_every_request_url_of_the_manifest_is_the_events_path() -> None:
    settings = manifest()["settings"]
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],  # the curators' fact search menu
    ]
    assert all(url.startswith("https://") and url.endswith(slack_constant("EVENTS_PATH")) for url in urls), urls


def test_the_manifest_enables_interactivity() -> None:
    assert manifest()["settings"]["interactivity"]["is_enabled"] is True


def test_the_manifest_enables_the_home_tab_and_direct_messages() -> None:
    app_home = manifest()["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is True
    assert app_home.get("messages_tab_read_only_enabled", False) is False


# -- the environment example ------------------------------------------------------------------------------------


def test_the_env_example_names_every_variable_the_code_reads() -> None:
    assert variables_read() - set(env_assignments()) == set()


def test_the_env_example_names_no_variable_the_code_does_not_read() -> None:
    assert set(env_assignments()) - variables_read() == set()


def test_the_env_example_fills_in_no_secret() -> None:
    secrets = {name: value for name, value in env_assignments().items() if SECRET_NAMES.search(name)}
    assert secrets, "the example names no token or secret at all"
    assert {name for name, value in secrets.items() if value} == set()


def test_every_variable_in_the_env_example_is_explained_above_it() -> None:
    lines = [line.strip() for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()]
    for i, line in enumerate(lines):
        if ASSIGNMENT.match(line):
            above = lines[i - 1] if i else ""
            assert above.startswith("#") and not ASSIGNMENT.match(above), f"{line!r} has no comment above it"


# -- the systemd unit ---------------------------------------------------------------------------------------------


def test_the_unit_runs_coopbot_serve_for_its_instance() -> None:
    (command,) = service("ExecStart")
    argv = shlex.split(command)
    assert Path(argv[0]).name == "coopbot"
    assert argv[1:3] == ["serve", "%i"]


def test_the_unit_reloads_the_fact_base_with_sighup() -> None:
    (command,) = service("ExecReload")
    argv = shlex.split(command)
    assert Path(argv[0]).name == "kill"
    assert argv[1:] == ["-HUP", "$MAINPID"]


def test_the_unit_stops_coopbot_with_a_signal_it_drains_on() -> None:
    kill_signal = (service("KillSignal") or ["SIGTERM"])[-1]  # systemd's default is SIGTERM
    assert signal.Signals[kill_signal] in STOP_SIGNALS


def test_the_unit_waits_longer_than_the_default_grace_before_killing() -> None:
    timeouts = service("TimeoutStopSec")
    assert timeouts, "without TimeoutStopSec the timeout is whatever systemd's default is on the host"
    assert seconds(timeouts[-1]) > DEFAULT_GRACE


def test_the_unit_does_not_restart_coopbot_refusing_its_settings() -> None:
    # `coopbot serve` exits 2 when a setting is missing or the fact base does not validate: a restart cannot help.
    assert service("Restart") == ["on-failure"]
    assert "2" in " ".join(service("RestartPreventExitStatus")).split()


def test_the_unit_lets_coopbot_write_its_database_and_the_fact_base() -> None:
    writable = " ".join(service("ReadWritePaths")).split()
    settings = env_assignments()
    for needed in (Path(settings["COOPBOT_DB"]).parent, Path(settings["COOPBOT_KNOWLEDGE"])):
        assert any(needed == Path(p) or Path(p) in needed.parents for p in writable), needed


def test_the_unit_reads_the_env_file_the_example_is_installed_as() -> None:
    installed = re.search(r"install .*coopbot\.env\.example (\S+)", ENV_EXAMPLE.read_text(encoding="utf-8"))
    assert installed
    assert installed.group(1) in service("EnvironmentFile")


# -- the guide ------------------------------------------------------------------------------------------------------


def test_the_deploying_guide_names_every_deploy_file() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    assert all(f"deploy/{path.name}" in guide for path in DEPLOY.iterdir() if path.is_file())


def test_every_log_line_the_guide_says_to_watch_is_one_coopbot_writes() -> None:
    """The sub-items under "These log lines" open with the lines quoted (`...` for what varies, N for a number)."""
    guide = GUIDE.read_text(encoding="utf-8")
    listed = guide.split("**These log lines**", 1)[1].split("\n## ", 1)[0]
    quoted = [q for m in re.finditer(r"^  - `([^`]+)`(?:, or `([^`]+)`)?", listed, re.M) for q in m.groups() if q]
    assert len(quoted) >= 4, quoted
    code = "\n".join(p.read_text(encoding="utf-8") for package in SOURCES for p in (ROOT / package).rglob("*.py"))
    for line in quoted:
        pattern = re.escape(line.replace(" N ", " %d ")).replace(re.escape("..."), ".*")
        assert re.search(pattern, code), f"the guide says to watch for {line!r}, which no source writes"
