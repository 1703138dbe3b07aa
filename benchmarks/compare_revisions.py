"""Benchmark: this checkout against an earlier revision, side by side (not a test).

    make compare BASE=<revision>            (or: .venv/bin/python benchmarks/compare_revisions.py <revision>)

A shared virtual machine's speed drifts by half and more within minutes, more than most
changes gain; figures taken an hour apart cannot tell two versions apart. This one runs both
in the same minutes: the base revision is checked out in a git worktree, each version gets
its own synthetic repository (build_scale.py's, from its own templates and clauses), both are
built cold, then one agreement is edited and rebuilt in each, in turn, ROUNDS times (the
edit build_scale.py times). It prints each version's times, their medians, and how many
pairs this checkout won; cold builds too, alternated (two each, or --cold N).

The base runs with this checkout's virtual environment (its `scripts/` first on PYTHONPATH),
so its dependencies must be the ones installed here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import build_scale  # noqa: E402

PROJECT = build_scale.PROJECT
ROUNDS = 12
COLD_PAIRS = 2


def _worktree(revision: str, folder: Path) -> None:
    subprocess.run(["git", "-C", str(PROJECT), "worktree", "add", "--detach", "--force", str(folder), revision],
                   check=True, capture_output=True)


def _compile(checkout: Path) -> None:
    """Bytecode for both versions alike: where PYTHONDONTWRITEBYTECODE is set, a checkout without
    it compiles its modules again on every run (a third of a second of a one-agreement rebuild)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "scripts" / "clausier")], check=True)


def _make_repository(checkout: Path, root: Path, count: int) -> None:
    """The synthetic repository as `checkout`'s own build_scale.py makes it (its templates, its style)."""
    root.mkdir(parents=True)
    code = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import build_scale; "
            "build_scale.make_repository(Path(sys.argv[2]), int(sys.argv[3]))")
    env = {**os.environ, "PYTHONPATH": str(checkout / "scripts")}  # its own modules, not the installed ones
    subprocess.run([sys.executable, "-c", code, str(checkout / "benchmarks"), str(root), str(count)], check=True, env=env)


def _command(checkout: Path) -> list[str]:
    """The `clausier` command as `checkout`'s own entry point starts it (launch.py since the
    prestarted worker; cli.run before): the installed script names this checkout's."""
    entry = "launch" if (checkout / "scripts" / "clausier" / "launch.py").is_file() else "cli"
    return [sys.executable, "-c", f"import sys; sys.argv[0] = 'clausier'; from clausier.{entry} import run; run()"]


def _build(checkout: Path, root: Path, *args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(checkout / "scripts")}
    start = time.perf_counter()
    done = subprocess.run([*_command(checkout), "--root", str(root), "build", "--quiet", "--to", "pdf", *args],
                          env=env, capture_output=True, text=True, cwd=root)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"build failed in {root}:\n{done.stderr}")
    return seconds


def _summary(label: str, times: list[float]) -> str:
    return (f"{label:>6}: median {statistics.median(times):.3f} s, mean {statistics.mean(times):.3f} s  "
            f"[{', '.join(f'{t:.2f}' for t in times)}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the revision to compare with (a commit, tag or branch)")
    parser.add_argument("--agreements", type=int, default=1000, help="size of each repository (default 1000)")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"edits in each version (default {ROUNDS})")
    parser.add_argument("--copies", type=int, default=1,
                        help="the library this many times over, the copies unused (build_scale.widen_library)")
    parser.add_argument("--cold", type=int, default=COLD_PAIRS,
                        help=f"cold builds in each version, alternated (default {COLD_PAIRS})")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clausier-compare-") as scratch:
        scratch_path = Path(scratch)
        base = scratch_path / "base"
        _worktree(options.base, base)
        try:
            versions = {"base": base, "this": PROJECT}
            roots = {name: scratch_path / f"repo-{name}" for name in versions}
            for name, checkout in versions.items():
                _compile(checkout)
                _make_repository(checkout, roots[name], options.agreements)
                build_scale.widen_library(roots[name], options.copies)
            print(f"speed index before: {build_scale.speed_index()} ms")
            cold: dict[str, list[float]] = {name: [] for name in versions}
            for pair in range(options.cold):
                for name in (("base", "this") if pair % 2 == 0 else ("this", "base")):
                    cold[name].append(_build(versions[name], roots[name], "--force"))
            edits: dict[str, list[float]] = {name: [] for name in versions}
            for number in range(options.rounds):
                for name in (("base", "this") if number % 2 == 0 else ("this", "base")):
                    build_scale.edit_agreement(roots[name], number % options.agreements)
                    edits[name].append(_build(versions[name], roots[name]))
            print(f"speed index after: {build_scale.speed_index()} ms")
        finally:
            subprocess.run(["git", "-C", str(PROJECT), "worktree", "remove", "--force", str(base)],
                           capture_output=True)
    clauses = sum(1 for p in (PROJECT / "clauses").iterdir() if p.is_dir()) * options.copies
    print(f"{options.agreements} agreements, {clauses} clauses; base = {options.base}, this = the checkout")
    print(f"cold build to PDF, {options.cold} times each, alternated:")
    for name in versions:
        print(_summary(name, cold[name]))
    print(f"one agreement edited, {options.rounds} times each, alternated:")
    for name in versions:
        print(_summary(name, edits[name]))
    won = sum(this < before for before, this in zip(edits["base"], edits["this"]))
    print(f"this checkout faster in {won} of {options.rounds} pairs")
    won = sum(this < before for before, this in zip(cold["base"], cold["this"]))
    print(f"cold: this checkout faster in {won} of {options.cold} pairs")


if __name__ == "__main__":
    main()
