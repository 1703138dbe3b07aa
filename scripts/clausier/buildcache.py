"""The build cache on disk (`<out>/_cache/`) and the file digests its keys are made of.

Computing keys must stay cheap for thousands of agreements: a file's digest is taken from
the cache while its (size, mtime, ctime, inode) are unchanged, and recomputed from its bytes
otherwise. A digest observed less than two seconds after the file's last change is not
trusted next time (the clock may not have moved between two edits), so it is re-read.

The cache lives in `<out>/_cache/`: `state` (written whole, atomically, with a tag of its
body) and `journal` (one line per agreement built since, each with its own tag, so a build that
crashes keeps what it finished; a torn line is ignored). The tags are HMACs under this user's
cache key (cachekey.py), kept outside the repository: a planted or damaged file fails its tag
and is ignored; the worst it can do is rebuild too much. Files there are read without following
links, regular files only, under a size limit (safefile.py).

Standard library only (and the light `render` constants): the no-op path of `clausier build`
runs it before answering.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import stat
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from . import __version__
from .cachekey import open_own, real_folder, tag, verify
from .output import Serialised, write_atomic
from .render import pandoc_path
from .safefile import MAX_FILE_BYTES

CACHE_DIR = "_cache"  # agreement ids cannot start with "_", so no output folder can clash
PARTS_DIR = "parts"  # the converter's part store (see batch.lua, fast/pandoc_server.py)
KEPT_DIR = "typst"  # each agreement's last Typst source (see fast/warm_start.py)
STATE_FILE = "state"
JOURNAL_FILE = "journal"
LOCK_FILE = "lock"
STATE_MAGIC = b"clausier-build-cache 2 "  # 2: HMAC tags (1: plain checksums, not trusted)
MAX_STATE_BYTES = 1 << 30  # a state or journal larger than this is not read (a planted one)
RACY_NS = 2_000_000_000
MISSING = "missing"
PACKAGE = Path(__file__).resolve().parent


def compact_json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def hash_json(*parts: object) -> str:
    return hashlib.sha256(compact_json(parts).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- file digests


class Digests:
    """sha256 of files, taken from the cache while their stat is unchanged."""

    def __init__(self, root: Path, recorded: dict[str, list]):
        self.root = root
        self.recorded = recorded
        self.seen: dict[str, list] = {}
        self.trees: dict[str, str] = {}
        self.changed = False

    def of(self, rel: str) -> str:
        if rel in self.seen:
            return self.seen[rel][-1]
        path = rel if os.path.isabs(rel) else os.path.join(self.root, rel)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return MISSING
        except OSError as exc:
            return f"unreadable:{exc.errno}"
        if stat.S_ISLNK(st.st_mode):
            return "link:" + os.readlink(path)
        if not stat.S_ISREG(st.st_mode):
            return "not-a-file"
        if st.st_size > MAX_FILE_BYTES:  # the loader refuses it (safefile): never read whole here either
            return f"too-large:{st.st_size}:{st.st_mtime_ns}"
        signature = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        recorded = self.recorded.get(rel)
        if recorded is not None and recorded[:4] == signature:
            self.seen[rel] = recorded
            return recorded[4]
        try:
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read(MAX_FILE_BYTES + 1)).hexdigest()
        except OSError as exc:
            return f"unreadable:{exc.errno}"
        now = time.time_ns()
        if max(st.st_mtime_ns, st.st_ctime_ns) > now - RACY_NS:
            signature[1] = -1  # too recent to trust the clock: read it again next time
        self.seen[rel] = [*signature, digest]
        self.changed = True
        return digest

    def tree(self, rel_folder: str) -> str:
        """One digest for every file below a folder (names and contents)."""
        if rel_folder not in self.trees:
            self.trees[rel_folder] = self._tree(rel_folder)
        return self.trees[rel_folder]

    def _tree(self, rel_folder: str) -> str:
        folder = os.path.join(self.root, rel_folder)
        if os.path.islink(folder):
            return "link:" + os.readlink(folder)
        if not os.path.isdir(folder):
            return MISSING
        parts = []
        for rel in _walk(folder, rel_folder):
            parts.append((rel, self.of(rel)))
        return hash_json(parts)


def _walk(folder: str, rel_folder: str) -> list[str]:
    found = []
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            rel = f"{rel_folder}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                found.extend(_walk(entry.path, rel))
            else:
                found.append(rel)
    return found


# ---------------------------------------------------------------- the cache on disk


class Cache:
    """`<out>/_cache/`: the state and the journal of one output folder."""

    def __init__(self, out: Path):
        self.folder = out / CACHE_DIR
        self.data: dict = {}
        self.recovered: list[str] = []  # agreements a crashed build finished (read from the journal)
        self._journal = None
        self._entries = Serialised(lambda rel, entry: _state_json(entry))  # see prepare

    def load(self) -> None:
        self.data = _read_state(self.folder / STATE_FILE)
        for name in ("files", "agreements", "tools"):
            if not isinstance(self.data.get(name), dict):
                self.data[name] = {}
        for record in _read_journal(self.folder / JOURNAL_FILE):
            self.data["agreements"][record["path"]] = record["entry"]
            self.recovered.append(record["path"])

    def recovered_entries(self) -> list[dict]:
        return [self.data["agreements"][rel] for rel in self.recovered if rel in self.data["agreements"]]

    @contextmanager
    def locked(self, blocking: bool = True) -> Iterator[bool]:
        """An exclusive lock on the output folder's cache (two builds at once take turns).

        A POSIX record lock: it belongs to this process only (forked workers do not hold it)
        and goes away with it, however it ends."""
        self.ensure_folder()
        fd = open_own(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
                got = True
            except OSError:
                got = False
            yield got
        finally:
            os.close(fd)

    def ensure_folder(self) -> Path:
        """The cache folder, a real one (a planted link in its place is removed)."""
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        return real_folder(self.folder.parent, CACHE_DIR)

    def record(self, rel: str, entry: dict) -> None:
        """One agreement built: into memory, and a checksummed journal line (survives a crash)."""
        self.data["agreements"][rel] = entry
        if self._journal is None:
            self.ensure_folder()
            self._journal = os.fdopen(open_own(self.folder / JOURNAL_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT), "ab")
        body = json.dumps({"path": rel, "entry": entry}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        self._journal.write(tag("journal", body).encode("ascii") + b" " + body + b"\n")
        self._journal.flush()

    def prepare(self) -> None:
        """Serialise the agreements' entries now, while workers build: save() then serialises only
        the entries recorded since (once planned, an entry is replaced, never changed in place; but
        one holding a manifest loses it in save(), so it is left for then)."""
        self._entries.prepare((rel, entry) for rel, entry in self.data["agreements"].items()
                              if "manifest" not in entry)

    def body(self) -> bytes:
        """The state as sorted, compact JSON (json.dumps' bytes, with prepared entries reused)."""
        def agreements() -> str:
            rows = [_state_json(rel) + ":" + self._entries.text(rel, entry)
                    for rel, entry in sorted(self.data["agreements"].items())]
            return "{" + ",".join(rows) + "}"

        parts = [_state_json(key) + ":" + (agreements() if key == "agreements" else _state_json(value))
                 for key, value in sorted(self.data.items())]
        return ("{" + ",".join(parts) + "}").encode("utf-8")

    def save(self) -> None:
        """The whole state, atomically; then the journal it now contains is dropped."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        for entry in self.data["agreements"].values():
            entry.pop("manifest", None)  # kept in journal lines only: a crashed build's manifest entries
        body = self.body()
        self.ensure_folder()
        write_atomic(self.folder / STATE_FILE, STATE_MAGIC + tag("state", body).encode("ascii") + b"\n" + body)
        (self.folder / JOURNAL_FILE).unlink(missing_ok=True)


def _state_json(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def _read_own(path: Path) -> bytes:
    """A cache file's bytes: a regular file, no link, under the limit; b"" otherwise."""
    from .safefile import UnsafeFile, read_bytes

    try:
        return read_bytes(path.parent, path.name, limit=MAX_STATE_BYTES)
    except UnsafeFile:
        return b""


def _read_state(path: Path) -> dict:
    raw = _read_own(path)
    header, _, body = raw.partition(b"\n")
    if not header.startswith(STATE_MAGIC) or not verify("state", body, header[len(STATE_MAGIC):]):
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _read_journal(path: Path) -> list[dict]:
    raw = _read_own(path)
    records = []
    for line in raw.split(b"\n"):
        checksum, _, body = line.partition(b" ")
        if not body or not verify("journal", body, checksum):
            continue  # a torn, damaged or planted line is never trusted
        try:
            record = json.loads(body)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("path"), str) and isinstance(record.get("entry"), dict):
            records.append(record)
    return records


# ---------------------------------------------------------------- tools


def tool_versions(cache: Cache) -> dict[str, str]:
    """clausier, pandoc and Typst versions; pandoc's and Typst's are cached by their binaries' stat."""
    tools = cache.data.setdefault("tools", {})
    pandoc = pandoc_path()
    signature = file_signature(Path(pandoc))
    if tools.get("pandoc", {}).get("sig") != signature:
        out = subprocess.run([pandoc, "--version"], capture_output=True, text=True, check=True).stdout
        tools["pandoc"] = {"sig": signature, "version": out.split("\n", 1)[0].split()[-1]}
    spec = importlib.util.find_spec("typst")
    folder = Path(spec.origin).parent if spec and spec.origin else None
    binaries = sorted(folder.glob("_typst*")) if folder else []
    signature = file_signature(binaries[0]) if binaries else None
    if signature is None or tools.get("typst", {}).get("sig") != signature:
        from importlib.metadata import version

        tools["typst"] = {"sig": signature, "version": version("typst")}
    return {"clausier": __version__, "pandoc": tools["pandoc"]["version"], "typst": tools["typst"]["version"]}


def file_signature(path: Path) -> list:
    st = path.stat()
    return [str(path), st.st_size, st.st_mtime_ns]
