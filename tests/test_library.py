"""The project's clause library and its four contract types, checked as a whole."""

from __future__ import annotations

import pytest

from clausier.assemble import SPECIAL_CONDITIONS
from clausier.pipeline import render_outputs
from clausier.handbook.pages import specimen_sessions
from clausier.handbook.specimens import specimen_agreement
from clausier.models import LANGUAGES
from clausier.repository import agreement_paths, load_agreement, load_repository

from conftest import PROJECT

TYPES = ["general-services", "consulting", "after-sales", "artist-services"]

# The seed article's essential elements, and the clauses that can cover each one.
ESSENTIAL = {
    "parties": {"parties"},
    "scope": {"purpose", "scope"},
    "deliverables": {"scope", "consulting-deliverables", "artistic-work", "covered-products"},
    "exclusions": {"scope", "maintenance-exclusions"},
    "fees": {"fees"},
    "payment schedule": {"payment-schedule"},
    "late payment": {"late-payment"},
    "payment methods": {"payment-methods"},
    "duration": {"duration", "maintenance-term", "artistic-work"},
    "responsibilities": {"obligations", "service-levels", "artist-logistics"},
    "confidentiality": {"confidentiality"},
    "termination": {"termination", "cancellation"},
    # after-sales: the intervention clause settles embedded software rights (nothing is assigned)
    "intellectual property": {"intellectual-property", "rights-granted", "moral-rights", "intervention"},
    "disputes": {"disputes"},
}


@pytest.fixture(scope="module")
def library():
    repo = load_repository(PROJECT)
    assert [str(f) for f in repo.findings] == []
    return repo


def _required_clauses(template) -> set[str]:
    meta = template.meta
    return {s.id for s in meta.slots() if not s.optional} | set(meta.preamble) | set(meta.closing)


def test_the_four_contract_types_exist(library):
    assert sorted(n for n, t in library.templates.items() if t.meta) == sorted(TYPES)


@pytest.mark.parametrize("template", TYPES)
def test_every_essential_element_is_covered_by_a_required_clause(library, template):
    present = _required_clauses(library.templates[template])
    missing = [element for element, clauses in ESSENTIAL.items() if not clauses & present]
    assert missing == [], f"{template} does not cover {missing}"


@pytest.mark.parametrize("template", TYPES)
def test_required_categories_are_covered_by_required_clauses(library, template):
    meta = library.templates[template].meta
    categories = {library.clauses[c].meta.category for c in _required_clauses(library.templates[template])
                  if c != SPECIAL_CONDITIONS}
    assert set(meta.requires) <= categories


@pytest.mark.parametrize("template", TYPES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_builds_to_pdf_in_both_languages(library, template, language):
    _, outputs = render_outputs(library, specimen_agreement(library, template, language), ["pdf"])
    text = pdf_text_from_bytes(outputs["pdf"])
    title = library.templates[template].meta.title[language]
    assert title in text
    assert ("Article 1 —" if language == "fr" else "Clause 1 —") in text


def pdf_text_from_bytes(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_every_clause_and_variant_renders_in_both_languages_with_default_parameters(library):
    sessions = specimen_sessions(library)
    for clause in library.clauses.values():
        for variant in clause.variants():
            for language in LANGUAGES:
                text = sessions[language].clause(clause.id, variant)
                assert len(text) > 40, (clause.id, variant, language)


def test_negotiable_clauses_have_a_fallback_with_its_approval(library):
    for clause_id in ("liability", "payment-schedule", "intellectual-property", "termination", "confidentiality"):
        variants = library.clauses[clause_id].meta.variants
        assert variants, clause_id
        assert all(v.approval for v in variants.values())


def test_the_examples_cover_each_type_in_each_language_and_the_fee_models(library):
    agreements = [load_agreement(library, p) for p in agreement_paths(library)]
    assert len(agreements) >= 8
    pairs = {(a.model.template, a.model.language) for a in agreements}
    assert pairs >= {(t, lang) for t in TYPES for lang in LANGUAGES}
    models = {a.model.fees.model for a in agreements}
    assert {"fixed", "daily", "retainer"} <= models
    assert any(a.model.fees.model == "fixed" and a.model.schedule for a in agreements)
    with_fallback = [a for a in agreements if a.model.clauses.variants]
    assert with_fallback
    for agreement in with_fallback:
        approved = {x.variant for x in agreement.model.approvals}
        for clause_id, variant in agreement.model.clauses.variants.items():
            assert f"{clause_id}/{variant}" in approved, agreement.path


@pytest.mark.parametrize("template", TYPES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_clausier_new_writes_agreements_that_validate_and_assemble_for_every_type(library, template, language,
                                                                                 tmp_path):
    import datetime as dt
    import shutil

    from clausier.assemble import assemble
    from clausier.skeleton import skeleton

    root = tmp_path / "repo"
    for name in ("clauses", "templates"):
        shutil.copytree(PROJECT / name, root / name)
    shutil.copy(PROJECT / "clausier.yml", root / "clausier.yml")
    path = root / "agreements" / "new.md"
    path.parent.mkdir()
    path.write_text(skeleton(library, template, language, "new", dt.date(2026, 11, 26)), encoding="utf-8")
    repo = load_repository(root)
    assembled = assemble(repo, load_agreement(repo, path))
    assert library.templates[template].meta.title[language] in assembled.markdown
