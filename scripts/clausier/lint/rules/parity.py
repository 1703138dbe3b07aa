"""Language parity: French and English texts of a clause have the same sub-clauses and
use only declared parameters (found while loading the library)."""

from __future__ import annotations

from . import Rule


def check(context):
    return [f for f in context.repo.findings if f.rule == "parity"]


RULE = Rule("parity", "French and English clause texts have the same structure and parameters", check)
