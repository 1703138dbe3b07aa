"""Handbook page generation: a pure function of the library."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import write
from clausier.handbook import worker
from clausier.handbook.pages import clause_pages, handbook_outline, handbook_pages
from clausier.repository import load_repository

GOLDEN = Path(__file__).parent / "golden"


def _book(repo: Path, **kwargs):
    return handbook_pages(load_repository(repo), {"liability": "2026-11-20"}, **kwargs)


def test_clause_page_matches_the_golden_markdown(repo):
    page = next(p for p in _book(repo).pages if p.path == "clauses/liability/liability.md")
    golden = GOLDEN / "handbook-liability.md"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(page.content, encoding="utf-8")
    assert page.content == golden.read_text(encoding="utf-8")


def test_clause_page_shows_both_languages_guidance_parameters_and_templates(repo):
    page = next(p for p in _book(repo).pages if p.path == "clauses/termination/termination.md")
    text = page.content
    assert '=== "Français"' in text and '=== "English"' in text
    assert "pendant ==30== jours" in text and "for ==30== days" in text  # parameter highlighted
    assert "### Quand l'utiliser · When to use it { #when }" in text and "### Risques · Risks { #risks }" in text
    assert "| `cure_days` | int | `30` | ≥ 8, ≤ 90 | Délai | Cure period |" in text
    assert "[Contrat de prestation de services](../../contract-types/mini.md)" in text
    assert "**Version:** 1.0.0" in text


def test_variant_shows_its_approval_and_difference(repo):
    page = next(p for p in _book(repo).pages if p.path == "clauses/liability/liability.md")
    assert "**Approbation requise / Approval required:** Direction juridique" in page.content
    assert "plafonnée au {--prix payé.--} {++double du prix.++}" in page.content
    assert "capped at {++twice++} the" in page.content


def test_template_page_lists_structure_categories_and_specimens(repo):
    page = next(p for p in _book(repo).pages if p.path == "contract-types/mini.md")
    text = page.content
    assert "| 4 | [Non-sollicitation](../clauses/non-solicitation/non-solicitation.md) |" in text
    assert "**optional**" in text
    assert "- Prix / Fees" in text
    assert "(specimens/mini-fr.pdf)" in text and "(specimens/mini-en.docx)" in text
    assert "(specimens/" not in next(p for p in _book(repo, with_specimens=False).pages
                                     if p.path == "contract-types/mini.md").content


def test_navigation_groups_clauses_by_category(repo):
    book = _book(repo)
    clauses = book.nav[0]["Clauses"]
    assert clauses[0] == "clauses/index.md"
    assert {"Résiliation / Termination": ["clauses/termination/index.md", "clauses/termination/termination.md"]} in clauses
    assert book.specimens == [("mini", "fr"), ("mini", "en")]


def test_no_page_says_anything_from_an_agreement(repo):
    for page in _book(repo).pages:
        assert "Atelier Lumière" not in page.content and "acme" not in page.content


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "in-process"])
def test_clause_pages_from_the_page_worker_are_the_rendered_pages(repo, monkeypatch, fork):
    monkeypatch.setattr(worker, "_can_fork", lambda: fork)
    library = load_repository(repo)
    outline = handbook_outline(library)
    assert [p.path for p in outline.pages if p.content is None] == [
        p.path for p in outline.pages if p.path.split("/")[-1] != "index.md" and p.path.startswith("clauses/")]
    paths = [p.path for p in outline.pages if p.content is None]
    source = worker.PageSource(paths, lambda: clause_pages(library, outline.clauses, {"liability": "2026-11-20"}),
                               lambda path, markdown: markdown.upper(),
                               lambda path, markdown, converted: (converted or markdown.upper()).count("É"))
    assert source.forked == fork and source.indexes == fork
    expected = {p.path: p.content for p in _book(repo).pages}
    for path in reversed(paths):  # in any order MkDocs asks
        assert source.content(path) == expected[path]
    # Each page is converted once: by the worker (which hands it over) or by the caller.
    converted = {path: source.converted(path) for path in paths}
    by_worker = {path for path, html in converted.items() if html is not None}
    assert all(converted[path] == expected[path].upper() for path in by_worker)
    if not fork:
        assert not by_worker
        return
    # The worker indexes every page: those it converted, and those the caller converted and sent.
    for path in sorted(set(paths) - by_worker):
        source.index_later(path, expected[path].upper())
    assert [source.index(path) for path in paths] == [expected[path].upper().count("É") for path in paths]


def test_the_page_worker_reports_a_clause_that_does_not_render(repo):
    clause = repo / "clauses/liability/en.md"
    clause.write_text(clause.read_text() + "See {{ ref(\"warranty\") }}.\n")
    library = load_repository(repo)
    outline = handbook_outline(library)
    paths = [p.path for p in outline.pages if p.content is None]
    source = worker.PageSource(paths, lambda: clause_pages(library, outline.clauses, {}))
    with pytest.raises(worker.PageError, match="clause 'liability' does not render with specimen data"):
        for path in paths:
            source.content(path)


def _second_template(repo: Path) -> None:
    """A second contract type that puts termination first: the clause has two article numbers."""
    text = (repo / "templates/mini.md.j2").read_text()
    text = text.replace("Contrat de prestation de services", "Contrat court").replace("Services Agreement", "Short")
    text = text.replace("  - purpose\n  - fees\n  - liability\n  - {id: non-solicitation, optional: true}\n"
                        "  - termination\n", "  - termination\n  - purpose\n  - fees\n")
    (repo / "templates/short.md.j2").write_text(text)


def test_a_clause_page_numbers_its_article_per_template_and_prints_no_specimen_number(repo):
    _second_template(repo)
    pages = {p.path: p.content for p in _book(repo).pages}
    termination = pages["clauses/termination/termination.md"]
    assert ("**Article:** **5** in [Contrat de prestation de services](../../contract-types/mini.md) · "
            "**1** in [Contrat court](../../contract-types/short.md)") in termination
    # The texts were rendered in a specimen holding every clause (termination is its article 5):
    # its sub-clauses read X.1, X.2, never 5.1 nor 1.1.
    assert "**X.1**\u00a0En cas de manquement" in termination and "**X.2**\u00a0The clauses survive." in termination
    assert not re.search(r"\*\*\d+\.\d+\*\*", termination)
    assert "X is the article's number in the contract" in termination
    # A reference names the clause it points to and links to its page, in the text's language.
    purpose = pages["clauses/scope/purpose.md"]
    assert "l'article «\u00a0[Prix](../fees/fees.md)\u00a0»" in purpose
    assert "Clause “[Termination](../termination/termination.md)”" in purpose
    assert not re.search(r"\[\d+\]\(", purpose)
    # The template pages give the same numbers.
    assert "| 5 | [Résiliation](../clauses/termination/termination.md) |" in pages["contract-types/mini.md"]
    assert "| 1 | [Résiliation](../clauses/termination/termination.md) |" in pages["contract-types/short.md"]


def test_a_clause_no_template_holds_has_no_article_number(repo):
    write(repo, "clauses/audit/clause.yml", "category: general\nversion: 1.0.0\n")
    for lang in ("fr", "en"):
        write(repo, f"clauses/audit/{lang}.md", "---\ntitle: Audit\nsummary: S.\n"
              "guidance: {when: W., negotiation: N., risks: R.}\n---\n## Titre\n\nTexte.\n")
    audit = next(p for p in _book(repo).pages if p.path == "clauses/general/audit.md").content
    assert "**Article:** none yet: no template holds this clause" in audit
    assert "**X.1 Titre**" in audit


def test_guidance_comes_before_the_texts_as_headings_in_both_languages(repo):
    page = next(p for p in _book(repo).pages if p.path == "clauses/termination/termination.md").content
    headings = re.findall(r"^#{2,3} (.+)$", page, re.M)
    assert headings[:5] == ["Conseils / Guidance", "Quand l'utiliser · When to use it { #when }",
                            "Négociation · Negotiation { #negotiation }", "Risques · Risks { #risks }",
                            "Texte / Text"]
    when = page[page.index("{ #when }"):page.index("{ #negotiation }")]
    assert '<div lang="fr">\n\n    Always.' in when and '<div lang="en">' in when
