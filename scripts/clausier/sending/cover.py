"""The cover message: `templates/send/message.<language>.txt.j2` of the repository, else the one
shipped with Clausier (sending/messages/), rendered in the sandbox contracts are rendered in
(sandbox.make_environment, under budget.py's limits).

Its first line is the subject; after a blank line comes the body, plain text. It sees what
clause texts see (client, provider, reference, effective_date…) and `title`, `attachments`
(the files' names), `signed_pdf` (the attached PDF carries signatures) and `lang`.
"""

from __future__ import annotations

import re
import traceback
from importlib import resources
from pathlib import Path
from typing import Any

from . import SendError

# The sandbox writes every value as Markdown text (sandbox._finalize: `*` as `\*`); a message is
# plain text, so those escapes are undone. escape_text only ever escapes ASCII punctuation.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def message_template(root: Path, language: str) -> tuple[str, str]:
    """(source, name shown in errors) of the cover message in `language`."""
    from ..safefile import read_text

    relative = f"templates/send/message.{language}.txt.j2"
    if (root / relative).exists() or (root / relative).is_symlink():
        return read_text(root, relative), relative  # no link followed, a regular file of the repository
    shipped = resources.files(__package__) / "messages" / f"message.{language}.txt.j2"
    if shipped.is_file():
        return shipped.read_text(encoding="utf-8"), relative + " (Clausier's own: this repository has none)"
    raise SendError(f"no cover message in {language!r}: write {relative} (its first line is the subject, "
                    "then a blank line and the body)")


def render_message(source: str, shown: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of the cover message, or SendError naming the template's line."""
    from jinja2 import DictLoader, TemplateError, TemplateSyntaxError

    from ..budget import BudgetExceeded, rendering
    from ..sandbox import make_environment

    env = make_environment(DictLoader({shown: source}))
    try:
        with rendering():
            text = env.get_template(shown).render(context)
    except TemplateSyntaxError as exc:
        raise SendError(f"{shown}:{exc.lineno}: template syntax: {exc.message}") from None
    except (TemplateError, BudgetExceeded, ValueError, TypeError, ArithmeticError, MemoryError,
            RecursionError) as exc:
        raise SendError(f"{shown}:{_line(exc, shown)}: {exc}") from None
    text = _ESCAPE.sub(r"\1", text).replace("\r\n", "\n").strip("\n")
    subject, _, body = text.partition("\n")
    if not subject.strip() or not body.strip():
        raise SendError(f"{shown}: the message needs a subject on its first line, then a blank line and a body")
    return " ".join(subject.split()), _tidy(body)


def _line(exc: BaseException, shown: str) -> int:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename == shown:
            return frame.lineno or 0
    return 0


def _tidy(body: str) -> str:
    """Lines without trailing spaces, no run of blank lines, one newline at the end."""
    lines: list[str] = []
    for line in body.strip("\n").split("\n"):
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip("\n") + "\n"
