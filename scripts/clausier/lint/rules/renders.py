"""Renders: every clause, every variant, in every language, for a business and a consumer client,
rendered with the handbook's specimen data through the handbook's path (Jinja under the budget,
the article structure, the contract-markup rule, the hidden-character scan), and every template's
specimen assembled: an error the handbook or a build would meet is reported here first, at the
clause file and line (rendered_library.py, which the handbook calls too)."""

from __future__ import annotations

from ...rendered_library import library_findings
from . import Rule


def check(context):
    if context.explicit_paths or context.repo.config is None or context.repo.errors():
        return  # files named: library-wide rules stay quiet; a broken library: the schema rule says why
    yield from library_findings(context.repo)


RULE = Rule("renders", "every clause, variant and language renders with the handbook's specimen data, "
            "for a business and a consumer client", check)
