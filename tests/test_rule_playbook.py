"""Rule `playbook`: non-standard variants and parameter values are approved, by someone allowed to."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from clausier.lint.rules.playbook import outside_standard
from clausier.models import Parameter
from clausier.repository import load_repository

from conftest import PROJECT
from textedit import edit, line_of, rule_findings

RULE = "playbook"
VARIANT = "clauses:\n  variants: {liability: fallback-1}\n"
APPROVAL = "approvals:\n  - {variant: liability/fallback-1, by: Direction juridique, on: 2026-11-20}\n"


def findings(root: Path, paths=None):
    return rule_findings(root, RULE, paths)


def front(agreement: Path, text: str) -> None:
    edit(agreement, "signature:", text + "signature:")


@pytest.fixture
def agreement(repo: Path) -> Path:
    return repo / "agreements/acme-fr.md"


@pytest.fixture
def standard(repo: Path) -> Path:
    """termination.cure_days (8 to 90 days) is standard up to 60 days."""
    meta = repo / "clauses/termination/clause.yml"
    edit(meta, "    max: 90\n", "    max: 90\n    standard: {max: 60}\n")
    return meta


def test_standard_terms_need_no_approval(repo):
    assert findings(repo) == []


# ---------------------------------------------------------------- variants


def test_a_variant_without_its_approval_is_an_error_naming_the_role(repo, agreement):
    front(agreement, VARIANT)
    (finding,) = findings(repo)
    assert (finding.level, finding.field) == ("error", "clauses.variants.liability")
    assert finding.line == line_of(agreement, "variants: {liability: fallback-1}")
    assert "variant liability/fallback-1 is not the standard text: it needs the approval of Direction juridique" \
        in finding.message
    assert "{variant: liability/fallback-1, by: <who approved>, on: <YYYY-MM-DD>}" in finding.message


def test_a_variant_with_its_approval_passes(repo, agreement):
    front(agreement, VARIANT + APPROVAL)
    assert findings(repo) == []


def test_variants_need_no_approval_when_the_playbook_says_so(repo, agreement):
    (repo / "clausier.yml").write_text((repo / "clausier.yml").read_text() + "playbook: {variants: false}\n")
    front(agreement, VARIANT)
    assert findings(repo) == []


def test_only_listed_approvers_may_approve_a_role(repo, agreement):
    config = repo / "clausier.yml"
    config.write_text(config.read_text() + "playbook:\n  approvers:\n    Direction juridique: [Inès Garnier, "
                      "Paul Roche]\n")
    front(agreement, VARIANT + APPROVAL)
    (finding,) = findings(repo)
    assert (finding.level, finding.field) == ("error", "approvals.0.by")
    assert finding.line == line_of(agreement, "by: Direction juridique")
    assert "Direction juridique may not approve liability/fallback-1: the approval of Direction juridique is given " \
        "by Inès Garnier, Paul Roche" in finding.message
    edit(agreement, "by: Direction juridique", "by: Paul Roche")
    assert findings(repo) == []


# ---------------------------------------------------------------- parameters


def test_a_parameter_outside_its_standard_range_needs_an_approval(repo, agreement, standard):
    front(agreement, "clauses:\n  parameters:\n    termination: {cure_days: 75}\n")
    (finding,) = findings(repo)
    assert (finding.level, finding.field) == ("error", "clauses.parameters.termination.cure_days")
    assert finding.line == line_of(agreement, "termination: {cure_days: 75}")
    assert "termination.cure_days = 75 is above the standard maximum 60 (standard: max 60)" in finding.message
    assert "{parameter: termination.cure_days, by: <who approved>, on: <YYYY-MM-DD>}" in finding.message


def test_an_approved_parameter_passes(repo, agreement, standard):
    front(agreement, "clauses:\n  parameters:\n    termination: {cure_days: 75}\n"
          "approvals:\n  - {parameter: termination.cure_days, by: Direction financière, on: 2026-11-20}\n")
    assert findings(repo) == []


def test_a_parameter_within_its_standard_range_passes(repo, agreement, standard):
    front(agreement, "clauses:\n  parameters:\n    termination: {cure_days: 60}\n")
    assert findings(repo) == []


def test_parameters_need_no_approval_when_the_playbook_says_so(repo, agreement, standard):
    (repo / "clausier.yml").write_text((repo / "clausier.yml").read_text() + "playbook: {parameters: false}\n")
    front(agreement, "clauses:\n  parameters:\n    termination: {cure_days: 75}\n")
    assert findings(repo) == []


def test_a_parameter_without_a_standard_range_is_free(repo, agreement):
    front(agreement, "clauses:\n  parameters:\n    termination: {cure_days: 90}\n")
    assert findings(repo) == []


def test_outside_standard_for_numbers_and_choices():
    label = {"fr": "x", "en": "x"}
    number = Parameter(type="decimal", label=label, standard={"min": "0.5", "max": "1"})
    assert outside_standard(number, Decimal("1")) is None
    assert outside_standard(number, Decimal("1.5")) == "above the standard maximum 1"
    assert outside_standard(number, Decimal("0.25")) == "below the standard minimum 0.5"
    choice = Parameter(type="enum", choices=["both", "client", "none"], label=label, standard={"choices": ["both"]})
    assert outside_standard(choice, "both") is None
    assert "client not among the standard choices (both)" == outside_standard(choice, "client")
    listed = Parameter(type="list", label=label, standard={"choices": ["website", "press"]})
    assert outside_standard(listed, ["website"]) is None
    assert outside_standard(listed, ["website", "tv"]).startswith("tv not among")
    assert outside_standard(Parameter(type="int", label=label), 1000) is None


# ---------------------------------------------------------------- stale approvals


def test_an_approval_for_a_variant_not_used_is_a_stale_warning(repo, agreement):
    front(agreement, APPROVAL)
    (finding,) = findings(repo)
    assert (finding.level, finding.field) == ("warning", "approvals.0")
    assert finding.line == line_of(agreement, "- {variant: liability/fallback-1")
    assert "stale approval: variant liability/fallback-1 is not used by this agreement" in finding.message


def test_an_approval_for_a_standard_value_is_a_stale_warning(repo, agreement, standard):
    front(agreement, "clauses:\n  parameters:\n    termination: {cure_days: 45}\n"
          "approvals:\n  - {parameter: termination.cure_days, by: Direction financière, on: 2026-11-20}\n")
    (finding,) = findings(repo)
    assert (finding.level, finding.line) == ("warning", line_of(agreement, "- {parameter: termination.cure_days"))
    assert "stale approval: parameter termination.cure_days is not set outside its standard range" in finding.message


def test_an_approval_of_nothing_is_a_warning(repo, agreement):
    front(agreement, "approvals:\n  - {by: Direction juridique, on: 2026-11-20}\n")
    (finding,) = findings(repo)
    assert finding.level == "warning" and "names neither a variant" in finding.message


# ---------------------------------------------------------------- the repository's own library


def test_the_librarys_standard_ranges_hold_their_defaults_and_bounds():
    repo = load_repository(PROJECT)
    with_standard = 0
    for clause in repo.clauses.values():
        for name, parameter in clause.meta.parameters.items():
            if parameter.standard is None:
                continue
            with_standard += 1
            assert outside_standard(parameter, parameter.default) is None, f"{clause.id}.{name}"
            for bound in (parameter.standard.min, parameter.standard.max):
                if bound is not None:
                    assert parameter.min is None or bound >= parameter.min, f"{clause.id}.{name}"
                    assert parameter.max is None or bound <= parameter.max, f"{clause.id}.{name}"
    assert with_standard >= 4


def test_the_repositorys_agreements_follow_the_playbook():
    assert findings(PROJECT) == []
