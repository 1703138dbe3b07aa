"""What every command shares: the consoles and finding the repository."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def find_root(path: str | None) -> Path:
    """The repository: --root, else the nearest folder upwards holding clausier.yml."""
    if path:
        return Path(path).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "clausier.yml").exists():
            return folder
    return here


def shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
