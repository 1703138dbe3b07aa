"""A returned Word file read: every tracked change, every comment, every untracked edit.

`read_returned(path)` refuses a file that is not one of ours (identity.NotOurs: not a DOCX, no
or foreign properties, another agreement); then walks word/document.xml in order (wordxml.py):

* tracked insertions, deletions (a deletion next to an insertion by the same author is one
  `replace`), moves (paired by their name, else by their text), formatting changes of runs and
  paragraphs, each with its author, date and article (the nearest `art-<id>` bookmark before it);
  pieces of one change split over several runs or elements are merged;
* comments (word/comments.xml), attached to the changes their range covers, else a `comment`
  Change on the words they anchor;
* untracked edits, given the sent text (sent.py): the file's *rejected* view (its text with
  every tracked change undone) should be the sent text; whatever differs, paragraph by paragraph
  within each article and after typography is normalised (normalise()), was typed with
  tracking off, and is an `untracked` Change.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from .changes import Change
from .identity import Identity, NotOurs, open_docx, read_identity, read_part
from .wordxml import Paragraph, Segment, comments_part, joined, walk

_QUOTES = str.maketrans({"’": "'", "‘": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
                         "‐": "-", "‑": "-", "–": "-", "—": "-", "…": "..."})
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009\u200a]+")
_THOUSANDS = re.compile(r"(?<=\d)[ .,'\u00a0\u202f\u2009](?=\d{3}(?!\d))")
_FRENCH_SPACE = re.compile(r"(?<=«)\s+|\s+(?=[»;:!?])")  # inside « » and before ; : ! ?


def normalise(text: str) -> str:
    """Typography a retyped sentence may change without changing what it says: curly and French
    quotes, dashes, no-break and thin spaces, space runs, and amounts' thousands separators."""
    text = _FRENCH_SPACE.sub("", _SPACES.sub(" ", text)).translate(_QUOTES)
    while True:
        joined_up = _THOUSANDS.sub("", text)
        if joined_up == text:
            return text.strip()
        text = joined_up


def read_returned(path: Path, sent: list[Paragraph] | None = None,
                  agreement: str | None = None) -> tuple[Identity, list[Change]]:
    """The file's identity and its changes in document order. `agreement` (agreements/<id>.md):
    the file must name it. `sent`: the sent paragraphs (sent.rebuild), for untracked edits."""
    path = Path(path)
    with open_docx(path) as archive:
        identity = read_identity(archive, path)
        if agreement is not None and identity.agreement != agreement:
            raise NotOurs(f"{path}: this file is {identity.agreement}, not {agreement}")
        document = read_part(archive, "word/document.xml", path)
        comments = comments_part(read_part(archive, "word/comments.xml", path))
    try:
        paragraphs, places = walk(document)
    except Exception as exc:  # lxml's syntax error, named with the file
        raise NotOurs(f"{path}: word/document.xml is not readable XML: {exc}") from None
    if sent is not None:
        _recover_articles(paragraphs, sent)
    sent_by_article = _by_article(joined(sent, "plain")) if sent is not None else {}
    changes = tracked(paragraphs, comments, places, sent_by_article)
    if sent is not None:
        changes += untracked(paragraphs, sent)
        changes.sort(key=lambda c: int(c.place.rsplit(" ", 1)[1]))
    return identity, changes


def _recover_articles(paragraphs: list[Paragraph], sent: list[Paragraph]) -> None:
    """Articles whose bookmark a program dropped on saving (LibreOffice drops one that ends in a
    table) found again by their heading: the first paragraph of a sent article, met outside any."""
    headings: dict[str, str] = {}
    for paragraph in sent:
        if paragraph.article and paragraph.article not in headings.values():
            headings.setdefault(normalise(paragraph.text("plain")), paragraph.article)
    recovered = None
    for paragraph in paragraphs:
        if paragraph.article is not None or paragraph.region:
            recovered = None
            continue
        recovered = headings.get(normalise(paragraph.text("rejected"))) or recovered
        paragraph.article = recovered


# ------------------------------------------------------------------------------- tracked


def _place(paragraph: Paragraph) -> str:
    return f"word/document.xml paragraph {paragraph.index}"


def _by_article(items: list[tuple[Paragraph, str]]) -> dict[str | None, list[tuple[Paragraph, str]]]:
    found: dict[str | None, list[tuple[Paragraph, str]]] = {}
    for paragraph, text in items:
        found.setdefault(paragraph.article, []).append((paragraph, text))
    return found


def _sent_match(rejected: str, article: str | None, sent: dict) -> tuple[str, str]:
    """The sent paragraph this one was (the closest in its article) and its block (a program
    that saved the file may have dropped the block's bookmark), or its rejected text."""
    wanted = normalise(rejected)
    best = max(sent.get(article) or [], default=None,
               key=lambda item: difflib.SequenceMatcher(None, normalise(item[1]), wanted).ratio())
    return (best[1], best[0].region) if best is not None else (rejected, "")


def _groups(segments: list[Segment]) -> list[list[Segment]]:
    """Adjacent segments of one change (same kind and author) together; plain text alone."""
    groups: list[list[Segment]] = []
    for segment in segments:
        last = groups[-1][-1] if groups else None
        if last is not None and segment.kind == last.kind and segment.author == last.author \
                and (segment.kind != "text" or segment.formatted == last.formatted):
            groups[-1].append(segment)
        else:
            groups.append([segment])
    return groups


def tracked(paragraphs: list[Paragraph], comments: dict, places: dict,
            sent: dict) -> list[Change]:
    changes: list[Change] = []
    covered: set[str] = set()
    moved_from = [(p, "".join(s.text for s in g), g[0].change) for p in paragraphs for g in _groups(p.segments)
                  if g[0].kind == "moveFrom"]
    used: set[int] = set()
    moved_to = [(g[0].change, normalise("".join(s.text for s in g))) for p in paragraphs for g in _groups(p.segments)
                if g[0].kind == "moveTo"]
    for paragraph in paragraphs:
        accepted, rejected = paragraph.text("accepted"), paragraph.text("rejected")
        was, block = _sent_match(rejected, paragraph.article, sent)
        base = dict(article=paragraph.article, context=accepted, region=paragraph.region or block,
                    style=paragraph.style, sent_paragraph=was, place=_place(paragraph))
        groups = _groups(paragraph.segments)
        position = 0
        while position < len(groups):
            group, text = groups[position], "".join(s.text for s in groups[position])
            first = group[0]
            ids = set().union(*(s.comments for s in group))
            if first.kind == "text" and first.formatted and text.strip():
                change = Change("format", old_text=text, new_text=text, author=first.formatted[0],
                                date=first.formatted[1], **base)
            elif first.kind in ("ins", "del"):
                following = groups[position + 1] if position + 1 < len(groups) else None
                other = "ins" if first.kind == "del" else "del"
                if following and following[0].kind == other and following[0].author == first.author:
                    position += 1
                    ids |= set().union(*(s.comments for s in following))
                    second = "".join(s.text for s in following)
                    old, new = (text, second) if first.kind == "del" else (second, text)
                    change = Change("replace", old_text=old, new_text=new, author=first.author, date=first.date,
                                    **base)
                elif first.kind == "ins":
                    change = Change("insert", old_text="", new_text=text, author=first.author, date=first.date, **base)
                else:
                    change = Change("delete", old_text=text, new_text="", author=first.author, date=first.date,
                                    **base)
            elif first.kind == "moveTo":
                origin = _origin(moved_from, used, first.change, text)
                change = Change("move", old_text=text, new_text=text, author=first.author, date=first.date,
                                origin=origin, **base)
            elif first.kind == "moveFrom" and not _paired(moved_to, first.change, text):
                change = Change("delete", old_text=text, new_text="", author=first.author, date=first.date, **base)
            else:
                position += 1
                continue
            position += 1
            note = _comment_text(ids, comments)
            covered |= ids
            changes.append(_with(change, comment=note) if note else change)
        if paragraph.format_change and accepted.strip():
            author, date = paragraph.format_change
            changes.append(Change("format", old_text=accepted, new_text=accepted, author=author, date=date, **base))
    changes += _lone_comments(paragraphs, comments, places, covered, sent)
    return changes


def _with(change: Change, **values) -> Change:
    from dataclasses import replace

    return replace(change, **values)


def _origin(moved_from: list, used: set[int], name: str, text: str) -> str | None:
    """The article a moved text came from: its moveFrom of the same name, else of the same text."""
    for test in (lambda n, t: name and n == name, lambda n, t: normalise(t) == normalise(text)):
        for number, (paragraph, moved, moved_name) in enumerate(moved_from):
            if number not in used and test(moved_name, moved):
                used.add(number)
                return paragraph.article
    return None


def _paired(moved_to: list[tuple[str, str]], name: str, text: str) -> bool:
    """Whether a moveFrom has its moveTo (then the move is reported there, once)."""
    return any((name and n == name) or t == normalise(text) for n, t in moved_to)


def _comment_text(ids: set[str], comments: dict) -> str:
    return "\n".join(comments[i][2] for i in sorted(ids, key=_number) if i in comments and comments[i][2])


def _number(ident: str) -> int:
    return int(ident) if ident.isdigit() else 0


def _lone_comments(paragraphs: list[Paragraph], comments: dict, places: dict, covered: set[str],
                   sent: dict) -> list[Change]:
    """A `comment` Change for each comment on no change: the words it anchors as old_text."""
    found = []
    by_index = {p.index: p for p in paragraphs}
    for ident, (author, date, text) in sorted(comments.items(), key=lambda item: _number(item[0])):
        if ident in covered or ident not in places:
            continue
        article, region, index = places[ident]
        anchored = "".join(s.text for p in paragraphs for s in p.segments
                           if ident in s.comments and s.kind not in ("del", "moveFrom"))
        paragraph = by_index.get(index) or by_index.get(index + 1)
        context = paragraph.text("accepted") if paragraph else ""
        found.append(Change("comment", article, anchored, "", context,
                            _sent_match(paragraph.text("rejected"), article, sent)[0] if paragraph else "",
                            author=author, date=date, comment=text, region=region,
                            style=paragraph.style if paragraph else "",
                            place=_place(paragraph) if paragraph else "word/document.xml paragraph 0"))
    return found


# ----------------------------------------------------------------------------- untracked


def untracked(paragraphs: list[Paragraph], sent: list[Paragraph]) -> list[Change]:
    """Differences between the file's rejected view and the sent text, article by article."""
    returned = joined(paragraphs, "rejected")
    accepted = {p.index: text for p, text in joined(paragraphs, "accepted")}
    theirs: dict[str | None, list[tuple[Paragraph, str]]] = {}
    for paragraph, text in returned:
        theirs.setdefault(paragraph.article, []).append((paragraph, text))
    ours: dict[str | None, list[tuple[Paragraph, str]]] = {}
    for paragraph, text in joined(sent, "plain"):
        ours.setdefault(paragraph.article, []).append((paragraph, text))
    changes = []
    for article in dict.fromkeys([*ours, *theirs]):
        mine, yours = ours.get(article, []), theirs.get(article, [])
        a, b = [normalise(t) for _, t in mine], [normalise(t) for _, t in yours]
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "equal":
                continue
            pairs = list(zip(range(i1, i2), range(j1, j2)))
            for i, j in pairs:
                changes += _within(mine[i][1], yours[j][0], yours[j][1], accepted, mine[i][0].region)
            for i in range(i1 + len(pairs), i2):  # sent paragraphs gone
                anchor = yours[j2 - 1][0] if j2 > j1 else (yours[j1 - 1][0] if j1 else None)
                changes.append(_untracked(anchor, article, mine[i][1], "", mine[i][1], accepted, mine[i][0]))
            for j in range(j1 + len(pairs), j2):  # paragraphs typed in (an empty one is no edit)
                if normalise(yours[j][1]):
                        changes.append(_untracked(yours[j][0], article, "", yours[j][1], "", accepted))
    return changes


_WORDS = re.compile(r"\s+|[^\s]+")


def _within(sent: str, paragraph: Paragraph, returned: str, accepted: dict[int, str], block: str) -> list[Change]:
    """Untracked edits inside one paragraph: its differing word runs, typography ignored."""
    a, b = _WORDS.findall(sent), _WORDS.findall(returned)
    matcher = difflib.SequenceMatcher(None, [normalise(w) or " " for w in a], [normalise(w) or " " for w in b],
                                      autojunk=False)
    found = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(a[i1:i2]).strip(), "".join(b[j1:j2]).strip()
        if op == "equal" or normalise(old) == normalise(new):
            continue
        change = _untracked(paragraph, paragraph.article, old, new, sent, accepted)
        found.append(change if change.region else _with(change, region=block))
    return found


def _untracked(paragraph: Paragraph | None, article: str | None, old: str, new: str, sent: str,
               accepted: dict[int, str], fallback: Paragraph | None = None) -> Change:
    where = paragraph or fallback
    return Change("untracked", article, old, new, accepted.get(where.index, "") if paragraph else "",
                  sent, tracked=False, region=where.region if where else "", style=where.style if where else "",
                  place=f"word/document.xml paragraph {where.index if paragraph else 0}")
