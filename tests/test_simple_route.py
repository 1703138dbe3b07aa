"""The simple route (`clausier build --simple`, CLAUSIER_SIMPLE=1): every speed-up off, one
agreement after another in the building process, and the same bytes as the fast route."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clausier.build import build
from conftest import FAULTS

from conftest import PROJECT

FORMATS = ["pdf", "docx", "html", "md"]
CLAUSIER = [str(Path(sys.executable).parent / "clausier")]


def _examples(root: Path) -> Path:
    """The project's library and its example agreements, copied (the tree may change meanwhile)."""
    root.mkdir()
    shutil.copy(PROJECT / "clausier.yml", root / "clausier.yml")
    for folder in ("templates", "clauses", "agreements"):
        shutil.copytree(PROJECT / folder, root / folder)
    return root


def _generated(root: Path) -> Path:
    """Agreements generated from the project's library as the benchmark makes them (templates,
    languages, variants, options and amounts vary)."""
    spec = importlib.util.spec_from_file_location("build_scale", PROJECT / "benchmarks/build_scale.py")
    build_scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_scale)
    root.mkdir()
    build_scale.make_repository(root, 12)
    return root


def _files(out: Path) -> dict[str, str]:
    """Every output and the manifest, by path (the cache aside: the fast route keeps more there)."""
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and "_cache" not in p.relative_to(out).parts}


@pytest.mark.parametrize("library", [_examples, _generated], ids=["examples", "generated"])
def test_both_routes_write_the_same_bytes(tmp_path, library):
    root = library(tmp_path / "repo")
    fast = build(root, formats=FORMATS, out=tmp_path / "fast", simple=False)
    simple = build(root, formats=FORMATS, out=tmp_path / "simple", simple=True)
    assert fast.ok and simple.ok, [r.errors for r in fast.failed + simple.failed]
    assert [r.id for r in simple.built] == [r.id for r in fast.built] and len(simple.built) >= 8
    built = _files(tmp_path / "simple")
    assert len(built) == 4 * len(simple.built) + 1  # every format of every agreement, and the manifest
    assert built == _files(tmp_path / "fast")


def _clausier(repo: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([*CLAUSIER, "--root", str(repo), "build", *args], cwd=repo, env=environ,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("switch", [["--simple"], []], ids=["--simple", "CLAUSIER_SIMPLE"])
def test_the_switch_runs_no_worker_and_stays_incremental(repo, switch):
    """A fault planted for a worker would kill it: in the simple route nothing runs in a worker, so
    nothing fires; the fast route's files (part store, kept Typst sources) are never made."""
    env = {FAULTS: "kill:acme-fr"} if switch else {FAULTS: "kill:acme-fr", "CLAUSIER_SIMPLE": "1"}
    done = _clausier(repo, "--to", "md,pdf", *switch, env=env)
    assert done.returncode == 0, done.stderr
    assert "built 1, up to date 0, failed 0" in done.stderr
    assert (repo / "build/acme-fr/acme-fr.pdf").is_file()
    assert sorted(p.name for p in (repo / "build/_cache").iterdir()) == ["lock", "state"]
    again = _clausier(repo, "--to", "md,pdf", *switch, env=env)
    assert "built 0, up to date 1, failed 0" in again.stderr


def test_the_simple_route_reports_a_failing_agreement_like_the_fast_one(repo):
    good = (repo / "agreements/acme-fr.md").read_text()
    (repo / "agreements/bad.md").write_text(good.replace("template: mini", "template: mini\nfeess: 1"))
    fast = _clausier(repo, "--to", "md", "--out", "fast")
    simple = _clausier(repo, "--to", "md", "--out", "simple", "--simple")
    assert fast.returncode == simple.returncode == 1
    assert "unknown key 'feess'" in simple.stderr
    # (the same lines; the fast route tells each result as its worker finishes)
    assert sorted(simple.stderr.replace("simple/", "fast/").splitlines()) == sorted(fast.stderr.splitlines())
    assert (repo / "simple/acme-fr/acme-fr.md").read_bytes() == (repo / "fast/acme-fr/acme-fr.md").read_bytes()
