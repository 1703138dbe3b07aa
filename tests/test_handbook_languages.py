"""A one-language library's handbook speaks that language only.

`clausier init --languages fr` (and `en`), given a variant, a sub-clause, a key term and a clause
no template holds, built with the real `mkdocs build --strict`: no sentence or word of the other
language from the handbook's own tables (words.py, the guidance headings, the column words) is
on any page, and each of its own sentences is. The tables are read here, so a sentence added to
them is checked too. A bilingual library keeps its English sentences (checked by comparing
builds before and after, not here).
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pytest

from clausier.handbook import clausepage, pages, words
from clausier.init import init_repository
from sitebuild import mkdocs_build

LANGUAGES = ("fr", "en")
UNREACHABLE = {"missing"}  # a template naming a missing clause is a library error: no handbook is built


def _tables() -> dict[str, dict[str, str]]:
    """Every text the handbook's code writes in each language, by name."""
    tables = {f"word:{key}": texts for key, texts in words.WORDS.items()}
    tables |= {f"sentence:{key}": texts for key, texts in words.SENTENCES.items()}
    tables |= {f"guidance:{key}": texts for key, _, texts in clausepage.GUIDANCE}
    tables |= {"label": clausepage.LABEL_WORD, "summary": pages.SUMMARY_WORD}
    return tables


def _pieces(text: str) -> set[str]:
    """The literal pieces of a table text: split at its {placeholders} and its Markdown marks, as a
    reader sees them between the values and the formatting."""
    parts = re.split(r"\{[a-z_]+\}|\*\*|`", text)
    return {" ".join(part.split()) for part in parts if re.search(r"[^\W\d_]{2}", part)}


def _visible(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    titles = " ".join(re.findall(r'\btitle="([^"]*)"', page))  # tooltips (the anchors' "Permanent link")
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", page) + " " + titles).split())


def _found(piece: str, text: str) -> bool:
    """The piece as whole words ("Text" is not found in « Texte »)."""
    before = r"(?<!\w)" if piece[0].isalnum() else ""
    after = r"(?!\w)" if piece[-1].isalnum() else ""
    return re.search(before + re.escape(piece) + after, text) is not None


def _add(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# The library's own texts, in its language: none of them may look like a word of the tables.
OWN = {"fr": {"short": "Courte", "legal": "Juridique", "warranty": "Garantie", "months": "mois",
              "unused": "Inutilisée", "summary": "Aucun modèle ne la contient.", "body": "Texte de la clause."},
       "en": {"short": "Short", "legal": "Legal", "warranty": "Warranty", "months": "months",
              "unused": "Unused", "summary": "Held by no template.", "body": "The clause's wording."}}


def _library(root: Path, language: str) -> Path:
    """`clausier init` in one language, with what the other handbook sentences are about."""
    own = OWN[language]
    init_repository(root, (language,))
    meta = root / "clauses" / "termination" / "clause.yml"
    meta.write_text(meta.read_text(encoding="utf-8") + f"variants:\n  short:\n    approval: {own['legal']}\n"
                    f"    label: {{{language}: {own['short']}}}\n", encoding="utf-8")
    text = (root / "clauses" / "termination" / f"{language}.md").read_text(encoding="utf-8")
    _add(root / "clauses" / "termination" / f"short.{language}.md",
         text.replace("{{ params.notice_days }}", "15"))
    purpose = root / "clauses" / "purpose" / f"{language}.md"  # a sub-clause, and a key term read
    addition = f"\n## {own['warranty']}\n\n{{{{ terms.warranty }}}} {own['months']}.\n"
    purpose.write_text(purpose.read_text(encoding="utf-8") + addition, encoding="utf-8")
    template = root / "templates" / "services.md.j2"
    source = template.read_text(encoding="utf-8")
    template.write_text(source.replace("preamble:", "terms:\n  warranty: {type: int, default: 12, label: "
                                       f"{{{language}: {own['warranty']}}}}}\npreamble:", 1), encoding="utf-8")
    _add(root / "clauses" / "unused" / "clause.yml", "category: law\nversion: 1.0.0\n")
    _add(root / "clauses" / "unused" / f"{language}.md",
         f"---\ntitle: {own['unused']}\nsummary: {own['summary']}\nguidance:\n  when: {own['summary']}\n"
         f"  negotiation: {own['summary']}\n  risks: {own['summary']}\n---\n{own['body']}\n")
    return root


@pytest.fixture(scope="module", params=LANGUAGES)
def handbook(request, tmp_path_factory) -> tuple[str, str]:
    """(language, the visible text of every page of its one-language handbook)."""
    language = request.param
    root = _library(tmp_path_factory.mktemp(f"handbook-{language}") / "contracts", language)
    site = root.parent / "site"
    done = mkdocs_build(root, site)
    assert done.returncode == 0, done.stderr[-3000:]
    built = sorted(site.rglob("*.html"))
    assert len(built) > 10
    return language, "\n".join(_visible(page.read_text(encoding="utf-8")) for page in built)


def test_no_word_of_the_other_language(handbook):
    language, text = handbook
    (other,) = [lang for lang in LANGUAGES if lang != language]
    found = {}
    for name, texts in _tables().items():
        foreign = _pieces(texts[other]) - _pieces(texts[language])
        found |= {f"{name}: {piece}": True for piece in foreign if _found(piece, text)}
    assert sorted(found) == []


def test_every_sentence_in_its_own_language(handbook):
    language, text = handbook
    missing = [f"{key}: {piece}" for key, texts in words.SENTENCES.items() if key not in UNREACHABLE
               for piece in _pieces(texts[language]) if not _found(piece, text)]
    assert missing == []


def test_the_theme_speaks_the_language_too(handbook):
    language, text = handbook
    # Material's own words follow `theme.language`, which `clausier init` sets
    assert ("Initialisation de la recherche" if language == "fr" else "Initializing search") in text
    assert words.word("home", language) in text
