"""Cross-references in the text ("Section 6.2(a)", "article 5", "Sections 3 and 8") turned into
ref() and refs() to labels put on their targets; what does not point inside the document
("Section 365(n) of the Bankruptcy Code", "Article 1231-3 du Code civil") stays as written and
is reported.

Numbers are read as the source printed them: an article's typed number (or its count), "5.2"
for the second sub-clause of article 5 (or the sub-clause the source numbered so), "(a)(i)"
for items below it. A reference whose numbers do not all lead somewhere is left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .structure import Article, Document, Item, Para, Sub

_REF = r"\d{1,3}(?:\.\d{1,3})*(?:\((?:[a-z]{1,4}|\d{1,2})\))*"
_JOIN = r"(?:\s*,\s*(?:(?:and|or|et|ou)\s+)?|\s+(?:and|or|et|ou)\s+)"
_WORD = (r"Sections?|Clauses?|Articles?|Paragraphs?|Subsections?|Schedules?|Annexes?|"
         r"sections?|clauses?|articles?|paragraphs?|subsections?|sous-articles?")
PATTERN = re.compile(rf"(?<![\w-])(?P<word>{_WORD})(?P<space>[\s\u00a0]+)(?P<list>{_REF}(?:{_JOIN}{_REF})*)(?![\w-]|\.\d)")
_NUMBER = re.compile(_REF)
_PARTS = re.compile(r"^(?P<numbers>\d{1,3}(?:\.\d{1,3})*)(?P<items>(?:\([^)]+\))*)$")
# What follows a reference to another text: "of the Bankruptcy Code", « du Code civil ».
_OUTSIDE = re.compile(r"^[\s\u00a0]*(?:of|under|in|du|de|des|de la|de l['’])[\s\u00a0]+(?:the[\s\u00a0]+)?"
                      r"(?P<what>[\w'’-]+)", re.I)
_INSIDE_WORDS = {"this", "agreement", "contract", "mnda", "terms", "présent", "present", "contrat", "ce", "cet",
                 "la", "these", "schedule", "annex", "annexe", "accord"}
_AND = {"en": "and", "fr": "et"}


@dataclass
class Found:
    """The references turned into ref() (count) and those left as written (paragraph, text)."""

    made: int = 0
    left: list[tuple[int, str]] | None = None
    refer: tuple[str, str] | None = None


class _Targets:
    """Source number → the ref() key leading to it, labels set on demand."""

    def __init__(self, document: Document):
        self.articles: dict[str, Article] = {}
        self.places: dict[str, tuple[Article, Sub | None, list[Item]]] = {}
        for count, article in enumerate(document.articles, start=1):
            self.articles.setdefault(article.number, article)
            self.articles.setdefault(str(count), article)
            sub, stack, subs = None, [], 0
            for block in article.blocks:
                if isinstance(block, Sub):
                    subs += 1
                    sub, stack = block, []
                    for key in (block.number, f"{article.number}.{subs}"):
                        self.places.setdefault(key, (article, block, []))
                elif isinstance(block, Item):
                    del stack[block.level:]
                    stack.append(block)
                    base = sub.number if sub else article.number
                    key = base + "".join(f"({i.number})" for i in stack)
                    self.places.setdefault(key, (article, sub, list(stack)))
                elif isinstance(block, Para) and not block.md.startswith(("    ", "- ")):
                    stack = []

    def key(self, reference: str) -> str | None:
        parts = _PARTS.match(reference)
        if parts is None:
            return None
        if not parts["items"] and "." not in parts["numbers"]:
            article = self.articles.get(parts["numbers"])
            return article.id if article else None
        place = self.places.get(reference)
        if place is None:
            return None
        article, sub, items = place
        path = []
        if sub is not None:
            sub.label = sub.label or _sub_label(article, sub)
            path.append(sub.label)
        for item in items:
            item.label = item.label or item.number.lower()
            path.append(item.label)
        return ".".join([article.id, *path])


def _sub_label(article: Article, sub: Sub) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", _ascii(sub.title).lower()).strip("-")
    label = "-".join(words.split("-")[:4]) or "para-" + sub.number.rsplit(".", 1)[-1]
    taken = {b.label for b in article.blocks if isinstance(b, Sub) and b.label}
    candidate, n = label, 2
    while candidate in taken:
        candidate, n = f"{label}-{n}", n + 1
    return candidate


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def link_references(document: Document, language: str) -> Found:
    """Rewrite every paragraph and item of the articles in place; labels land on the targets."""
    targets = _Targets(document)
    found = Found(left=[])
    words = Counter(m["word"] for article in document.articles for block in article.blocks
                    if isinstance(block, (Para, Item)) for m in PATTERN.finditer(block.md))
    singular = Counter({w: c for w, c in words.items() if not w.endswith("s")})
    plural = Counter({w: c for w, c in words.items() if w.endswith("s")})
    if singular:
        one = singular.most_common(1)[0][0]
        found.refer = (one, plural.most_common(1)[0][0] if plural else one + "s")
    for article in document.articles:
        for block in article.blocks:
            if isinstance(block, (Para, Item)):
                block.md = _rewrite(block.md, block.index, targets, found, language)
    return found


def _rewrite(text: str, index: int, targets: _Targets, found: Found, language: str) -> str:
    out, last = [], 0
    for match in PATTERN.finditer(text):
        references = _NUMBER.findall(match["list"])
        after = text[match.end():]
        outside = _OUTSIDE.match(after)
        keys = [targets.key(r) for r in references]
        if outside and outside["what"].lower() not in _INSIDE_WORDS or None in keys:
            phrase = re.match(r"[^.,;:()\n]{0,60}", after[outside.end():]).group(0) if outside else ""
            found.left.append((index, (match.group(0) + (after[: outside.end()] + phrase if outside else ""))
                               .replace("\\", "").strip()))
            continue
        out.append(text[last:match.start()])
        out.append(_written(match, references, keys, found, language))
        found.made += len(keys)
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def _written(match: re.Match, references: list[str], keys: list[str], found: Found, language: str) -> str:
    """refs() when the words are those refs() writes ("Sections 3 and 8"), else the words as
    written with ref() in place of each number."""
    listed = match["list"]
    plain_join = f" {_AND.get(language, 'and')} "
    expected = ", ".join(references[:-1]) + plain_join + references[-1] if len(references) > 1 else None
    if expected is not None and found.refer and match["word"] == found.refer[1] and listed == expected:
        return "{{ refs(" + ", ".join(f'"{k}"' for k in keys) + ") }}"
    pieces, position = [], 0
    for reference, key in zip(references, keys):
        start = listed.index(reference, position)
        pieces.append(listed[position:start] + '{{ ref("' + key + '") }}')
        position = start + len(reference)
    pieces.append(listed[position:])
    return match["word"] + match["space"] + "".join(pieces)
