"""`clausier check`: small rules, each a function from the checked repository to findings.

Every rule lives in its own module under `lint/rules/` and is registered in `RULES`
(one list, in the order findings are worth reading). A rule never raises on bad input:
what it cannot judge, it leaves to the schema rule, which reports why. The warnings an
agreement or a clause silences on purpose (`lint: {ignore: [...]}`) are taken out in one
place, after every rule ran (ignores.py).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import Finding
from .context import CheckContext, build_context
from .ignores import Checked, apply_ignores
from .rules import RULES, Rule

__all__ = ["RULES", "Rule", "CheckContext", "Checked", "run_checks", "check_repository", "build_context",
           "findings_in", "checked_in"]


def run_checks(root: Path, paths: list[Path] | None = None, errors_only: bool = False) -> list[Finding]:
    """Every finding of every rule, sorted by file and place, each reported once."""
    return check_repository(root, paths, errors_only).findings


def check_repository(root: Path, paths: list[Path] | None = None, errors_only: bool = False) -> Checked:
    """`run_checks`, with the findings the ignores silenced (`check` counts them for reviewers)."""
    return checked_in(build_context(root, paths), errors_only)


def findings_in(context: CheckContext, errors_only: bool = False) -> list[Finding]:
    """Every rule run on `context` (`check`'s, or the build's: see gate.py), sorted, each once."""
    return checked_in(context, errors_only).findings


def checked_in(context: CheckContext, errors_only: bool = False) -> Checked:
    found: dict[Finding, str] = {}  # each finding → the rule that reported it first
    for rule in RULES:
        if errors_only and not rule.has_errors:
            continue
        for finding in rule.check(context):
            if finding.rule in ("", "schema") and rule.id != "schema":
                finding = replace(finding, rule=rule.id)
            if not errors_only or finding.level == "error":
                found.setdefault(finding, rule.id)
    return apply_ignores(context, found, errors_only)
