"""The GitHub Actions workflow: it parses, and every command it runs exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from clausier.cli import main

from conftest import PROJECT
from test_diff import history  # noqa: F401  (a fixture: a repository with a commit and edits)

WORKFLOW = PROJECT / ".github/workflows/contracts.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))


def steps(workflow: dict):
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def make_targets() -> set[str]:
    text = (PROJECT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][\w-]*):", text, flags=re.M))


def test_every_make_target_and_clausier_command_in_the_workflow_exists(workflow):
    targets, commands = make_targets(), set(main.commands)
    used_targets, used_commands = set(), set()
    for _, step in steps(workflow):
        script = step.get("run", "")
        used_targets |= set(re.findall(r"\bmake\s+(?:-\S+\s+)*([a-z][\w-]*)", script))
        used_commands |= set(re.findall(r"\bclausier\s+(?:--\S+\s+\S+\s+)*([a-z][\w-]*)", script))
    assert used_targets, "the workflow runs its commands through the Makefile"
    assert used_targets <= targets, f"unknown make targets: {used_targets - targets}"
    assert used_commands <= commands, f"unknown clausier commands: {used_commands - commands}"
    # and the targets it uses call clausier commands that exist
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    called = set(re.findall(r"\$\(CLAUSIER\)\s+(?:\$\{[^}]*\}\s+)?([a-z][\w-]*)", makefile))
    assert {"impact", "diff", "build", "check"} <= called <= commands


def test_pull_requests_check_build_summarise_and_upload(workflow):
    triggers = workflow.get("on") or workflow.get(True)  # YAML 1.1 readers turn `on` into True
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    job = workflow["jobs"]["pull-request"]
    runs = [s.get("run", "") for s in job["steps"]]
    uses = [s.get("uses", "") for s in job["steps"]]
    assert runs.index("make check-github") < runs.index("make changed-pdf") < runs.index("make redlines")
    assert any("GITHUB_STEP_SUMMARY" in r and ".diff.md" in r for r in runs)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert "build/diff/" in upload["with"]["path"] and "build/*/*.pdf" in upload["with"]["path"]
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # the base side is read from git history
    assert job["env"]["BASE"] == "origin/${{ github.base_ref }}"


def test_main_publishes_the_handbook_to_pages(workflow):
    build = workflow["jobs"]["handbook"]
    assert "make docs" in [s.get("run") for s in build["steps"]]
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "site/"
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "handbook" and publish["environment"]["name"] == "github-pages"
    assert publish["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in publish["steps"])
    assert workflow["permissions"] == {"contents": "read"}


def test_expressions_never_reach_a_shell_directly(workflow):
    for _, step in steps(workflow):
        assert "${{" not in step.get("run", ""), step.get("name")


def test_the_new_make_targets_are_listed_by_make_help():
    listed = subprocess.run(["make", "-s", "help"], cwd=PROJECT, capture_output=True, text=True).stdout
    for target in ("impact", "changed-pdf", "redlines", "check-github"):
        assert f"make {target}" in listed


def test_the_make_targets_run_impact_and_redlines(history):
    repo, first = history
    done = subprocess.run(["make", "-s", "-f", str(PROJECT / "Makefile"), "redlines", f"BASE={first}",
                           f"CLAUSIER={Path(sys.executable).with_name('clausier')} --root {repo}", "STAMP="],
                          cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (repo / "build/diff/acme-fr/acme-fr.diff.md").exists()
    assert (repo / "build/diff/beta-fr/beta-fr.redline.pdf").exists()


def test_changed_pdf_fails_with_the_builds_own_status_when_an_agreement_fails(history):
    """A changed agreement that no longer builds: make stops with the build's status 1 and its
    message, not with xargs' 123."""
    repo, first = history
    liability = repo / "clauses/liability/fr.md"
    liability.write_text(liability.read_text(encoding="utf-8") + "\n{{ ref('nowhere') }}\n", encoding="utf-8")
    done = subprocess.run(["make", "-f", str(PROJECT / "Makefile"), "changed-pdf", f"BASE={first}",
                           f"CLAUSIER={Path(sys.executable).with_name('clausier')} --root {repo}", "STAMP="],
                          cwd=repo, capture_output=True, text=True)
    assert done.returncode != 0
    assert "nowhere" in done.stdout + done.stderr
    assert "Error 1" in done.stderr and "Error 123" not in done.stderr
