"""How a paragraph's text says what it is: an article ("Section 5.", "Article 5 —", "5.\t"), a
sub-clause ("2.1", "2.1."), an item ("(a)", "(iv)", "b)"), and how its number is taken off the
front of its inlines so that the rest keeps its bold and italics."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .inlines import plain

WORDS = r"Article|Section|Clause|Art\.|ARTICLE|SECTION|CLAUSE|Artikel|Cláusula|Clausula"
DASHES = "—–-"
WORDED = re.compile(rf"^(?P<word>{WORDS})\s+(?P<n>\d+|[IVXLC]+)\b(?P<sep>\s*[.:{DASHES}]\s*|\s+|$)(?P<rest>.*)$", re.S)
NUMBERED = re.compile(r"^(?P<n>\d{1,3})(?P<sep>\.?[\t ]+|\.$)(?P<rest>.*)$", re.S)
DEEP = re.compile(r"^(?P<n>\d{1,3}(?:\.\d{1,3}){2,})\.?(?:[\t ]+|$)(?P<rest>.*)$", re.S)  # "5.3.1 …": a third level
SUB = re.compile(r"^(?P<a>\d{1,3})\.(?P<n>\d{1,3})(?P<dot>\.?)(?:[\t ]+|$)(?P<rest>.*)$", re.S)
ITEM = re.compile(r"^(?P<open>\(?)(?P<n>[a-z]{1,4}|[A-Z]{1,4}|\d{1,3})(?P<close>[).])[\t ]+(?P<rest>.*)$", re.S)
ROMAN = re.compile(r"^(?=[ivxl]+$)(l?x{0,3})(ix|iv|v?i{0,3})$", re.I)
TITLE_WORDS = 14  # a "title" longer than this is the start of a sentence


@dataclass(frozen=True)
class Marker:
    """An article's typed number: "Section 5." → word "Section", n "5", sep ". "."""

    word: str
    n: str
    sep: str
    rest: str  # the text after it (plain)


def article_marker(text: str, heading: bool) -> Marker | None:
    """The article number typed at the start of `text`, if any. A bare number ("5 Fees") counts in
    a heading only; in a paragraph it needs a dot or a tab ("5.\tFees", "5. Fees")."""
    found = WORDED.match(text)
    if found:
        return Marker(found["word"], found["n"], found["sep"], found["rest"])
    found = NUMBERED.match(text)  # never "2.1 …": the dot after 2 is followed by a digit
    if found and (heading or "." in found["sep"] or "\t" in found["sep"]):
        return Marker("", found["n"], found["sep"], found["rest"])
    return None


def item_marker(text: str, previous: dict[int, str]) -> tuple[int, str, str] | None:
    """(kind, number, style) of an item typed at the start of `text`: kind 0 for letters, 1 for
    roman numerals, 2 for digits; "(i)" after "(h)" is a letter. None when it is not one."""
    found = ITEM.match(text)
    if not found or (not found["open"] and found["close"] == "." and found["n"].isdigit()):
        return None
    n = found["n"]
    if not found["open"] and len(n) > 1 and not ROMAN.match(n):
        return None  # "etc. " or a word, not an item
    if n.isdigit():
        kind, counter = 2, "1"
    elif ROMAN.match(n) and not (n.lower() in ("i", "v", "x", "l") and previous.get(0, "") and
                                 ord(n.lower()) == ord(previous[0].lower()) + 1):
        kind, counter = 1, "I" if n.isupper() else "i"
    else:
        if len(n) > 1:
            return None
        kind, counter = 0, "A" if n.isupper() else "a"
    style = f"{found['open']}{counter}{found['close']}"
    return kind, n, style


def strip_chars(inlines: list, count: int) -> list:
    """`inlines` without the first `count` characters of their plain text (marks kept)."""
    out, left = [], count
    for node in inlines:
        if left <= 0:
            out.append(node)
            continue
        size = len(plain([node]))
        if size <= left:
            left -= size
            continue
        kind = node.get("t")
        if kind == "Str":
            out.append({"t": "Str", "c": node["c"][left:]})
        elif kind in ("Strong", "Emph", "Underline", "SmallCaps", "Strikeout", "Superscript", "Subscript"):
            out.append({"t": kind, "c": strip_chars(node["c"], left)})
        elif kind in ("Span", "Link"):
            content = list(node["c"])
            content[1] = strip_chars(content[1], left)
            out.append({"t": kind, "c": content})
        else:
            out.append(node)
        left = 0
    while out and out[0].get("t") in ("Space", "SoftBreak"):
        out.pop(0)
    return out


def lead_title(inlines: list) -> tuple[str, list] | None:
    """A bold run opening a paragraph ("**Fees.** The Client…"): its plain text and the inlines
    after it; None when the paragraph does not open with bold text."""
    rest = list(inlines)
    while rest and rest[0].get("t") in ("Space", "SoftBreak"):
        rest.pop(0)
    if not rest or rest[0].get("t") != "Strong":
        return None
    strong = rest[0]["c"]
    title = plain(strong).strip()
    rest = rest[1:]
    if rest and rest[0].get("t") == "Str" and rest[0]["c"][:1] in ".:":  # "**Fees**. The…"
        title += rest[0]["c"][:1]
        rest = strip_chars(rest, 1)
    while rest and rest[0].get("t") in ("Space", "SoftBreak"):
        rest.pop(0)
    notes = footnotes(strong)
    if notes:  # a title is plain text: its footnote goes just after it, at the start of the text
        rest = notes + ([{"t": "Space"}] if rest else []) + rest
    return (title, rest) if title else None


def footnotes(inlines: list) -> list:
    """The footnotes (pandoc Note nodes) inside `inlines`, at any depth, in order."""
    found = []
    for node in inlines:
        if node.get("t") == "Note":
            found.append(node)
        elif node.get("t") in ("Strong", "Emph", "Underline", "SmallCaps", "Strikeout", "Superscript", "Subscript"):
            found += footnotes(node["c"])
        elif node.get("t") in ("Span", "Link", "Quoted", "Cite"):
            found += footnotes(node["c"][1])
    return found


def clean_title(title: str) -> str:
    """A title as a heading prints it: no trailing '.' or ':', spaces joined."""
    return " ".join(title.split()).rstrip(".:").strip()


def is_title_like(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= TITLE_WORDS and not text.rstrip().endswith((";", ","))
