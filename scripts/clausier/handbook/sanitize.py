"""The last word on a handbook page's HTML: only the elements and attributes Markdown makes.

Page Markdown is written from content with its HTML escaped (safetext.py); this pass runs
on the HTML MkDocs converted, whatever syntax made it, so a link or an element that slipped
through still cannot run anything:

- an element that is not on the list (`script`, `img`, `svg`, `iframe`, `style`…) is shown as
  text, so its words stay visible;
- an image keeps its `src` only when it is a file of the site (clause text holds no image:
  build's rule refuses them; a hand-written page may show one);
- an attribute that is not on the list is dropped (`onclick`, `style="display:none"`,
  `data-md-*`, `srcdoc`…); a cell's `style` stays only as the `text-align` tables make;
- a link keeps its `href` only when contract links could have it (htmlsafety's rule: `http`,
  `https`, `mailto`, an anchor; entities, case and whitespace tricks included) or it is a
  plain relative path to a page of the site; otherwise the link becomes plain text.

A page with nothing to change is returned as the same string (the search index built for
it stays valid).
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from ..htmlsafety import link_allowed

_ELEMENTS = frozenset(
    "a abbr b blockquote br caption code col colgroup dd del details div dl dt em h1 h2 h3 h4 h5 h6 hr i img "
    "input ins kbd label li mark nav ol p pre q s samp small span strong sub summary sup table tbody td "
    "tfoot th thead tr u ul".split())
_EVERYWHERE = frozenset({"class", "id", "title"})
_ATTRIBUTES = {
    "a": {"href", "download"},
    "img": {"src", "alt", "width", "height"},  # a hand-written page's picture, from the site only
    "td": {"style", "align", "colspan", "rowspan"},
    "th": {"style", "align", "colspan", "rowspan"},
    "input": {"type", "name", "checked", "disabled"},
    "label": {"for"},
    "ol": {"start", "type"},
    "li": {"value"},
    "details": {"open"},
    "div": {"data-tabs", "lang"},  # lang: the language of a clause text's block
}
_INPUT_TYPES = frozenset({"radio", "checkbox"})
_LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_TEXT_ALIGN = re.compile(r"text-align:\s*(left|right|center);?")
# A relative URL: no `:` before its fragment (so no scheme), no `//` (no other host).
_SITE_PATH = re.compile(r"(?!//)[A-Za-z0-9._~%/-]*(?:#[A-Za-z0-9._~%:-]*)?")


def safe_href(value: str) -> bool:
    """Whether a link target (its attribute value, entities decoded once as a browser does) may stay
    a link: what contract links may be (htmlsafety's rule: http, https, mailto, #anchor), or a
    page of the site itself, written with nothing a scheme or another host could hide in."""
    return link_allowed(value) or _SITE_PATH.fullmatch(value) is not None


def _kept(tag: str, name: str, value: str | None) -> bool:
    if name not in _EVERYWHERE and name not in _ATTRIBUTES.get(tag, ()):
        return False
    if name == "href":
        return value is not None and safe_href(value)
    if name == "src":  # loaded without a click: from the site itself, never another origin
        return value is not None and _SITE_PATH.fullmatch(value) is not None
    if name == "lang":
        return value is not None and _LANG.fullmatch(value) is not None
    if name == "style":
        return value is not None and _TEXT_ALIGN.fullmatch(value.strip()) is not None
    if tag == "input" and name == "type":
        return (value or "").lower() in _INPUT_TYPES
    return True


class _Sanitizer(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.edits: list[tuple[int, int, str]] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        raw = self.get_starttag_text() or ""
        start = self._offset()
        if tag not in _ELEMENTS:
            self.edits.append((start, start + len(raw), escape(raw, quote=False)))
            return
        kept = [(name, value) for name, value in attrs if _kept(tag, name, value)]
        if kept != attrs:
            parts = [tag] + [name if value is None else f'{name}="{escape(value)}"' for name, value in kept]
            self.edits.append((start, start + len(raw), "<" + " ".join(parts) + (" />" if closed else ">")))

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs, closed=False)
        if tag not in _ELEMENTS and tag in self.CDATA_CONTENT_ELEMENTS:
            self.clear_cdata_mode()  # shown as text: its content is text too, read as such

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs, closed=True)

    def handle_endtag(self, tag):
        if tag not in _ELEMENTS:
            start = self._offset()
            end = self.text.find(">", start)
            end = len(self.text) if end == -1 else end + 1
            self.edits.append((start, end, escape(self.text[start:end], quote=False)))

    def handle_data(self, data):
        if "<" in data:  # a bare bracket the parser gave up on
            start = self._offset()
            self.edits.append((start, start + len(data), escape(data, quote=False)))

    def _as_text(self, _data) -> None:
        start = self._offset()
        end = self.text.find(">", start)
        end = len(self.text) if end == -1 else end + 1
        self.edits.append((start, end, escape(self.text[start:end], quote=False)))

    handle_decl = handle_pi = unknown_decl = _as_text


def sanitize_html(text: str) -> str:
    """The page's HTML with every element, attribute and link off the lists neutralised."""
    parser = _Sanitizer(text)
    parser.feed(text)
    parser.close()
    if not parser.edits:
        return text
    out, position = [], 0
    for start, end, replacement in sorted(parser.edits):
        if start < position:  # inside a part already replaced
            continue
        out.append(text[position:start])
        out.append(replacement)
        position = end
    out.append(text[position:])
    return "".join(out)
