"""Language parity: the texts of a clause in each of the library's languages (clausier.yml
`languages:`, by default French and English) have the same sub-clauses and use only declared
parameters (found while loading the library)."""

from __future__ import annotations

from . import Rule


def check(context):
    return [f for f in context.repo.findings if f.rule == "parity"]


RULE = Rule("parity", "a clause's texts in the library's languages have the same structure and parameters", check)
