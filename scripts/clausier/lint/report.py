"""Findings for people (grouped by file, with the line shown), for GitHub and as JSON."""

from __future__ import annotations

import json
from itertools import groupby
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from ..errors import Finding

FORMATS = ("human", "github", "json")


def as_json(findings: list[Finding]) -> str:
    return json.dumps([{"rule": f.rule, "level": f.level, "path": f.path, "line": f.line, "col": f.col,
                        "message": f.message, "field": f.field} for f in findings], indent=2, ensure_ascii=False)


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def as_github(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        command = "error" if f.level == "error" else "warning"
        props = [f"file={_github_escape(f.path, True)}"]
        if f.line:
            props += [f"line={f.line}", f"col={f.col or 1}"]
        props.append(f"title={_github_escape(f.rule, True)}")
        message = f.message + (f" ({f.field})" if f.field else "")
        lines.append(f"::{command} {','.join(props)}::{_github_escape(message)}")
    return "\n".join(lines)


def print_human(findings: list[Finding], root: Path, console: Console) -> None:
    """Grouped by file; each finding with its place, rule, and the offending line under it."""
    for path, group in groupby(findings, key=lambda f: f.path):
        console.print(f"[bold]{escape(path)}[/]")
        lines = _source_lines(root / path)
        for f in group:
            colour = "red" if f.level == "error" else "yellow"
            place = f"{f.line}:{f.col or 1}" if f.line else "-"
            field = f" [dim]({escape(f.field)})[/]" if f.field else ""
            console.print(f"  {place:>7}  [{colour}]{f.level}[/]  {escape(f.message)}{field}  [dim]{f.rule}[/]")
            if f.line and 0 < f.line <= len(lines):
                source = lines[f.line - 1].rstrip()
                console.print(f"           [dim]│[/] {escape(source)}", soft_wrap=True)
                if f.col:
                    console.print("           [dim]│[/] " + " " * (f.col - 1) + f"[{colour}]^[/]")
    errors = sum(1 for f in findings if f.level == "error")
    warnings = len(findings) - errors
    colour = "red" if errors else ("yellow" if warnings else "green")
    console.print(f"[{colour}]{errors} error(s), {warnings} warning(s)[/]")


def _source_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n").split("\n")
    except OSError:
        return []
