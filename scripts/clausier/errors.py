"""Typed errors and findings. Every problem carries its place in a file."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# Characters a terminal may act on, or that hide or reorder what is shown: controls (an escape
# sequence can clear the screen or retitle the window), format characters (bidi overrides),
# private-use, surrogate and unassigned code points, line and paragraph separators.
_SHOWN_ESCAPED = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
_UNUSUAL = re.compile(r"[^ -~\u00a0-\u00ac\u00ae-\u02ff]")  # the rest is checked by its category


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str, keep: str = "") -> str:
    """`text` with every control, format or otherwise invisible character written as an escape
    (`\\x1b`, `\\u202e`): shown to the reader, never acted on by a terminal. Characters in `keep`
    (such as a newline) stay."""
    def replace(match: re.Match[str]) -> str:
        char = match.group()
        if char in keep or unicodedata.category(char) not in _SHOWN_ESCAPED:
            return char
        return _escape(char)

    return _UNUSUAL.sub(replace, text)


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
        # One line, whatever a key, value or file name holds: nothing in it acts on a terminal.
        place = visible(self.path)
        if self.line:
            place += f":{self.line}:{self.col or 1}"
        text = f"{place}: {self.level}: {visible(self.message)}"
        if self.field:
            text += f" ({visible(self.field)})"
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
        # A tool's message may span lines; nothing in it acts on a terminal.
        super().__init__(f"{visible(self.path)}: error: {visible(message, keep=chr(10) + chr(9))}")


def relpath(path: Path, root: Path) -> str:
    """A path as the user sees it: relative to the repository when inside it."""
    # Not resolved: a symbolic link is shown where it sits, not where it points.
    try:
        return Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(root))).as_posix()
    except ValueError:
        return str(path)
