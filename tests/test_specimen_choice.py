"""Which specimen agreement `check` and the handbook render a clause in (rendered_library.py):
the first template that places it, where it places it (preamble, closing, cover, annex, or an
article in that template's numbering); a clause no template places, the first template."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner

from clausier.cli import main
from clausier.errors import ContentError
from clausier.handbook.clausepage import clause_page
from clausier.handbook.pages import template_page
from clausier.init import init_repository
from clausier.rendered_library import library_findings, specimen_sessions
from clausier.repository import load_agreement, load_repository
from sections_library import edit, make_sections_repo, with_parts

runner = CliRunner()
EXAMPLE = "agreements/example-services.md"

# Sorts before the skeleton's "services": the first template, with its own closing clause and
# one level of items only.
NDA = """---
title:
  en: Mutual NDA
description:
  en: Both parties keep each other's information confidential.
preamble: [parties]
clauses:
  - purpose
  - governing-law
closing: [nda-signing]
numbering:
  items: ["(a)"]
---
{% for id in preamble %}
{{ clause(id) }}

{% endfor %}
{% for article in articles %}
{{ clause(article.id) }}

{% endfor %}
{% for id in closing %}
{{ clause(id) }}

{% endfor %}
"""
TWO_LEVELS = """The Provider:

(a) performs the Services:
    (i) with care;
    (ii) on time;
(b) reports every month.
"""


def _clause(root: Path, clause_id: str, body: str, category: str = "scope", title: str | None = None) -> None:
    folder = root / "clauses" / clause_id
    folder.mkdir()
    (folder / "clause.yml").write_text(f"category: {category}\nversion: 1.0.0\n", encoding="utf-8")
    (folder / "en.md").write_text(f"""---
title: {title or clause_id.replace('-', ' ').capitalize()}
summary: A clause of this test.
guidance:
  when: In this test.
  negotiation: Not negotiated.
  risks: None.
---
{body}""", encoding="utf-8")


def _repo(tmp_path: Path) -> Path:
    """`clausier init --languages en`, a clause with two levels of items in `services`, and a
    template `aaa-nda` sorting first that has neither `signatures` nor a second item level."""
    root = tmp_path / "repo"
    init_repository(root, ("en",), today=dt.date(2027, 3, 1))
    _clause(root, "obligations", TWO_LEVELS)
    edit(root / "templates" / "services.md.j2", "  - termination\n", "  - termination\n  - obligations\n")
    _clause(root, "nda-signing", "Each Party signs this agreement.", category="signatures")
    (root / "templates" / "aaa-nda.md.j2").write_text(NDA, encoding="utf-8")
    return root


def _check(root: Path):
    return runner.invoke(main, ["--root", str(root), "check"])


def test_clauses_check_in_the_template_that_places_them(tmp_path):
    """`signatures` (its own `#` heading: a closing clause) and a clause with (a)/(i) items build
    in `services`; the first template, `aaa-nda`, uses neither, and no longer fails them."""
    root = _repo(tmp_path)
    result = _check(root)
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output
    result = runner.invoke(main, ["--root", str(root), "build", "--to", "md", str(root / EXAMPLE)])
    assert result.exit_code == 0, result.output  # and the agreement that uses them builds


def test_a_closing_clause_with_its_own_heading_is_shown_as_a_closing_clause(tmp_path):
    root = _repo(tmp_path)
    repo = load_repository(root)
    assert library_findings(repo) == []
    specimens = specimen_sessions(repo)["en"]
    assert specimens.find("signatures").part == "closing"  # in services, not an article of aaa-nda
    assert specimens.find("obligations").number == 5  # the article services gives it
    page = clause_page(repo, repo.clauses["signatures"], None)
    assert "Signed in London, on" in page.content  # rendered with specimen data
    assert "unnumbered (closing) in [Services Agreement]" in page.content


def test_the_template_that_places_a_clause_still_numbers_it(tmp_path):
    """A clause the first template places is rendered in its style: two levels of items where it
    numbers one is an error at the clause's file, as in its agreements."""
    root = _repo(tmp_path)
    edit(root / "templates" / "aaa-nda.md.j2", "  - governing-law\n", "  - governing-law\n  - obligations\n")
    result = _check(root)
    assert result.exit_code == 1
    assert "clauses/obligations/en.md" in result.output
    assert "an item nested 2 levels deep; the template numbers 1 level(s) of items ((a))" in result.output
    assert "signatures" not in result.output


def test_a_clause_no_template_places_renders_in_the_first_template(tmp_path):
    root = _repo(tmp_path)
    edit(root / "templates" / "services.md.j2", "  - obligations\n", "")
    result = _check(root)
    assert result.exit_code == 1  # an article of aaa-nda, the first template, as before
    assert "clauses/obligations/en.md" in result.output and "1 level(s) of items ((a))" in result.output
    edit(root / "templates" / "aaa-nda.md.j2", '  items: ["(a)"]\n', '  items: ["(a)", "(i)"]\n')
    assert _check(root).exit_code == 0


def test_cover_and_annex_clauses_are_listed_on_the_template_page(tmp_path):
    root = with_parts(make_sections_repo(tmp_path / "repo"))
    edit(root / "templates" / "sections.md.j2", "  rows: [effective_date, notice_days]\n",
         "  rows: [effective_date, notice_days]\n  clauses: [cover-note]\n")
    _clause(root, "cover-note", "The key terms above prevail.", category="scope", title="Cover note")
    repo = load_repository(root)
    assert library_findings(repo) == []
    content = template_page(repo, "sections", False).content
    assert "| — | [Cover note](../clauses/scope/cover-note.md) | Purpose and scope | cover page |" in content
    assert "| A.1 | [Availability](../clauses/scope/availability.md) | Purpose and scope |  |" in content
    order = [content.index(f"[{title}]") for title in ("Cover note", "The parties", "Purpose", "Signatures",
                                                        "Availability")]
    assert order == sorted(order)  # in the order the contract prints them
    cover = clause_page(repo, repo.clauses["cover-note"], None).content
    assert "unnumbered (cover page) in [Services Agreement]" in cover
    assert "**A.1** in [Services Agreement]" in clause_page(repo, repo.clauses["availability"], None).content


def _german(root: Path) -> None:
    """The library in en and de; no clause spells an amount in words yet."""
    edit(root / "clausier.yml", "languages: [en]", "languages: [en, de]")
    for folder in sorted((root / "clauses").iterdir()):
        text = (folder / "en.md").read_text(encoding="utf-8").replace(" ({{ fees.amount|words }})", "")
        (folder / "en.md").write_text(text, encoding="utf-8")
        (folder / "de.md").write_text(text, encoding="utf-8")
    edit(root / "templates" / "services.md.j2", "  en: Services Agreement\n",
         "  en: Services Agreement\n  de: Dienstleistungsvertrag\n")
    edit(root / "templates" / "services.md.j2", "  en: Services performed",
         "  de: Dienstleistungen.\n  en: Services performed")
    edit(root / "clauses" / "termination" / "clause.yml", "      en: Period to remedy a breach (days)",
         "      en: Period to remedy a breach (days)\n      de: Frist (Tage)")


def _agreement_errors(root: Path) -> list[str]:
    try:
        load_agreement(load_repository(root), root / EXAMPLE)
    except ContentError as exc:
        return [str(f) for f in exc.findings]
    return []


def test_amounts_in_words_in_cover_and_annex_clauses_are_refused_for_another_language(tmp_path):
    root = tmp_path / "repo"
    init_repository(root, ("en",), today=dt.date(2027, 3, 1))
    _german(root)
    for clause_id in ("price-cover", "price-annex"):
        _clause(root, clause_id, "The price is {{ fees.amount|words }}.", category="fees")
        (root / "clauses" / clause_id / "de.md").write_text(
            (root / "clauses" / clause_id / "en.md").read_text(encoding="utf-8"), encoding="utf-8")
    edit(root / "templates" / "services.md.j2", "closing: [signatures]\n", "closing: [signatures]\n"
         "cover:\n  clauses: [price-cover]\nannexes:\n  parts:\n"
         "    - {id: prices, title: {en: Prices, de: Preise}, clauses: [price-annex]}\n")
    edit(root / EXAMPLE, "language: en", "language: de")
    line = next(n for n, text in enumerate((root / EXAMPLE).read_text(encoding="utf-8").split("\n"), start=1)
                if text.startswith("language:"))
    message = ("spells an amount in words (|words), which Clausier writes in fr, en only, not in 'de': write this "
               "agreement in one of those or remove |words from that text (language)")
    assert _agreement_errors(root) == [f"{EXAMPLE}:{line}:11: error: clauses/price-cover/de.md {message}"]
    edit(root / "templates" / "services.md.j2", "  clauses: [price-cover]\n", "  rows: [effective_date]\n")
    assert _agreement_errors(root) == [f"{EXAMPLE}:{line}:11: error: clauses/price-annex/de.md {message}"]
