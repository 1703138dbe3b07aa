"""Signed agreements never change: sign-off records the text, later library edits leave it alone,
and tampering is caught by `clausier check`."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.cli import main
from clausier.lint.rules import signed as signed_rule
from clausier.lint.context import build_context
from clausier.repository import load_agreement, load_repository

runner = CliRunner()


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-qm", message)


def run(repo: Path, *args: str):
    return runner.invoke(main, ["--root", str(repo), *args], catch_exceptions=False)


def signed_findings(repo: Path):
    return list(signed_rule.check(build_context(repo)))


@pytest.fixture
def signed_repo(repo):
    git(repo, "init", "-q", "-b", "main")
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("status: draft", "status: draft  # drafted by sales"))
    commit_all(repo, "library and draft")
    result = run(repo, "sign-off", str(agreement), "--date", "2026-12-03")
    assert result.exit_code == 0, result.output
    commit_all(repo, "signed")
    return repo


def test_sign_off_records_status_commit_and_hashes_and_keeps_comments(signed_repo):
    text = (signed_repo / "agreements/acme-fr.md").read_text()
    assert "status: signed" in text and "# drafted by sales" in text
    repository = load_repository(signed_repo)
    model = load_agreement(repository, signed_repo / "agreements/acme-fr.md").model
    assert model.status == "signed" and str(model.signed.on) == "2026-12-03"
    assert model.signed.commit == git(signed_repo, "rev-parse", "HEAD~1").strip()
    assert signed_findings(signed_repo) == []


def test_a_library_change_does_not_change_a_signed_agreement(signed_repo):
    clause = signed_repo / "clauses/fees/fr.md"
    clause.write_text(clause.read_text().replace("Le prix est de", "Le prix forfaitaire et définitif est de"))
    commit_all(signed_repo, "fees clause reworded")
    assert signed_findings(signed_repo) == []
    result = run(signed_repo, "build", "--to", "pdf,md")
    assert result.exit_code == 0, result.output
    model = load_agreement(load_repository(signed_repo), signed_repo / "agreements/acme-fr.md").model
    markdown = (signed_repo / "build/acme-fr/acme-fr.md").read_bytes()
    assert "forfaitaire et définitif" not in markdown.decode()
    assert hashlib.sha256(markdown).hexdigest() == model.signed.markdown_sha256
    assert hashlib.sha256((signed_repo / "build/acme-fr/acme-fr.pdf").read_bytes()).hexdigest() == model.signed.pdf_sha256


def test_tampering_with_a_signed_agreement_fails_check(signed_repo):
    agreement = signed_repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("amount: 12000", "amount: 10000"))
    (finding,) = signed_findings(signed_repo)
    assert finding.level == "error" and "signed on 2026-12-03 and has changed since" in finding.message
    assert "amends: acme-fr" in finding.message
    result = run(signed_repo, "check")
    assert result.exit_code == 1 and "has changed since" in result.output


def test_setting_signed_by_hand_is_not_a_sign_off(repo):
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("status: draft", "status: signed"))
    (finding,) = signed_findings(repo)
    assert "without a sign-off record" in finding.message and finding.field == "status"


def test_sign_off_refuses_uncommitted_library_changes_and_a_second_signature(signed_repo):
    agreement = signed_repo / "agreements/acme-fr.md"
    result = run(signed_repo, "sign-off", str(agreement))
    assert result.exit_code == 1 and "already signed" in result.output
    other = signed_repo / "agreements/other.md"
    other.write_text(agreement.read_text().split("signed:")[0].replace("status: signed", "status: draft") + "---\n")
    clause = signed_repo / "clauses/fees/fr.md"
    clause.write_text(clause.read_text() + "\nTexte.\n")
    result = run(signed_repo, "sign-off", str(other))
    assert result.exit_code == 1 and "commit the library first" in result.output and "clauses/fees/fr.md" in result.output


def test_an_amendment_must_name_an_agreement(repo):
    amendment = repo / "agreements/acme-fr-avenant-1.md"
    amendment.write_text((repo / "agreements/acme-fr.md").read_text().replace("template: mini", "template: mini\namends: acme-xx"))
    (finding,) = signed_findings(repo)
    assert "amends 'acme-xx', which is not an agreement" in finding.message


def test_sign_off_outside_git_is_a_clear_error(repo):
    result = run(repo, "sign-off", str(repo / "agreements/acme-fr.md"))
    assert result.exit_code == 1 and "not a git repository" in result.output


def test_list_shows_signatures_and_amendments(signed_repo, monkeypatch):
    from clausier.cli import common

    monkeypatch.setattr(common.out.get(), "width", 200)
    amendment = signed_repo / "agreements/acme-fr-avenant-1.md"
    original = (signed_repo / "agreements/acme-fr.md").read_text()
    front, body = original.split("\nsigned:")[0], "---\nAvenant n° 1.\n"
    amendment.write_text(front.replace("status: signed", "status: draft").replace("template: mini",
                                                                                 "template: mini\namends: acme-fr")
                         + "\n" + body)
    result = run(signed_repo, "list")
    assert "signed 2026-12-03" in result.output and "amended by acme-fr-avenant-1" in result.output
    assert "amends acme-fr" in result.output


def test_a_signed_pdf_keeps_its_bytes_whatever_source_date_epoch_says(signed_repo, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    result = run(signed_repo, "build", "--to", "pdf", "--force")
    assert result.exit_code == 0, result.output
    model = load_agreement(load_repository(signed_repo), signed_repo / "agreements/acme-fr.md").model
    assert hashlib.sha256((signed_repo / "build/acme-fr/acme-fr.pdf").read_bytes()).hexdigest() == model.signed.pdf_sha256
