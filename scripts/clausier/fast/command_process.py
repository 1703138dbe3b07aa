"""Whether this process is the `clausier` command's own, which the allocator may replace.

Apart from launch.py and allocator.py so that neither imports the other (nor the CLI between
them); imported before the launcher's fork, so it imports nothing.
"""

from __future__ import annotations

# Set on a command that allocator.py runs again: taken off at once, so its children never see it.
RESTARTED = "CLAUSIER_ALLOCATOR_RESTARTED"
_owns_process = False  # set by claim(): this process is the `clausier` command's


def claim() -> None:
    """Called by the launcher: this process was started as the `clausier` command."""
    global _owns_process
    _owns_process = True


def owns_process() -> bool:
    """Whether this process was started as the `clausier` command (not a program calling it)."""
    return _owns_process
