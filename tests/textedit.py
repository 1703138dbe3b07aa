"""Small helpers the rule tests share: edit a file in place, find a line, run one rule."""

from __future__ import annotations

from pathlib import Path

from clausier.lint import run_checks


def rule_findings(root: Path, rule: str, paths=None):
    return [f for f in run_checks(root, paths) if f.rule == rule]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if fragment in line)


def col_of(path: Path, fragment: str) -> int:
    line = path.read_text(encoding="utf-8").split("\n")[line_of(path, fragment) - 1]
    return line.index(fragment) + 1
