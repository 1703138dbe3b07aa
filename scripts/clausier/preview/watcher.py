"""Which of the followed files changed: their stat signatures, polled.

Polling a few dozen files costs well under a millisecond a round and needs no new dependency
and no per-platform notification API. A folder is followed too: its signature changes when a
file is added, removed or replaced in it (editors that save by renaming a new file over the
old one change both).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

Signature = tuple[int, int, int, int] | None


def signature(path: Path) -> Signature:
    """mtime, ctime, size and inode: a change to any of them is an edit (None: not there)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino


class Watcher:
    """Files and folders (relative to `root`), each with the signature it had when last looked at."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.seen: dict[str, Signature] = {}

    def follow(self, paths: Iterable[str]) -> None:
        """Follow exactly `paths` from now on. A path already followed keeps the signature it had
        when last polled, so an edit made while the last change was being rendered is still seen."""
        self.seen = {path: self.seen[path] if path in self.seen else signature(self.root / path)
                     for path in sorted(set(paths))}

    def changed(self) -> set[str]:
        """The followed paths whose signature differs from the last poll's (now remembered)."""
        found = set()
        for path, before in self.seen.items():
            now = signature(self.root / path)
            if now != before:
                self.seen[path] = now
                found.add(path)
        return found
