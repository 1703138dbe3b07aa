"""Writing outputs: atomically, and recorded in a manifest."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable

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


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Write beside the target, then rename: readers see the old file or the new one, never half.
    The file gets the mode a plainly written file would (mkstemp's own is owner-only). `durable`:
    on disk before the rename (outputs); a cache file that is only ever a speed-up need not be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _naming(exc, path.parent if exc.filename is None else exc.filename) from None
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):  # a full disk says only "No space left": the file it was is named
            raise _naming(exc, path) from None
        raise


def _naming(exc: OSError, path: Path | str) -> OSError:
    """The same error (type, errno, message) naming `path` when it named no file (a write on a full
    disk), or naming the file it would have replaced rather than the temporary one."""
    name = str(path)
    if exc.filename and not str(exc.filename).endswith(".tmp"):
        return exc
    try:
        return type(exc)(exc.errno, exc.strerror, name)
    except TypeError:  # an OSError subclass with another constructor
        return OSError(exc.errno, exc.strerror, name)


STALE_TEMPORARY = 3600  # seconds: a temporary file this old was left by a process that was killed


def prune_oldest(folder: Path, limit: int) -> int:
    """A cache folder's housekeeping: past `limit` files the oldest go, down to three quarters;
    temporary files older than STALE_TEMPORARY go too. Returns how many files were removed."""
    try:
        with os.scandir(folder) as scan:
            entries = list(scan)
    except OSError:
        return 0
    removed = 0
    now = time.time()
    files = []
    for entry in entries:
        try:
            modified = entry.stat().st_mtime if len(entries) > limit or entry.name.endswith(".tmp") else 0.0
        except OSError:
            continue
        if entry.name.endswith(".tmp"):
            if now - modified > STALE_TEMPORARY:
                removed += _remove(entry.path)
        else:
            files.append((modified, entry.path))
    if len(files) > limit:
        files.sort()
        for _, file in files[: len(files) - limit * 3 // 4]:
            removed += _remove(file)
    return removed


def _remove(path: str) -> int:
    try:
        os.unlink(path)
        return 1
    except OSError:
        return 0


MAX_MANIFEST_BYTES = 512 * 1024 * 1024  # some 500,000 agreements' lines


def _manifest_text(out: Path) -> str | None:
    """The manifest's text, or None when there is none to trust: read like any file (no link, a
    regular file, bounded), so a manifest swapped for a link to /dev/zero costs nothing; the next
    write replaces whatever was there."""
    from .safefile import UnsafeFile, read_bytes

    try:
        return read_bytes(out, MANIFEST, MAX_MANIFEST_BYTES).decode("utf-8", "replace")
    except UnsafeFile:
        return None


def parse_manifest(text: str) -> dict[str, Any]:
    """The manifest's JSON, whatever its layout ({"agreements": {}} when it is not one)."""
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError:
        return {"agreements": {}}
    if not isinstance(manifest, dict):
        return {"agreements": {}}
    manifest.setdefault("agreements", {})
    return manifest


class Serialised:
    """Texts of values made ahead of time (while workers build) and reused at the end for every
    value that is still the same object; a value replaced since is serialised again."""

    def __init__(self, serialise: Callable[[str, Any], str]) -> None:
        self._serialise = serialise
        self._texts: dict[str, tuple[Any, str]] = {}

    def prepare(self, items: Iterable[tuple[str, Any]]) -> None:
        self._texts = {key: (value, self._serialise(key, value)) for key, value in items}

    def text(self, key: str, value: Any) -> str:
        known = self._texts.get(key)
        return known[1] if known is not None and known[0] is value else self._serialise(key, value)


class _Line:
    """An agreement's entry as the manifest's line holds it, parsed only when asked for."""

    __slots__ = ("line", "value_at")

    def __init__(self, line: str, value_at: int) -> None:
        self.line, self.value_at = line, value_at

    def parsed(self) -> Any:
        return json.loads(self.line[self.value_at :])


class Manifest:
    """The manifest as read, its agreements' lines serialisable ahead: a build that rebuilds a
    few of thousands serialises only those at the end. Read from a file in the layout
    manifest_text writes, each agreement's entry stays its line until asked for (`entry`): parsing
    and serialising every entry again would take the building process's time on the core a lone
    rebuild's warm-ups share."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.agreements: dict[str, Any] = data["agreements"]  # id → entry, or its _Line
        self._lines = Serialised(_agreement_line)

    @classmethod
    def read(cls, out: Path) -> "Manifest":
        text = _manifest_text(out)
        if text is None:
            return cls({"agreements": {}})
        split = _agreement_lines(text)
        if split is not None:
            rest, lines = split
            try:
                data = json.loads(rest)
            except json.JSONDecodeError:
                data = None
            if isinstance(data, dict) and data.get("agreements") == {}:
                data["agreements"] = lines
                return cls(data)
        return cls(parse_manifest(text))  # another layout: the text already read, parsed whole

    def entry(self, ident: str) -> dict[str, Any]:
        """An agreement's entry ({} if it has none)."""
        value = self.agreements.get(ident)
        if isinstance(value, _Line):
            try:
                value = self.agreements[ident] = value.parsed()
            except json.JSONDecodeError:  # damaged by hand: as if it had none (it is rebuilt, so replaced)
                value = self.agreements[ident] = {}
        return value if isinstance(value, dict) else {}

    def prepare(self) -> None:
        """The entries parsed from the file (in another layout) serialised ahead."""
        self._lines.prepare((k, v) for k, v in self.agreements.items() if not isinstance(v, _Line))

    def write(self, out: Path, entries: dict[str, dict[str, Any]], tools: dict[str, str]) -> None:
        """Merge this run's entries (agreements not rebuilt keep their last record) and write."""
        self.data["tools"] = tools
        self.agreements.update(entries)
        self.data["agreements"] = self.agreements = dict(sorted(self.agreements.items()))
        write_atomic(out / MANIFEST, manifest_text(self.data, self._lines).encode("utf-8"))


def _json_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _agreement_line(ident: str, entry: Any) -> str:
    if isinstance(entry, _Line):  # as read, unchanged
        return entry.line
    return f"    {_json_line(ident)}: {_json_line(entry)}"


_AGREEMENTS_OPEN, _AGREEMENTS_CLOSE = '  "agreements": {', "  }"
_LINE_KEY = re.compile(r'    ("(?:[^"\\]|\\.)*"): (?=\{)')


def _agreement_lines(text: str) -> tuple[str, dict[str, _Line]] | None:
    """A manifest in the layout manifest_text writes (one line per agreement between the
    block's opening and closing lines): its text without those lines, and id → line. None for
    any other layout, or a line that is not one whole entry."""
    lines = text.split("\n")
    try:
        start = lines.index(_AGREEMENTS_OPEN)
    except ValueError:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].rstrip(",") == _AGREEMENTS_CLOSE), None)
    if end is None:
        return None
    found = {}
    for line in lines[start + 1 : end]:
        line = line.removesuffix(",")
        match = _LINE_KEY.match(line)
        if match is None or not line.endswith("}"):
            return None
        found[json.loads(match.group(1))] = _Line(line, match.end())
    return "\n".join(lines[: start + 1] + lines[end:]), found


def manifest_text(manifest: dict[str, Any], lines: Serialised | None = None) -> str:
    """The manifest as JSON with one line per agreement: diffs show which agreements changed,
    and thousands of agreements are written in milliseconds (indented JSON takes seconds)."""
    lines = lines or Serialised(_agreement_line)
    parts = []
    for key, value in manifest.items():
        if key == "agreements" and value:
            rows = ",\n".join(lines.text(ident, entry) for ident, entry in value.items())
            parts.append(f'  "agreements": {{\n{rows}\n  }}')
        else:
            parts.append(f"  {_json_line(key)}: {_json_line(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"
