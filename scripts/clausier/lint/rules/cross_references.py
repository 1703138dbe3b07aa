"""Cross-references: every ref()/refs() names a clause that exists, and a label that clause
carries; labels are well formed and never given twice in one text. An agreement's own problems
(a clause it leaves out, a label its variant does not have) come from its assembly."""

from __future__ import annotations

import re

from ...errors import Finding
from ...outline import LABEL
from . import Rule

_STRING = r"""\s*["']([^"']+)["']\s*"""
_REF = re.compile(r"\bref\(" + _STRING + r"\)")
_REFS = re.compile(r"\brefs\(\s*\[?((?:" + _STRING + r",?)+)\]?\s*\)")
_QUOTED = re.compile(r"""["']([^"']+)["']""")
_LABEL = re.compile(r"\blabel\(" + _STRING + r"\)")


def _references(line: str):
    """(column, key) of each ref("…") and each name in refs("…", "…") / refs(["…"]) on a line."""
    for match in _REF.finditer(line):
        yield match.start() + 1, match.group(1)
    for match in _REFS.finditer(line):
        for name in _QUOTED.finditer(match.group(1)):
            yield match.start(1) + name.start() + 1, name.group(1)


def library_labels(repo) -> dict[str, set[str]]:
    """Clause id → the labels any of its texts writes with label("…")."""
    labels: dict[str, set[str]] = {}
    for clause_id, clause in repo.clauses.items():
        for text in clause.texts.values():
            labels.setdefault(clause_id, set()).update(m.group(1) for m in _LABEL.finditer(text.body))
    return labels


def check(context):
    repo = context.repo
    labels = library_labels(repo)
    annexes = {part.id for template in repo.templates.values() if template.meta and template.meta.annexes
               for part in template.meta.annexes.parts}  # ref("sow") → "Schedule A" where a template has it
    annexes |= {"cover" for template in repo.templates.values() if template.meta and template.meta.cover}
    for clause in repo.clauses.values():
        for text in clause.texts.values():
            seen: dict[str, int] = {}
            for lineno, line in enumerate(text.body.split("\n"), start=text.body_line):
                for match in _LABEL.finditer(line):
                    name = match.group(1)
                    if not LABEL.match(name):
                        yield Finding(text.path, lineno, match.start() + 1, message=f"label({name!r}): a label is "
                                      "lower-case letters, digits and dashes", rule="cross-reference")
                    # (a label inside a loop or in both branches of an {% if %} is told at assembly)
                    elif name in seen and "{%" not in text.body:
                        yield Finding(text.path, lineno, match.start() + 1, message=f"label({name!r}) is used twice "
                                      f"in this text (first on line {seen[name]})", rule="cross-reference")
                    seen.setdefault(name, lineno)
                for column, key in _references(line):
                    clause_id, _, label = key.partition(".")
                    if key in annexes:
                        continue
                    if clause_id not in repo.clauses and clause_id != "special-conditions":
                        yield Finding(text.path, lineno, column, message=f"ref({key!r}) names no clause of the "
                                      "library", rule="cross-reference")
                    elif label and clause_id in labels and _last(label) not in labels[clause_id]:
                        known = ", ".join(sorted(labels[clause_id])) or "none"
                        yield Finding(text.path, lineno, column, message=f"ref({key!r}): clause {clause_id!r} "
                                      f"has no label {_last(label)!r}; its labels: {known}", rule="cross-reference")
    # In each agreement: a ref() to a clause this agreement leaves out, a label its text lacks.
    for agreement in context.agreements:
        for finding in agreement.load_findings + agreement.assembly_findings:
            if finding.rule == "cross-reference":
                yield finding


def _last(label: str) -> str:
    return label.rsplit(".", 1)[-1]


RULE = Rule("cross-reference", "every ref() points to a clause present in the agreement and a label it carries; "
            "labels are unique", check)
