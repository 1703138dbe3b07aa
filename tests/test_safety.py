"""The rules in DESIGN.md that keep contracts safe, each tested on a real build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clausier.build import build
from clausier.repository import load_repository




def _failure(repo: Path, paths=None) -> list[str]:
    report = build(repo, paths=paths, formats=["md"])
    assert not report.ok
    # A clause's error is the library's and the agreement's: the same line, reported once here.
    return list(dict.fromkeys([e for r in report.failed for e in r.errors] + [str(f) for f in report.library_errors]))


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u200f"])
def test_hidden_characters_in_an_agreement_are_errors_naming_the_place(repo, char):
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("Claire Martin", f"Claire{char} Martin"))
    (error,) = _failure(repo)
    line = next(n for n, l in enumerate(agreement.read_text().split("\n"), 1) if char in l)
    col = agreement.read_text().split("\n")[line - 1].index(char) + 1
    assert error.startswith(f"agreements/acme-fr.md:{line}:{col}: error: hidden character U+{ord(char):04X}")


def test_hidden_characters_in_a_clause_are_errors_too(repo):
    clause = repo / "clauses/fees/fr.md"
    clause.write_text(clause.read_text().replace("Le prix est", "Le prix\u202e est"))
    errors = _failure(repo)
    assert any(e.startswith("clauses/fees/fr.md:") and "RIGHT-TO-LEFT OVERRIDE" in e for e in errors)


def test_a_symlinked_clause_file_is_refused(repo, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text((repo / "clauses/fees/fr.md").read_text())
    (repo / "clauses/fees/fr.md").unlink()
    os.symlink(outside, repo / "clauses/fees/fr.md")
    repository = load_repository(repo)
    assert "fees" in repository.broken
    assert any("symbolic link" in f.message and f.path == "clauses/fees/fr.md" for f in repository.findings)


def test_a_symlinked_clause_folder_is_refused(repo, tmp_path):
    os.symlink(repo / "clauses/fees", repo / "clauses/fees-copy")
    repository = load_repository(repo)
    assert "fees-copy" not in repository.clauses
    assert any("symbolic link" in f.message for f in repository.findings)


def test_a_symlinked_agreement_is_refused(repo, tmp_path):
    outside = tmp_path / "elsewhere.md"
    outside.write_text((repo / "agreements/acme-fr.md").read_text())
    os.symlink(outside, repo / "agreements/linked.md")
    report = build(repo, formats=["md"])
    (failed,) = report.failed
    assert failed.path == "agreements/linked.md" and "symbolic link" in failed.errors[0]


def test_an_agreement_outside_the_repository_is_refused(repo, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text((repo / "agreements/acme-fr.md").read_text())
    (error,) = _failure(repo, paths=[outside])
    assert "outside the repository" in error


@pytest.mark.parametrize("target", ["/etc/hostname", "../../outside.png", "templates/styles/logo.svg"])
def test_images_in_contract_text_are_refused(repo, target):
    clause = repo / "clauses/fees/fr.md"
    clause.write_text(clause.read_text() + f"\n![plan]({target})\n")
    (error,) = _failure(repo)
    assert "images are not allowed" in error


@pytest.mark.parametrize("logo", ["/etc/hostname", "../outside.svg", "linked.svg"])
def test_a_logo_outside_the_repository_or_through_a_link_is_refused(repo, tmp_path, logo):
    (tmp_path / "outside.svg").write_text((repo / "templates/styles/logo.svg").read_text())
    os.symlink(tmp_path / "outside.svg", repo / "linked.svg")
    config = repo / "clausier.yml"
    config.write_text(config.read_text().replace("logo: templates/styles/logo.svg", f"logo: {logo}"))
    repository = load_repository(repo)
    assert repository.config is None
    (finding,) = repository.findings
    assert finding.path == "clausier.yml" and finding.field == "branding.logo" and finding.line > 0


def test_an_include_outside_templates_is_refused(repo):
    template = repo / "templates/mini.md.j2"
    template.write_text(template.read_text() + "\n{% include '../clausier.yml' %}\n")
    (error,) = _failure(repo)
    assert "not found in templates/" in error


def test_pandoc_runs_sandboxed_with_raw_passthrough_off():
    from clausier import render

    for extension in ("raw_html", "raw_tex", "raw_attribute", "citations", "yaml_metadata_block"):
        assert f"-{extension}" in render.READER
    import inspect

    assert '"--sandbox"' in inspect.getsource(render._pandoc)


def test_raw_blocks_written_in_a_clause_do_not_reach_typst(repo):
    """A raw Typst block stays a code block (raw attributes are off), and raw HTML is not even
    printed as text: a tag left in a contract is an error at its line (issue 20, item 3)."""
    clause = repo / "clauses/fees/fr.md"
    clause.write_text(clause.read_text() + "\n```{=typst}\n#panic(\"raw typst ran\")\n```\n\n<div>raw html</div>\n")
    line = clause.read_text().split("\n").index("<div>raw html</div>") + 1
    report = build(repo, formats=["pdf", "html"])
    errors = [e for r in report.failed for e in r.errors]
    assert errors and all(e.startswith(f"clauses/fees/fr.md:{line}:") and "HTML tag" in e for e in errors), errors
    assert not (repo / "build/acme-fr/acme-fr.pdf").exists()
    clause.write_text(clause.read_text().replace("<div>raw html</div>", "raw html"))
    report = build(repo, formats=["pdf", "html"])
    assert report.ok, report.failed and report.failed[0].errors
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(repo / "build/acme-fr/acme-fr.pdf").pages)
    assert "raw typst ran" in text  # shown as code, never run


def test_language_parity_of_sub_clauses_and_parameters(repo):
    en = repo / "clauses/termination/en.md"
    en.write_text(en.read_text().replace("##\n\nThe clauses survive.", "The clauses survive. {{ params.grace }}"))
    repository = load_repository(repo)
    assert "termination" in repository.broken
    messages = [str(f) for f in repository.findings]
    assert any("clauses/termination/en.md:" in m and "(fr: 2, en: 1)" in m for m in messages)
    assert any("params.grace is not declared" in m for m in messages)


def test_document_settings_reach_the_typst_style_as_plain_text(repo, tmp_path):
    """The reference and the provider's name go to Typst as JSON data: markup in them is shown
    as written, on the title page and in every running header, and runs nothing."""
    from pypdf import PdfReader

    reference = '#panic("boom") *gras* $x$ <etiquette> @ref \\u{41}'
    path = repo / "agreements/acme-fr.md"
    text = path.read_text().replace("template: mini", f"template: mini\nreference: '{reference}'", 1)
    path.write_text(text.replace("effective_date:", "provider:\n  name: '#strong[Forge] _Basse_'\n"
                                 "  address: 3 rue du Port, 44000 Nantes\neffective_date:", 1))
    report = build(repo, formats=["pdf"], out=tmp_path / "out")
    assert report.ok, [r.errors for r in report.failed]
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(tmp_path / "out/acme-fr/acme-fr.pdf").pages]
    assert reference in pages[0] and all(reference in page for page in pages[1:])
    assert "#strong[Forge] _Basse_" in pages[1]
