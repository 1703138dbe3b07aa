"""The "sections" test library (tests/libraries/sections/), English only, copied into a temporary
folder with the project's styles and _base.md.j2, and small helpers to edit it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
LIBRARY = Path(__file__).resolve().parent / "libraries" / "sections"


def make_sections_repo(root: Path) -> Path:
    shutil.copytree(LIBRARY, root)
    shutil.copytree(PROJECT / "templates" / "styles", root / "templates" / "styles")
    shutil.copy(PROJECT / "templates" / "_base.md.j2", root / "templates" / "_base.md.j2")
    return root


def with_french(root: Path) -> Path:
    """The library made bilingual [en, fr] for a test of what the code writes in French (refs()'s
    « articles 3.1 et 3.2 »): each clause's French text is its English one, the template gets a
    French title and article word."""
    edit(root / "clausier.yml", "languages: [en]", "languages: [en, fr]")
    for text in root.glob("clauses/*/en.md"):
        shutil.copy(text, text.with_name("fr.md"))
    template = root / "templates" / "sections.md.j2"
    source = template.read_text(encoding="utf-8")
    source = re.sub(r"\{en: ([^}]*)\}", r"{en: \1, fr: \1}", source).replace("fr: Section}", "fr: Article}")
    template.write_text(source, encoding="utf-8")
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
