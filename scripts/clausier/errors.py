"""Typed errors and findings. Every problem carries its place in a file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one file, at one place."""

    path: str
    line: int = 0
    col: int = 0
    level: str = "error"
    message: str = ""
    field: str = ""
    rule: str = "schema"

    def __str__(self) -> str:
        place = self.path
        if self.line:
            place += f":{self.line}:{self.col or 1}"
        text = f"{place}: {self.level}: {self.message}"
        if self.field:
            text += f" ({self.field})"
        return text


class ClausierError(Exception):
    """Base of every error the library raises on purpose."""


class ContentError(ClausierError):
    """The repository's content is wrong: one or more findings, each with its place."""

    def __init__(self, findings: list[Finding] | Finding):
        self.findings = [findings] if isinstance(findings, Finding) else list(findings)
        super().__init__("\n".join(str(f) for f in self.findings))


class BuildError(ClausierError):
    """A tool (pandoc, Typst) failed on content that validated."""

    def __init__(self, path: str | Path, message: str):
        self.path = str(path)
        super().__init__(f"{self.path}: error: {message}")


def relpath(path: Path, root: Path) -> str:
    """A path as the user sees it: relative to the repository when inside it."""
    # Not resolved: a symbolic link is shown where it sits, not where it points.
    try:
        return Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(root))).as_posix()
    except ValueError:
        return str(path)
