"""`clausier check`: small rules, each a function from the checked repository to findings.

Every rule lives in its own module under `lint/rules/` and is registered in `RULES`
(one list, in the order findings are worth reading). A rule never raises on bad input:
what it cannot judge, it leaves to the schema rule, which reports why.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Finding
from .context import CheckContext, build_context
from .rules import RULES, Rule

__all__ = ["RULES", "Rule", "CheckContext", "run_checks", "build_context", "findings_in"]


def run_checks(root: Path, paths: list[Path] | None = None, errors_only: bool = False) -> list[Finding]:
    """Every finding of every rule, sorted by file and place, each reported once."""
    return findings_in(build_context(root, paths), errors_only)


def findings_in(context: CheckContext, errors_only: bool = False) -> list[Finding]:
    """Every rule run on `context` (`check`'s, or the build's: see gate.py), sorted, each once."""
    findings: set[Finding] = set()
    for rule in RULES:
        if errors_only and not rule.has_errors:
            continue
        for finding in rule.check(context):
            if finding.rule in ("", "schema") and rule.id != "schema":
                finding = Finding(finding.path, finding.line, finding.col, finding.level, finding.message,
                                  finding.field, rule.id)
            if not errors_only or finding.level == "error":
                findings.add(finding)
    return sorted(findings, key=lambda f: (f.path, f.line, f.col, f.rule, f.message))
