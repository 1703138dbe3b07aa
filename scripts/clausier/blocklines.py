"""Block tags never glue two Markdown blocks together.

The sandbox trims like a template author expects (`trim_blocks`, `lstrip_blocks`): a line that
holds only block tags (`{% if %}`, `{% set %}`, `{# … #}`) leaves nothing behind, not even its
line break. But Jinja also drops the line break after a tag that *ends a line of text*:

    … la Plage de service suivante.{% endif %}
    <blank line>
    ## Signalement des incidents

came out as `…suivante.\\n## Signalement…`: the blank line was gone and pandoc printed
`## 5.2 Signalement des incidents` as text. The same happens with `-%}` / `{%-`, which strip
every blank line around them.

So, before Jinja reads a text, this step rewrites its tags (never adding or removing a line, so
Jinja's line numbers stay the file's):

- a block tag or comment that ends a line which also holds text or `{{ … }}` keeps its line
  break (`%}` → `+%}`);
- a `-` whitespace control never removes a blank line: `-%}` followed by a blank line, or `{%-`
  preceded by one, loses its `-` (for `{{ }}` and `{# #}` too).

It is an extension of the one environment (sandbox.make_environment), so templates compiled
ahead (precompile.py) are compiled through it as well: Jinja's bytecode cache keys the source as
the file has it, and both sides compile it the same way.
"""

from __future__ import annotations

import re

from jinja2.ext import Extension

_OPENER = re.compile(r"\{[%{#]")
# Inside a block or expression: a quoted string (which may hold `%}`) or the closer.
_INSIDE = {"%": re.compile(r"['\"]|%\}"), "{": re.compile(r"['\"]|\}\}")}


class _Tag:
    __slots__ = ("start", "end", "kind")

    def __init__(self, start: int, end: int, kind: str):
        self.start, self.end, self.kind = start, end, kind  # kind: "%", "{" or "#"


def _tags(source: str) -> list[_Tag]:
    """The tags of `source`, in order, read in one pass. An unclosed tag ends the list: Jinja
    reports it."""
    tags: list[_Tag] = []
    at = 0
    while (opener := _OPENER.search(source, at)) is not None:
        kind, at = opener.group(0)[1], opener.end()
        if kind == "#":
            close = source.find("#}", at)
            if close < 0:
                break
            at = close + 2
        else:
            inside = _INSIDE[kind]
            while (found := inside.search(source, at)) is not None and found.group(0) in "'\"":
                quote_end = source.find(found.group(0), found.end())
                if quote_end < 0:
                    return tags
                at = quote_end + 1
            if found is None:
                break
            at = found.end()
        tags.append(_Tag(opener.start(), at, kind))
    return tags


_BLANK_AFTER = re.compile(r"[ \t]*\n[ \t]*\n")


def _blank_before(source: str, at: int) -> bool:
    """Whether the white space right before `at` holds a blank line."""
    start = at
    while start > 0 and source[start - 1] in " \t\n":
        start -= 1
    return source.count("\n", start, at) >= 2


def keep_blank_lines(source: str) -> str:
    """`source` with its tags rewritten as the module docstring says; same lines, same order."""
    tags = _tags(source)
    if not tags:
        return source
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), in source order
    for index, tag in enumerate(tags):
        start, end = tag.start, tag.end
        text = original = source[start:end]
        opener, closer = text[:2], text[-2:]
        # `{%-` right after a blank line: the `-` would eat it.
        if text[2:3] == "-" and _blank_before(source, start):
            text = opener + text[3:]
        # `-%}` right before a blank line: the same.
        if text[-3:-2] == "-" and _BLANK_AFTER.match(source, end):
            text = text[:-3] + closer
        if tag.kind != "{" and text[-3:-2] not in ("-", "+") and source[end : end + 1] == "\n" \
                and _line_has_text(source, tags, index):
            text = text[:-2] + "+" + closer
        if text != original:
            edits.append((start, end, text))
    if not edits:
        return source
    out, at = [], 0
    for start, end, text in edits:
        out += [source[at:start], text]
        at = end
    out.append(source[at:])
    return "".join(out)


def _line_has_text(source: str, tags: list[_Tag], index: int) -> bool:
    """Whether the line that tag `index` ends holds anything but block tags and comments."""
    line_start = source.rfind("\n", 0, tags[index].start) + 1
    at = tags[index].start
    for position in range(index - 1, -1, -1):  # the tags before it on its line, right to left
        match = tags[position]
        if match.end <= line_start:
            break
        if match.kind == "{" or source[match.end : at].strip():
            return True
        at = match.start
        line_start = min(line_start, source.rfind("\n", 0, at) + 1)
    return bool(source[line_start:at].strip())


class BlankLinesKept(Extension):
    """Jinja runs `keep_blank_lines` on every source before reading it."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return keep_blank_lines(source)
