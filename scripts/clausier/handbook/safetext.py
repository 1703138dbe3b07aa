"""Text from content, made safe to write into a handbook page's Markdown or the theme's HTML.

Python-Markdown passes raw HTML through and reads `{…}` as attributes (attr_list), so
nothing from clauses, templates or clausier.yml is written into a page as it is:

- `plain(text)`: a title, label or description, as Markdown that reads back as exactly that
  text (what starts inline or block markup backslash-escaped, which `pymdownx.escapeall`
  allows; `<` and what would read as an entity as entities). `code(text)` likewise, as code.
- `content(markdown)`: a clause text, summary or guidance, whose Markdown (emphasis, lists,
  tables, links) still works; but `<` (raw HTML, autolinks) and `{`/`}` (attribute lists,
  CriticMarkup, fence options) become characters. Backslash escapes already there (the
  values Jinja printed) are kept as they are.
- `html(text)`: a text the theme prints into HTML (page and section titles, the site name):
  escaped, and marked safe so that the theme's own `|e` does not escape it twice.

Links are checked after conversion, where every Markdown link syntax has become one `href`
(see sanitize.py).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_INLINE = set("\\`*_[]|!=~^#")  # what starts inline markup (escapeall allows `\` before any of them)
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_BLOCK_START = re.compile(r"[-+>:=?!]|\d+[.)]")  # a list, quote, tab or admonition at a line's start
_SPACES = re.compile(r"\s+")
_CONTENT_SPECIAL = {"<": "&lt;", "{": "&#123;", "}": "&#125;"}


def plain(text: object) -> str:
    """Markdown (one line) that shows exactly `text`: no markup, no HTML."""
    flat = _ENTITY_LIKE.sub("&amp;", _SPACES.sub(" ", str(text)).strip())
    # `{` and `}` as entities: CriticMarkup reads `{++` even after a backslash.
    out = "".join(_CONTENT_SPECIAL.get(char) or ("\\" + char if char in _INLINE else char) for char in flat)
    return "\\" + out if _BLOCK_START.match(out) else out


def code(text: object) -> str:
    """Text shown as code: a code span when it can hold it (no backtick in the text)."""
    flat = _SPACES.sub(" ", str(text)).strip()
    return f"`{flat}`" if flat and "`" not in flat else f"<code>{plain(flat)}</code>"


def content(markdown: str) -> str:
    """Author Markdown without raw HTML, autolinks or attribute lists; its other markup kept."""
    out = []
    index, length = 0, len(markdown)
    while index < length:
        char = markdown[index]
        if char == "\\" and index + 1 < length:
            out.append(markdown[index : index + 2])  # an escape: the next character is already text
            index += 2
            continue
        out.append(_CONTENT_SPECIAL.get(char, char))
        index += 1
    return "".join(out)


def html(text: object) -> Markup:
    """Text for the theme's templates: escaped once, never twice."""
    return escape(_SPACES.sub(" ", str(text)).strip())
