"""Typst in a build's worker: one compiler for many documents, each article in a file of its own.

Typst remembers what it laid out, keyed by the content *and where it comes from* (file and
place in the file) and by the styles around it. So a compiler reused from one agreement to
the next lays out nothing again by itself: the same article sits at another place of another
`main.typ`. Cut into files named by their text and included, an article comes from the same
file in every agreement that uses it, and the compiler lays it out once (what it saves:
benchmarks/RESULTS.md). The PDF is byte for byte the
same as from the whole source (tests compare).

Two conditions, both kept by the project's style.typ: the compiler's `sys.inputs` stay the same
(the style reads its per-document settings from a file instead), and no style holds a value
that differs per document. A style that still reads `sys.inputs` is compiled whole, with its
inputs, as before.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import BuildError
from ..render import (
    RenderSettings, compile_typst_folder, prepare_typst_folder, style_reads_settings_file, typst_inputs,
    typst_options, write_typst_settings,
)
from .warm_start import KeptSource
from .worker_pool import at_each_run

PARTS = "parts"  # folder of the part files, in the compiler's root
MAIN = "main.typ"
PREFIX = "clausier-typst-"  # a workspace's folder: PREFIX, the worker's pid, "-", a random suffix
CLAIMED = ".claimed"  # in a workspace locked by its worker (flock on the folder) for as long as it lives
MEMORY_FOLDER = "/dev/shm"  # Linux's file system in memory
MEMORY_ROOM = 256 * 2**20  # bytes it must have free for workspaces to go there
ABANDONED_AFTER = 3600  # seconds unused before an unlocked workspace (an older version's) is removed
# A name the source defines (pandoc's template: `horizontalrule`, highlighting functions): an
# included file does not see it, so a part that could use it stays in main.typ.
_DEFINED = re.compile(rb"#let\s+([A-Za-z_][A-Za-z0-9_-]*)")


@dataclass(frozen=True)
class IncludedSource:
    main: bytes  # the source, parts replaced by #include lines
    parts: dict[str, bytes]  # file name (in PARTS) → the part's text


def with_included_parts(source: bytes, spans: list[tuple[int, int]]) -> IncludedSource:
    """`source` with each part (offset, length: see batch.lua) replaced by an #include of a file
    named by its text. A part stays in place when it may use a name the source defines, or does
    not fill whole lines; all of them when the spans are not in order inside the source."""
    names = {match.group(1) for match in _DEFINED.finditer(source)}
    pieces, parts, position = [], {}, 0
    for offset, length in spans:
        if offset < position or length <= 0 or offset + length > len(source):
            return IncludedSource(source, {})
        end = offset + length
        part = source[offset:end]
        whole_lines = (offset == 0 or source[offset - 1] == 0x0A) and (end == len(source) or source[end] == 0x0A)
        if not whole_lines or any(name in part for name in names):
            continue
        name = hashlib.sha1(part).hexdigest() + ".typ"
        pieces += [source[position:offset], b'#include "/%s/%s"' % (PARTS.encode(), name.encode())]
        parts[name] = part
        position = end
    pieces.append(source[position:])
    return IncludedSource(b"".join(pieces), parts)


class TypstWorkspace:
    """A worker's scratch folder for one style and logo, and the compiler reused on it."""

    def __init__(self, root: Path, logo: Path | None) -> None:
        parent = scratch_parent()
        remove_abandoned_workspaces(parent or tempfile.gettempdir())
        self.work, self._lock = claimed_folder(parent or tempfile.gettempdir())
        prepare_typst_folder(self.work, root, logo)
        (self.work / PARTS).mkdir()
        (self.work / MAIN).write_bytes(b"")
        self.reuses_layout = style_reads_settings_file(self.work)
        self.compiler = self._new_compiler()
        self.included = 0  # parts compiled from their own file, so far
        self.whole_after_failure = 0  # documents compiled whole after failing in parts
        self._written: set[str] = set()

    def compile(self, source: bytes, spans: list[tuple[int, int]], settings: RenderSettings, shown: str) -> bytes:
        """The PDF of one document, cut into its parts' files where `spans` says (no spans: whole;
        cutting costs a first compile some 10-20 ms, which only a later one wins back). Raises
        BuildError with Typst's message: the workspace is then not to be reused (a failed
        compiler may hold a half-made state)."""
        inputs = typst_inputs(settings)
        write_typst_settings(self.work, inputs)
        if not self.reuses_layout:  # an older style: its settings change sys.inputs, so nothing is reused
            (self.work / MAIN).write_bytes(source)
            return self._compile(shown, sys_inputs=inputs, timestamp=settings.timestamp)
        included = self._place(source, spans)
        try:
            pdf = self._compile(shown, timestamp=settings.timestamp)
        except BuildError:
            if not included.parts:
                raise
            # Whole, by a compiler of its own: Typst's message then names main.typ, and should
            # the parts be the cause (a bug: tests make sure none of our documents needs this),
            # the document is still right.
            (self.work / MAIN).write_bytes(source)
            self.whole_after_failure += 1
            pdf = compile_typst_folder(self.work, inputs, settings.timestamp, shown)
            self.compiler = self._new_compiler()  # the one that failed is not reused
            return pdf
        self.included += len(included.parts)
        return pdf

    def stage(self, kept: KeptSource) -> bool:
        """Write a kept source's files (see warm_start.py) for `compile_staged`. In the calling thread:
        a thread writing a hundred small files beside a busy one would wait for Python's lock at
        each. False if the style cannot reuse layout anyway."""
        if not self.reuses_layout:
            return False
        write_typst_settings(self.work, kept.settings)
        self._place(kept.source, kept.spans)
        return True

    def compile_staged(self) -> bool:
        """Compile what `stage` wrote and throw the PDF away: what Typst lays out now, the next
        document's compile finds done. Typst runs outside Python's lock, so a thread can do this
        beside Python work. False if it did not compile."""
        try:
            self.compiler.compile()
        except Exception:  # whatever the file held: a compiler that failed is not reused
            self.compiler = self._new_compiler()
            return False
        return True

    def _place(self, source: bytes, spans: list[tuple[int, int]]) -> IncludedSource:
        """main.typ, and the part files it includes (each written once)."""
        included = with_included_parts(source, spans)
        for name, text in included.parts.items():
            if name not in self._written:
                (self.work / PARTS / name).write_bytes(text)
                self._written.add(name)
        (self.work / MAIN).write_bytes(included.main)
        return included

    def _new_compiler(self):
        import typst

        return typst.Compiler(input=str(self.work / MAIN), **typst_options(self.work))

    def _compile(self, shown: str, **options) -> bytes:
        try:
            return self.compiler.compile(**options)
        except Exception as exc:  # typst raises its own TypstError with the source span
            raise BuildError(shown, f"Typst failed: {exc}") from None

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def claimed_folder(parent: str) -> tuple[Path, int]:
    """A new workspace, locked (flock on the folder, held until this process closes it or dies,
    SIGKILL included: the kernel lets go) before it takes its name: a cleaner that sees a
    workspace sees it locked, or free because its worker is gone. Made under a hidden name,
    locked, marked, then renamed."""
    staging = tempfile.mkdtemp(prefix=f".{PREFIX}{os.getpid()}-", dir=parent)
    lock = os.open(staging, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)  # never inherited by pandoc
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        Path(staging, CLAIMED).touch()
        final = os.path.join(parent, os.path.basename(staging)[1:])
        os.rename(staging, final)
    except BaseException:
        os.close(lock)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Path(final), lock


@lru_cache(maxsize=1)
def scratch_parent() -> str | None:
    """Where workspaces go: in memory (/dev/shm) when it exists, is writable and has room, unless
    TMPDIR names a place; None: the system's temporary folder. A workspace holds a file per part
    (a hundred for a contract's warm-up, a few new ones a document afterwards), and on a disk each
    file made is a journal write, slow when the disk is busy."""
    if os.environ.get("TMPDIR"):
        return None
    try:
        room = os.statvfs(MEMORY_FOLDER)
        if os.access(MEMORY_FOLDER, os.W_OK | os.X_OK) and room.f_bavail * room.f_frsize >= MEMORY_ROOM:
            return MEMORY_FOLDER
    except OSError:
        pass
    return None


def remove_abandoned_workspaces(parent: str) -> int:
    """This user's workspaces that no process uses any more: their worker was killed (past its
    time or memory limit, by the system, or with its building process) and could not remove
    its own. A workspace is locked by its worker for as long as it lives (claimed_folder), so
    one whose lock is free is removed at once, whoever made it: two builds may run at once, and
    neither touches what the other uses. A workspace without the lock (made by an older version)
    goes when its pid is dead and nothing has used it for ABANDONED_AFTER seconds (a pid may be
    another container's process where /dev/shm is shared). Returns how many were removed."""
    removed = 0
    try:
        with os.scandir(parent) as entries:
            names = [e.name for e in entries if e.name.startswith(PREFIX) and e.is_dir(follow_symlinks=False)]
    except OSError:
        return 0
    now = time.time()
    for name in names:
        folder = os.path.join(parent, name)
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            if os.fstat(fd).st_uid != os.geteuid():
                continue  # another user's
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # in use
            if os.path.exists(os.path.join(folder, CLAIMED)):
                unused = True  # its worker is gone: the lock is free
            else:
                pid = name[len(PREFIX):].partition("-")[0]
                unused = pid.isdigit() and not _alive(int(pid)) and now - _last_used(folder) > ABANDONED_AFTER
            if unused:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        finally:
            os.close(fd)
    return removed


@at_each_run
def remove_unused_workspaces() -> int:
    """At the start and the end of every pool of workers, in the building process: what a
    killed worker, or a killed build before this one, left (see remove_abandoned_workspaces)."""
    return remove_abandoned_workspaces(scratch_parent() or tempfile.gettempdir())


def _last_used(folder: str) -> float:
    """main.typ is written for every document; the folder changes when a part is added."""
    times = []
    for path in (os.path.join(folder, MAIN), folder):
        try:
            times.append(os.stat(path).st_mtime)
        except OSError:
            pass
    return max(times, default=0.0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's: alive
        return True
    return True

