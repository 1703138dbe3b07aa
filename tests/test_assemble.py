"""Assembly: numbering, references, clause choices, parameters and the sandbox."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from clausier.assemble import assemble, plan_agreement
from clausier.errors import ContentError
from clausier.repository import load_agreement, load_repository

from conftest import AGREEMENT_FR, write

GOLDEN = Path(__file__).parent / "golden"


def _assemble(root: Path, name: str = "acme-fr"):
    repo = load_repository(root)
    assert repo.findings == []
    return assemble(repo, load_agreement(repo, root / "agreements" / f"{name}.md"))


def _agreement(root: Path, front_matter_extra: str = "", body: str | None = None, name: str = "acme-fr",
               replace: tuple[str, str] | None = None) -> Path:
    text = AGREEMENT_FR.lstrip("\n")
    if replace:
        text = text.replace(*replace)
    head, rest = text.split("\n---\n", 1)
    text = head + "\n" + front_matter_extra.strip("\n") + "\n---\n" + (rest if body is None else body)
    return write(root, f"agreements/{name}.md", text)


def _errors(root: Path, name: str = "acme-fr") -> list[str]:
    with pytest.raises(ContentError) as caught:
        _assemble(root, name)
    return [str(f) for f in caught.value.findings]


def test_assembled_markdown_matches_the_golden_file(repo):
    markdown = _assemble(repo).markdown
    golden = GOLDEN / "mini-acme-fr.md"
    if os.environ.get("UPDATE_GOLDEN") == "1":  # after a deliberate change: UPDATE_GOLDEN=1 make test
        golden.write_text(markdown, encoding="utf-8")
    assert markdown == golden.read_text(encoding="utf-8")


def test_articles_are_numbered_and_refs_agree(repo):
    markdown = _assemble(repo).markdown
    headings = re.findall(r"^# Article (\d+) — (.+?) \{#art-([a-z-]+)\}$", markdown, re.M)
    assert [(n, i) for n, _, i in headings] == [
        ("1", "purpose"), ("2", "fees"), ("3", "liability"), ("4", "non-solicitation"),
        ("5", "termination"), ("6", "special-conditions"),
    ]
    assert "décrites à l'article [2](#art-fees)" in markdown
    assert "l'article [5](#art-termination)" in markdown


def test_english_uses_clause_headings(repo):
    _agreement(repo, replace=("language: fr", "language: en"))
    markdown = _assemble(repo).markdown
    assert "# Clause 2 — Fees {#art-fees}" in markdown
    assert "€12,000.00" in markdown and "twelve thousand euros" in markdown
    assert "# Clause 6 — Special conditions" in markdown


def test_omitting_an_optional_clause_renumbers_and_refs_follow(repo):
    _agreement(repo, "clauses: {omit: [non-solicitation]}")
    markdown = _assemble(repo).markdown
    assert "non-solicitation" not in markdown
    assert "# Article 4 — Résiliation {#art-termination}" in markdown
    assert "l'article [4](#art-termination)" in markdown


def test_omitting_a_required_clause_is_an_error_naming_the_optional_ones(repo):
    _agreement(repo, "clauses:\n  omit: [fees]")
    (error,) = _errors(repo)
    assert error.startswith("agreements/acme-fr.md:")
    assert "'fees' is required" in error and "optional clauses: non-solicitation" in error


def test_adding_a_clause_places_it_before_special_conditions(repo):
    write(repo, "clauses/audit/clause.yml", "category: general\nversion: 1.0.0\n")
    for lang, title in (("fr", "Audit"), ("en", "Audit")):
        write(repo, f"clauses/audit/{lang}.md", f"---\ntitle: {title}\nsummary: s\nguidance: {{when: w, "
              "negotiation: n, risks: r}\n---\nLe Client peut auditer.\n")
    _agreement(repo, "clauses: {add: [audit]}")
    markdown = _assemble(repo).markdown
    assert "# Article 6 — Audit {#art-audit}" in markdown
    assert "# Article 7 — Conditions particulières" in markdown


def test_variant_text_is_used(repo):
    _agreement(repo, "clauses: {variants: {liability: fallback-1}}")
    assert "plafonnée au double du prix" in _assemble(repo).markdown


def test_unknown_variant_template_and_clause_list_the_valid_names(repo):
    _agreement(repo, "clauses: {variants: {liability: fallback-9}, add: [nope]}")
    errors = _errors(repo)
    assert any("no variant 'fallback-9'; valid variants: standard, fallback-1" in e for e in errors)
    assert any("unknown clause 'nope'; valid clauses:" in e and "termination" in e for e in errors)
    _agreement(repo, replace=("template: mini", "template: maxi"))
    (error,) = _errors(repo)
    assert "template 'maxi' is unknown; valid templates: mini" in error
    assert error.startswith("agreements/acme-fr.md:2:")


def test_unknown_language_is_an_error_listing_the_valid_ones(repo):
    _agreement(repo, replace=("language: fr", "language: de"))
    (error,) = _errors(repo)
    assert "languages available: fr, en" in error and "(language)" in error and error.startswith("agreements/acme-fr.md:3:11:")


def test_parameters_come_from_defaults_then_template_then_agreement(repo):
    assert "pendant 30 jours" in _assemble(repo).markdown
    template = (repo / "templates/mini.md.j2").read_text()
    write(repo, "templates/mini.md.j2", template.replace("closing:", "parameters: {termination: {cure_days: 45}}\nclosing:"))
    assert "pendant 45 jours" in _assemble(repo).markdown
    _agreement(repo, "clauses: {parameters: {termination: {cure_days: 60}}}")
    assert "pendant 60 jours" in _assemble(repo).markdown


def test_parameter_out_of_bounds_or_unknown_is_an_error_with_its_line(repo):
    path = _agreement(repo, "clauses:\n  parameters:\n    termination:\n      cure_days: 3\n      grace: 2")
    errors = _errors(repo)
    line_of = {line.strip().split(":")[0]: n for n, line in enumerate(path.read_text().split("\n"), start=1)}
    assert any(e.startswith(f"agreements/acme-fr.md:{line_of['cure_days']}:") and "below the minimum 8" in e
               for e in errors)
    assert any(e.startswith(f"agreements/acme-fr.md:{line_of['grace']}:") and "no parameter 'grace'" in e
               for e in errors)


def test_missing_variable_is_an_error_naming_the_clause_file_and_variable(repo):
    path = repo / "clauses/liability/fr.md"
    path.write_text(path.read_text() + "\nPlafond : {{ plafond_global }}.\n")
    (error,) = _errors(repo)
    line = len(path.read_text().rstrip("\n").split("\n"))
    assert error.startswith(f"clauses/liability/fr.md:{line}:")
    assert "undefined variable" in error and "plafond_global" in error


def test_missing_front_matter_key_is_an_error_not_an_empty_string(repo):
    path = repo / "clauses/purpose/fr.md"
    path.write_text(path.read_text() + "\nContact : {{ client.website }}.\n")
    (error,) = _errors(repo)
    assert "clauses/purpose/fr.md" in error and "website" in error


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ client.__class__ }}",
        "{% import 'os' as os %}",
        "{% include '/etc/passwd' %}",
        "{% include '../../../../etc/passwd' %}",
        "{{ lipsum.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ schedule.append(1) }}",
        "{{ range.__self__ }}",
    ],
)
def test_sandbox_payloads_in_a_clause_are_refused(repo, payload):
    path = repo / "clauses/purpose/fr.md"
    path.write_text(path.read_text() + "\n" + payload + "\n")
    errors = _errors(repo)
    assert errors and all("clauses/purpose/fr.md" in e or "templates/" in e for e in errors)


def test_a_template_cannot_include_files_outside_templates(repo):
    template = (repo / "templates/mini.md.j2").read_text()
    write(repo, "templates/mini.md.j2", template + "\n{% include 'clausier.yml' %}\n")
    (error,) = _errors(repo)
    assert "not found" in error or "templates/" in error


def test_template_that_forgets_a_clause_is_an_error(repo):
    template = (repo / "templates/mini.md.j2").read_text()
    write(repo, "templates/mini.md.j2", template.replace('{% extends "_base.md.j2" %}', "{{ clause('purpose') }}"))
    (error,) = _errors(repo)
    assert "never places" in error and "fees" in error


def test_special_conditions_heading_inside_the_body_is_refused_with_its_line(repo):
    path = _agreement(repo, body="Texte.\n\n# Titre\n")
    (error,) = _errors(repo)
    expected_line = path.read_text().split("\n").index("# Titre") + 1
    assert error.startswith(f"agreements/acme-fr.md:{expected_line}:")


def test_no_body_means_no_special_conditions_article(repo):
    _agreement(repo, body="\n")
    assert "Conditions particulières" not in _assemble(repo).markdown


def test_plan_is_data_with_numbers_before_any_text(repo):
    repository = load_repository(repo)
    plan = plan_agreement(repository, load_agreement(repository, repo / "agreements/acme-fr.md"))
    assert [(a.id, a.number) for a in plan.articles][:3] == [("parties", None), ("purpose", 1), ("fees", 2)]
    assert plan.parameters["termination"] == {"cure_days": 30}
