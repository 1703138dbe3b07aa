"""Defined terms, read in the assembled contract: each defined once, each used, none missing.

What counts as a definition and as a use is in lint/terms_text.py: a quoted term in the usual
French and English shapes; a use is the term with its capital, singular or plural, possessive
or not, anywhere in the document (a definition may come after the first use).
Warnings: a term defined twice; a term defined and never used elsewhere with its capital
(« le Client » → "le Client", "Confidential Information"); and, conservatively, a run of two
to four capitalised words in mid-sentence that looks like a defined term but is defined
nowhere. Names from the front matter (parties, places, products), headings (run-in ones
too: "**Deemed Acceptance.** The Customer…"), legal references, dates and acronyms are not
taken for terms.

Each finding is placed in the file the text comes from: the clause text (clauses/<id>/<lang>.md
and its line, naming the agreements it was read in), the agreement's special conditions or
front matter, or the template. A clause (`lint: {ignore: [...]}` in clause.yml) or an agreement
(`lint:` in its front matter) silences a finding with a reason, `term:` naming its term
(lint/ignores.py, as for every rule).
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Iterator

from ...assemble import SPECIAL_CONDITIONS
from ..terms_text import (PROPER, Definition, Unit, capitalised, capitalised_runs, definitions, ordinary, quoted,
                          units, usage_pattern, words)
from . import ReadIn, Rule

RULE_ID = "defined-terms"
__all__ = ["capitalised_runs", "definitions", "units", "usage_pattern", "agreement_findings", "RULE"]


def check(context):
    for agreement in context.agreements:
        if agreement.file is None or agreement.plan is None:
            continue
        assembled = agreement.assembled
        if assembled is None or assembled.markdown is None:
            continue
        yield from agreement_findings(agreement, assembled.markdown, context.repo)


def agreement_findings(agreement, markdown: str, repo) -> Iterator[ReadIn]:
    """The findings in one agreement's assembled text, each naming its term in “…” (what an
    ignore's `term:` matches) and placed where the text comes from."""
    document = units(markdown)
    found = definitions(document)
    place = _Places(agreement, repo)

    def finding(term: str, unit: Unit, offset: int, message: str, definition: bool = False) -> ReadIn:
        patterns = ([quoted(term)] if definition else []) + [usage_pattern(term)]
        path, line, col, clause = place.of(unit, offset, patterns)
        if not line:
            message += f" (assembled Markdown line {unit.line_at(offset)})"
        return ReadIn(path, line, col, "warning", message, "", RULE_ID, agreement.shown, clause or "")

    # Defined twice.
    first: dict[str, Definition] = {}
    for definition in found:
        key = definition.term.casefold()
        if key in first:
            earlier = document[first[key].unit]
            unit = document[definition.unit]
            where = "again in the same article" if earlier.heading == unit.heading else f"first in {earlier.heading}"
            path, line, _, _ = place.of(earlier, first[key].start, [quoted(definition.term)])
            where += f" ({path}:{line})" if line else ""
            yield finding(definition.term, unit, definition.start, f"term “{definition.term}” is defined twice: in "
                          f"{unit.heading}, {where}; keep one definition and refer to it", definition=True)
        else:
            first[key] = definition
    # Defined and never used, before or after its definition.
    starts, text = _joined(document)
    for key, definition in first.items():
        quote = range(starts[definition.unit] + definition.start, starts[definition.unit] + definition.end)
        if all(match.start() in quote for match in usage_pattern(definition.term).finditer(text)):
            unit = document[definition.unit]
            yield finding(definition.term, unit, definition.start, f"term “{definition.term}” is defined in "
                          f"{unit.heading} but never used elsewhere with its capital; use it, or remove the "
                          "definition", definition=True)
    # Capitalised terms that look defined but are not.
    known = [usage_pattern(d.term) for d in first.values()]
    data = _data_words(agreement, repo)
    titles = {u.heading.casefold() for u in document} | {u.title.casefold() for u in document if u.title}
    vocabulary = {w for u in document for w in words(u.text) if w.islower()}
    reported: set[str] = set()
    for unit in document:
        for start, run_words in capitalised_runs(unit.text, unit.lead):
            run_words = _trim(run_words, data)
            if not 2 <= len(run_words) <= 4:
                continue
            run = " ".join(run_words)
            if run.casefold() in reported or any(w.casefold().strip("'’") in PROPER for w in run_words):
                continue
            if any(p.search(run) for p in known):
                continue
            if any(run.casefold() in title for title in titles):
                continue
            if not all(ordinary(w, vocabulary) for w in run_words):
                continue  # a name ("Bastien Roux", "United Kingdom"), not common words given a capital
            reported.add(run.casefold())
            yield finding(run, unit, start, f"“{run}” in {unit.heading} is capitalised like a defined term but is "
                          "not defined; define it (e.g. (the \"…\") / (ci-après le « … »)) or write it in lower case")


def _joined(document: list[Unit]) -> tuple[list[int], str]:
    """The units' texts in one string (searched once per term), and where each starts in it."""
    starts, size = [], 0
    for unit in document:
        starts.append(size)
        size += len(unit.text) + 3
    return starts, "\n\0\n".join(unit.text for unit in document)  # no term runs on across units


class _Places:
    """Where a unit's text comes from: the clause text, the agreement's body or front matter,
    or the template, at the line that best matches the assembled line."""

    def __init__(self, agreement, repo) -> None:
        self.agreement, self.repo = agreement, repo
        plan = agreement.plan
        self.articles = {article.id: article for article in plan.articles}
        self.language = plan.language
        self.templates = [(t.path, t.source, 1) for t in repo.templates.values()
                          if t is plan.template or t.meta is None]  # its own, and the partials

    def of(self, unit: Unit, offset: int, patterns: list[re.Pattern]) -> tuple[str, int, int, str | None]:
        """(path, line, column, clause id) of the text at `offset` of `unit`; line 0 when not found."""
        agreement = self.agreement
        clause_id, sources = None, self.templates
        if unit.source == SPECIAL_CONDITIONS:
            sources = [(agreement.shown, agreement.file.body, agreement.file.body_line)]
        elif unit.source in self.articles and unit.source in self.repo.clauses:
            article = self.articles[unit.source]
            clause = self.repo.clauses[unit.source]
            text = clause.texts.get((article.variant, self.language))
            if text is not None:
                clause_id, sources = unit.source, [(text.path, text.body, text.body_line)]
        assembled_line = unit.line_text(offset)
        for pattern in patterns:
            best = _best_line(sources, pattern, assembled_line)
            if best is not None:
                return (*best, clause_id)
        # Printed from data: the agreement's front matter (a deliverable, a party's name…).
        front = agreement.raw_text.split("\n")[: max(agreement.file.body_line - 1, 0)]
        for pattern in patterns:
            best = _best_line([(agreement.shown, "\n".join(front), 1)], pattern, assembled_line)
            if best is not None:
                return (*best, None)
        return (sources[0][0] if clause_id else agreement.shown), 0, 0, clause_id


def _best_line(sources, pattern: re.Pattern, assembled_line: str) -> tuple[str, int, int] | None:
    """(path, line, column) of the source line holding `pattern` that is most like the
    assembled line (Jinja changed it: parameters, conditions)."""
    best, score = None, -1.0
    for path, text, first in sources:
        for index, line in enumerate(text.split("\n")):
            match = pattern.search(line)
            if match is None:
                continue
            ratio = difflib.SequenceMatcher(None, line, assembled_line, autojunk=False).ratio()
            if ratio > score:
                best, score = (path, first + index, match.start() + 1), ratio
    return best


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _data_words(agreement, repo) -> set[str]:
    """Capitalised words of the front matter and the organisation: names, places, products."""
    texts = list(_strings(agreement.file.model.model_dump(exclude={"clauses", "lint"})))
    texts += list(_strings(agreement.file.model.clauses.parameters))
    if repo.config is not None:
        texts += list(_strings(repo.config.organisation.model_dump()))
    plan = agreement.plan
    if plan is not None:
        texts += list(_strings(plan.parameters))
    return {word for text in texts for word in words(text) if capitalised(word)}


def _trim(run: list[str], data: set[str]) -> list[str]:
    """Leave out proper names taken from the data at either end of a run ("Grenoble Trade")."""
    while run and run[0] in data:
        run = run[1:]
    while run and run[-1] in data:
        run = run[:-1]
    return run


RULE = Rule(RULE_ID, "defined terms are defined once, used, and capitalised terms are defined", check,
            has_errors=False)
