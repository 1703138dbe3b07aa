"""Schema: every file kind validated (YAML syntax, duplicate keys, unknown keys, types,
missing fields), and every agreement assembled (unknown template, clause, variant or
parameter; undefined variables; template errors)."""

from __future__ import annotations

from . import Rule

# Findings that other rules report under their own name.
_OWNED_ELSEWHERE = {"parity", "hidden-characters", "cross-reference", "repository"}


def check(context):
    for finding in context.repo.findings:
        if finding.rule not in _OWNED_ELSEWHERE:
            yield finding
    for agreement in context.agreements:
        for finding in agreement.load_findings + agreement.assembly_findings:
            if finding.rule not in _OWNED_ELSEWHERE:
                yield finding


RULE = Rule("schema", "files parse and validate; agreements assemble", check)
