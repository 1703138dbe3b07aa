"""What every command shares: the consoles, plain coloured lines, and finding the repository."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import visible

if TYPE_CHECKING:
    from rich.console import Console

_OWN_COLOURS = re.compile(r"(\x1b\[(?:0|3[12])m)")  # what paint() writes: kept, all other controls shown


def terminal_safe(text: str) -> str:
    """`text` as our output shows it: control and format characters from content (a key, a value,
    a file name) written as escapes, so `\\x1b[2J` or `\\x1b]0;title\\x07` are seen, not obeyed;
    newlines, tabs and our own colours kept."""
    if text.isascii() and "\x1b" not in text and text.isprintable():
        return text
    parts = _OWN_COLOURS.split(text)
    return "".join(part if index % 2 else visible(part, keep="\n\t") for index, part in enumerate(parts))


def _safe_console(options: dict) -> Console:
    """A rich Console that shows every string it is given as text: no console markup unless a
    call asks for it (`[bold]` in a clause title stays `[bold]`), and control characters escaped
    (in tables too: every string goes through render_str)."""
    from rich.console import Console

    class SafeConsole(Console):
        def render_str(self, text: str, **options):  # type: ignore[override]
            return super().render_str(terminal_safe(text), **options)

    return SafeConsole(**{"markup": False, **options})


class LazyConsole:
    """A rich Console, made when first used: rich takes some 25 ms to import, which a build
    spends while its workers run rather than before they start."""

    def __init__(self, **options) -> None:
        object.__setattr__(self, "_options", options)
        object.__setattr__(self, "_console", None)

    def get(self) -> Console:
        if self._console is None:
            object.__setattr__(self, "_console", _safe_console(self._options))
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
    sys.stderr.write(terminal_safe(line) + "\n")


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


TRACEBACK = "CLAUSIER_TRACEBACK"  # set (to anything) to see the Python traceback of a failure


def failure_message(exc: BaseException) -> str:
    """One line for what stopped a command: the file and what the system said, never a traceback.
    Outputs are written whole or not at all (output.write_atomic), so what was there stays."""
    from ..errors import ClausierError

    exc = _first_failure(exc)
    if isinstance(exc, OSError):
        where = next((str(name) for name in (exc.filename, exc.filename2) if name), "")
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, (FileExistsError, NotADirectoryError)) and where and not os.path.isdir(where):
            reason = ("is a file where a folder is needed" if os.path.lexists(where)
                      else "a part of this path is a file, not a folder")
        if where:
            return f"{shown(Path(where))}: error: {reason}; the command stopped (files written before are kept whole)"
        return f"error: {reason}; the command stopped (files written before are kept whole)"
    if isinstance(exc, ClausierError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "error: ran out of memory; the command stopped"
    if isinstance(exc, RecursionError):
        return "error: the input nests too deeply; the command stopped"
    return (f"internal error: {type(exc).__name__}: {exc} (set {TRACEBACK}=1 to see where; "
            "please report it)")


def _first_failure(exc: BaseException) -> BaseException:
    """The failure that stopped the command, not the ones met while it stopped (saving the cache
    on the same full disk): the earliest system error in the chain that names a file."""
    chain, seen = [], set()
    current: BaseException | None = exc
    while isinstance(current, OSError) and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__context__
    named = [error for error in chain if error.filename]
    return named[-1] if named else chain[-1] if chain else exc


def report_failure(exc: BaseException) -> int:
    """Print `failure_message` on standard error (with the traceback if TRACEBACK is set) and
    return the command's exit status."""
    if os.environ.get(TRACEBACK):
        import traceback

        traceback.print_exception(exc)
    for line in failure_message(exc).split("\n"):
        say(line)
    return 1
