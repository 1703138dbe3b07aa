"""Each returned change → what it means for the agreement (then judged by judging.py).

The articles are rendered again from the library, as sent, once plainly and once per value
they print with that one value marked (sandbox.highlighted: the handbook's marking, which
survives the filters), so each paragraph knows where every clause parameter and agreement field
prints. A change that leaves the paragraph's own words untouched and differs only inside such
places is that value changed; an article whose returned text is (closest to) an approved
variant's is that variant; the rest is free text, a heading or table row is structure, and
anything in the signature block (the closing) is refused.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from ..errors import ContentError
from .changes import Change, Meaning
from . import judging

OPEN, CLOSE = "\ue000", "\ue001"  # where a marked value starts and ends, in a paragraph's text
VARIANT_SIMILARITY = 0.9  # the returned article is a variant when this close to it (word sequence)
FIELD_ROOTS = ("client", "provider", "effective_date", "term", "services", "fees", "schedule", "payment",
               "signature", "terms")

_TYPOGRAPHY = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u2019": "'",
                             "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"',
                             "\u00bb": '"', "\u2013": "-", "\u2014": "-", "\u2011": "-", "\u2026": "..."})


def normalise(text: str, strip: bool = True) -> str:
    """Typography Word and pandoc change (quotes, no-break spaces, dashes) made plain, spaces collapsed."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "").translate(_TYPOGRAPHY))
    return text.strip() if strip else text


@dataclass(frozen=True)
class Target:
    """A value the text prints: a clause parameter or a field of the agreement's front matter."""

    kind: str  # "parameter" or "field"
    name: str  # "termination.cure_days", "payment.due_days", "schedule[0].when"
    path: tuple  # where --apply writes it in the front matter
    value: Any  # the value as sent
    typed: Any = None  # the parameter or key term (its type, bounds, standard); None: a plain field


@dataclass
class Paragraph:
    role: str  # "heading", "text" or "cell"
    text: str  # normalised, as the DOCX reads
    slots: list[tuple[int, int, Target]] = field(default_factory=list)


# ---------------------------------------------------------------- Markdown → paragraphs

_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)]|\(?[A-Za-z0-9]{1,6}\))\s+")  # list and item markers: Word numbers them


def paragraphs(markdown: str, marked: bool = False) -> list[tuple[str, str]]:
    """(role, text) of each paragraph, heading and table cell, as their text reads in the DOCX."""
    out: list[tuple[str, str]] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            out.append(("text", _inline(" ".join(lines), marked)))
            lines.clear()

    for line in markdown.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith(":::"):
            flush()
        elif heading := _HEADING.match(stripped):
            flush()
            out.append(("heading", _inline(heading.group(1), marked)))
        elif stripped.startswith("|"):
            flush()
            if not re.fullmatch(r"[|:\-\s]+", stripped):
                out += [("cell", _inline(cell, marked)) for cell in re.split(r"(?<!\\)\|", stripped.strip("|"))]
        elif _MARKER.match(line) and not line.startswith("\\"):
            flush()
            lines.append(_MARKER.sub("", line, count=1))
        else:
            lines.append(stripped)
    flush()
    return [(role, text) for role, text in out if text.replace(OPEN, "").replace(CLOSE, "")]


def _inline(text: str, marked: bool) -> str:
    if marked:
        text = re.sub(r"==(.+?)==", OPEN + r"\1" + CLOSE, text)
    text = re.sub(r"(?<!\\)\[\]\{#[^}]*\}|\s*(?<!\\)\{#[^}]*\}", "", text)  # anchors and labels
    text = re.sub(r"(?<!\\)\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = re.sub(r"(?<![\\\w])[*_]+|(?<=[^\s\\])[*_]+(?!\w)", "", text)  # emphasis
    text = re.sub(r"\\(.)", r"\1", text).rstrip("\\")
    return normalise(text)


def _slots(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The text without its marks, and where each marked span lies in it."""
    clean, spans, start = [], [], None
    for char in text:
        if char == OPEN:
            start = len(clean)
        elif char == CLOSE and start is not None:
            spans.append((start, len(clean)))
            start = None
        else:
            clean.append(char)
    return "".join(clean), spans


# ---------------------------------------------------------------- the agreement as sent


class SentText:
    """The agreement's articles rendered from the library, with the places values print."""

    def __init__(self, repo, agreement):
        from ..assemble import open_session

        self.repo, self.agreement = repo, agreement
        self.session = open_session(repo, agreement)
        self.plan = self.session.plan
        self.language = self.plan.language
        self._views: dict[tuple[str, str], list[Paragraph]] = {}

    def markdown(self, article, params: Optional[dict] = None, data: Optional[dict] = None) -> Optional[str]:
        from ..assemble import _render_article

        base = self.session.base if data is None else {**self.session.base, **data, "agreement": data}
        params = self.plan.parameters.get(article.id, {}) if params is None else params
        try:
            return _render_article(self.repo, self.session.env, self.plan, article, {**base, "params": params})[0]
        except (ContentError, ValueError, TypeError):  # a marked value a template cannot use: no slot
            return None

    def view(self, article) -> list[Paragraph]:
        key = (article.id, article.variant)
        if key not in self._views:
            self._views[key] = self._view(article)
        return self._views[key]

    def _view(self, article) -> list[Paragraph]:
        plain = self.markdown(article)
        if plain is None:
            return []
        view = [Paragraph(role, text) for role, text in paragraphs(plain)]
        for target, params, data in self._candidates(article):
            marked = self.markdown(article, params, data)
            found = paragraphs(marked, marked=True) if marked else []
            if len(found) != len(view):
                continue
            for paragraph, (_, text) in zip(view, found):
                clean, spans = _slots(text)
                if spans and clean == paragraph.text:
                    paragraph.slots += [(a, b, target) for a, b in spans if b > a]
        for paragraph in view:
            paragraph.slots.sort(key=lambda slot: slot[0])
            paragraph.slots = [s for i, s in enumerate(paragraph.slots) if i == 0 or s[0] >= paragraph.slots[i - 1][1]]
        return view

    def _candidates(self, article):
        """(target, params, data) for each value the article may print, that value marked."""
        from ..sandbox import KeyTerms, highlighted

        params = self.plan.parameters.get(article.id, {})
        declared = self.repo.clauses[article.id].meta.parameters if article.id in self.repo.clauses else {}
        for name, value in params.items():
            if name in declared and value is not None and not isinstance(value, bool):
                target = Target("parameter", f"{article.id}.{name}", ("clauses", "parameters", article.id, name),
                                value, declared[name])
                yield target, {**params, name: highlighted(value)}, None
        data = self.session.base["agreement"]
        for path, value in _leaves({key: data[key] for key in FIELD_ROOTS if data.get(key) is not None}):
            if path[0] == "terms":
                typed = self.plan.template.meta.terms.get(path[1])
                if typed is None or len(path) != 2:
                    continue
                terms = KeyTerms({**data["terms"], path[1]: highlighted(value)})
                yield Target("field", f"terms.{path[1]}", path, value, typed), None, {**data, "terms": terms}
            elif _written(self.agreement.model, path):
                yield Target("field", _shown(path), path, value), None, _with(data, path, highlighted(value))

    def find(self, change: Change):
        """(article, paragraph index) of the change's sent paragraph; the closest within an
        article when no paragraph is equal (the paragraph then rebuilt on the sent text)."""
        article = self.plan.find(change.article) if change.article else None
        # No article: the parties before the first one, or the signature block after the last
        articles = [article] if article is not None else [a for a in self.plan.articles if a.part != "article"]
        sent = normalise(change.sent_paragraph)
        for candidate in articles:
            for paragraph in self.view(candidate):
                if paragraph.text == sent:
                    return candidate, paragraph
        if sent and article is not None:
            view = self.view(article)
            close = difflib.get_close_matches(sent, [p.text for p in view], n=1, cutoff=0.85)
            if close:
                return article, _moved(next(p for p in view if p.text == close[0]), sent)
        return article, None


def _moved(paragraph: Paragraph, sent: str) -> Paragraph:
    """The paragraph's slots placed on the sent text, through what the two have in common."""
    blocks = difflib.SequenceMatcher(None, paragraph.text, sent, autojunk=False).get_matching_blocks()

    def where(position: int, end: bool) -> Optional[int]:
        for a, b, size in blocks:
            if (a < position <= a + size) if end else (a <= position < a + size):
                return b + position - a
        return None

    slots = [(where(a, False), where(b, True), t) for a, b, t in paragraph.slots]
    return Paragraph(paragraph.role, sent, [(a, b, t) for a, b, t in slots if a is not None and b is not None])


def _leaves(data: Any, path: tuple = ()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, path + (index,))
    elif data is not None and not isinstance(data, bool):
        yield path, data


def _written(model: Any, path: tuple) -> bool:
    """The front matter holds this value (not a value derived for the templates)."""
    for key in path:
        model = model[key] if isinstance(key, int) else getattr(model, key, None) if not isinstance(model, dict) \
            else model.get(key)
        if model is None:
            return False
    return True


def _with(data: Any, path: tuple, value: Any) -> Any:
    """A copy of `data` with the value at `path` replaced (copies along the path only)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, list):
        return [_with(item, rest, value) if index == head else item for index, item in enumerate(data)]
    return {**data, head: _with(data[head], rest, value)}


def _shown(path: tuple) -> str:
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path).lstrip(".")


# ---------------------------------------------------------------- a change's meaning


def slot_changes(paragraph: Paragraph, change: Change) -> Optional[list[tuple[Target, str, str]]]:
    """(target, printed as sent, printed as returned) for each value the change alters, when the
    returned paragraph differs from the sent one only inside values' places; None otherwise."""
    if not paragraph.slots:
        return None
    pieces, last = [], 0
    for start, end, _ in paragraph.slots:
        pieces += [re.escape(paragraph.text[last:start]), "(.+?)"]
        last = end
    pattern = re.compile("".join(pieces) + re.escape(paragraph.text[last:]))
    for returned in _returned_texts(paragraph.text, change):
        match = pattern.fullmatch(returned)
        if match is None:
            continue
        found = [(target, paragraph.text[a:b], match.group(i + 1).strip())
                 for i, (a, b, target) in enumerate(paragraph.slots) if match.group(i + 1).strip() != paragraph.text[a:b]]
        if found:
            return found
    return None


def _returned_texts(sent: str, change: Change):
    """The paragraph as returned; then the sent one with only this change made (another change
    in the same paragraph must not hide this one)."""
    yield normalise(change.context)
    old, new = normalise(change.old_text, strip=False), normalise(change.new_text, strip=False)
    start = sent.find(old) if old.strip() else -1
    while start != -1:
        yield normalise(sent[:start] + new + sent[start + len(old):])
        start = sent.find(old, start + 1)


def map_changes(repo, agreement, changes: list[Change]) -> list[Meaning]:
    """Every change's meaning, judged against the playbook, in document order."""
    sent = SentText(repo, agreement)
    settings = judging.Settings.of(repo, agreement, sent.language)
    variants = {article_id: _variant(sent, article_id, [c for c in changes if c.article == article_id])
                for article_id in dict.fromkeys(c.article for c in changes if c.article)}
    meanings: list[Meaning] = []
    for change in changes:
        meanings += _meanings(sent, settings, change, variants.get(change.article))
    return meanings


def _meanings(sent: SentText, settings, change: Change, variant) -> list[Meaning]:
    article, paragraph = sent.find(change)
    clause = article.id if article is not None else change.article
    if article is not None and article.part == "closing":
        return [judging.signature_block(change, clause)]
    if change.kind == "format":
        return [judging.structure(change, clause, "formatting only: the words are unchanged")]
    if change.kind == "comment":
        return [judging.free_text(change, clause, "a comment, without a change to the text")]
    if variant is not None:
        return [judging.variant(change, settings, *variant)]
    if paragraph is not None and change.kind != "move":
        found = slot_changes(paragraph, change)
        if found:  # a value printed twice (figures, then words): the first reading that holds
            judged: dict[str, list[Meaning]] = {}
            for target, old, new in found:
                judged.setdefault(target.name, []).append(judging.value(change, settings, clause, target, old, new))
            return [next((m for m in ms if m.decision != "refused"), ms[0]) for ms in judged.values()]
        if paragraph.role == "heading":
            return [judging.structure(change, clause, "a heading: headings come from the library")]
        if paragraph.role == "cell":
            return [judging.structure(change, clause, "a table cell: tables come from the library")]
    return [judging.free_text(change, clause)]


def _variant(sent: SentText, article_id: str, changes: list[Change]):
    """(clause, variant, similarity) when the article as returned is closest to another variant."""
    article = sent.plan.find(article_id)
    clause = sent.repo.clauses.get(article_id)
    if article is None or clause is None or len(clause.variants()) < 2 or article.part == "closing":
        return None
    edits = [c for c in changes if c.kind not in ("format", "comment")]
    if not edits:
        return None
    view = [p.text for p in sent.view(article)]
    returned, last = list(view), 0
    for change in edits:  # in document order: a new paragraph goes after the one changed before it
        old, new = normalise(change.sent_paragraph), normalise(change.context)
        if old in view:
            last = view.index(old) + sum(1 for p in returned[:view.index(old)] if p not in view)
            returned[last] = new
        elif not old and new:
            last += 1
            returned.insert(last, new)
    words = _words(" ".join(returned))
    best = (_similarity(words, _words(" ".join(view))), article.variant)
    for name in clause.variants():
        if name == article.variant:
            continue
        text = clause.text(name, sent.language)
        markdown = sent.markdown(replace(article, variant=name, title=text.front.title or article.title))
        if markdown is not None:
            best = max(best, (_similarity(words, _words(" ".join(t for _, t in paragraphs(markdown)))), name))
    similarity, name = best
    if name == article.variant or similarity < VARIANT_SIMILARITY:
        return None
    return clause, name, similarity


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _similarity(a: list[str], b: list[str]) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
