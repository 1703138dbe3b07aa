"""The build's check gate on the library: loaded once, and its errors found as `check` finds them
(both routes of a build; the fast one skips it when the cache knows the verdict)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .incremental import Plan
from .write_stage import WriteStage

if TYPE_CHECKING:
    from .repository import Repository


def load_and_check_library(plan: Plan, stage: WriteStage) -> Repository:
    """The library, its errors (the loader's and `check`'s library rules') told to `stage`."""
    from .lint.gate import library_errors
    from .repository import load_repository

    repo = load_repository(plan.root)
    logo = None
    if repo.config is not None and repo.config.branding.logo:
        logo = Path(repo.config.branding.logo).as_posix()
    stage.library_checked(library_errors(repo), logo)
    return repo
