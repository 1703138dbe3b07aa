"""What a template calls the parties (`roles:`): the cover's rows and `{{ roles.provider }}` in
clauses, in every format; mistakes at their line. And a field an agreement leaves out that a
clause reads (`provider.representative.name`), named at the agreement's line."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from clausier.build import build
from clausier.lint import run_checks

ROLES = """roles:
  provider: {fr: Partie 1, en: Party 1}
  client: {fr: Partie 2, en: Party 2}
terms:
  ip_model: {type: enum, choices: [assigned, licensed], default: licensed, label: {fr: Régime, en: IP model}}
cover:
  terms: [ip_model]
"""
SENTENCE = {"en": "\n{{ roles.provider }} and {{ roles.client }} sign below.\n",
            "fr": "\n{{ roles.provider }} et {{ roles.client }} signent ci-dessous.\n"}


def _words(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), start=1) if needle in line)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def _with_template(repo: Path, extra: str) -> Path:
    template = repo / "templates/mini.md.j2"
    template.write_text(template.read_text().replace("closing: [signatures]\n", "closing: [signatures]\n" + extra))
    return template


@pytest.fixture
def roles_repo(repo: Path) -> Path:
    """The mini library whose template names the parties "Party 1" and "Party 2", with a cover;
    its purpose clause prints the roles; the example agreement in English and in French."""
    _with_template(repo, ROLES)
    for language, sentence in SENTENCE.items():
        _append(repo / f"clauses/purpose/{language}.md", sentence)
    french = (repo / "agreements/acme-fr.md").read_text()
    (repo / "agreements/acme-en.md").write_text(french.replace("language: fr\n", "language: en\n").replace(
        "Le Prestataire assure une formation d'une demi-journée.", "The Provider gives a half-day training."))
    return repo


def test_the_roles_name_the_parties_on_the_cover_and_in_clauses(roles_repo):
    assert [str(f) for f in run_checks(roles_repo) if f.level == "error"] == []
    report = build(roles_repo, formats=["pdf", "docx", "html", "md"])
    assert report.ok, [str(e) for r in report.failed for e in r.errors]
    out = roles_repo / "build/acme-en"

    cover = _words(PdfReader(out / "acme-en.pdf").pages[0].extract_text())
    assert "Party 1 Clair Obscur Studio" in cover and "Party 2 Atelier Lumière SARL" in cover, cover
    assert "Provider" not in cover and "Client" not in cover
    body = _words(" ".join(page.extract_text() for page in PdfReader(out / "acme-en.pdf").pages[1:]))
    assert "Party 1 and Party 2 sign below." in body

    cells = [cell.text for table in docx.Document(out / "acme-en.docx").tables for row in table.rows
             for cell in row.cells]
    assert cells[2:6] == ["Party 1", "Clair Obscur Studio", "Party 2", "Atelier Lumière SARL"], cells[:8]
    html = _words((out / "acme-en.html").read_text(encoding="utf-8"))
    assert '<td style="text-align: left;">Party 1</td>' in html and "<p>Party 1 and Party 2 sign below.</p>" in html
    markdown = (out / "acme-en.md").read_text(encoding="utf-8")
    assert "| Party 1 | Clair Obscur Studio |\n| Party 2 | Atelier Lumière SARL |" in markdown

    french = (roles_repo / "build/acme-fr/acme-fr.md").read_text(encoding="utf-8")
    assert "| Partie 1 | Clair Obscur Studio |" in french and "Partie 1 et Partie 2 signent ci-dessous." in french


def test_without_roles_clauses_print_the_usual_words(repo):
    for language, sentence in SENTENCE.items():
        _append(repo / f"clauses/purpose/{language}.md", sentence)
    assert build(repo, formats=["md"]).ok
    assert "Prestataire et Client signent ci-dessous." in (repo / "build/acme-fr/acme-fr.md").read_text()


@pytest.mark.parametrize("roles, needle, message", [
    ("roles:\n  vendor: {fr: Vendeur, en: Vendor}\n", "vendor:", "unknown key 'vendor'; allowed: client, provider"),
    ("roles:\n  provider: {en: Party 1}\n", "provider: {en", "no 'fr' text: give one per language (fr, en)"),
])
def test_a_role_mistake_is_reported_at_the_template_line(repo, roles, needle, message):
    template = _with_template(repo, roles)
    findings = [f for f in run_checks(repo) if f.path == "templates/mini.md.j2" and f.level == "error"]
    assert [(f.line, message in f.message) for f in findings] == [(_line_of(template, needle), True)], \
        [str(f) for f in findings]


def test_a_clause_reading_an_unknown_role_is_told_the_two(repo):
    clause = repo / "clauses/purpose/en.md"
    _append(clause, "\nThe {{ roles.vendor }} signs.\n")
    errors = [str(f) for f in run_checks(repo) if f.level == "error"]
    assert any(e.startswith(f"clauses/purpose/en.md:{_line_of(clause, 'roles.vendor')}:") and
               "roles.vendor is not a party's role: write roles.provider or roles.client" in e for e in errors), errors


def test_a_representative_the_agreement_leaves_out_is_named_there(repo):
    """The agreement's own provider has no representative; the purpose clause reads its name."""
    clause = repo / "clauses/purpose/en.md"
    _append(clause, "\nSigned for the Provider by {{ provider.representative.name }}.\n")
    path = repo / "agreements/acme-fr.md"
    path.write_text(path.read_text().replace("language: fr\n", "language: en\nprovider:\n  name: Studio Nord SAS\n"
                                             "  address: 1 rue Nord, 59000 Lille\n"))
    report = build(repo, formats=["md"])
    (error,) = [str(e) for r in report.failed for e in r.errors]
    assert error.startswith(f"agreements/acme-fr.md:{_line_of(path, 'provider:')}:"), error
    assert ("provider.representative is not set: add it to the agreement (or to organisation: in clausier.yml); "
            f"clauses/purpose/en.md:{_line_of(clause, 'provider.representative')} reads "
            "provider.representative.name") in error


def test_a_clause_that_counts_on_a_representative_is_told_to_test_it(repo):
    """The client's representative is optional: `check` renders each clause for a consumer client,
    who has none, and says so at the clause's line; an agreement without one is told at its line."""
    clause = repo / "clauses/purpose/en.md"
    _append(clause, "\nThe Client signs by {{ client.representative.title }}.\n")
    path = repo / "agreements/acme-fr.md"
    path.write_text(path.read_text().replace("language: fr\n", "language: en\n").replace(
        "  representative: {name: Claire Martin, title: Gérante}\n", ""))
    errors = [str(f) for f in run_checks(repo) if f.level == "error"]
    line = _line_of(clause, "client.representative")
    assert any(e.startswith(f"clauses/purpose/en.md:{line}:") and "client.representative is not set (an agreement "
               "may leave it out), so client.representative.title fails: test it with {% if client.representative %}"
               in e for e in errors), errors
    assert any(e.startswith(f"agreements/acme-fr.md:{_line_of(path, 'client:')}:") and "client.representative is "
               "not set: add it to the agreement;" in e for e in errors), errors
