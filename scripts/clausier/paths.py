"""Paths that content files name (the logo, files met while loading): inside the repository, no links.

Kept apart from repository.py, which brings the models: a lone rebuild's worker checks the
logo's path before it imports them, and its building process reads templates and clause texts
to compile them ahead (see build.py, precompile.py).
"""

from __future__ import annotations

from pathlib import Path

from .errors import ContentError, Finding, relpath
from .textsafety import decode_text

MAX_FILE_BYTES = 1024 * 1024
TEMPLATE_SUFFIX = ".md.j2"


def unsafe_path_reason(root: Path, path: Path) -> str | None:
    absolute = path if path.is_absolute() else root / path
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        try:
            relative = absolute.resolve().relative_to(root)
        except ValueError:
            return f"{path} is outside the repository; only files inside it are read"
    current = root
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return f"{relpath(current, root)} is a symbolic link; content must be real files in the repository"
    if not absolute.exists():
        return "file not found"
    return None


def safe_asset_path(root: Path, value: str, shown_in: str, field: str) -> Path:
    """Resolve a path written in a content file (e.g. the logo); refuse escapes and links."""
    root = root.resolve()
    candidate = Path(value)
    reason = None
    if candidate.is_absolute() or ".." in candidate.parts:
        reason = f"{value!r} must be a relative path inside the repository"
    else:
        reason = unsafe_path_reason(root, root / candidate)
    if reason:
        raise ContentError(Finding(shown_in, 0, 0, message=reason, field=field, rule="repository"))
    return root / candidate


def read_content_file(root: Path, path: Path) -> tuple[str, list[Finding]]:
    """Text of a file inside the repository; symbolic links and outside paths refused."""
    root = root.resolve()
    shown = relpath(path, root)
    unsafe = unsafe_path_reason(root, path)
    if unsafe:
        raise ContentError(Finding(shown, 0, 0, message=unsafe, rule="repository"))
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise ContentError(
            Finding(shown, 0, 0, message=f"file is {len(data)} bytes; the limit is {MAX_FILE_BYTES}", rule="repository")
        )
    return decode_text(data, shown)
