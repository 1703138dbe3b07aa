"""A rendered clause body numbered in its template's style: sub-clauses, (a)/(i) items, labels.

What a clause text writes, and what comes out (default numbering, article 5 `liability`):

    ## Cap on liability {{ label("cap") }}   →  ## 5.2 Cap on liability {#sub-liability.cap}
    ## {{ label("notice") }}                 →  **5.3**[]{#sub-liability.notice} text…  (untitled)
    (a) {{ label("fees") }} the fees paid…   →  (a) the fees paid…[]{#sub-liability.cap.fees}
        (i) nested item                      →      (i) nested item

`label("cap")` prints `{#cap}` (a clause text cannot write `{#` itself: it opens a Jinja
comment), which this step reads after Jinja ran, so a label may be printed conditionally.
An item is a line starting with a parenthesised marker — `(a)`, `(b)`, `(1)`, any letters or
digits: the tool numbers them, so an author may write `(a)` on every line. Items indented by
four spaces (eight…) are the next level. A label names its heading or item for
`ref("clause.name")`; an item's full name also holds the labels of its labelled sub-clause and
parent items (`liability.cap.fees`). Text that only looks like a number ("Section 365(n) of
the Bankruptcy Code") is left as it is: only ref() makes references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .markdown import StructureError
from .numbering import Numbering, item_reference, marker

_SUBCLAUSE = re.compile(r"^##(?:[ \t]+(.*?))?[ \t]*$")
_FENCE = re.compile(r"^(```|~~~)")
_BLOCK_START = re.compile(r"^\s*([-*+|]|\d+[.)]|#|:::)")
_ITEM = re.compile(r"^( *)\(([A-Za-z]{1,6}|\d{1,3})\)[ \t]+(.*)$")
_LABEL_END = re.compile(r"[ \t]*\{#([^}\s]*)\}$")  # `{#cap}` ending a heading
_LABEL_START = re.compile(r"^\{#([^}\s]*)\}[ \t]*")  # `{#fees}` opening an item's text
LABEL = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_STRAY_LABEL = re.compile(r"(?<!\])\{#(?!sub-)([^}\s]*)\}")  # a label left in text (not an anchor written here)
_RUN_IN_END = tuple(".:;?!")
_FENCE_STARTS = ("`", "~")
_ITEM_STARTS = (" ", "(")
NBSP = "\u00a0"


@dataclass(frozen=True)
class Target:
    """Where a label leads: the number a reference prints, and the anchor it links to."""

    number: str
    anchor: str
    line: int  # in the rendered body (1-based)


def _label_error(line: int, label: str, message: str, repeated: bool = False) -> StructureError:
    """A StructureError about a label: the assembly finds `{#label}` in the file for its line."""
    error = StructureError(line, message)
    error.label, error.repeated = label, repeated  # type: ignore[attr-defined]
    return error


def _name(raw: str, line: int) -> str:
    if not LABEL.match(raw):
        raise _label_error(line, raw, f"label({raw!r}): a label is lower-case letters, digits and dashes, "
                           "starting with a letter or digit (e.g. label(\"cure-period\"))")
    return raw


class _Numberer:
    def __init__(self, article: str, clause_id: str, numbering: Numbering):
        self.article, self.clause_id, self.numbering = article, clause_id, numbering
        self.labels: dict[str, Target] = {}
        self.out: list[str] = []
        self.count = 0  # sub-clauses so far
        self.sub_number, self.sub_label = article, None  # the current sub-clause (the article before any)
        self.items: list[tuple[int, str | None]] = []  # open list levels: (counter, label)
        self.pending: str | None = None  # an untitled or run-in sub-clause's lead-in, for the next text

    def label(self, path: list[str], number: str, line: int) -> str:
        key = ".".join(path)
        if key in self.labels:
            raise _label_error(line, path[-1], f"label({path[-1]!r}) is used twice in this clause "
                               f"({self.clause_id}.{key}); each label names one place", repeated=True)
        anchor = "sub-" + ".".join([self.clause_id, *path])
        self.labels[key] = Target(number, anchor, line)
        return anchor

    def heading(self, text: str, line: int) -> str | None:
        """A `##` line: its numbered heading, or None for a lead-in put on the next paragraph."""
        self.count += 1
        self.items = []
        number = self.numbering.sub_number(self.article, self.count)
        found = _LABEL_END.search(text)
        label = _name(found.group(1), line) if found else None
        title = text[: found.start()] if found else text
        self.sub_number, self.sub_label = number, label
        anchor = self.label([label], number, line) if label else None
        if title and self.numbering.sub.title == "heading":
            return f"## {number} {title}" + (f" {{#{anchor}}}" if anchor else "")
        lead = number
        if title:  # run-in: "**5.2 Title.** The text…"
            lead = f"{number} {title}" + ("" if title.endswith(_RUN_IN_END) else ".")
        self.pending = f"**{lead}**" + (f"[]{{#{anchor}}}" if anchor else "")
        return None

    def item(self, match: re.Match, line: int) -> str:
        indent, text = len(match.group(1)), match.group(3)
        level = min(indent // 4, len(self.items))
        levels = self.numbering.levels
        if level >= len(levels):
            raise StructureError(line, f"an item nested {level + 1} levels deep; the template numbers "
                                 f"{len(levels)} level(s) of items ({', '.join(levels)})")
        del self.items[level + 1:]
        count = self.items[level][0] + 1 if level < len(self.items) else 1
        found = _LABEL_START.match(text)
        label = _name(found.group(1), line) if found else None
        if found:
            text = text[found.end():]
        if level < len(self.items):
            self.items[level] = (count, label)
        else:
            self.items.append((count, label))
        style = levels[level]
        shown = f"{'    ' * level}{marker(style, count)} {text}"
        if label is None:
            return shown
        number = self.sub_number + "".join(item_reference(levels[i], c) for i, (c, _) in enumerate(self.items))
        path = ([self.sub_label] if self.sub_label else []) + [lab for _, lab in self.items if lab]
        return f"{shown}[]{{#{self.label(path, number, line)}}}"


def number_body(body: str, article: str, clause_id: str, numbering: Numbering) -> tuple[str, dict[str, Target]]:
    """`body` with its sub-clauses and items numbered, and its labels (name → Target).
    StructureError (with the body's line) for a `#` heading, a bad or repeated label, items
    nested deeper than the template numbers."""
    state = _Numberer(article, clause_id, numbering)
    out = state.out
    in_fence, previous_blank = False, True
    for index, line in enumerate(body.split("\n"), start=1):
        first = line[:1]  # most lines start with a letter: no pattern to try on them
        if first in _FENCE_STARTS and _FENCE.match(line):
            in_fence = not in_fence
        blank = not line.strip()
        if first == "#" and not in_fence:
            if line[1:2] != "#":
                raise StructureError(index, "a '#' heading is reserved for article titles; use '##' for a sub-clause")
            match = _SUBCLAUSE.match(line)
            if match:
                numbered = state.heading(match.group(1) or "", index)
                if numbered is not None:
                    out.append(numbered)
                previous_blank = False
                continue
        is_item = False
        if not in_fence and first in _ITEM_STARTS and (item := _ITEM.match(line)) is not None \
                and (state.items or first == "("):
            if not previous_blank and not state.items and out and out[-1].strip():
                out.append("")  # a list must not be read as the paragraph's last line
            line, is_item = state.item(item, index), True
        elif not in_fence and not blank and first not in " \t" and previous_blank:
            state.items = []  # a paragraph at the margin ends the list
        if not in_fence and "{#" in line and (stray := _STRAY_LABEL.search(line)) is not None:
            raise _label_error(index, stray.group(1), f"label({stray.group(1)!r}) is not where a label goes: "
                               "write it at the end of a '##' heading or right after an item's marker")
        if state.pending and not blank:
            if is_item or _BLOCK_START.match(line):
                out.extend([state.pending, ""])
                out.append(line)
            else:
                out.append(f"{state.pending}{NBSP}{line.lstrip()}")
            state.pending, previous_blank = None, False
            continue
        out.append(line)
        previous_blank = blank
    if state.pending:
        out.append(state.pending)
    return "\n".join(out), state.labels
