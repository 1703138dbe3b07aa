"""Hidden characters that only exist once the templates have run: `{{ "\\u202e" }}`,
`{{ "%c"|format(8238) }}`, an entity put together from pieces (`&{# #}#x202E;`).

The files themselves were scanned when read (textsafety.py): what is left can only come from
Jinja. The assembled text is scanned as pandoc will read it (entities decoded); most documents
have nothing, and cost one pass of a regular expression. When something is found, each clause
text and then the template are rendered again, alone, one piece of output at a time: the
piece that brings the character was yielded by the expression on its template line, which
Jinja's own line table gives. The finding names that file and line.
"""

from __future__ import annotations

import bisect
from typing import Any

from .errors import ContentError, Finding
from .markdown import Markdown
from .textsafety import RULE, describe, hidden_entities, hidden_offsets


def _hits(text: str) -> list[tuple[int, int, str]]:
    """(offset, start, character) of each refused character of `text`, entities decoded: the
    offset of an entity is that of its last character (the piece that ends it made it), its
    start that of its `&`."""
    return [(offset, offset, char) for offset, char in hidden_offsets(text)] + \
        [(end - 1, start, char) for start, end, char in hidden_entities(text)]


def refuse_hidden_characters(body: str, session: Any, context: dict[str, Any]) -> None:
    """ContentError naming the clause or template line that printed a hidden character into the
    assembled `body`; nothing if there is none. `session` and `context` are what assemble()
    rendered the template with."""
    hits = _hits(body)
    if not hits:
        return
    findings = _locate(session, context)
    if not findings:  # not made by one expression alone: named on the template, with the assembled line
        offset, _, char = min(hits)
        line = body.count("\n", 0, offset) + 1
        findings = [Finding(session.plan.template.path, 0, 0, rule=RULE,
                            message=f"hidden character {describe(char)} in the assembled text (its line {line}) "
                            "can disguise contract text; find what prints it and delete it")]
    raise ContentError(findings)


def _locate(session: Any, context: dict[str, Any]) -> list[Finding]:
    plan, repo = session.plan, session.repo
    findings: list[Finding] = []
    for article in plan.articles:
        if article.id not in repo.clauses:  # the special conditions: the agreement's text, not run by Jinja
            continue
        text = repo.clauses[article.id].text(article.variant, plan.language)
        params = plan.parameters.get(article.id, {})
        findings += _scan(session.env, text.path, {**session.base, "params": params})
    # The template without its clauses: what they print was looked at above.
    findings += _scan(session.env, plan.template.file_name, {**context, "clause": _no_clause})
    return sorted(set(findings))


def _no_clause(clause_id: str, variant: str | None = None) -> Markdown:
    return Markdown("")


def render_in_pieces(env: Any, name: str, context: dict[str, Any]) -> tuple[list[int], list[tuple[str, int]], list[str]]:
    """Template `name` rendered alone, piece by piece: each piece's offset in the output, the file
    and line that printed it, and the piece (for the checks that name where a text came from)."""
    starts: list[int] = []
    places: list[tuple[str, int]] = []
    pieces: list[str] = []
    size = 0
    generator = env.get_template(name).generate(context)
    try:
        for piece in generator:
            starts.append(size)
            places.append(_current_place(env, generator))
            pieces.append(piece)
            size += len(piece)
    except Exception:  # noqa: BLE001 - it rendered once already; whatever it does now, what was seen is kept
        pass
    return starts, places, pieces


def _scan(env: Any, name: str, context: dict[str, Any]) -> list[Finding]:
    """Render template `name` piece by piece; the findings for the refused characters it prints."""
    starts, places, pieces = render_in_pieces(env, name, context)
    findings = []
    for offset, start, char in _hits("".join(pieces)):
        index = bisect.bisect_right(starts, offset) - 1
        filename, line = places[index]
        findings.append(_finding(env, filename, line, char, pieces[index], max(start - starts[index], 0)))
    return findings


def _current_place(env: Any, generator: Any) -> tuple[str, int]:
    """The template file and line a suspended render is at: the innermost of its generators
    (a block, an include) that runs template code."""
    place = ("", 0)
    current = generator.gi_yieldfrom
    while current is not None and hasattr(current, "gi_frame"):
        frame = current.gi_frame
        if frame is not None:
            filename = frame.f_code.co_filename
            try:
                template = env.get_template(filename)
            except Exception:  # noqa: BLE001 - a frame that is not a template's (Jinja's own)
                template = None
            if template is not None:
                place = (filename, template.get_corresponding_lineno(frame.f_lineno))
        current = getattr(current, "gi_yieldfrom", None)
    return place


def _finding(env: Any, filename: str, line: int, char: str, piece: str, at: int) -> Finding:
    """Where the piece came from: text written in the template is found as it is (an entity split
    by a comment); else the first expression on the line Jinja names."""
    shown = filename if filename.startswith("clauses/") or not filename else "templates/" + filename
    try:
        source = env.loader.get_source(env, filename)[0] if filename else ""
    except Exception:  # noqa: BLE001
        source = ""
    col = 0
    # Jinja joins text around a comment into one piece: then its line, up to the hit, is looked for.
    tail = piece[piece.rfind("\n", 0, at) + 1 : at + 1]
    written = source.find(piece) if piece.strip() else -1
    found = source.find(tail) if written < 0 and len(tail) > 1 else -1
    if written >= 0 or found >= 0:
        start = written + at if written >= 0 else found + len(tail) - 1
        line = source.count("\n", 0, start) + 1
        col = start - (source.rfind("\n", 0, start) + 1) + 1
    elif line:
        lines = source.split("\n")
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        col = next((p + 1 for p in (text.find("{{"), text.find("{%")) if p >= 0), 1)
    return Finding(shown, line, col, rule=RULE, message=f"hidden character {describe(char)} is printed here and "
                   "can disguise contract text; delete what prints it")
