"""Errors whose cause is in an agreement's front matter, named at the agreement's file and line.

Two kinds:

- a clause reads a field the agreement left out (`client.representative.name` with no
  `representative:`): Jinja only says "'None' has no attribute 'name'"; here the expression on the
  clause's line is followed through the agreement's data to the missing field;
- the agreement's own annex texts (`annexes: {pricing: "…"}`), rendered like its special
  conditions but held in a YAML string: an error inside one is named at the line of the front
  matter where it sits, not at the text's own line 3 or at the template.
"""

from __future__ import annotations

import re
import traceback
from typing import Any, Callable

from .errors import ContentError, Finding

_NO_ATTRIBUTE = re.compile(r"^'None' has no attribute '([^']+)'$")  # Jinja's message for `None.x`
_DOTTED = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)")


# ---------------------------------------------------------------- a field the agreement left out


def unset_field(exc: BaseException, env: Any, context: dict, agreement: Any) -> Finding | None:
    """The finding for "'None' has no attribute 'x'" when the expression on the template line is
    an agreement field left out (`client.representative`): at that field in the agreement (or the
    nearest key above it), with the clause's place in the message. None when it is something else."""
    match = _NO_ATTRIBUTE.match(str(exc))
    data = context.get("agreement")
    if match is None or not isinstance(data, dict):
        return None
    place = _innermost_text(exc, env)
    if place is None:
        return None
    name, line, text = place
    for expression in _DOTTED.findall(text):
        field = _none_before(expression, match.group(1), data)
        if field is None:
            continue
        where = name if "/" in name else "templates/" + name
        if agreement.path.startswith("("):  # a specimen (handbook, check): the clause must not count on it
            return Finding(where, line, 1, rule="template", message=f"undefined variable: {field} is not set "
                           f"(an agreement may leave it out), so {expression} fails: test it with {{% if {field} %}}")
        fix = "add it to the agreement"
        if field == "provider" or field.startswith("provider."):  # the provider defaults to the organisation
            fix += " (or to organisation: in clausier.yml)"
        path = tuple(field.split("."))
        found_line, col = agreement.positions.of(path, prefer_key=True)
        return Finding(agreement.path, found_line, col, field=field, rule="template",
                       message=f"{field} is not set: {fix}; {where}:{line} reads {expression}")
    return None


def _innermost_text(exc: BaseException, env: Any) -> tuple[str, int, str] | None:
    """(template name, line, that line's text) of the innermost template in the traceback."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        try:
            source = env.loader.get_source(env, frame.filename)[0]
        except Exception:  # noqa: BLE001 - a frame of Jinja's or of Python's, not a template's
            continue
        lines = source.split("\n")
        if frame.lineno and 0 < frame.lineno <= len(lines):
            return frame.filename, frame.lineno, lines[frame.lineno - 1]
        return None
    return None


def _none_before(expression: str, attribute: str, data: dict) -> str | None:
    """"client.representative" when `expression` is client.representative.<attribute> and the
    agreement's client has no representative; else None (a loop variable, a set value)."""
    parts = expression.split(".")
    if parts[0] == "agreement":
        parts = parts[1:]
    value: Any = data
    for index, part in enumerate(parts[:-1]):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
        if value is None:
            return ".".join(parts[: index + 1]) if parts[index + 1] == attribute else None
    return None


# ---------------------------------------------------------------- the agreement's annex texts


def annex_first_line(agreement: Any, name: str) -> int:
    """The file line of the first line of annex text `name`: a block scalar (`|`, as the docs
    write it) starts on the line after its key, and its lines follow one to one; a one-line
    value sits on its key's line."""
    line, _ = agreement.positions.of(("annexes", name))
    return line + 1 if "\n" in agreement.model.annexes[name] else line


def render_annex_text(render: Callable[..., str], env: Any, agreement: Any, name: str, context: dict) -> str:
    """Annex text `name` rendered (by assemble._render) in the sandbox the special conditions run
    in; a template error, markup left as text or a hidden character printed in it is reported at
    the agreement's file and the line of the front matter it sits on."""
    from .hidden_rendered import _hits
    from .hidden_rendered import _scan as hidden_scan
    from .literals import _scan as literal_scan
    from .literals import leftovers

    source = f"{agreement.path}#annexes.{name}"
    env.loader.agreements[source] = agreement.model.annexes[name]
    try:
        out = render(env, source, context, source, agreement=agreement)
        findings = literal_scan(env, source, context) if leftovers(out) else []
        findings += hidden_scan(env, source, context) if _hits(out) else []
    except ContentError as exc:
        findings = exc.findings
    if not findings:
        return out
    first = None
    moved = []
    for finding in findings:
        if finding.path in (source, "templates/" + source):
            first = annex_first_line(agreement, name) if first is None else first
            line = first + finding.line - 1 if finding.line else first
            # (column 1: the text's columns are not the file's, which indents the block)
            finding = Finding(agreement.path, line, 1, finding.level, finding.message,
                              finding.field or f"annexes.{name}", finding.rule)
        moved.append(finding)
    raise ContentError(moved)


def annex_sources(agreement: Any):
    """(path, text, first line) of each annex text holding an image or a refused link, for
    render.markup_sources (the others have nothing to report, and need no line)."""
    from .htmlsafety import refused_markup

    for name, text in agreement.model.annexes.items():
        if refused_markup(text):
            yield agreement.path, text, annex_first_line(agreement, name)
