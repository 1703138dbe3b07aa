"""Handbook page generation: a pure function of the library."""

from __future__ import annotations

import os
from pathlib import Path

from clausier.handbook.pages import handbook_pages
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
    assert '!!! tip "Quand l\'utiliser"' in text and '!!! warning "Risks"' in text
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
