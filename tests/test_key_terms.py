"""Key terms: a template declares a value once (`terms:`), an agreement sets it once, and every
clause that reads `terms.<name>` shows the same value, in every format; mistakes are reported at
the agreement's, the clause's or the template's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from clausier.build import build
from clausier.lint import run_checks

from conftest import write
from pdftext import docx_text, pdf_text

TERMS = """terms:
  ip_model:
    type: enum
    choices: [assigned, licensed]
    default: assigned
    label: {fr: Régime des droits, en: IP model}
  warranty_months:
    type: int
    min: 1
    max: 24
    default: 12
    label: {fr: Garantie (mois), en: Warranty (months)}
"""

# Two clauses read the same terms: the purpose states them, the liability clause relies on them.
PURPOSE_FR = ("\n{% if terms.ip_model == \"licensed\" %}Les livrables sont concédés sous licence au Client."
              "{% else %}Les livrables sont cédés au Client.{% endif %} "
              "Ils sont garantis {{ terms.warranty_months }} mois.\n")
PURPOSE_EN = ("\n{% if terms.ip_model == \"licensed\" %}The deliverables are licensed to the Client."
              "{% else %}The deliverables are assigned to the Client.{% endif %} "
              "They are warranted for {{ terms.warranty_months }} months.\n")
LIABILITY_FR = ("\nPendant la garantie de {{ terms.warranty_months }} mois, le Prestataire répond des livrables "
                "{{ 'concédés' if terms.ip_model == 'licensed' else 'cédés' }}.\n")
LIABILITY_EN = ("\nDuring the {{ terms.warranty_months }}-month warranty, the Provider answers for the "
                "{{ 'licensed' if terms.ip_model == 'licensed' else 'assigned' }} deliverables.\n")


@pytest.fixture
def terms_repo(repo: Path) -> Path:
    template = repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("closing: [signatures]\n", "closing: [signatures]\n" + TERMS))
    for clause, texts in (("purpose", (PURPOSE_FR, PURPOSE_EN)), ("liability", (LIABILITY_FR, LIABILITY_EN))):
        for language, text in zip(("fr", "en"), texts):
            path = repo / f"clauses/{clause}/{language}.md"
            path.write_text(path.read_text() + text)
    return repo


def _set_terms(repo: Path, lines: str, name: str = "acme-fr") -> Path:
    """The example agreement with `lines` added to its front matter (after `template:`)."""
    text = (repo / "agreements/acme-fr.md").read_text()
    return write(repo, f"agreements/{name}.md", text.replace("template: mini\n", "template: mini\n" + lines, 1))


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), start=1) if needle in line)


def test_a_term_set_once_reaches_every_clause_that_reads_it_in_every_format(terms_repo):
    _set_terms(terms_repo, "", name="defaults-fr")  # sets none: the template's defaults
    _set_terms(terms_repo, "terms: {ip_model: licensed, warranty_months: 18}\n")
    assert run_checks(terms_repo) == []
    report = build(terms_repo, formats=["pdf", "docx", "html"])
    assert report.ok, [str(e) for r in report.failed for e in r.errors]
    out = terms_repo / "build"
    for ident, ip_text, months, liability in (
            ("acme-fr", "concédés sous licence au Client", "18 mois", "garantie de 18 mois, le Prestataire répond "
             "des livrables concédés"),
            ("defaults-fr", "cédés au Client", "12 mois", "garantie de 12 mois, le Prestataire répond des "
             "livrables cédés")):
        texts = {"pdf": pdf_text(out / ident / f"{ident}.pdf"), "docx": docx_text(out / ident / f"{ident}.docx"),
                 "html": (out / ident / f"{ident}.html").read_text(encoding="utf-8")}
        for fmt, text in texts.items():
            text = " ".join(text.replace("\u00a0", " ").split())
            assert f"Les livrables sont {ip_text}." in text, (ident, fmt)
            assert f"Ils sont garantis {months}." in text, (ident, fmt)
            assert liability in text, (ident, fmt)
    assert "sous licence" not in pdf_text(out / "defaults-fr/defaults-fr.pdf")


def test_an_agreement_sets_only_declared_terms_of_the_right_type(terms_repo):
    _set_terms(terms_repo, "terms: {warranty_months: lots, ip_model: sold}\n", name="typed-fr")
    path = _set_terms(terms_repo, "terms:\n  ip_modle: licensed\n  warranty_months: 48\n")
    findings = [(f.path, f.line, f.message) for f in run_checks(terms_repo) if f.path.startswith("agreements/")]
    (unknown,) = [m for p, line, m in findings if (p, line) == ("agreements/acme-fr.md", _line_of(path, "ip_modle"))]
    assert "no term 'ip_modle'" in unknown and "did you mean 'ip_model'?" in unknown
    (above,) = [m for p, line, m in findings if (p, line) == ("agreements/acme-fr.md", _line_of(path, "warranty"))]
    assert "term 'warranty_months': 48 is above the maximum 24" in above
    typed = [m for p, _, m in findings if p == "agreements/typed-fr.md"]
    assert any("term 'warranty_months': expected a whole number, got 'lots'" in m for m in typed), typed
    assert any("term 'ip_model': expected one of assigned, licensed, got 'sold'" in m for m in typed), typed


def test_the_duration_is_not_a_key_term(terms_repo):
    path = _set_terms(terms_repo, "terms:\n  duration: 12 months\n")
    (finding,) = [f for f in run_checks(terms_repo) if f.path == "agreements/acme-fr.md" and f.level == "error"]
    assert finding.line == _line_of(path, "duration: 12 months")
    assert "`term: {duration: …}`, without s" in finding.message


def test_a_term_without_default_must_be_set(terms_repo):
    template = terms_repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("    default: 12\n", ""))
    messages = [f.message for f in run_checks(terms_repo) if f.path == "agreements/acme-fr.md"]
    assert any("needs a value for term 'warranty_months'" in m for m in messages), messages


def test_a_clause_reading_a_term_its_template_does_not_declare_is_reported_at_its_line(terms_repo):
    clause = terms_repo / "clauses/fees/en.md"
    clause.write_text(clause.read_text() + "\nPrices hold for {{ terms.price_hold_days }} days.\n")
    (finding,) = [f for f in run_checks(terms_repo) if f.rule == "key-terms"]
    assert (finding.path, finding.line) == ("clauses/fees/en.md", _line_of(clause, "price_hold_days"))
    assert "terms.price_hold_days is not declared by template 'mini'" in finding.message
    assert "declared: ip_model, warranty_months" in finding.message


def test_an_added_clause_reading_an_undeclared_term_is_reported_at_the_agreement(terms_repo):
    write(terms_repo, "clauses/escrow/clause.yml", "category: general\nversion: 1.0.0\n")
    for language, title in (("fr", "Séquestre"), ("en", "Escrow")):
        write(terms_repo, f"clauses/escrow/{language}.md", f"---\ntitle: {title}\nsummary: {title}.\nguidance:\n"
              "  when: Always.\n  negotiation: Little.\n  risks: Some.\n---\n{{ terms.escrow_agent }}\n")
    path = _set_terms(terms_repo, "clauses:\n  add: [escrow]\n")
    findings = [f for f in run_checks(terms_repo, [path]) if f.level == "error"]
    assert [(f.path, f.line, f.field) for f in findings if f.rule == "key-terms"] == [
        ("agreements/acme-fr.md", _line_of(path, "add: [escrow]"), "clauses.add.0")]
    (rendering,) = [f for f in findings if f.rule != "key-terms"]  # and where the text reads it
    assert (rendering.path, rendering.line) == ("clauses/escrow/fr.md", 9)
    assert "terms.escrow_agent is not a key term of this agreement's template" in rendering.message
    assert "reads term escrow_agent, which template 'mini' does not declare" in \
        [f.message for f in findings if f.rule == "key-terms"][0]
    library = [(f.path, f.line) for f in run_checks(terms_repo) if f.rule == "key-terms" and f.path[:8] == "clauses/"]
    assert library == [("clauses/escrow/en.md", 9), ("clauses/escrow/fr.md", 9)]  # declared by no template


def test_a_term_named_like_a_clause_parameter_is_reported_at_the_template_line(terms_repo):
    template = terms_repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("  warranty_months:\n", "  cure_days:\n"))
    (finding,) = [f for f in run_checks(terms_repo) if f.rule == "key-terms" and f.path == "templates/mini.md.j2"]
    assert finding.line == _line_of(template, "cure_days:")
    assert "term 'cure_days' is also a parameter of clause 'termination'" in finding.message


def test_a_default_outside_the_terms_type_is_reported_at_the_template(terms_repo):
    template = terms_repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("default: 12", "default: 36"))
    findings = [f for f in run_checks(terms_repo) if f.path == "templates/mini.md.j2"]
    assert [f.field for f in findings] == ["terms.warranty_months"]
    assert _line_of(template, "warranty_months:") <= findings[0].line <= _line_of(template, "default: 36")
    assert "default: 36 is above the maximum 24" in findings[0].message


def test_the_handbook_lists_a_templates_terms_and_the_terms_a_clause_reads(terms_repo):
    from clausier.handbook.pages import clause_page, template_page
    from clausier.repository import load_repository

    library = load_repository(terms_repo)
    page = template_page(library, "mini", with_specimens=False).content
    assert "## Termes clés / Key terms" in page
    assert "| `ip_model` | enum | `assigned` | `assigned` · `licensed` | Régime des droits | IP model |" in page
    assert "| `warranty_months` | int | `12` | ≥ 1, ≤ 24 |" in page
    purpose = clause_page(library, library.clauses["purpose"], None).content
    assert "**Termes clés lus / Key terms read:** `ip_model`, `warranty_months`" in purpose
    assert "Key terms" not in clause_page(library, library.clauses["fees"], None).content


def test_a_new_agreement_lists_the_templates_terms_and_checks_clean(terms_repo):
    from click.testing import CliRunner

    from clausier.cli import main

    template = terms_repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("    default: 12\n", ""))  # one the agreement must set
    (terms_repo / "agreements/acme-fr.md").unlink()
    result = CliRunner().invoke(main, ["--root", str(terms_repo), "new", "--template", "mini", "--lang", "fr",
                                       "--id", "fresh"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = (terms_repo / "agreements/fresh.md").read_text()
    assert 'ip_model: "assigned"    # Régime des droits: assigned, licensed' in text
    assert "warranty_months: 1    # required: Garantie (mois)" in text
    assert [f for f in run_checks(terms_repo) if f.level == "error"] == []


def test_the_handbook_renders_a_clause_with_the_terms_of_the_template_that_declares_them(terms_repo):
    # "basic" sorts first: the handbook renders every clause in its specimen, which declares no terms.
    mini = (terms_repo / "templates/mini.md.j2").read_text()
    basic = mini[:mini.index("terms:")].replace("  - purpose\n", "").replace("  - liability\n", "")
    write(terms_repo, "templates/basic.md.j2", basic.replace("requires: [parties, scope, fees, termination]",
                                                              "requires: [parties, fees, termination]") +
          "---\n{% extends \"_base.md.j2\" %}\n")
    assert [f for f in run_checks(terms_repo) if f.level == "error"] == []
