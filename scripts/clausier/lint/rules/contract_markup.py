"""Contract markup: images and links a contract may not carry, at their file and line.

The same function as `build` and `diff` (render.renderable_findings) for each agreement, so
`check` reports what they would refuse; and every clause text, template and agreement body on
its own, so a clause no agreement uses yet is reported too (the handbook renders it).
"""

from __future__ import annotations

from ...errors import Finding
from ...htmlsafety import refused_markup
from ...render import renderable_findings
from . import Rule


def _source_findings(path: str, text: str, first_line: int) -> list[Finding]:
    return [Finding(path, line + first_line - 1, col, rule=rule, message=message)
            for line, col, rule, message in refused_markup(text)]


def check(context):
    repo = context.repo
    for agreement in context.agreements:
        assembled = agreement.assembled
        if assembled is not None:
            yield from renderable_findings(assembled.markdown, agreement.shown, repo, assembled.plan)
        elif agreement.file is not None:
            yield from _source_findings(agreement.shown, agreement.file.body, agreement.file.body_line)
    if context.explicit_paths:
        return
    for clause in repo.clauses.values():
        for text in clause.texts.values():
            yield from _source_findings(text.path, text.body, text.body_line)
    for template in repo.templates.values():
        yield from _source_findings(template.path, template.source, 1)


RULE = Rule("contract-markup", "no images, and links only to http, https, mailto or the document's anchors", check)
