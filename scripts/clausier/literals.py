"""Nothing literal reaches a contract: markup left in the assembled text is an error.

What is scanned: the assembled contract Markdown as assemble() produced it (without its
metadata block), before the redline or the handbook add their own markup. Fenced code blocks
(``` / ~~~) are skipped. Markup escaped with a backslash (`\\#`, `\\<`, `\\{`, `\\\\`) is text
written on purpose -- it is how front-matter values always print (markdown.escape_text: a
client named `<b>Evil</b> #set` stays those characters) -- and is never refused. What is
refused, line by line, unescaped:

1. A Markdown heading marker that pandoc would print as text:
   - a line starting with 1 to 6 `#` then a space or tab, right after a non-blank line (pandoc
     needs a blank line before a heading, so it reads it as the paragraph's continuation);
   - inside a line, a run of 2 to 6 `#` between white space and a space (`… text ## 5.2 Title`).
   A single `#` inside a line (`n° #4`) is text, not refused.
2. A Jinja delimiter: `{{`, `}}`, `{%`, `%}`, `{#`, `#}`; except `{#id}` / `{#id .class}`
   opening a pandoc attribute (the headings and divs the tool writes).
3. An HTML tag or comment: `<name …>`, `</name>`, `<name/>`, `<!--`, where `name` starts with a
   letter right after the `<` (so `< 5 jours`, `a <= b` and autolinks `<https://…>` are not tags).
4. A TeX command: a backslash followed by two or more ASCII letters (`\\textbf{`, `\\newpage`).
5. Typst code: `#` followed by a Typst keyword (`set`, `let`, `show`, `import`, `include`,
   `pagebreak`, `colbreak`, `linebreak`, `if`, `for`, `while`, `context`) and a word boundary,
   or by a name and `(` or `[` (`#text(`, `#v(`, `#box[`).

The finding names the clause file and line that printed it. As in hidden_rendered.py, each
piece of the contract (clause texts, the special conditions, the template without its clauses)
is rendered again, alone, one piece of output at a time; Jinja's line table gives the line of
the piece the leftover falls in, refined by finding the piece in the file.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Callable

from .errors import ContentError, Finding
from .hidden_rendered import _no_clause, render_in_pieces

RULE = "literal"

_HEADING_START = re.compile(r"#{1,6}[ \t]")
_HEADING_INSIDE = re.compile(r"(?<=[ \t])#{2,6}(?=[ \t])")
_JINJA = re.compile(r"(?:\{\{|\}\}|\{%|%\}|\{#(?![A-Za-z][\w:.-]*(?:[ \t][^}\n]*)?\})|#\})")
_HTML = re.compile(r"(?:<!--|</?[A-Za-z][A-Za-z0-9-]*(?:[ \t][^<>\n]*)?/?>)")
_TEX = re.compile(r"\\[A-Za-z]{2,}")
_TYPST = re.compile(r"#(?:(?:set|let|show|import|include|pagebreak|colbreak|linebreak|if|for|while|context)\b"
                    r"|[A-Za-z][\w-]*[(\[])")
_FENCE = re.compile(r"^(```|~~~)")

KINDS = (
    (_HEADING_INSIDE, "a Markdown heading marker inside a line"),
    (_JINJA, "a template delimiter"),
    (_HTML, "an HTML tag"),
    (_TEX, "a TeX command"),
    (_TYPST, "Typst code"),
)


def leftovers(text: str) -> list[tuple[int, str, str]]:
    """(offset, what, the leftover) of everything the module docstring refuses in `text`."""
    found: list[tuple[int, str, str]] = []
    offset, previous_blank, in_fence = 0, True, False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            if not previous_blank and _HEADING_START.match(line):
                found.append((offset, "a Markdown heading glued to the line before it (pandoc prints it as text)",
                              line[: line.index(" ") if " " in line else len(line)]))
            for pattern, what in KINDS:
                for match in pattern.finditer(line):
                    if pattern is _HTML and _link_like(match.group(0)):
                        continue  # `<java script:…>`: a broken autolink, which the links rule reports
                    if not _escaped(line, match.start()):
                        found.append((offset + match.start(), what, match.group(0)))
        previous_blank = not line.strip()
        offset += len(line) + 1
    return sorted(found)


def _link_like(tag: str) -> bool:
    """A `<…>` holding an address (a colon, no attribute value) is a link pandoc writes as text or
    refuses, never a tag: the links rule (htmlsafety) names it, once."""
    return ":" in tag and "=" not in tag


def _escaped(line: str, at: int) -> bool:
    """Whether the character at `at` is escaped: an odd run of backslashes before it."""
    run = at - len(line[:at].rstrip("\\"))
    return run % 2 == 1


def refuse_literal_leftovers(body: str, session: Any, context: dict[str, Any],
                             special: Callable[[], tuple[str, dict[str, Any]]] | None = None) -> None:
    """ContentError naming the file and line that left markup in the assembled `body`; nothing if
    there is none. `session` and `context` are what assemble() rendered the template with;
    `special` gives the template name and context of the special conditions, if any."""
    hits = leftovers(body)
    if not hits:
        return
    findings = _locate(session, context, special)
    if not findings:  # made by pieces together (the template and a clause): named on the template
        offset, what, shown = hits[0]
        line = body.count("\n", 0, offset) + 1
        findings = [Finding(session.plan.template.path, 0, 0, rule=RULE,
                            message=f"{what} {shown!r} would be printed as it is (the assembled text's line "
                                    f"{line}); write it as text or fix the markup around it")]
    raise ContentError(findings)


def _locate(session: Any, context: dict[str, Any], special) -> list[Finding]:
    plan, repo = session.plan, session.repo
    findings: list[Finding] = []
    for article in plan.articles:
        if article.id not in repo.clauses:
            continue
        text = repo.clauses[article.id].text(article.variant, plan.language)
        params = plan.parameters.get(article.id, {})
        findings += _scan(session.env, text.path, {**session.base, "params": params})
    if special is not None:
        name, special_context = special()
        findings += _scan(session.env, name, special_context)
    findings += _scan(session.env, plan.template.file_name, {**context, "clause": _no_clause})
    return sorted(set(findings))


def _scan(env: Any, name: str, context: dict[str, Any]) -> list[Finding]:
    """Render `name` alone, piece by piece; a finding for each leftover in what it prints."""
    starts, places, pieces = render_in_pieces(env, name, context)
    findings = []
    for offset, what, shown in leftovers("".join(pieces)):
        index = max(bisect.bisect_right(starts, offset) - 1, 0)
        if not places:
            break
        filename, line = places[index]
        at = offset - starts[index]
        findings.append(_finding(env, filename or name, line, pieces[index], at, what, shown))
    return findings


def _finding(env: Any, filename: str, line: int, piece: str, at: int, what: str, shown: str) -> Finding:
    """The file and line: text written in the file is found there as it is; else the line Jinja names."""
    path = filename if "/" in filename or filename.startswith("(") else "templates/" + filename
    try:
        source = env.loader.get_source(env, filename)[0]
    except Exception:  # noqa: BLE001
        source = ""
    col = 1 if line else 0
    # The piece as written, from the line Jinja names (a text piece starts there); else its line
    # up to the leftover; else (text joined around a tag) Jinja's line and the piece's line breaks.
    line_start = max(_line_offset(source, line), 0)
    tail = piece[piece.rfind("\n", 0, at) + 1 : at + len(shown)]
    written = source.find(piece, line_start) if piece.strip() else -1
    found = source.find(tail, line_start) if written < 0 and tail.strip() else -1
    if written >= 0 or found >= 0:
        start = written + at if written >= 0 else found + len(tail) - len(shown)
        line = source.count("\n", 0, start) + 1
        col = start - (source.rfind("\n", 0, start) + 1) + 1
    elif line and "\n" in piece[:at]:
        line, col = line + piece.count("\n", 0, at), 1
    return Finding(path, line, col, rule=RULE,
                   message=f"{what} {shown!r} would be printed as it is in the contract; "
                           "write it as text or fix the markup around it")


def _line_offset(source: str, line: int) -> int:
    if line <= 0:
        return 0
    at = 0
    for _ in range(line - 1):
        at = source.find("\n", at) + 1
        if at == 0:
            return -1
    return at
