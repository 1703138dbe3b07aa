"""The library's languages (clausier.yml `languages:`): monolingual, bilingual or with a language
added; parity, templates, agreements, schema and handbook follow what the library declares."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

from click.testing import CliRunner
from pypdf import PdfReader

from clausier.cli import main
from clausier.handbook.pages import handbook_outline, template_page
from clausier.init import init_repository
from clausier.repository import load_agreement, load_repository
from clausier.errors import ContentError
from clausier.schema import agreement_schema

runner = CliRunner()
EXAMPLE = "agreements/example-services.md"


def _new(tmp_path: Path, *languages: str) -> Path:
    root = tmp_path / "repo"
    init_repository(root, tuple(languages), today=dt.date(2027, 3, 1))
    return root


def _edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _errors(root: Path) -> list[str]:
    return [str(f) for f in load_repository(root).errors()]


def _agreement_errors(root: Path, relative: str = EXAMPLE) -> list[str]:
    repo = load_repository(root)
    try:
        load_agreement(repo, root / relative)
    except ContentError as exc:
        return [str(f) for f in exc.findings]
    return []


def _line_of(root: Path, relative: str, start: str) -> int:
    lines = (root / relative).read_text(encoding="utf-8").split("\n")
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(start))


def _pdf_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def _add_german(root: Path, words: bool = False) -> None:
    """Declare de and write a German text of every clause and the template's title."""
    if "languages: [en, de]" not in (root / "clausier.yml").read_text(encoding="utf-8"):
        _edit(root, "clausier.yml", "languages: [en]", "languages: [en, de]")
    for folder in sorted((root / "clauses").iterdir()):
        english = (folder / "en.md").read_text(encoding="utf-8")
        german = english.replace("title: ", "title: DE ", 1)
        if not words:
            german = german.replace(" ({{ fees.amount|words }})", "")
        (folder / "de.md").write_text(german, encoding="utf-8")
    _edit(root, "templates/services.md.j2", "  en: Services Agreement\n",
          "  en: Services Agreement\n  de: Dienstleistungsvertrag\n")
    _edit(root, "templates/services.md.j2", "  en: Services performed",
          "  de: Dienstleistungen für einen Geschäftskunden.\n  en: Services performed")
    _edit(root, "clauses/termination/clause.yml", "      en: Period to remedy a breach (days)",
          "      en: Period to remedy a breach (days)\n      de: Frist (Tage)")


def test_a_monolingual_library_needs_no_other_language(tmp_path):
    root = _new(tmp_path, "en")
    assert load_repository(root).languages == ("en",)
    assert _errors(root) == []
    (root / "clauses" / "fees" / "en.md").unlink()
    assert _errors(root) == ["clauses/fees: error: missing en.md: every variant needs a text in each of the "
                             "library's languages (en)"]


def test_the_default_stays_french_and_english(tmp_path):
    root = _new(tmp_path, "fr", "en")
    _edit(root, "clausier.yml", "languages: [fr, en]\n", "")
    _edit(root, "clausier.yml", "language: fr\n", "")
    repo = load_repository(root)
    assert (repo.languages, repo.config.language) == (("fr", "en"), "fr")
    (root / "clauses" / "fees" / "en.md").unlink()
    assert any("missing en.md" in e and "(fr, en)" in e for e in _errors(root))


def test_an_agreement_in_a_language_the_library_lacks_is_refused_at_its_line(tmp_path):
    root = _new(tmp_path, "en")
    _edit(root, EXAMPLE, "language: en", "language: fr")
    line = _line_of(root, EXAMPLE, "language:")
    assert _agreement_errors(root) == [f"{EXAMPLE}:{line}:11: error: the library has no 'fr' text; languages "
                                       "available: en (language)"]
    result = runner.invoke(main, ["--root", str(root), "check"])
    assert result.exit_code == 1
    assert f"{line}:11  error  the library has no 'fr' text; languages available: en" in result.output


def test_a_template_may_be_written_in_fewer_languages(tmp_path):
    root = _new(tmp_path, "fr", "en")
    _edit(root, "templates/services.md.j2", "clauses:\n", "languages: [en]\nclauses:\n")
    # Its title in French is now a language it does not declare, at that line.
    title_line = _line_of(root, "templates/services.md.j2", "  fr: Contrat")
    assert f"templates/services.md.j2:{title_line}:3: error: 'fr' is not one of the languages here: en " \
           "(title.fr)" in _errors(root)
    _edit(root, "templates/services.md.j2", "  fr: Contrat de prestation de services\n", "")
    _edit(root, "templates/services.md.j2", "  fr: Prestations réalisées pour un client professionnel, au forfait "
          "ou au temps passé.\n", "")
    assert _errors(root) == []
    line = _line_of(root, EXAMPLE, "language:")
    assert _agreement_errors(root) == [f"{EXAMPLE}:{line}:11: error: template 'services' has no 'fr' text; "
                                       "languages available: en (language)"]
    # Without `language:`, clausier.yml's default (fr) is refused at the template line.
    _edit(root, EXAMPLE, "language: fr\n", "")
    assert _agreement_errors(root) == [f"{EXAMPLE}:2:11: error: template 'services' has no 'fr' text "
                                       "(clausier.yml's default language); set `language:` to one of: en (template)"]
    # The handbook offers its specimens in English only.
    repo = load_repository(root)
    assert handbook_outline(repo).specimens == [("services", "en")]
    assert "Français" not in template_page(repo, "services", True).content


def test_a_template_may_not_name_a_language_of_no_clause(tmp_path):
    root = _new(tmp_path, "en")
    _edit(root, "templates/services.md.j2", "clauses:\n", "languages: [en, fr]\nclauses:\n")
    line = _line_of(root, "templates/services.md.j2", "languages:")
    assert f"templates/services.md.j2:{line}:17: error: language 'fr' is not one of the library's languages " \
           "(clausier.yml): en (languages.1)" in _errors(root)


def test_clausier_yml_languages_are_checked_at_their_lines(tmp_path):
    root = _new(tmp_path, "en")
    _edit(root, "clausier.yml", "languages: [en]", "languages: [en, xq]")
    _edit(root, "clausier.yml", "language: en", "language: fr")
    line = _line_of(root, "clausier.yml", "languages:")
    errors = _errors(root)
    assert f"clausier.yml:{line}:17: error: unknown language 'xq': write a language code Babel knows, e.g. fr, " \
           "en, de, es, it, nl, pt (languages.1)" in errors
    assert f"clausier.yml:{line + 2}:11: error: language 'fr' is not one of the library's languages: en, xq " \
           "(language)" in errors


def test_an_added_language_has_its_parity_and_its_locale(tmp_path):
    root = _new(tmp_path, "en")
    _edit(root, "clausier.yml", "languages: [en]", "languages: [en, de]")
    assert any("missing de.md" in e and "(en, de)" in e for e in _errors(root))
    _add_german(root)
    assert _errors(root) == []
    # Parity across the declared languages: a German text with a sub-clause the English lacks.
    text = root / "clauses" / "termination" / "de.md"
    original = text.read_text(encoding="utf-8")
    text.write_text(original + "\n## Folgen\n\nZahlung.\n", encoding="utf-8")
    assert any(e.startswith("clauses/termination/de.md:") and "(en: 0, de: 1)" in e and "[parity]" not in e
               for e in _errors(root))
    text.write_text(original, encoding="utf-8")

    _edit(root, EXAMPLE, "language: en", "language: de")
    result = runner.invoke(main, ["--root", str(root), "build", "--to", "pdf"])
    assert result.exit_code == 0, result.output
    pdf = _pdf_text(root / "build" / "example-services" / "example-services.pdf")
    assert "Dienstleistungsvertrag" in pdf
    assert "9.000,00" in pdf  # German money: thousands with a dot, decimals with a comma
    assert "„Provider“" in pdf  # German quotation marks (pandoc's, from the document's lang)
    assert "1 — DE Purpose and scope" in pdf  # numbered, whatever words the numbering has for German


def test_amounts_in_words_missing_for_a_language_are_an_error_at_the_agreement(tmp_path):
    root = _new(tmp_path, "en")
    _add_german(root, words=True)
    assert _errors(root) == []  # the library itself is fine
    _edit(root, EXAMPLE, "language: en", "language: de")
    line = _line_of(root, EXAMPLE, "language:")
    assert _agreement_errors(root) == [
        f"{EXAMPLE}:{line}:11: error: clauses/fees/de.md spells an amount in words (|words), which Clausier writes "
        "in fr, en only, not in 'de': write this agreement in one of those or remove |words from that text (language)"]


def test_the_schema_lists_the_library_languages(tmp_path):
    assert agreement_schema(("en",))["properties"]["language"]["anyOf"][0]["enum"] == ["en"]
    root = _new(tmp_path, "en")
    result = runner.invoke(main, ["--root", str(root), "schema", "--stdout"])
    assert result.exit_code == 0
    assert json.loads(result.output)["properties"]["language"]["anyOf"][0]["enum"] == ["en"]


def test_categories_come_from_clausier_yml(tmp_path):
    root = _new(tmp_path, "en")
    _edit(root, "clausier.yml", "language: en\n", "language: en\ncategories: [parties, scope, money, "
          "termination, law, signatures]\n")
    errors = _errors(root)
    assert "clauses/fees/clause.yml:1:11: error: unknown category 'fees'; the library's categories (clausier.yml): " \
           "parties, scope, money, termination, law, signatures (category)" in errors
    assert any(re.match(r"templates/services\.md\.j2:\d+:\d+: error: unknown category 'fees'", e) for e in errors)
    for clause in ("fees", "payment"):
        _edit(root, f"clauses/{clause}/clause.yml", f"category: {'fees' if clause == 'fees' else 'payment'}",
              "category: money")
    _edit(root, "templates/services.md.j2", "requires: [parties, scope, fees, payment,",
          "requires: [parties, scope, money,")
    assert _errors(root) == []
    repo = load_repository(root)
    outline = handbook_outline(repo)
    assert "Money" in json.dumps(outline.nav)


def test_new_writes_an_agreement_in_a_language_of_the_template(tmp_path):
    root = _new(tmp_path, "en")
    made = runner.invoke(main, ["--root", str(root), "new", "--template", "services", "--id", "next"])
    assert made.exit_code == 0, made.output
    text = (root / "agreements" / "next.md").read_text(encoding="utf-8")
    assert "language: en                          # one of: en" in text
    refused = runner.invoke(main, ["--root", str(root), "new", "--template", "services", "--lang", "fr", "--id", "x"])
    assert refused.exit_code != 0 and "template 'services' is written in en" in refused.output
    assert not (root / "agreements" / "x.md").exists()
