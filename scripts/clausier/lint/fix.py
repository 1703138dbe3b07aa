"""`clausier check --fix`: the safe, mechanical repairs (Unicode NFC), nothing else."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from ..output import write_atomic


def normalise_files(root: Path, paths: list[str]) -> list[str]:
    """Rewrite the given files in NFC; return those that changed."""
    changed = []
    for shown in sorted(set(paths)):
        path = root / shown
        if path.is_symlink() or not path.is_file():
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        normalised = unicodedata.normalize("NFC", text)
        if normalised != text:
            write_atomic(path, normalised.encode("utf-8"))
            changed.append(shown)
    return changed
