"""Findings for people (grouped by file, with the line shown), for GitHub and as JSON."""

from __future__ import annotations

import json
from itertools import groupby
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ..errors import ClausierError, Finding, visible
from ..safefile import read_bytes

FORMATS = ("human", "github", "json")


def as_json(findings: list[Finding]) -> str:
    """The findings as JSON: the same data, with every control or invisible character written as
    a \\u escape (json leaves U+0085 or U+202E as they are), so printing it cannot act on a
    terminal. Raw newlines are the layout's: json escapes those inside strings."""
    text = json.dumps([{"rule": f.rule, "level": f.level, "path": f.path, "line": f.line, "col": f.col,
                        "message": f.message, "field": f.field} for f in findings], indent=2, ensure_ascii=False)
    if visible(text, keep="\n") == text:
        return text
    return "".join(json.dumps(c)[1:-1] if c != "\n" and visible(c) != c else c for c in text)


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def as_github(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        command = "error" if f.level == "error" else "warning"
        props = [f"file={_github_escape(visible(f.path), True)}"]
        if f.line:
            props += [f"line={f.line}", f"col={f.col or 1}"]
        props.append(f"title={_github_escape(f.rule, True)}")
        message = visible(f.message + (f" ({f.field})" if f.field else ""), keep="\n")
        lines.append(f"::{command} {','.join(props)}::{_github_escape(message)}")
    return "\n".join(lines)


def print_human(findings: list[Finding], root: Path, console: Console, silenced: int = 0) -> None:
    """Grouped by file; each finding with its place, rule, and the offending line under it. What
    comes from content (a path, a value quoted in a message, the source line) is shown as text:
    its markup escaped, its control characters written as escapes (errors.visible). `silenced`:
    how many warnings the `lint: ignore` entries took out, said in the summary for reviewers."""
    for path, group in groupby(findings, key=lambda f: f.path):
        console.print(f"[bold]{escape(visible(path))}[/]", markup=True)
        lines = _source_lines(root, path)
        for f in group:
            colour = "red" if f.level == "error" else "yellow"
            place = f"{f.line}:{f.col or 1}" if f.line else "-"
            field = f" [dim]({escape(visible(f.field))})[/]" if f.field else ""
            message = escape(visible(f.message))
            console.print(f"  {place:>7}  [{colour}]{f.level}[/]  {message}{field}  [dim]{f.rule}[/]", markup=True)
            if f.line and 0 < f.line <= len(lines):
                source = lines[f.line - 1].rstrip()
                shown = escape(visible(source, keep="\t"))
                console.print(f"           [dim]│[/] {shown}", soft_wrap=True, markup=True)
                if f.col:  # under the character, counted in the line as shown (escapes are wider)
                    width = len(visible(source[: f.col - 1], keep="\t"))
                    console.print("           [dim]│[/] " + " " * width + f"[{colour}]^[/]", markup=True)
    errors = sum(1 for f in findings if f.level == "error")
    warnings = len(findings) - errors
    colour = "red" if errors else ("yellow" if warnings else "green")
    quiet = f", {silenced} silenced on purpose (lint: ignore)" if silenced else ""
    console.print(f"[{colour}]{errors} error(s), {warnings} warning(s){quiet}[/]", markup=True)


def _source_lines(root: Path, path: str) -> list[str]:
    """The lines of a file a finding names, read as any file is (a link or a FIFO shows nothing)."""
    try:
        data = read_bytes(root, path)
    except (OSError, ClausierError):
        return []
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n")
