"""Markdown as data: front matter, escaping values into plain text, and numbering sub-clauses."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Characters that start inline markup in pandoc's Markdown (with our extensions).
_INLINE_SPECIAL = "\\`*_[]<>#!|~^$@&{}="
# Each of them, and a dash next to another (`--` would read as an en dash).
_ESCAPED = re.compile("[" + re.escape(_INLINE_SPECIAL) + "]|(?<=-)-|-(?=-)")
_LINE_START_SPECIAL = set("-+:%(")
_ORDERED_MARKER = re.compile(r"^(\d+)([.)])")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


FENCE = "---"
_CLOSERS = (FENCE, "...")


class FrontMatterError(ValueError):
    """A text that must open with front matter and does not, or whose front matter is not
    closed; `line`: where (1-based). The caller names the file."""

    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


@dataclass(frozen=True)
class FrontMatter:
    """A text's front matter split from its body; both keep their lines as they are."""

    yaml: str  # the lines between the fences
    body: str  # the lines after the closing fence
    closing: int  # index (0-based) of the closing fence's line

    @property
    def body_line(self) -> int:
        """1-based line of the text where the body starts."""
        return self.closing + 2


def front_matter(text: str, required: bool = False) -> FrontMatter | None:
    """The one reader of `---` front matter (agreements, clause texts, templates, the assembled
    Markdown's header): a first line `---`, closed by the next line `---` or `...`; spaces
    around a fence and a CRLF line end are allowed, a byte-order mark is not (a hidden
    character, reported as such). None when there is none (no opening line, or nothing closes
    it); with `required`, FrontMatterError instead."""
    first = text.find("\n")
    if text[: first if first != -1 else len(text)].strip() != FENCE:
        if required:
            raise FrontMatterError(1, "missing front matter: the file must start with a line '---'")
        return None
    end, index = first, 0
    while end != -1:  # line by line: a long body is not split
        start, index = end + 1, index + 1
        end = text.find("\n", start)
        if text[start : end if end != -1 else len(text)].strip() in _CLOSERS:
            return FrontMatter(text[first + 1 : start - 1], text[end + 1 :] if end != -1 else "", index)
    if required:
        raise FrontMatterError(1, "front matter is not closed: add a line '---' after it")
    return None


def jinja_source(body: str, body_line: int) -> str:
    """A file's body as Jinja compiles it: blank lines in place of the front matter keep Jinja's
    line numbers equal to the file's."""
    return "\n" * (body_line - 1) + body


class Markdown(str):
    """Text that is already Markdown (rendered clauses, references): inserted as is."""


def escape_text(value: object) -> Markdown:
    """Any value as Markdown that reads back as exactly that plain text, on one line."""
    text = _SPACES.sub(" ", str(value)).strip()
    escaped = _ESCAPED.sub(r"\\\g<0>", text)
    if escaped[:1] in _LINE_START_SPECIAL:
        escaped = "\\" + escaped
    escaped = _ORDERED_MARKER.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped, count=1)
    return Markdown(escaped)


_SUBCLAUSE = re.compile(r"^##(?:[ \t]+(.*?))?[ \t]*$")
_FENCE = re.compile(r"^(```|~~~)")
_FENCE_STARTS = ("`", "~")
_BLOCK_START = re.compile(r"^\s*([-*+|]|\d+[.)]|#|:::)")


class StructureError(ValueError):
    """A clause body breaks the article structure; carries the line (1-based, in the body)."""

    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


def subclause_titles(body: str) -> list[str]:
    """The sub-clause headings of a clause body ('' for untitled ones), in order."""
    titles = []
    in_fence = False
    for line in body.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            match = _SUBCLAUSE.match(line)
            if match:
                titles.append(match.group(1) or "")
    return titles


def number_subclauses(body: str, prefix: str) -> tuple[str, int]:
    """Replace `## Title` / `##` markers by `## 3.1 Title` / a bold `3.1` lead-in."""
    lines = body.split("\n")
    out: list[str] = []
    count = 0
    pending_number: str | None = None
    in_fence = False
    for index, line in enumerate(lines, start=1):
        first = line[:1]  # most lines start with a letter: no pattern to try on them
        if first in _FENCE_STARTS and _FENCE.match(line):
            in_fence = not in_fence
        match = None
        if first == "#" and not in_fence:
            if line[1:2] != "#":
                raise StructureError(index, "a '#' heading is reserved for article titles; use '##' for a sub-clause")
            match = _SUBCLAUSE.match(line)
        if match:
            count += 1
            number = f"{prefix}.{count}"
            if match.group(1):
                out.append(f"## {number} {match.group(1)}")
            else:
                pending_number = number
            continue
        if pending_number and line.strip():
            if _BLOCK_START.match(line):
                out.extend([f"**{pending_number}**", ""])
                out.append(line)
            else:
                out.append(f"**{pending_number}**\u00a0{line.lstrip()}")
            pending_number = None
            continue
        out.append(line)
    if pending_number:
        out.append(f"**{pending_number}**")
    return "\n".join(out), count
