"""`clausier diff` end to end, in a real git repository made in tmp_path."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.cli import main

from pdftext import pdf_text
from test_gitsource import commit_all, git

runner = CliRunner()
PAYMENT = "Les factures sont payables à 30 jours.\n"


def run(repo: Path, *args: str):
    return runner.invoke(main, ["--root", str(repo), *args], catch_exceptions=False)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def second_agreement(repo: Path, name: str = "beta-fr", extra: str = "") -> Path:
    text = (repo / "agreements/acme-fr.md").read_text(encoding="utf-8")
    path = repo / f"agreements/{name}.md"
    path.write_text(text.replace("Atelier Lumière SARL", "Brasserie des Canuts SAS").replace(
        "status: draft", "status: draft" + extra), encoding="utf-8")
    return path


@pytest.fixture
def history(repo):
    """A committed repository with a payment term in the fees clause, then a working tree that
    changes the payment term and the liability cap."""
    fees = repo / "clauses/fees/fr.md"
    fees.write_text(fees.read_text(encoding="utf-8") + "\n## Paiement\n\n" + PAYMENT, encoding="utf-8")
    english = repo / "clauses/fees/en.md"
    english.write_text(english.read_text(encoding="utf-8") + "\n## Payment\n\nInvoices are payable within 30 days.\n",
                       encoding="utf-8")
    second_agreement(repo)
    git(repo, "init", "-q", "-b", "main")
    first = commit_all(repo, "first")
    edit(fees, "payables à 30 jours.", "payables à 45 jours fin de mois.")
    edit(repo / "clauses/liability/fr.md", "plafonnée au prix payé", "plafonnée au double du prix payé")
    return repo, first


def article_html(html: str, clause: str) -> str:
    """The HTML of one article: from its heading to the next article heading."""
    start = html.index(f'id="art-{clause}"')
    end = html.find("<h1", start)
    return html[start : end if end != -1 else len(html)]


def test_diff_writes_html_pdf_docx_and_a_summary_of_the_changes(history):
    repo, first = history
    result = run(repo, "diff", "agreements/acme-fr.md")
    assert result.exit_code == 0, result.output
    out = repo / "build/diff/acme-fr"
    assert sorted(p.name for p in out.iterdir()) == ["acme-fr.diff.md", "acme-fr.redline.docx",
                                                      "acme-fr.redline.html", "acme-fr.redline.pdf"]
    # the summary, on stdout and in the .diff.md file
    summary = (out / "acme-fr.diff.md").read_text(encoding="utf-8")
    assert summary in result.stdout
    assert f"`{first[:7]}` → working tree · **2 articles changed**" in summary
    assert "| 2 — Prix | changed | +4 −1 |" in summary
    assert "| 3 — Responsabilité | changed | +2 −0 |" in summary
    assert "payables à ~~30~~ **45** jours **fin de mois**." in summary

    html = (out / "acme-fr.redline.html").read_text(encoding="utf-8")
    assert "<del>30</del> <ins>45</ins> jours <ins>fin de mois</ins>" in html
    assert "plafonnée au <ins>double du</ins> prix payé" in html
    assert 'id="redline-legend"' in html and "2 articles modifiés (2 et 3)" in html
    for clause in ("purpose", "termination", "special-conditions"):
        assert not re.search(r"<ins>|<del>", article_html(html, clause)), clause
    assert "redline" in html and "--c-inserted" in html  # the redline style is included

    with zipfile.ZipFile(out / "acme-fr.redline.docx") as docx:
        document = docx.read("word/document.xml").decode("utf-8")
        comments = docx.read("word/comments.xml").decode("utf-8")
    assert re.search(r'<w:del w:id="\d+" w:author="Clausier" w:date="\d{4}-\d\d-\d\dT[\d:]+Z">', document)
    assert re.search(r'<w:ins w:id="\d+" w:author="Clausier"', document)
    assert '<w:delText xml:space="preserve">30</w:delText>' in document
    assert "Comparaison" in comments  # the legend is a comment, not text of the contract

    text = pdf_text(out / "acme-fr.redline.pdf")
    assert "payables à 30 45 jours fin de mois" in text
    assert "plafonnée au double du prix payé" in text
    assert "COMPARAISON" in text.upper() and "2 articles modifiés" in text


def test_a_clause_change_shows_in_the_redline_of_every_agreement_that_uses_it(history):
    repo, _ = history
    for name in ("acme-fr", "beta-fr"):
        result = run(repo, "diff", name, "--to", "html,md")
        assert result.exit_code == 0, result.output
        html = (repo / f"build/diff/{name}/{name}.redline.html").read_text(encoding="utf-8")
        assert "<ins>double du</ins>" in html and "<del>30</del>" in html
        assert not (repo / f"build/diff/{name}/{name}.redline.pdf").exists()


def test_template_and_configuration_changes_show_in_every_agreement(history):
    repo, first = history
    git(repo, "checkout", "-q", "--", ".")  # back to the committed clauses
    edit(repo / "templates/mini.md.j2", "fr: Contrat de prestation de services", "fr: Contrat de services")
    edit(repo / "clausier.yml", "4 quai Saint-Vincent", "8 quai Saint-Vincent")
    for name in ("acme-fr", "beta-fr"):
        result = run(repo, "diff", f"agreements/{name}.md", "--base", first, "--to", "html,md")
        assert result.exit_code == 0, result.output
        html = (repo / f"build/diff/{name}/{name}.redline.html").read_text(encoding="utf-8")
        assert "<del>4</del> <ins>8</ins> quai Saint-Vincent" in html
        assert "Contrat de <del>prestation de</del> services" in html
        assert "Title:" in result.stdout and "Entre les soussignés | changed" in result.stdout


def test_an_article_inserted_in_the_middle_does_not_mark_the_following_ones(history):
    repo, _ = history
    git(repo, "checkout", "-q", "--", ".")
    edit(repo / "agreements/acme-fr.md", "status: draft", "status: draft\nclauses: {omit: [non-solicitation]}")
    base = commit_all(repo, "omit non-solicitation")
    edit(repo / "agreements/acme-fr.md", "\nclauses: {omit: [non-solicitation]}", "")
    result = run(repo, "diff", "acme-fr", "--base", base, "--to", "html,md,docx")
    assert result.exit_code == 0, result.output
    assert "| 4 — Non-sollicitation | inserted |" in result.stdout
    with zipfile.ZipFile(repo / "build/diff/acme-fr/acme-fr.redline.docx") as docx:
        document = docx.read("word/document.xml").decode("utf-8")
    # the inserted article's paragraphs are inserted whole, paragraph marks included
    inserted = re.search(r"<w:p><w:pPr>(?:(?!</w:p>).)*?<w:rPr><w:ins [^>]*/></w:rPr></w:pPr>"
                         r"(?:(?!</w:p>).)*Aucune Partie ne débauche", document)
    assert inserted, "the inserted paragraph's mark is not tracked"
    # article 1 refers to the termination article, whose number moved
    assert "Renumbered only (numbers and cross-references): articles 1, 5–6." in result.stdout
    html = (repo / "build/diff/acme-fr/acme-fr.redline.html").read_text(encoding="utf-8")
    termination = article_html(html, "termination")
    assert "Article <del>4</del> <ins>5</ins> — Résiliation" in termination
    body = termination.split("</h1>", 1)[1]
    # only the sub-clause numbers move; the text itself is not marked
    lead_ins = r"<del><strong>4\.(\d)</strong></del> <ins><strong>5\.\1</strong></ins>"
    assert len(re.findall(lead_ins, body)) == 2
    assert not re.search(r"<ins>|<del>", re.sub(lead_ins, "", body))


def test_head_may_be_a_revision_and_the_working_tree_is_then_ignored(history):
    repo, first = history
    second = commit_all(repo, "new terms")
    (repo / "clauses/liability/fr.md").write_text("broken {{", encoding="utf-8")  # not committed
    result = run(repo, "diff", "acme-fr", "--base", first, "--head", second, "--to", "md", "--out",
                 str(repo / "out"))
    assert result.exit_code == 0, result.output
    assert f"`{first[:7]}` → `{second[:7]}`" in result.stdout
    assert [p.name for p in (repo / "out").iterdir()] == ["acme-fr.diff.md"]


def test_no_change_says_so(history):
    repo, first = history
    result = run(repo, "diff", "acme-fr", "--base", first, "--head", first, "--to", "md")
    assert result.exit_code == 0
    assert "no change in the rendered text" in result.stdout


def test_an_agreement_absent_at_the_base_is_shown_all_inserted(history):
    repo, _ = history
    second_agreement(repo, "gamma-fr")
    result = run(repo, "diff", "agreements/gamma-fr.md", "--to", "html,md")
    assert result.exit_code == 0, result.output
    assert "does not exist at" in result.stderr and "all of it is shown inserted" in result.stderr
    html = (repo / "build/diff/gamma-fr/gamma-fr.redline.html").read_text(encoding="utf-8")
    assert "<del>" not in html.split('id="redline-legend"')[1].split("</div>", 1)[1]
    assert "<ins><strong>Brasserie</strong>" in html and "| 1 — Objet | inserted |" in result.stdout


def test_unknown_revision_is_a_usage_error(history):
    repo, _ = history
    result = run(repo, "diff", "acme-fr", "--base", "v9.9")
    assert result.exit_code == 2
    assert "unknown revision 'v9.9'" in result.output


def test_not_a_git_repository_is_a_usage_error(repo):
    result = run(repo, "diff", "acme-fr")
    assert result.exit_code == 2
    assert "is not a git repository" in result.output


def test_unknown_agreement_and_format_are_usage_errors(history):
    repo, _ = history
    result = run(repo, "diff", "nobody")
    assert result.exit_code == 2 and "no agreement agreements/nobody.md" in result.output
    result = run(repo, "diff", "clauses/fees/fr.md")
    assert result.exit_code == 2 and "is not an agreement file" in result.output
    result = run(repo, "diff", "acme-fr", "--to", "odt")
    assert result.exit_code == 2 and "unknown output format odt" in result.output


def test_an_agreement_that_does_not_assemble_is_a_content_error(history):
    repo, _ = history
    edit(repo / "agreements/acme-fr.md", "template: mini", "template: mini\nfeess: 1")
    result = run(repo, "diff", "acme-fr", "--to", "md")
    assert result.exit_code == 1
    assert "agreements/acme-fr.md does not assemble at working tree" in result.output
    assert "unknown key 'feess'" in result.output


def test_the_redline_pdf_has_the_same_bytes_for_the_same_inputs(history, monkeypatch):
    repo, _ = history
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")
    run(repo, "diff", "acme-fr", "--to", "pdf,docx", "--out", str(repo / "one"))
    run(repo, "diff", "acme-fr", "--to", "pdf,docx", "--out", str(repo / "two"))
    for name in ("acme-fr.redline.pdf", "acme-fr.redline.docx"):
        assert (repo / "one" / name).read_bytes() == (repo / "two" / name).read_bytes()
