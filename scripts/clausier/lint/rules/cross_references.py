"""Cross-references: every ref() names a clause that exists and is part of the agreement."""

from __future__ import annotations

import re

from ...errors import Finding
from . import Rule

_REF = re.compile(r"""\bref\(\s*["']([^"']+)["']\s*\)""")


def check(context):
    repo = context.repo
    # In the library: a ref() to a clause that does not exist at all.
    for clause in repo.clauses.values():
        for text in clause.texts.values():
            for lineno, line in enumerate(text.body.split("\n"), start=text.body_line):
                for match in _REF.finditer(line):
                    if match.group(1) not in repo.clauses and match.group(1) != "special-conditions":
                        yield Finding(text.path, lineno, match.start() + 1, message=f"ref({match.group(1)!r}) names "
                                      "no clause of the library", rule="cross-reference")
    # In each agreement: a ref() to a clause this agreement leaves out.
    for agreement in context.agreements:
        for finding in agreement.load_findings + agreement.assembly_findings:
            if finding.rule == "cross-reference":
                yield finding


RULE = Rule("cross-reference", "every ref() points to a clause present in the agreement", check)
