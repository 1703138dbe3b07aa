"""Importing into a library with more languages than the document: each clause's other texts
are a real state, "to translate" (`translate: true`, no copied wording). `check` warns at each
one's line, the handbook says "to translate", and an agreement in that language is refused at
its `language:` line, naming the clause; once translated, all of that goes away."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from clausier.cli import main
from clausier.init import init_repository

FIXTURES = Path(__file__).parent / "fixtures" / "import"
runner = CliRunner()


def _imported(tmp_path: Path) -> Path:
    root = tmp_path / "contracts"
    init_repository(root, ("fr", "en"))
    result = runner.invoke(main, ["--root", str(root), "import", str(FIXTURES / "word-numbering.docx"),
                                  "--as", "word-terms", "--language", "en"])
    assert result.exit_code == 0, result.output
    return root


def _french_agreement(root: Path) -> Path:
    """The template opened to French (its title and description), and an agreement in French."""
    template = root / "templates" / "word-terms.md.j2"
    text = template.read_text(encoding="utf-8").replace("languages: [en]", "languages: [en, fr]")
    text = re.sub(r"^(title|description): \{en: (.*)\}$", r"\1: {en: \2, fr: \2}", text, flags=re.M)
    template.write_text(text, encoding="utf-8")
    english = (root / "agreements" / "word-terms-example.md").read_text(encoding="utf-8")
    path = root / "agreements" / "word-terms-fr.md"
    path.write_text(english.replace("language: en", "language: fr"), encoding="utf-8")
    return path


def test_other_languages_are_marked_to_translate_with_no_copied_wording(tmp_path):
    root = _imported(tmp_path)
    stub = (root / "clauses" / "services" / "fr.md").read_text(encoding="utf-8")
    assert re.search(r"^translate: true$", stub, re.M)
    english = (root / "clauses" / "services" / "en.md").read_text(encoding="utf-8")
    body = english.split("\n---\n", 1)[1]
    assert stub.endswith("---\n") and "Services" not in stub and "Consultant" not in stub  # no title, no text
    assert all(line not in stub for line in body.splitlines() if line.strip())


def test_check_warns_for_each_text_to_translate_at_its_line(tmp_path):
    root = _imported(tmp_path)
    result = runner.invoke(main, ["--root", str(root), "check"])
    assert result.exit_code == 0, result.output  # warnings, no error
    ids = ["introduction", "services", "word-terms-fees"]
    for clause_id in ids:
        assert f"clauses/{clause_id}/fr.md" in result.output
    assert result.output.count("is still to translate into fr (from en)") == len(ids)
    github = runner.invoke(main, ["--root", str(root), "check", "--format", "github"]).output
    assert "::warning file=clauses/services/fr.md,line=3,col=1" in github  # the `translate: true` line


def test_an_agreement_in_that_language_is_refused_naming_the_clause(tmp_path):
    root = _imported(tmp_path)
    agreement = _french_agreement(root)
    result = runner.invoke(main, ["--root", str(root), "build", "--to", "md", str(agreement)])
    assert result.exit_code != 0
    line = next(n for n, text in enumerate(agreement.read_text(encoding="utf-8").splitlines(), 1)
                if text.startswith("language:"))
    assert (f"agreements/word-terms-fr.md:{line}:11: error: clause 'services' is not written in 'fr' yet "
            "(clauses/services/fr.md is marked `translate: true`): translate it, or write this agreement in en "
            "(language)") in result.output
    # translated: the warning and the refusal go
    for clause_id in ("introduction", "services", "word-terms-fees"):  # (its labels and references kept)
        body = (root / "clauses" / clause_id / "en.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
        (root / "clauses" / clause_id / "fr.md").write_text(
            f"---\ntitle: Traduit {clause_id}\nsummary: Traduit.\nguidance: {{when: Toujours., negotiation: Aucune., "
            f"risks: Aucun.}}\n---\nTexte traduit de {clause_id}.\n\n{body}", encoding="utf-8")
    built = runner.invoke(main, ["--root", str(root), "build", "--to", "md", str(agreement)])
    assert built.exit_code == 0, built.output
    assert "Texte traduit de services." in (root / "build" / "word-terms-fr" / "word-terms-fr.md").read_text(
        encoding="utf-8")
    assert "to translate" not in runner.invoke(main, ["--root", str(root), "check"]).output


def test_the_handbook_says_to_translate(tmp_path):
    root = _imported(tmp_path)
    out = tmp_path / "pages"
    result = runner.invoke(main, ["--root", str(root), "handbook", "pages", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = next(p for p in out.rglob("*.md") if "clauses/" in str(p) and p.name == "services.md")
    text = page.read_text(encoding="utf-8")
    french = text.split('=== "Français"')[-1].split('=== "English"')[0]
    assert "*À traduire*" in french and "Consultant" not in french
    assert "The Consultant provides the services." in text  # the English text is shown as ever
    index = (page.parent / "index.md").read_text(encoding="utf-8")
    assert "| [Services](services.md) | À traduire | Imported from word-numbering.docx" in index
