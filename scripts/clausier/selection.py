"""Which agreements a build or a check is about: files, their ids, formats and shards.

Standard library only: the no-op path of `clausier build` runs it before answering.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable

from .errors import ClausierError
from .render import FORMATS


def parse_formats(text: str | Iterable[str]) -> list[str]:
    items = [t.strip() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    unknown = [t for t in items if t not in FORMATS]
    if unknown or not items:
        raise ClausierError(f"unknown output format {', '.join(unknown) or '(none)'}; valid formats: {', '.join(FORMATS)}")
    return list(dict.fromkeys(items))


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """`K/N` → (K, N), 1 ≤ K ≤ N."""
    if text is None:
        return None
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ClausierError(f"--shard takes K/N, for instance 2/4; got {text!r}") from None
    if not 1 <= k <= n:
        raise ClausierError(f"--shard K/N needs 1 ≤ K ≤ N; got {text!r}")
    return k, n


def in_shard(agreement_id: str, shard: tuple[int, int] | None) -> bool:
    """Stable: the same agreement lands in the same shard on every machine and every run."""
    if shard is None:
        return True
    k, n = shard
    value = int.from_bytes(hashlib.sha256(agreement_id.encode("utf-8")).digest()[:8], "big")
    return value % n == k - 1


def agreement_files(root: Path, paths: list[Path] | None) -> list[Path]:
    """The agreements to build: the given files and folders, or all of agreements/ (files
    starting with `_` or `README` are not agreements). `repository.agreement_paths` calls it."""
    named = bool(paths)
    if not paths:
        paths = [root / "agreements"]
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if not path.is_absolute():
            path = Path.cwd() / path
        if path.is_dir():  # (sorted by name: the order of paths, without comparing a thousand Path objects)
            inside = sorted((p for p in path.glob("*.md") if not p.name.startswith(("_", "README"))),
                            key=lambda p: p.name)
            if not inside and named:
                _no_agreement_in(path, root)  # a folder named on the command line (helper E: issue 19)
            found.extend(inside)
        else:
            found.append(path)
    return found


def _no_agreement_in(folder: Path, root: Path) -> None:
    """A folder given as what to build holds no agreement: say so, rather than build nothing."""
    raise ClausierError(f"{relative(folder, root)}: error: a folder with no agreement in it (agreements are "
                        "`<id>.md` files); name agreement files, or a folder that holds some")


def agreement_id(path: Path) -> str:
    return path.name[:-3] if path.name.endswith(".md") else path.stem


def relative(path: Path, root: Path) -> str:
    """The path relative to the root, else absolute (string operations: it runs for every agreement)."""
    absolute = os.path.abspath(path)
    prefix = os.path.join(str(root), "")
    return absolute[len(prefix):] if absolute.startswith(prefix) else absolute
