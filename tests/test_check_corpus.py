"""A corpus of bad agreements: each gets its finding, with the right rule and line, and
nothing ever ends in a traceback. Random front matter gets findings or passes, never a crash."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clausier.lint import run_checks
from clausier.yamlio import parse_yaml

from conftest import make_repo

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def base_repo(tmp_path_factory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("corpus") / "repo")
    (root / "agreements/acme-fr.md").unlink()
    return root


def test_the_corpus_is_large_enough():
    assert len(EXPECTED) >= 40
    assert len(list(CORPUS.glob("*.md"))) == len(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_input_gets_its_finding_at_its_place(base_repo, tmp_path, name):
    root = tmp_path / "repo"
    shutil.copytree(base_repo, root)
    target = root / "agreements" / f"{name}.md"
    shutil.copyfile(CORPUS / f"{name}.md", target)
    expected = EXPECTED[name]
    findings = run_checks(root, [target])
    matching = [f for f in findings if f.rule == expected["rule"] and f.path == f"agreements/{name}.md"]
    assert matching, f"{name}: no {expected['rule']} finding in {[str(f) + ' [' + f.rule + ']' for f in findings]}"
    assert any(f.line == expected["line"] for f in matching), \
        f"{name}: expected line {expected['line']}, got {[str(f) for f in matching]}"
    if "col" in expected:
        assert any(f.line == expected["line"] and f.col == expected["col"] for f in matching), [str(f) for f in matching]
    assert any(f.level == expected["level"] for f in matching)
    assert all(f.message for f in findings)


KEYS = ["template", "language", "client", "fees", "schedule", "term", "services", "clauses", "payment",
        "effective_date", "status", "version", "approvals", "provider", "signature", "feess", "x"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=12),
                    st.sampled_from(["mini", "fr", "en", "2026-12-01", "2026-13-45", "fixed", "12 months", "EUR"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.sampled_from(KEYS + ["name", "amount",
                                                                                                "model", "omit"]),
                                                                        inner, max_size=4)), max_leaves=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(front=st.dictionaries(st.sampled_from(KEYS), values, max_size=8), body=st.text(max_size=200))
def test_random_front_matter_gets_findings_or_passes_but_never_crashes(base_repo, tmp_path, front, body):
    root = tmp_path / "random-repo"
    if not root.exists():
        shutil.copytree(base_repo, root)
    target = root / "agreements" / "random.md"
    target.write_text("---\n" + json.dumps(front, ensure_ascii=False) + "\n---\n" + body, encoding="utf-8")
    findings = run_checks(root, [target])
    assert isinstance(findings, list)
    for finding in findings:
        assert finding.path and finding.level in ("error", "warning") and finding.rule


def test_json_front_matter_is_yaml():
    assert parse_yaml('{"a": [1, "x"]}', "t").data == {"a": [1, "x"]}
