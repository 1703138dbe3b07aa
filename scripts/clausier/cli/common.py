"""What every command shares: the consoles and finding the repository."""

from __future__ import annotations

import os
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


class LazyConsole:
    """A rich Console, made when first used: rich takes some 25 ms to import, which a build
    spends while its workers run rather than before they start."""

    def __init__(self, **options) -> None:
        object.__setattr__(self, "_options", options)
        object.__setattr__(self, "_console", None)

    def get(self) -> Console:
        if self._console is None:
            from rich.console import Console

            object.__setattr__(self, "_console", Console(**self._options))
        return self._console

    def __getattr__(self, name: str):
        return getattr(self.get(), name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self.get(), name, value)


err = LazyConsole(stderr=True, highlight=False, soft_wrap=True)
out = LazyConsole(highlight=False, soft_wrap=True)


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
