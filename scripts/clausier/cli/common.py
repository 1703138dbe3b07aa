"""What every command shares: the consoles, plain coloured lines, and finding the repository."""

from __future__ import annotations

import os
import sys
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

_COLOURS = {"green": "32", "red": "31"}


def colours_on(stream) -> bool:
    """As rich decides: FORCE_COLOR forces colours, NO_COLOR and TERM=dumb refuse them, else a
    terminal has them."""
    if os.environ.get("FORCE_COLOR"):
        return True
    if "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def paint(text: str, colour: str) -> str:
    """`text` in `colour` on standard error, when it shows colours."""
    return f"\x1b[{_COLOURS[colour]}m{text}\x1b[0m" if colours_on(sys.stderr) else text


def say(line: str) -> None:
    """One line on standard error, as it is (no markup): what a build prints without rich, whose
    import and console took some 0.1 s of CPU, on the core a one-agreement rebuild's warm-ups
    share (rich draws the progress bar only)."""
    sys.stderr.write(line + "\n")


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
