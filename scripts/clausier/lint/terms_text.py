"""The text side of the `defined-terms` rule: the assembled contract cut into units of prose,
the definitions found in them, the forms a term is used in, and capitalised runs.

A definition is a quoted term in one of the usual shapes:

- French: ci-après « X », ci-après dénommé(e) « X », (ci-après le « X »), (le « X »),
  (les « X »), « X » désigne, on entend par « X », and the chained « … » et individuellement
  « une Partie »;
- English: (the "X"), (hereinafter "X"), hereinafter "X", referred to as "X", "X" means,
  and the chained "…" and each as "a Party";

in straight or typographic quotes. A leading article (« le Client ») is not part of the term.
A term is used in its plural or possessive forms too: Deliverables, Customer's, Parties',
Losses, « les Travaux » for « Travail », « les Journaux » for « Journal ».
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from ..markdown import front_matter

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
_ARTICLE_ID = re.compile(r"\{#art-([^}\s]+)\}")
_DIV_ID = re.compile(r"^:::+\s*\{#([^}\s]+)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ATTRIBUTES = re.compile(r"\{#[^}]*\}")
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")
_SENTENCE_END = re.compile(r"[.!?:;(—–]\s*$")
# What may open a paragraph before its first sentence: a list marker, an item letter, a clause number.
_LEAD_IN = re.compile(r"[-*+]|\d+[.)]|\(?[A-Za-z0-9]{1,4}\)|\d+(?:\.\d+)+\.?|[a-zA-Z]\.|[ivx]+\.")
# A run-in heading: "**Deemed Acceptance.** The Customer…", "*Réception tacite* : le Client…",
# after a list marker or the bold number of an unheaded sub-clause ("**6.2** **…**").
_RUN_IN = re.compile(r"^(?:(?:[-+]|\d+[.)]|\(\w{1,4}\))\s+)?(?:\*\*[\d.]+\*\*[\s\u00a0]*)?"
                     r"(\*\*|__|\*)([^*_\"“”«»\n]{1,60}?)\1")
_RUN_IN_END = re.compile(r"\s*[.:—–]")

# Words that make a capitalised run a proper name rather than a defined term.
PROPER = {
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
    source: str | None = None  # the article (clause id) the text comes from; None: the template
    lead: int = 0  # where the prose starts, after a run-in heading
    title: str = ""  # a heading's title, or the run-in heading's

    def line_at(self, offset: int) -> int:
        return self.line + self.text.count("\n", 0, offset)

    def line_text(self, offset: int) -> str:
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        return self.text[start: end if end >= 0 else len(self.text)]


@dataclass
class Definition:
    term: str
    unit: int
    start: int
    end: int


def _plain(text: str) -> str:
    """Markdown markup out of the way: link targets, attributes, bold, escapes."""
    return _ATTRIBUTES.sub("", _LINK.sub(r"\1", text)).replace("**", "").replace("\\_", "_")


def units(markdown: str) -> list[Unit]:
    out: list[Unit] = []
    heading = "the preamble"
    source: str | None = None
    paragraph: list[str] = []
    first_line, lead, run_in = 0, 0, ""
    front = front_matter(markdown)
    body_start = front.closing + 1 if front is not None else 0  # the header is not text

    def flush() -> None:
        if paragraph:
            out.append(Unit("\n".join(paragraph), heading, first_line, source, lead, run_in))
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
                article = _ARTICLE_ID.search(stripped)
                source = article.group(1) if article else None
            elif heading == "the preamble":
                heading = f"the preamble ({title})"
            # headings are not prose, but they break sentences
            out.append(Unit("", heading, index + 1, source, title=_plain(title)))
            continue
        if not stripped or stripped.startswith(":::"):
            flush()
            if stripped.startswith(":::"):  # a preamble or closing clause's div, or its end
                div = _DIV_ID.match(stripped)
                source = div.group(1) if div else None
            continue
        text = _plain(stripped)
        if stripped.startswith("|"):
            flush()
            if set(stripped) <= set("|:- "):
                continue
            out.extend(Unit(cell.strip(), heading, index + 1, source) for cell in text.strip("|").split("|"))
            continue
        if re.match(r"^(?:[-*+]|\d+[.)])\s", stripped):
            flush()
        if not paragraph:
            first_line = index + 1
            heading_in = _run_in(stripped)
            lead = len(_plain(stripped[: heading_in.end()])) if heading_in else 0
            run_in = _plain(heading_in.group(2)).strip(" .:") if heading_in else ""
        paragraph.append(text)
    flush()
    return out


def _run_in(line: str) -> re.Match | None:
    """A run-in heading opening `line`: it ends with a full stop or a colon, inside its emphasis
    or just after it, and text follows it (a paragraph all in bold is not one)."""
    match = _RUN_IN.match(line)
    if match is None:
        return None
    after = line[match.end():]
    ends = match.group(2).rstrip().endswith((".", ":")) or _RUN_IN_END.match(after)
    return match if ends and after.strip(" .:—–\u00a0") else None


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


def _singulars(word: str) -> set[str]:
    out = {word}
    if len(word) > 3:
        if word.endswith("ies"):
            out.add(word[:-3] + "y")
        if word.endswith("aux"):  # Travaux, Journaux
            out |= {word[:-3] + "al", word[:-3] + "ail"}
        if word.endswith("es"):  # Losses, Taxes
            out.add(word[:-2])
        if word[-1] in "sx":
            out.add(word[:-1])
    return out


def word_forms(word: str) -> str:
    """A word of a term as a pattern of its singular and plural forms, English and French:
    its singulars with an optional s, x or es, and the -ies and -aux plurals."""
    singulars = _singulars(word)
    irregular = {s[:-1] + "ies" for s in singulars if s.endswith("y")}
    irregular |= {s[: s.rindex("a")] + "aux" for s in singulars if s.endswith(("al", "ail"))}
    stems = "|".join(re.escape(s) for s in sorted(singulars, key=len, reverse=True))
    forms = [re.escape(f) for f in sorted(irregular, key=len, reverse=True)] + [f"(?:{stems})(?:es|s|x)?"]
    return "(?:" + "|".join(forms) + ")"


@lru_cache(maxsize=4096)
def usage_pattern(term: str) -> re.Pattern:
    """The term with its capital, singular or plural, possessive or not, as a whole word
    (l'Incident counts; the Site-web does not)."""
    body = r"\s+".join(word_forms(w) for w in term.split())
    return re.compile(rf"(?:(?<=['’ʼ])|(?<![\w-])){body}(?:['’ʼ]s?)?(?![\w-])")


def capitalised(word: str) -> bool:
    return word[0].isupper() and not word.isupper()


def _sentence_start(text: str, start: int) -> bool:
    before = re.sub(r"[\s*_«»\"“”'‘’]+$", "", text[:start])
    return not before or bool(_SENTENCE_END.search(before)) or bool(_LEAD_IN.fullmatch(before))


def capitalised_runs(text: str, lead: int = 0) -> Iterator[tuple[int, list[str]]]:
    """Runs of capitalised words (separated by spaces only), not counting a sentence's first
    word, nor a run-in heading before `lead`."""
    run: list[re.Match] = []
    for word in _WORD.finditer(text, lead):
        if run and (not capitalised(word.group())
                    or not re.fullmatch(r"[ \u00a0\u202f]+", text[run[-1].end(): word.start()])):
            yield run[0].start(), [w.group() for w in run]
            run = []
        if not capitalised(word.group()):
            continue
        if not run and (word.start() == lead or _sentence_start(text, word.start())):
            continue  # a sentence's first word is capitalised anyway
        run.append(word)
    if run:
        yield run[0].start(), [w.group() for w in run]


def ordinary(word: str, vocabulary: set[str]) -> bool:
    """Whether a capitalised word is also written in lower case in the text (singular or plural)."""
    lower = word.lower()
    forms = {lower, lower + "s", lower[:-1] if lower[-1:] in "sx" else lower}
    if lower.endswith("ies"):
        forms.add(lower[:-3] + "y")
    if lower.endswith("y"):
        forms.add(lower[:-1] + "ies")
    return bool(forms & vocabulary)


def words(text: str) -> Iterator[str]:
    return (w.group() for w in _WORD.finditer(text))


def quoted(term: str) -> re.Pattern:
    """The term as it is written in its definition: in quotes, maybe after an article."""
    return re.compile(rf"[«\"“]\s*(?:{_ART}\s*)?{re.escape(term)}\s*[»\"”]", re.IGNORECASE)
