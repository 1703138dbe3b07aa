"""jemalloc for large builds: the `clausier` command restarts itself with it preloaded.

Typst's compiler allocates and frees a great many small blocks for every document, which
glibc's malloc handles slowly and jemalloc quickly (figures: benchmarks/RESULTS.md); the outputs
are the same bytes.

An allocator is chosen when a process starts (`LD_PRELOAD`), so the command, once its plan says
that many agreements are to be built, runs itself again with the library preloaded
(`os.execve`: same process id, same arguments; the building process, its workers and their
pandoc all get it). Planning again costs time only a large build wins back, hence
MIN_AGREEMENTS; an edit or a no-op build never restarts.

Only a library file that the system owns is preloaded: one of a few fixed system folders, a
regular file owned by root and writable by no one else, never a path from the repository or
the environment. Not found (`apt install libjemalloc2` on Debian and Ubuntu), it is simply not
used. `CLAUSIER_ALLOCATOR` chooses: `auto` (the default: large builds), `jemalloc` (every build
that builds something) or `system` (never).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from . import command_process

LIBRARY = "libjemalloc.so.2"
MIN_AGREEMENTS = 40  # to build, for `auto`: below this, planning twice costs more than it saves
SETTING = "CLAUSIER_ALLOCATOR"
CHOICES = ("auto", "jemalloc", "system")


class AllocatorSettingError(ValueError):
    """CLAUSIER_ALLOCATOR holds none of CHOICES."""


def system_folders() -> list[Path]:
    """The folders the library is looked for in, the platform's own first."""
    import sysconfig

    folders = []
    multiarch = sysconfig.get_config_var("MULTIARCH")
    if multiarch:
        folders.append(Path("/usr/lib") / multiarch)
    folders += [Path("/usr/lib64"), Path("/usr/lib")]
    return folders


def find_library(folders: list[Path] | None = None) -> Path | None:
    """The first trustworthy LIBRARY in `folders` (default: system_folders), resolved, or None."""
    for folder in folders if folders is not None else system_folders():
        candidate = folder / LIBRARY
        if trustworthy(candidate):
            return candidate.resolve()
    return None


def trustworthy(path: Path) -> bool:
    """A regular file owned by root, which neither its group nor others may write, in a folder of
    the same kind (the link, if it is one, resolved first): code only the system could have put."""
    try:
        target = path.resolve(strict=True)
        checked = [target.stat(), target.parent.stat()]
    except (OSError, RuntimeError):
        return False
    if not stat.S_ISREG(checked[0].st_mode):
        return False
    return all(s.st_uid == 0 and not s.st_mode & (stat.S_IWGRP | stat.S_IWOTH) for s in checked)


def preloaded(library: Path, environ: dict[str, str] | os._Environ = os.environ) -> bool:
    """Whether LD_PRELOAD already names the library (so a restart would change nothing)."""
    names = environ.get("LD_PRELOAD", "").replace(":", " ").split()
    return any(Path(name).name == library.name for name in names)  # by name: any path to it will do


def choice(environ: dict[str, str] | os._Environ = os.environ) -> str:
    value = environ.get(SETTING, "auto").strip().lower() or "auto"
    if value not in CHOICES:
        raise AllocatorSettingError(f"{SETTING} must be one of {', '.join(CHOICES)}, not {value!r}")
    return value


def wanted(to_build: int, environ: dict[str, str] | os._Environ = os.environ,
           folders: list[Path] | None = None) -> Path | None:
    """The library to restart with, for a build of `to_build` agreements; None: carry on."""
    setting = choice(environ)
    if setting == "system" or to_build == 0 or (setting == "auto" and to_build < MIN_AGREEMENTS):
        return None
    library = find_library(folders)
    if library is None or preloaded(library, environ):
        return None
    return library


def restart_with(library: Path) -> None:
    """Run this command again, the same arguments, with `library` preloaded. Returns only if it
    could not (the build then goes on as it is)."""
    environ = dict(os.environ)
    environ["LD_PRELOAD"] = " ".join([str(library), *environ.get("LD_PRELOAD", "").split()])
    environ[command_process.RESTARTED] = "1"  # its first worker need not be forked early: a large build uses none
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], environ)
    except OSError:
        return


def restart_for_build(to_build: int) -> None:
    """The `clausier build` step: restart with jemalloc when the plan is large enough and the
    library is there. Does nothing in a process the command does not own (the setting is checked
    all the same: AllocatorSettingError)."""
    library = wanted(to_build)
    if library is None or not command_process.owns_process():
        return
    from . import prestart

    prestart.dismiss()  # the restarted command forks none: a large build does not use it
    restart_with(library)
