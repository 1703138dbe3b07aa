"""Writing outputs: atomically, and recorded in a manifest."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _current_umask() -> int:
    """The process's umask, read without changing it (os.umask sets it: a race with threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_current_umask()  # what open() would give a new file


def write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: readers see the old file or the new one, never half.
    The file gets the mode a plainly written file would (mkstemp's own is owner-only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_manifest(out: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {"agreements": {}}
    manifest.setdefault("agreements", {})
    return manifest


def update_manifest(out: Path, entries: dict[str, dict[str, Any]], tools: dict[str, str],
                    manifest: dict[str, Any] | None = None) -> None:
    """Merge this run's entries: agreements not rebuilt keep their last record. `manifest` is
    the manifest as read at the start of this build (read again when not given)."""
    manifest = manifest if manifest is not None else read_manifest(out)
    manifest["tools"] = tools
    manifest["agreements"].update(entries)
    manifest["agreements"] = dict(sorted(manifest["agreements"].items()))
    write_atomic(out / MANIFEST, manifest_text(manifest).encode("utf-8"))


def manifest_text(manifest: dict[str, Any]) -> str:
    """The manifest as JSON with one line per agreement: diffs show which agreements changed,
    and thousands of agreements are written in milliseconds (indented JSON takes seconds)."""
    def line(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    parts = []
    for key, value in manifest.items():
        if key == "agreements" and value:
            rows = ",\n".join(f"    {line(ident)}: {line(entry)}" for ident, entry in value.items())
            parts.append(f'  "agreements": {{\n{rows}\n  }}')
        else:
            parts.append(f"  {line(key)}: {line(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"
