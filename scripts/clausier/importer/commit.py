"""All of an import's files, or none: staged in a scratch folder inside the repository (the same
file system, so each move is a rename), then moved into place; a failure on the way puts back
what was there and removes what was new."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..output import FILE_MODE
from .guards import ImportRefused

TOP_FOLDERS = ("clauses", "templates", "agreements")


def check_inside(root: Path, relative_paths: list[str]) -> None:
    """Each target lies inside the repository, with no link on the way out of it."""
    real_root = Path(os.path.realpath(root))
    for relative in relative_paths:
        target = Path(os.path.realpath(root / relative))
        if real_root not in target.parents:
            raise ImportRefused(relative, f"would be written outside the repository ({target}); "
                                "a folder on the way is a link")


def commit(root: Path, files: dict[str, str]) -> list[str]:
    """Write `files` (relative path → text) into `root`, all or none; the paths written."""
    check_inside(root, list(files))
    stage = Path(tempfile.mkdtemp(prefix=".clausier-import-", dir=root))
    moved: list[tuple[Path, Path | None]] = []  # (target, its previous version kept in the stage)
    try:
        for number, (relative, text) in enumerate(sorted(files.items())):
            staged = stage / "new" / relative
            staged.parent.mkdir(parents=True, exist_ok=True)
            with open(staged, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(staged, FILE_MODE)
        for number, relative in enumerate(sorted(files)):
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            backup = None
            if target.exists():
                backup = stage / "old" / relative
                backup.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, backup)
            moved.append((target, backup))
            os.replace(stage / "new" / relative, target)
    except BaseException:
        for target, backup in reversed(moved):
            if backup is not None and backup.exists():
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
                _remove_empty(target.parent, root)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return sorted(files)


def _remove_empty(folder: Path, root: Path) -> None:
    while folder != root and folder.name not in TOP_FOLDERS:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
