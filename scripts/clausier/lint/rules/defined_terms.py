"""Defined terms, read in the assembled contract: each defined once, each used, none missing.

A definition is a quoted term in one of the usual shapes:

- French: ci-après « X », ci-après dénommé(e) « X », (ci-après le « X »), (le « X »),
  (les « X »), « X » désigne, on entend par « X », and the chained « … » et individuellement
  « une Partie »;
- English: (the "X"), (hereinafter "X"), hereinafter "X", referred to as "X", "X" means,
  and the chained "…" and each as "a Party";

in straight or typographic quotes. A leading article (« le Client ») is not part of the term.
Warnings: a term defined twice; a term defined and never used afterwards with its capital
(« le Client » → "le Client", "Confidential Information"); and, conservatively, a run of two
to four capitalised words in mid-sentence that looks like a defined term but is defined
nowhere. Names from the front matter (parties, places, products), headings, legal
references, dates and acronyms are not taken for terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from ...assemble import SPECIAL_TITLE
from ...errors import Finding
from ...markdown import front_matter
from . import Rule

RULE_ID = "defined-terms"

_ART = r"(?:le|la|les|l['’]|un|une|the|an|a)"
_QUOTE = re.compile(r"«\s*([^«»\n]{1,80}?)\s*»|\"([^\"\n]{1,80})\"|“([^“”\n]{1,80})”")
_LEADING_ARTICLE = re.compile(r"^(?:(?:les|le|la|une|un|the|an|a)\s+|l['’]\s*)(?=\S)", re.IGNORECASE)

# What comes just before a quoted term that it defines.
_BEFORE = [
    re.compile(rf"(?:ci-après|hereinafter)(?:\s+(?:dénommée?s?|désignée?s?|appelée?s?|referred\s+to\s+as|called))?"
               rf"(?:\s+(?:ensemble|collectivement|together|collectively))?\s*(?:{_ART}\s*)?$", re.IGNORECASE),
    re.compile(rf"\(\s*(?:ensemble\s+|together\s+|collectivement\s+|collectively\s+)?(?:{_ART}\s*)?$", re.IGNORECASE),
    re.compile(rf"(?:referred\s+to\s+as|désignée?s?\s+(?:ensemble|collectivement)|dénommée?s?)\s*(?:{_ART}\s*)?$",
               re.IGNORECASE),
    re.compile(rf"(?:\bet|\band|,)\s+(?:individuellement|séparément|chacune?|each|individually)(?:\s+(?:as|comme))?"
               rf"\s+(?:{_ART}\s*)?$", re.IGNORECASE),
    re.compile(r"(?:on\s+entend\s+par|the\s+term|le\s+terme|l['’]expression)\s*$", re.IGNORECASE),
    re.compile(rf"(?:,|\bform|\bforment|\bconstitue|\bconstituent)\s+(?:{_ART}\s*)$", re.IGNORECASE),
]
_APPOSITION = 5  # index in _BEFORE of the appositive shape, which also needs the sentence to end after it
# What comes just after a quoted term that it defines.
_AFTER = re.compile(r"^\s*(?:désigne|désignent|means|mean|shall\s+mean|refers\s+to|s['’]entend)\b", re.IGNORECASE)

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{#[^}]*\})?\s*$")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ATTRIBUTES = re.compile(r"\{#[^}]*\}")
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")
_SENTENCE_END = re.compile(r"[.!?:;(—–]\s*$")

# Words that make a capitalised run a proper name rather than a defined term.
_PROPER = {
    # legal references and institutions
    "code", "codes", "register", "court", "courts", "directive", "regulation", "act", "law", "laws", "tribunal",
    "council", "commission", "union", "republic", "civil", "commercial", "trade", "companies", "chamber",
    "article", "articles", "clause", "clauses", "annex", "schedule", "section", "journal", "official", "state",
    "états", "union", "européenne", "european", "french", "france", "cnil", "insee", "urssaf",
    # calendar
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
    "décembre", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    # forms of address
    "mr", "mrs", "ms", "dr", "monsieur", "madame", "maître",
}


@dataclass
class Unit:
    """A paragraph, list item or table cell of the assembled text, under an article heading."""

    text: str
    heading: str
    line: int = 0  # of the assembled Markdown (what `clausier build --to md` writes)

    def line_at(self, offset: int) -> int:
        return self.line + self.text.count("\n", 0, offset)


@dataclass
class Definition:
    term: str
    unit: int
    start: int
    end: int


def units(markdown: str) -> list[Unit]:
    out: list[Unit] = []
    heading = "the preamble"
    paragraph: list[str] = []
    first_line = 0
    front = front_matter(markdown)
    body_start = front.closing + 1 if front is not None else 0  # the header is not text

    def flush() -> None:
        if paragraph:
            out.append(Unit("\n".join(paragraph), heading, first_line))
            paragraph.clear()

    lines = markdown.split("\n")
    for index, line in enumerate(lines):
        if index < body_start:
            continue
        stripped = line.strip()
        match = _HEADING.match(stripped)
        if match:
            flush()
            title = match.group(2)
            if len(match.group(1)) == 1:
                heading = title
            elif heading == "the preamble":
                heading = f"the preamble ({title})"
            out.append(Unit("", heading, index + 1))  # headings are not prose, but they break sentences
            continue
        if not stripped or stripped.startswith(":::"):
            flush()
            continue
        text = _ATTRIBUTES.sub("", _LINK.sub(r"\1", stripped)).replace("**", "").replace("\\_", "_")
        if stripped.startswith("|"):
            flush()
            if set(stripped) <= set("|:- "):
                continue
            out.extend(Unit(cell.strip(), heading, index + 1) for cell in text.strip("|").split("|"))
            continue
        if re.match(r"^(?:[-*+]|\d+[.)])\s", stripped):
            flush()
        if not paragraph:
            first_line = index + 1
        paragraph.append(text)
    flush()
    return out


def _term(raw: str) -> str:
    return _LEADING_ARTICLE.sub("", raw.strip()).strip()


def definitions(document: list[Unit]) -> list[Definition]:
    found = []
    for index, unit in enumerate(document):
        text = unit.text
        for match in _QUOTE.finditer(text):
            raw = next(g for g in match.groups() if g is not None)
            term = _term(raw)
            if not term or not term[0].isupper() or len(term.split()) > 6:
                continue
            before, after = text[max(0, match.start() - 80): match.start()], text[match.end():]
            defined = bool(_AFTER.match(after))
            if not defined and re.fullmatch(r"\s*[-*+]\s*", text[: match.start()]) and re.match(r"\s*:", after):
                defined = True  # a definition list: - « X » : …
            for number, pattern in enumerate(_BEFORE):
                if defined:
                    break
                if pattern.search(before):
                    defined = number != _APPOSITION or bool(re.match(r"\s*[.)]", after))
            if defined:
                found.append(Definition(term, index, match.start(), match.end()))
    return found


def _word_pattern(word: str) -> str:
    stem = word[:-1] if len(word) > 3 and word[-1] in "sx" else word
    stems = {stem}
    if stem.endswith("ie"):
        stems.add(stem[:-2] + "y")
    if stem.endswith("y"):
        stems.add(stem[:-1] + "ie")
    return "(?:" + "|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True)) + ")[sx]?"


def usage_pattern(term: str) -> re.Pattern:
    """The term with its capital, singular or plural, as a whole word (l'Incident counts)."""
    words = term.split()
    body = r"\s+".join(_word_pattern(w) for w in words)
    return re.compile(rf"(?<![\w-]){body}(?![\w-])")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _capitalised(word: str) -> bool:
    return word[0].isupper() and not word.isupper()


def _sentence_start(text: str, start: int) -> bool:
    before = re.sub(r"[\s*_«»\"“”'‘’]+$", "", text[:start])
    return not before or bool(_SENTENCE_END.search(before)) or bool(re.fullmatch(r"[-*+]|\d+[.)]", before))


def capitalised_runs(text: str) -> Iterator[tuple[int, list[str]]]:
    """Runs of capitalised words (separated by spaces only), not counting a sentence's first word."""
    run: list[re.Match] = []
    for word in _WORD.finditer(text):
        if run and (not _capitalised(word.group())
                    or not re.fullmatch(r"[ \u00a0\u202f]+", text[run[-1].end(): word.start()])):
            yield run[0].start(), [w.group() for w in run]
            run = []
        if not _capitalised(word.group()):
            continue
        if not run and _sentence_start(text, word.start()):
            continue  # a sentence's first word is capitalised anyway
        run.append(word)
    if run:
        yield run[0].start(), [w.group() for w in run]


def _place(raw: str, body_line: int, patterns: list[re.Pattern], prefer_body: bool) -> tuple[int, int]:
    """Line and column in the agreement file of the first pattern found there (the body first
    when the text comes from the special conditions), or (0, 0) when it comes from a clause."""
    lines = raw.split("\n")
    order = list(range(len(lines)))
    if prefer_body:
        order = order[body_line - 1:] + order[: body_line - 1]
    for pattern in patterns:
        for index in order:
            match = pattern.search(lines[index])
            if match:
                return index + 1, match.start() + 1
    return 0, 0


def _clause_place(agreement, repo, unit: Unit, patterns: list[re.Pattern]) -> tuple[str, int, int] | None:
    """(clause file, line, column) of the first pattern in the clause texts the agreement uses,
    the article whose title heads `unit` first; None when no clause holds it."""
    plan = agreement.plan
    if plan is None:
        return None
    texts = []
    for article in plan.articles:
        clause = repo.clauses.get(article.id)
        if clause is None:
            continue
        text = clause.texts.get((article.variant, plan.language)) or clause.texts.get(("standard", plan.language))
        if text is not None:
            here = bool(article.title) and unit.heading.endswith(article.title)
            texts.insert(0, text) if here else texts.append(text)
    for pattern in patterns:
        for text in texts:
            for index, line in enumerate(text.body.split("\n")):
                match = pattern.search(line)
                if match:
                    return text.path, text.body_line + index, match.start() + 1
    return None


def _quoted(term: str) -> re.Pattern:
    """The term as it is written in its definition: in quotes, maybe after an article."""
    return re.compile(rf"[«\"“]\s*(?:{_ART}\s*)?{re.escape(term)}\s*[»\"”]", re.IGNORECASE)


def check(context):
    repo = context.repo
    for agreement in context.agreements:
        if agreement.file is None:
            continue
        assembled = agreement.assembled
        if assembled is None or assembled.markdown is None:
            continue
        yield from agreement_findings(agreement, assembled.markdown, repo)


def agreement_findings(agreement, markdown: str, repo) -> Iterator[Finding]:
    document = units(markdown)
    found = definitions(document)
    raw, body_line = agreement.raw_text, agreement.file.body_line

    def finding(term: str, unit: Unit, message: str, definition: bool = False) -> Finding:
        special = any(unit.heading.endswith(title) for title in SPECIAL_TITLE.values())
        patterns = [_quoted(term)] if definition else []
        line, col = _place(raw, body_line, patterns + [usage_pattern(term)], special)
        if not line:  # the text comes from a clause: point at the clause file and line
            place = _clause_place(agreement, repo, unit, patterns + [usage_pattern(term)])
            if place is not None:
                path, line, col = place
                message = re.sub(r" \(assembled Markdown line \d+\)", "", message)
                return Finding(path, line, col, "warning", f"{message} (in {agreement.shown})", "", RULE_ID)
        return Finding(agreement.shown, line, col, "warning", message, "", RULE_ID)

    # Defined twice.
    first: dict[str, Definition] = {}
    for definition in found:
        key = definition.term.casefold()
        if key in first:
            earlier = document[first[key].unit].heading
            unit = document[definition.unit]
            where = "again in the same article" if earlier == unit.heading else f"first in {earlier}"
            yield finding(definition.term, unit, f"term “{definition.term}” is defined twice: in {unit.heading} "
                          f"({_assembled(unit, definition.start)}), {where}; keep one definition and refer to it",
                          definition=True)
        else:
            first[key] = definition
    # Defined and never used afterwards.
    for key, definition in first.items():
        pattern = usage_pattern(definition.term)
        rest = [document[definition.unit].text[definition.end:]] + [u.text for u in document[definition.unit + 1:]]
        if not any(pattern.search(text) for text in rest):
            unit = document[definition.unit]
            yield finding(definition.term, unit, f"term “{definition.term}” is defined in {unit.heading} "
                          f"({_assembled(unit, definition.start)}) but never used afterwards with its capital; use "
                          "it, or remove the definition", definition=True)
    # Capitalised terms that look defined but are not.
    known = [usage_pattern(d.term) for d in first.values()]
    data = _data_words(agreement, repo)
    headings = {u.heading.casefold() for u in document}
    vocabulary = {w.group() for u in document for w in _WORD.finditer(u.text) if w.group().islower()}
    reported: set[str] = set()
    for unit in document:
        for start, words in capitalised_runs(unit.text):
            words = _trim(words, data)
            if not 2 <= len(words) <= 4:
                continue
            run = " ".join(words)
            if run.casefold() in reported or any(w.casefold().strip("'’") in _PROPER for w in words):
                continue
            if any(p.fullmatch(run) or p.search(run) for p in known):
                continue
            if any(run.casefold() in h for h in headings):
                continue
            if not all(_ordinary(w, vocabulary) for w in words):
                continue  # a name ("Bastien Roux", "United Kingdom"), not common words given a capital
            reported.add(run.casefold())
            yield finding(run, unit, f"“{run}” in {unit.heading} ({_assembled(unit, start)}) is capitalised "
                          "like a defined term but is not defined; define it (e.g. (the \"…\") / (ci-après le « … »)) or write it in lower case")


def _assembled(unit: Unit, offset: int) -> str:
    return f"assembled Markdown line {unit.line_at(offset)}"


def _ordinary(word: str, vocabulary: set[str]) -> bool:
    """Whether a capitalised word is also written in lower case in the text (singular or plural)."""
    lower = word.lower()
    forms = {lower, lower + "s", lower[:-1] if lower[-1:] in "sx" else lower}
    if lower.endswith("ies"):
        forms.add(lower[:-3] + "y")
    if lower.endswith("y"):
        forms.add(lower[:-1] + "ies")
    return bool(forms & vocabulary)


def _data_words(agreement, repo) -> set[str]:
    """Capitalised words of the front matter and the organisation: names, places, products."""
    texts = list(_strings(agreement.file.model.model_dump(exclude={"clauses"})))
    texts += list(_strings(agreement.file.model.clauses.parameters))
    if repo.config is not None:
        texts += list(_strings(repo.config.organisation.model_dump()))
    plan = agreement.plan
    if plan is not None:
        texts += list(_strings(plan.parameters))
    words = set()
    for text in texts:
        words.update(w.group() for w in _WORD.finditer(text) if _capitalised(w.group()))
    return words


def _trim(words: list[str], data: set[str]) -> list[str]:
    """Leave out proper names taken from the data at either end of a run ("Grenoble Trade")."""
    while words and words[0] in data:
        words = words[1:]
    while words and words[-1] in data:
        words = words[:-1]
    return words


RULE = Rule(RULE_ID, "defined terms are defined once, used, and capitalised terms are defined", check,
            has_errors=False)
