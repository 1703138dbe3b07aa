"""The build's first worker, forked when `clausier build` starts (prestart.py, launch.py).

Each build runs in a Python process of its own, as the `clausier` command's: the worker is
forked from it before anything else, and what a test checks is what that process reports.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from clausier.build import build
from conftest import FAULTS as TEST_HOOK
from clausier.launch import asks_for_build

from conftest import assert_rebuilt_as_one_by_one, built_then_edited

START = "import sys\nfrom pathlib import Path\nfrom clausier.fast import prestart\nassert prestart.start()\n"


def _run(code: str, *args: str, env: dict | None = None) -> list[str]:
    done = subprocess.run([sys.executable, "-c", START + code, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.parametrize(("args", "builds"), [
    (["build"], True),
    (["build", "--to", "pdf", "agreements/a.md"], True),
    (["--root", "somewhere", "build"], True),
    (["--root=somewhere", "build", "-q"], True),
    (["--root", "build", "check"], False),  # a root folder named build
    (["check"], False),
    (["--help"], False),
    ([], False),
])
def test_the_launcher_forks_a_worker_for_the_build_command_only(args, builds):
    assert asks_for_build(args) is builds


def test_a_lone_rebuild_is_built_by_the_prestarted_worker_with_the_same_bytes(repo):
    path = built_then_edited(repo, ["md", "pdf"])
    code = ("from clausier.build import build\n"
            "report = build(Path(sys.argv[1]), formats=['md', 'pdf'], jobs=1)\n"
            "assert report.ok and [r.id for r in report.results if not r.up_to_date] == ['acme-fr'], report\n"
            "print(report.prestarted, report.templates_ahead)\n")
    prestarted, templates = _run(code, str(repo), env={TEST_HOOK: "await-templates"})
    assert prestarted == "1"
    assert int(templates) >= 3  # through the pipe the worker was forked with
    assert_rebuilt_as_one_by_one(repo, path, ["md", "pdf"])


def test_a_prestarted_worker_reports_errors_and_keeps_the_limits(repo):
    """An agreement with an error, then one that outlives the time limit: the prestarted worker
    fails them as a forked one would."""
    assert build(repo, formats=["md"]).ok
    path = repo / "agreements/acme-fr.md"
    path.write_text(path.read_text().replace("template: mini", "template: mini\nfeess: 1"))
    code = ("from clausier.build import build\n"
            "report = build(Path(sys.argv[1]), formats=['md'], jobs=1)\n"
            "print(report.prestarted, len(report.failed))\n"
            "print('|'.join(report.failed[0].errors))\n")
    out = _run(code, str(repo))
    assert out[:2] == ["0", "1"]  # failed: not counted as built
    assert "unknown key 'feess'" in " ".join(out[2:])
    path.write_text(path.read_text().replace("\nfeess: 1", "").replace("Atelier Lumière SARL", "Atelier Lumière SAS"))
    code = ("from clausier.build import build\n"
            "report = build(Path(sys.argv[1]), formats=['md'], jobs=1, time_limit=2)\n"
            "print(len(report.failed), report.failed[0].errors[0])\n")
    out = _run(code, str(repo), env={TEST_HOOK: "sleep:acme-fr"})
    assert out[0] == "1" and "took longer than the time limit of 2 s" in " ".join(out)


def test_the_prestarted_worker_is_stopped_when_nothing_or_much_is_to_be_built(repo):
    (repo / "agreements/acme-bis.md").write_text((repo / "agreements/acme-fr.md").read_text())
    code = ("from clausier.build import build\n"
            "worker = prestart._waiting.process\n"
            "report = build(Path(sys.argv[1]), formats=['md'], jobs=2)\n"  # two agreements: the library loaded here
            "print(len(report.built), report.prestarted, worker.is_alive())\n"
            "assert prestart.start()\n"
            "worker = prestart._waiting.process\n"
            "report = build(Path(sys.argv[1]), formats=['md'])\n"  # nothing to build
            "prestart.dismiss()\n"  # as the command does on its way out
            "print(len(report.built), report.prestarted, worker.is_alive())\n")
    assert _run(code, str(repo)) == ["2", "0", "False", "0", "0", "False"]


def test_a_prestarted_worker_gone_before_its_setup_is_replaced(repo):
    built_then_edited(repo, ["md"])
    code = ("from clausier.build import build\n"
            "prestart._waiting.process.kill(); prestart._waiting.process.join()\n"
            "report = build(Path(sys.argv[1]), formats=['md'], jobs=1)\n"
            "print(report.ok, len(report.built), report.prestarted)\n")
    assert _run(code, str(repo)) == ["True", "1", "0"]
    assert "Atelier Lumière SAS" in (repo / "build/acme-fr/acme-fr.md").read_text()
