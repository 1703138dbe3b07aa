"""One failing and one passing case for each core check rule."""

from __future__ import annotations

import os
import pkgutil
from pathlib import Path

import clausier.lint.rules as rules_package
from clausier.lint import RULES, run_checks

from conftest import PROJECT, write


def _by_rule(root: Path, rule: str):
    return [f for f in run_checks(root) if f.rule == rule]


def test_every_rule_module_is_registered_once_and_documented():
    modules = {m.name for m in pkgutil.iter_modules(rules_package.__path__)}
    registered = [r.check.__module__.rsplit(".", 1)[-1] for r in RULES]
    assert sorted(registered) == sorted(modules)
    assert len({r.id for r in RULES}) == len(RULES)
    readme = (PROJECT / "README.md").read_text()
    reference = (PROJECT / "docs/reference/check-rules.md").read_text()  # generated: `make reference`
    for rule in RULES:
        assert f"`{rule.id}`" in readme, f"rule {rule.id} is not listed in the README"
        assert f"## `{rule.id}` {{#{rule.id}}}" in reference, f"rule {rule.id} has no section in the reference"


def test_the_mini_repository_is_clean(repo):
    assert run_checks(repo) == []


def test_schema_reports_a_broken_clause_file_with_its_place(repo):
    meta = repo / "clauses/fees/clause.yml"
    meta.write_text(meta.read_text() + "colour: blue\n")
    findings = _by_rule(repo, "schema")
    assert ("clauses/fees/clause.yml", 3, 1) in {(f.path, f.line, f.col) for f in findings}
    assert any(f.path == "agreements/acme-fr.md" and "'fees', which has errors" in f.message for f in findings)


def test_repository_hygiene_refuses_symbolic_links_anywhere_in_content(repo):
    os.symlink(repo / "clauses/fees/fr.md", repo / "docs-link.md")  # outside content folders: ignored
    assert _by_rule(repo, "repository") == []
    os.symlink(repo / "clauses/fees/fr.md", repo / "templates/linked.md")
    findings = _by_rule(repo, "repository")
    assert [f.path for f in findings] == ["templates/linked.md"]
    assert "symbolic link" in findings[0].message


def test_hidden_characters_in_a_clause_are_errors(repo):
    clause = repo / "clauses/fees/en.md"
    clause.write_text(clause.read_text().replace("The price", "The\u2067 price"))
    (finding,) = [f for f in run_checks(repo) if f.rule == "hidden-characters"]
    assert finding.path == "clauses/fees/en.md" and finding.level == "error" and finding.col > 1


def test_look_alike_letters_in_a_party_name_are_a_warning(repo):
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("name: Atelier Lumière SARL", "name: Atelier Lumi\u0435re SARL"))
    (finding,) = _by_rule(repo, "mixed-script")
    assert finding.level == "warning" and finding.field == "client.name" and "cyrillic and latin" in finding.message


def test_text_not_in_nfc_is_a_warning_in_clauses_too(repo):
    clause = repo / "clauses/fees/fr.md"
    clause.write_text(clause.read_text().replace("Échéancier", "E\u0301chéancier"))
    (finding,) = _by_rule(repo, "unicode-nfc")
    assert finding.path == "clauses/fees/fr.md" and finding.level == "warning"


def test_parity_between_french_and_english(repo):
    clause = repo / "clauses/termination/en.md"
    clause.write_text(clause.read_text().replace("##\n\nThe clauses survive.", "The clauses survive."))
    (finding,) = _by_rule(repo, "parity")
    assert finding.path == "clauses/termination/en.md" and "(fr: 2, en: 1)" in finding.message


def test_completeness_when_an_optional_clause_carried_a_required_category(repo):
    template = repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("requires: [parties, scope, fees, termination]",
                                                     "requires: [parties, scope, fees, termination, non-solicitation]"))
    assert _by_rule(repo, "completeness") == []
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("signature:", "clauses:\n  omit: [non-solicitation]\nsignature:"))
    (finding,) = _by_rule(repo, "completeness")
    assert finding.level == "error" and "'non-solicitation'" in finding.message
    assert finding.line == agreement.read_text().split("\n").index("  omit: [non-solicitation]") + 1


def test_a_reference_to_an_omitted_clause_is_an_error_in_the_clause_that_makes_it(repo):
    clause = repo / "clauses/liability/fr.md"
    clause.write_text(clause.read_text() + '\nVoir l\'article {{ ref("non-solicitation") }}.\n')
    assert _by_rule(repo, "cross-reference") == []
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("signature:", "clauses:\n  omit: [non-solicitation]\nsignature:"))
    (finding,) = _by_rule(repo, "cross-reference")
    line = clause.read_text().split("\n").index('Voir l\'article {{ ref("non-solicitation") }}.') + 1
    assert (finding.path, finding.line) == ("clauses/liability/fr.md", line)
    assert "has_clause('non-solicitation')" in finding.message


def test_a_reference_to_no_clause_at_all_is_an_error_in_the_library(repo):
    write(repo, "clauses/audit/clause.yml", "category: general\nversion: 1.0.0\n")
    for lang in ("fr", "en"):
        write(repo, f"clauses/audit/{lang}.md", "---\ntitle: Audit\nsummary: s\nguidance: {when: w, negotiation: n, "
              "risks: r}\n---\nSelon {{ ref(\"inexistante\") }}.\n")
    findings = _by_rule(repo, "cross-reference")
    assert {(f.path, f.line) for f in findings} == {("clauses/audit/fr.md", 6), ("clauses/audit/en.md", 6)}
