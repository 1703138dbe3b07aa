"""Paths that content files name (the logo, files met while loading): inside the repository, no links.

Kept apart from repository.py, which brings the models: a lone rebuild's worker checks the
logo's path before it imports them, and its building process reads templates and clause texts
to compile them ahead (see build.py, precompile.py). Every read goes through safefile.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ContentError, Finding, relpath
from .safefile import MAX_FILE_BYTES, read_bytes, relative_inside
from .textsafety import decode_text

__all__ = ["MAX_FILE_BYTES", "TEMPLATE_SUFFIX", "read_content_file", "safe_asset_path", "unsafe_path_reason"]

TEMPLATE_SUFFIX = ".md.j2"


def unsafe_path_reason(root: Path, path: Path) -> str | None:
    """Why `path` may not be read (outside the repository, a link on the way, missing), or None.
    A first answer for messages; the read itself (safefile) decides on the open file."""
    parts = relative_inside(root, path)
    if parts is None:
        return f"{path} is outside the repository; only files inside it are read"
    current = Path(root)
    for part in parts:
        current = current / part
        if current.is_symlink():
            return f"{relpath(current, root)} is a symbolic link; content must be real files in the repository"
    if not current.exists():
        return "file not found"
    return None


def safe_asset_path(root: Path, value: str, shown_in: str, field: str) -> Path:
    """Resolve a path written in a content file (e.g. the logo); refuse escapes and links."""
    root = root.resolve()
    candidate = Path(value)
    if candidate.is_absolute() or ".." in candidate.parts:
        reason = f"{value!r} must be a relative path inside the repository"
    else:
        reason = unsafe_path_reason(root, root / candidate)
    if reason:
        raise ContentError(Finding(shown_in, 0, 0, message=reason, field=field, rule="repository"))
    return root / candidate


def read_content_file(root: Path, path: Path) -> tuple[str, list[Finding]]:
    """Text of a file inside the repository, read by safefile (no links, regular files only,
    size checked on the open file); raises UnsafeFile (a ContentError) when it may not be read."""
    root = root.resolve()
    return decode_text(read_bytes(root, path), relpath(path, root))
