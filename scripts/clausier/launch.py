"""The installed `clausier` command's first step, before anything heavy is imported.

For `clausier build` on a machine with a core to spare, it forks the build's first worker at
once (prestart.py), so the worker imports the pipeline while this process imports the command
and plans the build. Then the command runs (cli.run). A large build may run the command again
with another memory allocator (allocator.py): this process is the command's own to replace.
"""

from __future__ import annotations

import os
import sys


# Set on a command that allocator.py runs again: taken off at once, so its children never see it.
RESTARTED = "CLAUSIER_ALLOCATOR_RESTARTED"
_owns_process = False  # set by run(): this process is the `clausier` command's (no module imported for it)


def owns_process() -> bool:
    """Whether this process was started as the `clausier` command (not a program calling it)."""
    return _owns_process


def run() -> None:
    # Before the fork, so the worker has it too: see cli.run.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    global _owns_process
    _owns_process = True  # the command's own process, which allocator.py may replace
    # Restarted for a large build with jemalloc: the plan said no early worker would be used.
    restarted = os.environ.pop(RESTARTED, None) is not None
    if asks_for_build(sys.argv[1:]) and (os.cpu_count() or 1) > 1 and not restarted:
        from . import prestart

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
