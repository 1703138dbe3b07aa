"""What generated HTML may carry, and what links contract text may hold: one place for the rules.

- Every HTML file we write (contracts: both routes; redlines) starts its head with a strict
  Content-Security-Policy and carries its style inline, read by `safefile` (never by pandoc
  from a path, which would follow a link out of the repository).
- A link in contract text may only go to an `http`, `https` or `mailto` address, or to one of
  the document's own anchors (`#art-fees`). The same rule is written twice: here, for `check`
  and `build` to report a refused link at its file and line (`refused_markup`), and in
  typography.lua, the filter every pandoc route runs, which turns any link it would refuse into
  its plain words (so nothing gets through even where this scan does not look).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from .safefile import read_text

# No script at all, nothing loaded from anywhere; inline styles only, as pandoc writes them
# (`<style>`, and `style="width: …"` on table columns it sizes). Images from `data:` only: the
# contract's banner shows the logo as the background of a style rule of its own, from a data:
# URI (checked by logo.checked_logo; a CSS image runs no script and loads nothing). There is
# still no <img>: images are refused in contract text.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                           "form-action 'none'")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}" />'
HEADER_FILE = "clausier-header.html"

ALLOWED_SCHEMES = ("http", "https", "mailto")
_ALLOWED = re.compile("(?:" + "|".join(ALLOWED_SCHEMES) + "):", re.IGNORECASE)
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
LINK_RULE = "contract links may only go to http, https or mailto addresses, or to the document's own #anchors"
IMAGE_RULE = "images are not allowed in contract text; the logo comes from clausier.yml branding.logo"


def html_header(root: Path, styles: list[str]) -> str:
    """The head of an HTML output: the policy, then each style file (paths inside `root`),
    read by safefile (a link, a FIFO or an oversized file is refused with its name)."""
    return CSP_META + "\n" + "".join(read_text(root, style) for style in styles)


def write_html_header(folder: Path, root: Path, styles: list[str]) -> Path:
    """`html_header` written into a scratch folder, for pandoc's --include-in-header."""
    target = folder / HEADER_FILE
    target.write_text(html_header(root, styles), encoding="utf-8")
    return target


def link_allowed(target: str) -> bool:
    """Whether a link target may reach an output: `#anchor`, or http, https or mailto exactly at
    its start (any case). Entities are decoded first (as pandoc and browsers decode them); any
    whitespace or control character anywhere refuses it, so `java\\tscript:`, ` javascript:`,
    `jav&#x61;script:`, `%6Aavascript:`, `data:`, `file:` and relative paths are all refused."""
    text = target
    for _ in range(4):  # entities within entities (`&amp;#106;`): decoded until nothing changes
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    if _CONTROL_OR_SPACE.search(text):
        return False
    return text.startswith("#") or _ALLOWED.match(text) is not None


# ---------------------------------------------------------------- scanning Markdown source


def _escaped(text: str, at: int) -> bool:
    """Whether the character at `at` is backslash-escaped (an odd run of backslashes before it)."""
    count = 0
    while at - count > 0 and text[at - count - 1] == "\\":
        count += 1
    return count % 2 == 1


_PUNCTUATION_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_IMAGE = re.compile(r"!\[")
_INLINE_TARGET = re.compile(r"\]\(")
_REFERENCE = re.compile(r"^ {0,3}\[((?:[^\]\\\n]|\\.)+)\]:[ \t]*\n?[ \t]*(<[^>\n]*>|\S+)", re.MULTILINE)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>")


_TITLE = re.compile(r"""\s+("[^"]*"|'[^']*'|\([^()]*\))\s*$""")


def _inline_target(text: str, start: int) -> tuple[int, str]:
    """The destination of an inline link whose `(` ends at `start`: (offset, raw text). As in
    pandoc's reader, it runs to the closing parenthesis (spaces included: pandoc keeps them,
    escaped) less a title in quotes; between `<` and `>` when it starts with `<`."""
    at = start
    while at < len(text) and text[at] in " \t\n":
        at += 1
    if at < len(text) and text[at] == "<":
        end = text.find(">", at)
        newline = text.find("\n", at)
        end = end if end != -1 and (newline == -1 or end < newline) else (newline if newline != -1 else len(text))
        return at, text[at + 1 : end]
    depth, end = 0, at
    while end < len(text):
        char = text[end]
        if char == "\\" and end + 1 < len(text):
            end += 2
            continue
        if char == "\n" and text[end + 1 : end + 2] in ("\n", ""):
            break
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        end += 1
    return at, _TITLE.sub("", text[at:end]).rstrip()


def _is_image(text: str, close: int) -> bool:
    """Whether the `]` at `close` ends an image's description (`![…]`), within its paragraph."""
    depth, at = 0, close - 1
    while at >= 0:
        char = text[at]
        if char == "\n" and text[at - 1 : at] == "\n":
            return False
        if char in "[]" and not _escaped(text, at):
            if char == "]":
                depth += 1
            elif depth:
                depth -= 1
            else:
                return at > 0 and text[at - 1] == "!" and not _escaped(text, at - 1)
        at -= 1
    return False


def _place(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _shown(target: str) -> str:
    """A target as a message shows it: escaped (no control character reaches a terminal), short."""
    short = target if len(target) <= 60 else target[:57] + "..."
    return ascii(short) if not short.isprintable() or not short.isascii() else repr(short)


def refused_markup(text: str) -> tuple[tuple[int, int, str, str], ...]:
    """(line, col, rule, message) for each image and each refused link target in Markdown source
    (a clause text, a template, an agreement's body, an assembled document), in order. It reads
    as pandoc's reader does where that matters (escapes, inline and reference links, autolinks)
    and errs towards reporting: a text it flags and pandoc would not read as a link (one inside
    code, say) is reported all the same."""
    if "[" not in text and "<" not in text:
        return ()
    found: list[tuple[int, str, str]] = []
    for match in _IMAGE.finditer(text):
        if not _escaped(text, match.start()):
            found.append((match.start(), "images", IMAGE_RULE))
    targets: list[tuple[int, str]] = []
    for match in _INLINE_TARGET.finditer(text):
        if not _escaped(text, match.start()) and not _is_image(text, match.start()):  # an image: said once
            targets.append(_inline_target(text, match.end()))
    for match in _REFERENCE.finditer(text):
        if not match.group(1).startswith("^"):  # a footnote, not a link
            targets.append((match.start(2), match.group(2).removeprefix("<").removesuffix(">")))
    for match in _AUTOLINK.finditer(text):
        if not _escaped(text, match.start()):
            targets.append((match.start(1), match.group(1)))
    for offset, raw in targets:
        target = _PUNCTUATION_ESCAPE.sub(r"\1", raw)
        if not link_allowed(target):
            found.append((offset, "links", f"link to {_shown(target)} refused: {LINK_RULE}"))
    return tuple((*_place(text, offset), rule, message) for offset, rule, message in sorted(found))
