"""Language parity: the texts of a clause in each of the library's languages (clausier.yml
`languages:`, by default French and English) have the same sub-clauses and use only declared
parameters (found while loading the library). A text marked `translate: true` (what `clausier
import` writes in the library's other languages) is not written yet: a warning at that line,
and an agreement in that language is refused (languages.py)."""

from __future__ import annotations

import re

from ...errors import Finding
from ...safefile import UnsafeFile, read_text
from . import Rule

_TRANSLATE = re.compile(r"^translate\s*:", re.M)


def check(context):
    return [f for f in context.repo.findings if f.rule == "parity"] + list(to_translate(context.repo))


def to_translate(repo):
    """A warning for each clause text still to translate, at its `translate:` line."""
    for clause_id in sorted(repo.clauses):
        clause = repo.clauses[clause_id]
        for (variant, language), text in sorted(clause.texts.items()):
            if not text.front.translate:
                continue
            written = [lang for (v, lang), other in sorted(clause.texts.items())
                       if v == variant and not other.front.translate]
            try:
                found = _TRANSLATE.search(read_text(repo.root, repo.root / text.path))
                line = found.string.count("\n", 0, found.start()) + 1 if found else 1
            except (OSError, UnsafeFile):
                line = 1
            source = f"from {', '.join(written)}" if written else "no language has a text yet"
            yield Finding(text.path, line, 1, level="warning", rule="parity", field="translate", message=(
                f"clause {clause_id!r} is still to translate into {language} ({source}): write the text, "
                "then remove `translate: true`; an agreement in this language refuses the clause until then"))


RULE = Rule("parity", "a clause's texts in the library's languages have the same structure and parameters, and "
            "none is left to translate", check)
