"""`clausier init`: a new contracts repository, ready to check and build.

The files come from the package's init_skeleton/ folder: clausier.yml, a Makefile that runs
`clausier` from PATH (or $CLAUSIER), mkdocs.yml, a CI workflow, the styles, one template with a
handful of clauses and one example agreement. The skeleton's texts are written in French and
English; only the chosen languages are kept: a clause's `xx.md` for each, and in a YAML file each
`fr:`/`en:` line of a text given per language.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from .errors import ClausierError

SKELETON = Path(__file__).parent / "init_skeleton"
SKELETON_LANGUAGES = ("fr", "en")  # the languages its texts are written in
# Skeleton names whose real name starts with a dot (package data leaves hidden files out).
RENAMED = {"gitignore": ".gitignore", "workflow.yml": ".github/workflows/contracts.yml",
           "styles": "templates/styles"}
_PER_LANGUAGE_LINE = re.compile(r"^\s+(fr|en): ")


class InitError(ClausierError):
    """A target folder that is not empty, or languages the skeleton cannot write."""


def parse_languages(text: str) -> tuple[str, ...]:
    """"fr,en" → ("fr", "en"); refused unless each is one the skeleton is written in, once."""
    languages = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [lang for lang in languages if lang not in SKELETON_LANGUAGES]
    if not languages or unknown or len(set(languages)) != len(languages):
        raise InitError(f"--languages {text!r}: give one or more of {', '.join(SKELETON_LANGUAGES)}, "
                        "separated by commas, each once (e.g. en, fr or fr,en); another language can be added "
                        "to clausier.yml's `languages:` afterwards, with its texts")
    return languages


def init_repository(target: Path, languages: tuple[str, ...], today: dt.date | None = None) -> list[Path]:
    """Write the new repository into `target` (absent or empty); the files written, in order."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        kind = "a folder that is not empty" if target.is_dir() else "a file"
        raise InitError(f"{target}: is {kind}; `clausier init` writes a new repository into an empty or new folder")
    today = today or dt.date.today()
    primary = languages[0]
    written = []
    for source in sorted(SKELETON.rglob("*")):
        if not source.is_file():
            continue
        relative = source.relative_to(SKELETON).as_posix()
        destination = _destination(relative, languages, primary)
        if destination is None:
            continue
        data = source.read_bytes()
        if source.suffix in (".yml", ".md", ".j2") or source.name == "Makefile":
            data = _text(data.decode("utf-8"), languages, today, source.suffix in (".yml", ".j2")).encode("utf-8")
        path = target / destination
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def _destination(relative: str, languages: tuple[str, ...], primary: str) -> str | None:
    """Where a skeleton file goes in the new repository, or None when it is left out."""
    first, _, rest = relative.partition("/")
    if first in RENAMED:
        return RENAMED[first] + (f"/{rest}" if rest else "")
    if first == "clauses" and relative.endswith(".md"):
        return relative if Path(relative).stem in languages else None
    if relative.startswith("docs/index."):  # the handbook's home page, in the handbook's language
        return "docs/index.md" if relative == f"docs/index.{_handbook_language(languages)}.md" else None
    if first == "agreements":  # one example, in the library's first language
        return "agreements/example-services.md" if relative == f"agreements/example.{primary}.md" else None
    if first.startswith("clausier."):  # the organisation's placeholders, in the first language too
        return "clausier.yml" if first == f"clausier.{primary}.yml" else None
    return relative


def _text(text: str, languages: tuple[str, ...], today: dt.date, per_language_lines: bool) -> str:
    if per_language_lines:  # `fr:` / `en:` lines of titles and labels: only the chosen languages'
        text = "\n".join(line for line in text.split("\n")
                         if not (match := _PER_LANGUAGE_LINE.match(line)) or match.group(1) in languages)
    return (text.replace("{languages}", ", ".join(languages)).replace("{language}", languages[0])
            .replace("{date}", today.isoformat()).replace("{name}", "Contracts")
            .replace("{handbook_language}", _handbook_language(languages)))


def _handbook_language(languages: tuple[str, ...]) -> str:
    """The handbook's own language (its theme, home page and sentences: handbook/words.py): a
    monolingual library's, else English."""
    return languages[0] if len(languages) == 1 else "en"
