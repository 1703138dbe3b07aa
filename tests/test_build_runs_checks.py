"""What `check` finds, `build` refuses: the build runs check's rules on what it builds.

An error of any rule fails the agreement (its last good outputs kept, nothing recorded, exit 1,
the finding printed as `check` has it); a warning does not; both routes (one worker, several)
agree. Real pipeline, no mocks: the repository of conftest.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.build import build
from clausier.cli import main
from clausier.lint import run_checks

from conftest import many_agreements

SCHEDULE = "  - {when: Mise en ligne, percent: 30}"

# (what to change in agreements/acme-fr.md, into what, the rule whose error it is)
ERRORS = {
    "schedule-110": (SCHEDULE, "  - {when: Mise en ligne, percent: 40}", "money-dates"),
    "invalid-siren": ('siren: "791358245"', 'siren: "791358246"', "parties"),
    "no-payment-method": ("signature: {place: Lyon", "payment: {methods: []}\nsignature: {place: Lyon", "completeness"),
}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def check_errors(repo: Path, agreement: Path) -> list[str]:
    """What `clausier check <file>` reports as errors, one line each."""
    return [str(f) for f in run_checks(repo, [agreement], errors_only=True)]


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_an_error_check_finds_fails_the_agreement_and_keeps_its_last_good_output(repo, case):
    old, new, rule = ERRORS[case]
    many_agreements(repo, 2)  # acme-fr and client-01: the other one is still built
    agreement = repo / "agreements/acme-fr.md"
    assert build(repo, formats=["md"]).ok
    good = (repo / "build/acme-fr/acme-fr.md").read_bytes()

    edit(agreement, old, new)
    edit(repo / "agreements/client-01.md", "Claire Martin", "Claire Dupont")  # both stale
    expected = check_errors(repo, agreement)
    assert expected and all(": error: " in e for e in expected)
    assert any(f.rule == rule for f in run_checks(repo, [agreement], errors_only=True))

    report = build(repo, formats=["md"])
    assert not report.ok
    (failed,) = report.failed
    assert failed.path == "agreements/acme-fr.md"
    assert failed.errors == expected  # the same lines as check's, place first
    assert (repo / "build/acme-fr/acme-fr.md").read_bytes() == good
    assert [r.path for r in report.built] == ["agreements/client-01.md"]
    assert "Claire Dupont" in (repo / "build/client-01/client-01.md").read_text(encoding="utf-8")

    # Not recorded as built: the next build checks it again and fails again.
    again = build(repo, formats=["md"])
    assert [r.errors for r in again.failed] == [expected]


def test_the_110_percent_schedule_keeps_the_last_good_pdf_and_exits_1(repo):
    runner = CliRunner()
    first = runner.invoke(main, ["--root", str(repo), "build"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    pdf = repo / "build/acme-fr/acme-fr.pdf"
    good = pdf.read_bytes()

    agreement = repo / "agreements/acme-fr.md"
    edit(agreement, *ERRORS["schedule-110"][:2])
    (expected,) = check_errors(repo, agreement)
    assert "110" in expected and expected.startswith("agreements/acme-fr.md:")
    result = runner.invoke(main, ["--root", str(repo), "build"], catch_exceptions=False)
    assert result.exit_code == 1
    assert expected in result.output and "failed 1" in result.output and "Traceback" not in result.output
    assert pdf.read_bytes() == good

    edit(agreement, *reversed(ERRORS["schedule-110"][:2]))  # fixed: built again
    fixed = runner.invoke(main, ["--root", str(repo), "build"], catch_exceptions=False)
    assert fixed.exit_code == 0, fixed.output


def test_a_warning_does_not_fail_the_build(repo):
    agreement = repo / "agreements/acme-fr.md"
    edit(agreement, "  exclusions: [Rédaction des contenus]\n", "")  # no exclusions: a warning
    findings = run_checks(repo, [agreement])
    assert findings and {f.level for f in findings} == {"warning"}
    report = build(repo, formats=["md"])
    assert report.ok and [r.path for r in report.built] == ["agreements/acme-fr.md"]


def test_fixing_the_error_builds_the_agreement(repo):
    agreement = repo / "agreements/acme-fr.md"
    old, new, _ = ERRORS["invalid-siren"]
    edit(agreement, old, new)
    assert not build(repo, formats=["md"]).ok
    assert not (repo / "build/acme-fr/acme-fr.md").exists()
    edit(agreement, new, old)
    report = build(repo, formats=["md"])
    assert report.ok and [r.path for r in report.built] == ["agreements/acme-fr.md"]
    assert build(repo, formats=["md"]).results[0].up_to_date  # and then it is up to date


def test_the_parallel_route_refuses_the_same_agreements_with_the_same_findings(repo):
    many_agreements(repo, 6)
    edit(repo / "agreements/client-02.md", *ERRORS["schedule-110"][:2])
    edit(repo / "agreements/client-05.md", *ERRORS["invalid-siren"][:2])
    one = build(repo, formats=["md"], out=repo / "one", jobs=1)
    two = build(repo, formats=["md"], out=repo / "two", jobs=2)
    outcome = [(r.path, r.errors) for r in one.results]
    assert outcome == [(r.path, r.errors) for r in two.results]
    assert [r.path for r in one.failed] == ["agreements/client-02.md", "agreements/client-05.md"]
    assert all(r.errors == check_errors(repo, repo / r.path) for r in one.failed)
    assert len(one.built) == len(two.built) == 4
    for result in one.built:
        name = Path(result.outputs["md"]).name
        folder = name.removesuffix(".md")
        assert (repo / "one" / folder / name).read_bytes() == (repo / "two" / folder / name).read_bytes()


def test_an_agreement_amending_another_is_not_refused_when_built_alone(repo):
    """`amends:` names an agreement not built this time: check of that file alone, and the build,
    know the other agreements exist (no false error)."""
    many_agreements(repo, 2)
    edit(repo / "agreements/client-01.md", "status: draft", "status: draft\namends: acme-fr")
    assert build(repo, [repo / "agreements/client-01.md"], formats=["md"]).ok
    edit(repo / "agreements/client-01.md", "amends: acme-fr", "amends: nobody")
    report = build(repo, [repo / "agreements/client-01.md"], formats=["md"])
    assert "amends 'nobody', which is not an agreement" in "\n".join(report.failed[0].errors)


def test_the_library_rules_run_once_per_build_and_their_errors_are_remembered(repo):
    """A ref() to no clause in a clause no agreement uses: check's library rules find it; the
    build reports it with its place and fails (exit 1) but builds the agreement, and a no-op
    build still reports it (recorded with the library's digest, not found again)."""
    shutil.copytree(repo / "clauses/purpose", repo / "clauses/spare")
    text = repo / "clauses/spare/en.md"
    text.write_text(text.read_text(encoding="utf-8") + "\nSee Clause {{ ref(\"nowhere\") }}.\n", encoding="utf-8")
    expected = [str(f) for f in run_checks(repo, errors_only=True)]
    assert expected and all(e.startswith("clauses/spare/en.md:") for e in expected)
    report = build(repo, formats=["md"])
    assert [str(f) for f in report.library_errors] == expected and not report.ok
    assert [r.path for r in report.built] == ["agreements/acme-fr.md"]
    again = build(repo, formats=["md"])
    assert [str(f) for f in again.library_errors] == expected and again.results[0].up_to_date
