"""The project's own library and example agreements, built for real."""

from __future__ import annotations

import re

import pytest

from clausier.assemble import assemble
from clausier.build import build
from clausier.repository import load_agreement, load_repository

from conftest import PROJECT
from pdftext import pdf_text

PROVIDER_040 = "Rhône Cuisine Maintenance"  # the provider of agreements/2026-040-…
EXAMPLES = sorted(p.name[:-3] for p in (PROJECT / "agreements").glob("*.md"))


@pytest.fixture(scope="module")
def library():
    return load_repository(PROJECT)


def test_the_library_loads_without_findings(library):
    assert [str(f) for f in library.findings] == []
    assert "general-services" in library.templates


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_reference_carries_the_number_of_its_article(library, name):
    markdown = assemble(library, load_agreement(library, PROJECT / "agreements" / f"{name}.md")).markdown
    numbers = dict((i, n) for n, i in re.findall(r"^# (?:Article|Clause) (\d+) — .+ \{#art-([a-z-]+)\}$", markdown, re.M))
    refs = re.findall(r"\[(\d+)\]\(#art-([a-z-]+)\)", markdown)
    assert refs, "the examples use cross-references"
    for number, target in refs:
        assert numbers[target] == number, f"ref to {target} says {number}, heading says {numbers[target]}"
    assert list(numbers.values()) == [str(n) for n in range(1, len(numbers) + 1)]


def test_examples_build_to_pdf_and_read_as_contracts(tmp_path):
    report = build(PROJECT, formats=["pdf", "md"], out=tmp_path)
    assert report.ok, [(r.path, r.errors) for r in report.failed]
    assert len(report.results) == len(EXAMPLES) >= 2
    french = pdf_text(tmp_path / "2026-014-atelier-lumiere/2026-014-atelier-lumiere.pdf")
    assert "Contrat de prestation de services" in french and "Atelier Lumière SARL" in french
    assert "douze mille euros" in french and "Lu et approuvé" in french
    english = pdf_text(tmp_path / "2026-021-harbour-light/2026-021-harbour-light.pdf")
    assert "Services Agreement" in english and "Harbour Light Analytics Ltd" in english
    assert "€4,500.00" in english and "four thousand five hundred euros" in english
    # The PDF's metadata (the style sets them after the body): title, and as author the brand,
    # or the other provider whose agreement it is.
    from pypdf import PdfReader

    own = PdfReader(tmp_path / "2026-014-atelier-lumiere/2026-014-atelier-lumiere.pdf").metadata
    # The title names the agreement: its contract type and its client (issue 20, item 8).
    assert (own["/Title"], own["/Author"]) == ("Contrat de prestation de services — Atelier Lumière SARL",
                                               "Clair Obscur Studio")
    theirs = PdfReader(tmp_path / "2026-040-brasserie-des-canuts-maintenance/2026-040-brasserie-des-canuts-maintenance.pdf")
    assert theirs.metadata["/Author"] == PROVIDER_040 and theirs.metadata["/Title"]


def test_the_example_with_a_fallback_records_its_approval(library):
    agreement = load_agreement(library, PROJECT / "agreements/2026-014-atelier-lumiere.md")
    assert agreement.model.clauses.variants == {"liability": "fallback-1"}
    assert agreement.model.approvals[0].variant == "liability/fallback-1"
