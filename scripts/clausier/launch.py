"""The installed `clausier` command's first step, before anything heavy is imported.

For `clausier build` on a machine with a core to spare, it forks the build's first worker at
once (fast/prestart.py), so the worker imports the pipeline while this process imports the
command and plans the build. Then the command runs (cli.run). A large build may run the command
again with another memory allocator (fast/allocator.py): this process is the command's own to
replace. `CLAUSIER_SIMPLE=1` or `build --simple` forks nothing (see fast/__init__.py).
"""

from __future__ import annotations

import os
import sys

from . import fast
from .fast import command_process


def run() -> None:
    # Before the fork, so the worker has it too: see cli.run.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    command_process.claim()  # the command's own process, which the allocator may replace
    # Restarted for a large build with jemalloc: the plan said no early worker would be used.
    restarted = os.environ.pop(command_process.RESTARTED, None) is not None
    args = sys.argv[1:]
    if asks_for_build(args) and (os.cpu_count() or 1) > 1 and not restarted \
            and not fast.disabled() and "--simple" not in args:
        from .fast import prestart

        prestart.start()
    from .cli import run as run_command

    run_command()


def asks_for_build(args: list[str]) -> bool:
    """Whether the command line names the `build` command (the group's one option taking a
    value is --root)."""
    takes_value = False
    for arg in args:
        if takes_value:
            takes_value = False
        elif arg == "--root":
            takes_value = True
        elif not arg.startswith("-"):
            return arg == "build"
    return False
