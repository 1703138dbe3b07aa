"""`clausier check --fix`: the safe, mechanical repairs (Unicode NFC), nothing else."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from ..errors import ClausierError
from ..safefile import read_bytes, replace_bytes


def normalise_files(root: Path, paths: list[str]) -> list[str]:
    """Rewrite the given files in NFC; return those that changed. Read and written through
    safefile: a link anywhere in a path, or anything but a regular file, is left alone."""
    changed = []
    for shown in sorted(set(paths)):
        try:
            text = read_bytes(root, shown).decode("utf-8")
        except (ClausierError, OSError, UnicodeDecodeError):
            continue
        normalised = unicodedata.normalize("NFC", text)
        if normalised != text:
            try:
                replace_bytes(root, shown, normalised.encode("utf-8"))
            except (ClausierError, OSError):
                continue
            changed.append(shown)
    return changed
