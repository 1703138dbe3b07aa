"""`clausier impact` end to end: which agreements a library change touches."""

from __future__ import annotations

import json

import pytest

from test_diff import edit, run, second_agreement
from test_gitsource import commit_all, git


@pytest.fixture
def library(repo):
    """Three agreements: acme-fr, beta-fr (signed), acme-en (English); everything committed."""
    second_agreement(repo, "beta-fr", extra="\n")
    edit(repo / "agreements/beta-fr.md", "status: draft\n", "status: signed\n")
    english = (repo / "agreements/acme-fr.md").read_text(encoding="utf-8").replace("language: fr", "language: en")
    (repo / "agreements/acme-en.md").write_text(english.replace("Le Prestataire assure une formation d'une "
                                                                "demi-journée.", "The Provider gives a training."),
                                                encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    return repo, commit_all(repo, "first")


def impact_json(repo, *args: str) -> dict:
    result = run(repo, "impact", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_clause_change_lists_the_agreements_whose_text_changes_and_flags_signed_ones(library):
    repo, first = library
    edit(repo / "clauses/liability/fr.md", "plafonnée au prix payé", "plafonnée au double du prix payé")
    report = impact_json(repo)
    assert report["base"] == first and report["paths"] == ["clauses/liability/fr.md"]
    found = {a["id"]: a for a in report["agreements"]}
    assert sorted(found) == ["acme-fr", "beta-fr"]  # acme-en reads the English text, unchanged
    assert found["acme-fr"]["words_added"] == 2 and found["acme-fr"]["words_removed"] == 0
    assert found["acme-fr"]["articles"] == [{"number": "3", "title": "Responsabilité", "change": "changed"}]
    assert (found["beta-fr"]["signed"], found["acme-fr"]["signed"]) == (True, False)
    assert report["unchanged"] == 1

    result = run(repo, "impact")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"changes since {first[:7]} (merge base with main): clauses/liability/fr.md"
    assert any(line.startswith("acme-fr ") and "+2 −0" in line and line.endswith("3") for line in lines)
    assert any(line.startswith("beta-fr ") and "SIGNED" in line for line in lines)
    assert "2 agreements changed, 1 unchanged; 1 signed: a signed agreement keeps its signed text" in result.stdout


def test_paths_limit_the_impact_to_the_named_files(library):
    repo, _ = library
    edit(repo / "clauses/liability/fr.md", "plafonnée au prix payé", "plafonnée au double du prix payé")
    edit(repo / "clauses/termination/en.md", "for {{ params.cure_days }} days", "for {{ params.cure_days }} "
         "calendar days")
    only_english = impact_json(repo, str(repo / "clauses/termination"))
    assert only_english["paths"] == ["clauses/termination"]
    assert [a["id"] for a in only_english["agreements"]] == ["acme-en"]
    assert only_english["agreements"][0]["words_added"] == 1
    both = impact_json(repo)
    assert [a["id"] for a in both["agreements"]] == ["acme-en", "acme-fr", "beta-fr"]


def test_template_and_configuration_changes_touch_every_agreement(library):
    repo, _ = library
    edit(repo / "clausier.yml", "4 quai Saint-Vincent", "8 quai Saint-Vincent")
    report = impact_json(repo)
    assert [a["id"] for a in report["agreements"]] == ["acme-en", "acme-fr", "beta-fr"]
    assert report["agreements"][0]["articles"][0]["change"] == "changed"
    git(repo, "checkout", "-q", "--", ".")
    edit(repo / "templates/mini.md.j2", "  - {id: non-solicitation, optional: true}\n", "")
    report = impact_json(repo, "templates/mini.md.j2")
    entry = report["agreements"][1]
    assert entry["id"] == "acme-fr" and entry["words_removed"] > 0
    assert entry["articles"][0] == {"number": "4", "title": "Non-sollicitation", "change": "deleted"}
    assert entry["renumbered_only"]  # the articles after it moved up


def test_new_and_removed_agreements_and_the_paths_format(library):
    repo, _ = library
    second_agreement(repo, "gamma-fr")
    (repo / "agreements/acme-en.md").unlink()
    report = impact_json(repo)
    states = {a["id"]: a["state"] for a in report["agreements"]}
    assert states == {"acme-en": "removed", "gamma-fr": "new"}
    result = run(repo, "impact", "--format", "paths")
    assert result.stdout.split() == ["agreements/gamma-fr.md"]  # files that can be built


def test_no_change_and_non_content_files(library):
    repo, _ = library
    (repo / "notes.txt").write_text("hello")
    result = run(repo, "impact")
    assert result.exit_code == 0
    assert "not contract content (no effect on the text): notes.txt" in result.stdout
    assert "no clause, template, clausier.yml or agreement changed" in result.stdout
    edit(repo / "clauses/liability/fr.md", "summary: Responsabilité.", "summary: La responsabilité.")
    result = run(repo, "impact")
    assert "no agreement's text changes (3 unchanged)" in result.stdout  # the summary is not contract text


def test_an_agreement_that_no_longer_assembles_is_reported_not_fatal(library):
    repo, _ = library
    edit(repo / "agreements/acme-fr.md", "template: mini", "template: mini\nfeess: 1")
    result = run(repo, "impact")
    assert result.exit_code == 0
    assert "warning: agreements/acme-fr.md at the change: agreements/acme-fr.md:" in result.stderr
    assert "unknown key 'feess'" in result.stderr
    # it built before the change: it is listed, so the targets that rebuild the changed agreements fail on it
    assert "acme-fr" in result.stdout and "broken" in result.stdout and "1 no longer builds" in result.stdout
    listed = json.loads(run(repo, "impact", "--format", "json").stdout)["agreements"]
    assert [(a["id"], a["state"]) for a in listed] == [("acme-fr", "broken")]
    assert run(repo, "impact", "--format", "paths").stdout.split() == ["agreements/acme-fr.md"]


def test_bad_revision_and_not_a_repository_are_usage_errors(library, tmp_path):
    repo, _ = library
    result = run(repo, "impact", "--base", "v9.9")
    assert result.exit_code == 2 and "unknown revision 'v9.9'" in result.output
    plain = tmp_path / "plain"
    plain.mkdir()
    result = run(plain, "impact")
    assert result.exit_code == 2 and "is not a git repository" in result.output


def test_a_signed_agreement_keeps_its_text_and_is_listed_as_frozen(library):
    repo, first = library
    zeros = '"' + "0" * 64 + '"'
    record = (f'signed: {{on: 2026-12-03, commit: "{first}", source_sha256: {zeros}, '
              f"markdown_sha256: {zeros}, pdf_sha256: {zeros}}}\n")
    beta = repo / "agreements/beta-fr.md"
    edit(beta, "status: signed\n", "status: signed\n" + record)
    signed_off = commit_all(repo, "beta signed")
    edit(repo / "clauses/liability/fr.md", "plafonnée au prix payé", "plafonnée au double du prix payé")
    report = impact_json(repo, "--base", signed_off)
    found = {a["id"]: a for a in report["agreements"]}
    assert report["errors"] == []
    assert found["beta-fr"]["state"] == "frozen" and found["beta-fr"]["signed"] is True
    assert found["beta-fr"]["words_added"] == 2  # what the change would do, were it not signed
    assert found["acme-fr"]["state"] == "changed"
    assert run(repo, "impact", "--base", signed_off, "--format", "paths").stdout.split() == ["agreements/acme-fr.md"]
    result = run(repo, "diff", "beta-fr", "--base", signed_off, "--to", "md")
    assert result.exit_code == 0, result.output
    assert "no change in the rendered text" in result.stdout
    assert f"rendered from the library as of {first[:7]}" in result.stderr
