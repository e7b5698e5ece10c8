"""The GitHub workflows: valid by the workflow schema, safe, and calling commands that exist."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from generator.errors import Problem
from partnerdir.annotations import annotation, problem_annotation
from partnerdir.cli import main

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"[\w.-]+/[\w.-]+(?:/[\w./-]+)?@(?:v\d+|[0-9a-f]{40})")


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    data.setdefault("on", data.pop(True, None))  # YAML 1.1 reads the key `on` as true
    return data


def steps(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, job in load(path)["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def invocations() -> Iterator[tuple[str, list[str]]]:
    """Yield (workflow, arguments after 'partnerdir') for every call in a run: script."""
    for path in WORKFLOWS:
        for _, step in steps(path):
            for line in step.get("run", "").splitlines():
                words = shlex.split(line, comments=True)
                for i, word in enumerate(words):
                    if word == "partnerdir" or word.endswith("/partnerdir"):
                        yield path.name, words[i + 1 :]


CALLS = list(invocations())


def test_the_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"pull-request.yml", "ownership.yml", "deploy.yml"}
    commands = {(workflow, args[0]) for workflow, args in CALLS}
    assert commands >= {
        ("pull-request.yml", "validate"), ("pull-request.yml", "build"),
        ("ownership.yml", "check-pr"), ("deploy.yml", "build"),
    }


@pytest.mark.parametrize("schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"])
def test_workflows_match_the_schema(schema: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, WORKFLOWS)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("workflow", "args"), CALLS, ids=[f"{w}:{a[0]}" for w, a in CALLS])
def test_called_commands_and_options_exist(workflow: str, args: list[str]) -> None:
    result = CliRunner().invoke(main, [args[0], "--help"])
    assert result.exit_code == 0, f"{workflow} calls 'partnerdir {args[0]}', which does not exist"
    command = main.get_command(click.Context(main), args[0])
    assert command is not None
    known = {opt for param in command.params for opt in param.opts}
    for word in args[1:]:
        if word.startswith("--"):
            assert word.split("=")[0] in known, f"{workflow}: partnerdir {args[0]} {word}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_are_locked_down(path: Path) -> None:
    workflow = load(path)
    assert workflow.get("permissions") == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        assert "timeout-minutes" in job, name
        if "permissions" in job:  # only the Pages deployment may write, and only there
            uses = [step.get("uses", "") for step in job["steps"]]
            assert any(u.startswith("actions/deploy-pages@") for u in uses), name
    for name, step in steps(path):
        # Expressions inside a script are pasted in before the shell runs: script injection.
        assert "${{" not in step.get("run", ""), f"{name}: pass values through env: instead"
        if "uses" in step:
            assert PINNED.fullmatch(step["uses"]), step["uses"]
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, name


def test_ownership_check_runs_only_the_base_branch_code() -> None:
    path = REPO / ".github" / "workflows" / "ownership.yml"
    workflow = load(path)
    assert set(workflow["on"]) == {"pull_request_target"}
    pr_checkout = [s for _, s in steps(path) if s.get("with", {}).get("path") == "pull-request"]
    assert pr_checkout and "head.sha" in pr_checkout[0]["with"]["ref"]
    for _, step in steps(path):
        run = step.get("run", "")
        assert "python -m partnerdir" not in run  # would import the pull request's code
        if "pip install" in run:
            assert run.split()[-1] == "./base"
        if step.get("working-directory") == "pull-request":
            assert run.startswith("partnerdir check-pr "), run


def test_annotations_escape_data_and_properties() -> None:
    line = annotation("50% done\r\nnext", file="a,b:c.yaml", line=3, col=0, title="x%")
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3,title=x%25::50%25 done%0D%0Anext"
    assert annotation("plain") == "::error::plain"
    problem = Problem("partners/x.yaml", 3, 5, "services[0]", "unknown: a, b", "use c")
    assert problem_annotation(problem) == (
        "::error file=partners/x.yaml,line=3,col=5,title=services[0]::unknown: a, b (use c)"
    )


def test_validate_prints_annotations_for_github(network_root: Path) -> None:
    bad = network_root / "partners" / "bad.yaml"
    bad.write_text("name: X\nmaintainers: [x]\ntagelin: y\n", encoding="utf-8")
    runner = CliRunner()
    args = ["--root", str(network_root), "validate"]
    result = runner.invoke(main, [*args, "--format", "github"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "::error file=partners/bad.yaml,line=3,col=1,title=tagelin::unknown field 'tagelin' " \
        "(did you mean 'tagline'?)" in lines
    assert all(line.startswith("::error file=partners/bad.yaml,") for line in lines[:-1])
    assert re.match(r"\d+ problem\(s\) in 1 file\(s\)\. Fix them", lines[-1])
    text = runner.invoke(main, args)
    assert "partners/bad.yaml:3:1: tagelin: unknown field 'tagelin'" in text.output
