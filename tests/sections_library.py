"""The "sections" test library (tests/libraries/sections/) copied into a temporary folder with
the project's frame, and small helpers to edit it."""

from __future__ import annotations

import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
LIBRARY = Path(__file__).resolve().parent / "libraries" / "sections"


def make_sections_repo(root: Path) -> Path:
    for part in ("templates", "agreements", "clauses"):
        shutil.copytree(LIBRARY / part, root / part)
    shutil.copytree(PROJECT / "templates" / "styles", root / "templates" / "styles")
    shutil.copy(PROJECT / "templates" / "_base.md.j2", root / "templates" / "_base.md.j2")
    for clause in ("parties", "signatures"):
        shutil.copytree(PROJECT / "clauses" / clause, root / "clauses" / clause)
    shutil.copy(PROJECT / "clausier.yml", root / "clausier.yml")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
