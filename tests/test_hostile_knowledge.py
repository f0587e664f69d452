"""A fact base cannot be turned against the host: each hostile file is refused with `file:line`, unread or
unbuilt, and no refusal echoes more than a short, printable excerpt of a value."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.factbase.loading import KnowledgeError, load
from bot.factbase.yamlsource import EXCERPT, MAX_DEPTH, MAX_FILE_BYTES


def refusal(directory: Path) -> str:
    with pytest.raises(KnowledgeError) as err:
        load(directory)
    [problem] = err.value.problems
    return str(problem)


def laughs(levels: int = 9) -> str:
    """The billion laughs: each level nine aliases of the one before."""
    text = 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for i in range(1, levels):
        text += f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n"
    return text


def test_aliases_that_expand_a_file_a_billion_times_are_refused_before_anything_is_built(knowledge_copy: Path) -> None:
    (knowledge_copy / "zz.yaml").write_text(laughs())
    assert "aliases expand it past" in refusal(knowledge_copy)


def test_an_alias_used_as_a_key_is_measured_as_well(knowledge_copy: Path) -> None:
    (knowledge_copy / "zz.yaml").write_text(laughs() + "z:\n  ? *l8\n  : 1\n")
    assert "aliases expand it past" in refusal(knowledge_copy)


def test_an_alias_inside_the_value_it_names_is_refused(knowledge_copy: Path) -> None:
    (knowledge_copy / "zz.yaml").write_text("a: &a [*a]\n")
    assert refusal(knowledge_copy) == "knowledge/zz.yaml:1: yaml: an alias refers to a value that contains it"


def test_deep_nesting_is_refused_instead_of_overflowing_the_stack(knowledge_copy: Path) -> None:
    (knowledge_copy / "zz.yaml").write_text("a: " + "[" * 400 + "]" * 400 + "\n")
    assert refusal(knowledge_copy) == f"knowledge/zz.yaml:1: yaml: nests deeper than {MAX_DEPTH} levels"


def test_a_link_to_a_file_outside_the_fact_base_is_not_followed(knowledge_copy: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\n")
    (knowledge_copy / "zz.yaml").symlink_to(secret)
    found = refusal(knowledge_copy)
    assert found == "knowledge/zz.yaml:1: file: is a link to a file outside the fact base directory"


def test_a_device_is_not_read(knowledge_copy: Path) -> None:
    (knowledge_copy / "zz.yaml").symlink_to("/dev/zero")
    assert "zz.yaml:1: file:" in refusal(knowledge_copy)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_without_being_opened(knowledge_copy: Path) -> None:
    os.mkfifo(knowledge_copy / "zz.yaml")
    assert refusal(knowledge_copy) == "knowledge/zz.yaml:1: file: is not a regular file"


def test_a_file_over_the_size_limit_is_refused_unparsed(knowledge_copy: Path) -> None:
    with (knowledge_copy / "zz.yaml").open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    assert refusal(knowledge_copy) == f"knowledge/zz.yaml:1: file: is larger than {MAX_FILE_BYTES // 2**20} MiB"


def test_a_problem_quotes_a_long_hostile_value_short_and_printable(knowledge_copy: Path) -> None:
    (knowledge_copy / "zz.yaml").write_text('"\\x1b[31m' + "x" * 5000 + '": 1\n')
    with pytest.raises(KnowledgeError) as err:
        load(knowledge_copy)
    shown = [str(p) for p in err.value.problems]
    assert all("\x1b" not in line and len(line.split(": ", 2)[2]) <= EXCERPT for line in shown)


def test_validate_refuses_a_hostile_base_with_exit_1_and_no_traceback(knowledge_copy: Path) -> None:
    (knowledge_copy / "zz.yaml").write_text(laughs())
    run = subprocess.run(
        [sys.executable, "-m", "bot.commandline.cli", "validate", "--knowledge", str(knowledge_copy)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 1 and "zz.yaml:" in run.stdout and "Traceback" not in run.stderr
