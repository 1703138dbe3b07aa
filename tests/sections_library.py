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


def with_parts(root: Path) -> Path:
    """The library with the parts a real standard has: a cover page of key terms (with the
    agreement's effective date), two schedules — one of library clauses, one of the agreement's
    own text — and references to them, to the cover and into a schedule's clause."""
    edit(root / "templates" / "sections.md.j2", "closing: [signatures]\n", """closing: [signatures]
cover:
  title: {en: Cover Page}
  rows: [effective_date, notice_days]
annexes:
  style: {word: {en: Schedule}, numbering: "A", heading: "{word} {n} — {title}"}
  parts:
    - {id: service-levels, title: {en: Service Levels}, clauses: [availability]}
    - {id: pricing, title: {en: Pricing}, from_agreement: pricing}
""")
    folder = root / "clauses" / "availability"
    folder.mkdir()
    (folder / "clause.yml").write_text("category: scope\nversion: 1.0.0\n", encoding="utf-8")
    (folder / "en.md").write_text("""---
title: Availability
summary: How available the service is, and the credits when it is not.
guidance:
  when: In every agreement of this test library.
  negotiation: Not negotiated.
  risks: None worth noting.
---
## Target {{ label("target") }}

The service is available 99.5 % of each month.

## Credits {{ label("credits") }}

A month below target earns a credit; credits are the only remedy, save under Section {{ ref("liability") }}.
""", encoding="utf-8")
    edit(root / "clauses" / "services" / "en.md", "## {{ label(\"reports\") }}\n",
         "## Levels {{ label(\"levels\") }}\n\nThe services meet the levels of {{ ref(\"service-levels\") }} "
         "(credits: Section {{ ref(\"availability.credits\") }}) for the prices of {{ ref(\"pricing\") }}, "
         "for the notice period on the {{ ref(\"cover\") }}.\n\n## {{ label(\"reports\") }}\n")
    edit(root / "agreements" / "northwind.md", "signature: {place", "annexes:\n  pricing: |\n"
         "    The monthly report costs EUR 750.\nsignature: {place")
    return root
