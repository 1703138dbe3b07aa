"""`lint: {ignore: [...]}`: an agreement or a clause silences a named warning of any rule, with a
reason; errors are never silenced; a wrong or useless ignore is reported at its line."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.cli import main
from clausier.lint import run_checks
from clausier.lint.gate import agreement_errors, library_errors
from clausier.repository import load_agreement, load_repository
from textedit import edit, line_of

AGREEMENT = "agreements/acme-fr.md"
EXCLUSIONS = "  exclusions: [Rédaction des contenus]\n"
TERM = "term: {end: 2027-05-31}\n"


@pytest.fixture
def agreement(repo: Path) -> Path:
    return repo / AGREEMENT


def ignore(agreement: Path, *entries: str) -> None:
    """Write `lint: ignore:` entries (flow mappings) into the agreement's front matter."""
    edit(agreement, "signature:", "lint:\n  ignore:\n" + "".join(f"    - {e}\n" for e in entries) + "signature:")


def ignore_in_clause(repo: Path, clause_id: str, *entries: str) -> Path:
    meta = repo / f"clauses/{clause_id}/clause.yml"
    meta.write_text(meta.read_text() + "lint:\n  ignore:\n" + "".join(f"  - {e}\n" for e in entries))
    return meta


def shown(findings) -> list[tuple[str, int, str, str, str]]:
    return [(f.path, f.line, f.level, f.rule, f.field) for f in findings]


def not_nfc(repo: Path, clause_id: str = "fees") -> Path:
    """A clause text with an accent stored apart from its letter: a text-hazards warning."""
    text = repo / f"clauses/{clause_id}/fr.md"
    edit(text, "Échéancier", unicodedata.normalize("NFD", "Échéancier"))
    return text


def _line(text: Path) -> int:
    return line_of(text, unicodedata.normalize("NFD", "Échéancier"))


# ---------------------------------------------------------------- any rule's warning, silenced


def test_an_agreement_silences_a_completeness_warning(repo, agreement):
    edit(agreement, EXCLUSIONS, "")
    (warning,) = run_checks(repo)
    assert (warning.rule, warning.level) == ("completeness", "warning")
    ignore(agreement, "{rule: completeness, reason: Nothing is left out of this fixed-price site.}")
    from clausier.lint import check_repository

    checked = check_repository(repo)
    assert checked.findings == []
    assert checked.silenced == [warning]


def test_an_agreement_silences_a_money_dates_warning(repo, agreement):
    edit(agreement, "signature:", "payment: {due_days: 90}\nsignature:")
    (warning,) = run_checks(repo)
    assert (warning.rule, warning.field) == ("money-dates", "payment.due_days")
    ignore(agreement, "{rule: money-dates, contains: L.441-10, reason: Client in Monaco; its law applies.}")
    assert run_checks(repo) == []


@pytest.mark.parametrize("name", ["unicode-nfc", "text-hazards"])
def test_a_clause_silences_a_warning_in_its_own_files(repo, name):
    text = not_nfc(repo)
    (warning,) = run_checks(repo)
    assert (warning.path, warning.line, warning.rule) == ("clauses/fees/fr.md", _line(text), "unicode-nfc")
    # Another clause's ignore does not reach it (and, silencing nothing, is stale).
    other = ignore_in_clause(repo, "liability", f"{{rule: {name}, reason: Not this clause.}}")
    assert shown(run_checks(repo)) == [("clauses/fees/fr.md", warning.line, "warning", "unicode-nfc", ""),
                                       ("clauses/liability/clause.yml", line_of(other, "- {rule"), "warning", name,
                                        "lint.ignore.0")]
    other.write_text(other.read_text().split("lint:")[0])
    ignore_in_clause(repo, "fees", f"{{rule: {name}, reason: Kept decomposed to match the signed PDF.}}")
    assert run_checks(repo) == []


def test_an_agreement_ignore_does_not_reach_a_clause_the_library_reads_on_its_own(repo, agreement):
    text = not_nfc(repo)
    ignore(agreement, "{rule: unicode-nfc, reason: The clause text is not this agreement's.}")
    assert shown(run_checks(repo)) == [
        (AGREEMENT, line_of(agreement, "rule: unicode-nfc"), "warning", "unicode-nfc", "lint.ignore.0"),
        ("clauses/fees/fr.md", _line(text), "warning", "unicode-nfc", "")]


def test_an_agreement_silences_a_clause_finding_only_as_read_in_that_agreement(repo, agreement):
    (repo / "agreements/beta-fr.md").write_text(agreement.read_text().replace("Atelier Lumière SARL", "Beta SAS"))
    clause = repo / "clauses/liability/fr.md"
    edit(clause, "plafonnée au prix payé.", "plafonnée au prix payé (ci-après le « Plafond »).")
    ignore(agreement, "{rule: defined-terms, contains: Plafond, reason: Repris par l'avenant à venir.}")
    (finding,) = run_checks(repo)
    assert (finding.path, finding.line) == ("clauses/liability/fr.md", line_of(clause, "« Plafond »"))
    assert finding.message.endswith("(in agreements/beta-fr.md)")


# ---------------------------------------------------------------- narrowing


def test_contains_silences_one_finding_and_leaves_the_rule_s_others(repo, agreement):
    edit(agreement, EXCLUSIONS, "")
    edit(agreement, TERM, "")
    assert len(run_checks(repo)) == 2
    ignore(agreement, "{rule: completeness, contains: EXCLUSIONS, reason: Nothing is left out.}")
    (left,) = run_checks(repo)
    assert (left.rule, left.field) == ("completeness", "term")
    assert "no end date" in left.message


def test_term_narrows_defined_terms_and_no_other_rule(repo, agreement):
    ignore(agreement, "{rule: completeness, term: Plafond, reason: Wrong key.}")
    (error,) = run_checks(repo)
    assert shown([error]) == [(AGREEMENT, line_of(agreement, "term: Plafond"), "error", "schema",
                               "lint.ignore.0.term")]
    assert "`term:` narrows defined-terms findings only" in error.message and "contains:" in error.message


# ---------------------------------------------------------------- errors are not silenced


def test_an_error_is_not_silenced_and_its_ignore_is_an_error_at_its_line(repo, agreement):
    edit(agreement, "signature:", "payment: {methods: []}\nsignature:")
    (error,) = run_checks(repo)
    assert (error.rule, error.level, error.field) == ("completeness", "error", "payment.methods")
    ignore(agreement, "{rule: completeness, contains: payment method, reason: Paid by the parent company.}")
    found = run_checks(repo)
    assert error in found
    (refused,) = [f for f in found if f.field == "lint.ignore.0"]
    assert (refused.path, refused.line, refused.level) == (AGREEMENT, line_of(agreement, "rule: completeness"),
                                                           "error")
    assert refused.message.startswith("errors cannot be silenced: fix the completeness error this ignore "
                                      f"matches at {AGREEMENT}:{error.line}")
    # The build runs the same rules, errors only: it refuses the agreement on both.
    library = load_repository(repo)
    refused_by_build = agreement_errors(library, load_agreement(library, agreement), agreement)
    assert error in refused_by_build and refused in refused_by_build


# ---------------------------------------------------------------- wrong ignores, at their line


def test_an_unknown_rule_name_is_an_error_at_its_key(repo, agreement):
    ignore(agreement, "{rule: completness, reason: Misspelt.}", "{rule: defined-term, term: Plafond, reason: Typo.}")
    error, other = run_checks(repo)
    assert shown([error, other]) == [(AGREEMENT, line_of(agreement, "rule: completness"), "error", "schema",
                                      "lint.ignore.0.rule"),
                                     (AGREEMENT, line_of(agreement, "rule: defined-term,"), "error", "schema",
                                      "lint.ignore.1.rule")]
    assert other.message.startswith("unknown rule 'defined-term' (did you mean 'defined-terms'?)")
    assert error.col == agreement.read_text().split("\n")[error.line - 1].index("rule:") + 1
    assert error.message.startswith("unknown rule 'completness' (did you mean 'completeness'?)")
    for name in ("schema", "completeness", "defined-terms", "money-dates", "unicode-nfc"):
        assert name in error.message
    library = load_repository(repo)
    assert error in agreement_errors(library, load_agreement(library, agreement), agreement)


def test_an_unknown_rule_in_a_clause_is_an_error_in_clause_yml_and_for_the_build(repo):
    meta = ignore_in_clause(repo, "liability", "{rule: nfc, reason: Misspelt.}")
    (error,) = run_checks(repo)
    assert shown([error]) == [("clauses/liability/clause.yml", line_of(meta, "rule: nfc"), "error", "schema",
                               "lint.ignore.0.rule")]
    assert error in library_errors(load_repository(repo))


def test_an_ignore_without_a_reason_is_an_error_for_any_rule(repo, agreement):
    ignore(agreement, "{rule: money-dates, contains: L.441-10}")
    (error,) = run_checks(repo)
    assert shown([error]) == [(AGREEMENT, line_of(agreement, "rule: money-dates"), "error", "schema",
                               "lint.ignore.0.reason")]


def test_one_narrowing_key_at_most(repo, agreement):
    ignore(agreement, "{rule: defined-terms, term: Plafond, contains: plafond, reason: Both.}")
    (error,) = run_checks(repo)
    assert shown([error]) == [(AGREEMENT, line_of(agreement, "term: Plafond"), "error", "schema", "lint.ignore.0")]
    assert "give `term:` or `contains:`, not both" in error.message


def test_stale_ignores_are_warnings_at_their_line(repo, agreement):
    ignore(agreement, "{rule: completeness, reason: Nothing left out.}",
           "{rule: money-dates, contains: L.441-10, reason: Monaco.}")
    meta = ignore_in_clause(repo, "fees", "{rule: unicode-nfc, reason: Kept decomposed.}")
    found = run_checks(repo)
    assert shown(found) == [
        (AGREEMENT, line_of(agreement, "rule: completeness"), "warning", "completeness", "lint.ignore.0"),
        (AGREEMENT, line_of(agreement, "rule: money-dates"), "warning", "money-dates", "lint.ignore.1"),
        ("clauses/fees/clause.yml", line_of(meta, "rule: unicode-nfc"), "warning", "unicode-nfc", "lint.ignore.0")]
    assert "silences nothing: no money-dates warning containing “L.441-10”" in found[1].message
    # Named files: a clause's ignore may serve an agreement not checked this time.
    assert shown(run_checks(repo, [agreement]))[2:] == []


# ---------------------------------------------------------------- what reviewers see


def test_check_says_how_many_warnings_were_silenced(repo, agreement):
    edit(agreement, EXCLUSIONS, "")
    edit(agreement, TERM, "")
    ignore(agreement, "{rule: completeness, reason: A licence with nothing excluded and no end.}")
    result = CliRunner().invoke(main, ["--root", str(repo), "check"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s), 2 silenced on purpose (lint: ignore)" in result.output
