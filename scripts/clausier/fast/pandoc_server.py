"""Many documents through one pandoc process: `pandoc lua batch.lua`, fed on stdin.

A pandoc process costs about a tenth of a second to start; a build of hundreds of
agreements starts one per worker instead of one per document and format. The Lua
side (batch.lua, shipped with the package) reproduces the single route's command line
(`pandoc --sandbox -f READER -t … -M …`) so both give the same bytes; tests compare them.
Paths never go on pandoc's command line: this pandoc build crashes with many of them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import ClausierError
from ..htmlsafety import html_header
from ..safefile import UnsafeFile, read_text
from ..output import prune_oldest
from ..render import (HTML_STYLE, READER, STYLES, TYPOGRAPHY, TYPST_STYLE, RenderSettings,
                     copy_reference_docx, html_identity, pandoc_path)

LUA_SCRIPT = Path(__file__).parent.parent / "batch.lua"  # kept beside the package data (pyproject)
# A larger allocation area for pandoc's garbage collector: less time per document in a long run,
# for more memory per process, but a slower first document (the area is fresh memory); a converter
# expecting few documents (an edit) takes a middle size. No effect on the output (figures:
# benchmarks/RESULTS.md).
RTS_OPTIONS = ["+RTS", "-A128m", "-RTS"]
SHORT_RUN_RTS_OPTIONS = ["+RTS", "-A32m", "-RTS"]
LONG_RUN = 20  # documents a converter expects before the larger area pays
PANDOC_FORMATS = {"pdf": "typst", "docx": "docx", "html": "html5"}


# The part store (see batch.lua): parts' Typst texts on disk, one small file each. Past this many
# files the oldest are removed, down to three quarters (a thousand agreements make some thousands).
MAX_STORED_PARTS = 60000
_SALT_FOLDER = re.compile(r"[0-9a-f]{16}")  # a store's folder: a tag of its salt and secret (cache_stores.py)


def part_store_secret(salt: str) -> str:
    """The secret that authenticates a store's entries (hex), derived from the user's cache key
    (cachekey.py) and the salt. The converter gets it in its init request, on its stdin: never on
    a command line, in the environment or on disk; the key itself never leaves this process."""
    from ..cachekey import derive

    return derive("part-store", salt).hex()


@dataclass(frozen=True)
class PartStore:
    """Where the converter keeps parts for the next process, and the salt of their names:
    everything besides a part's text and language that can change its Typst text.
    `read` False (a forced build) writes the store without trusting it. `secret`: what its
    entries are authenticated with (default: part_store_secret(salt))."""

    path: str
    salt: str
    read: bool = True
    secret: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.secret:
            object.__setattr__(self, "secret", part_store_secret(self.salt))

    def as_init(self) -> dict:
        """Its part of the converter's init request."""
        return {"path": self.path, "salt": self.salt, "read": self.read, "secret": self.secret}


def prune_part_store(path: Path, limit: int = MAX_STORED_PARTS) -> int:
    """Keep the store under `limit` files (oldest removed first), drop stale temporaries, and
    the folders beside it (stores of another salt or key: a pandoc or converter no longer in
    use); anything in the store but a regular file (a planted link, FIFO or folder, which the
    converter's plain `io.open` would follow or wait on) goes too. Returns how many were removed."""
    removed = 0
    for other in _subfolders(path.parent):
        if other.name != path.name and _SALT_FOLDER.fullmatch(other.name):
            removed += sum(1 for _ in other.iterdir())
            shutil.rmtree(other, ignore_errors=True)
    return removed + _remove_irregular(path) + prune_oldest(path, limit)


def _remove_irregular(folder: Path) -> int:
    removed = 0
    try:
        with os.scandir(folder) as scan:
            irregular = [e for e in scan if not e.is_file(follow_symlinks=False)]
    except OSError:
        return 0
    for entry in irregular:
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed += 1
        except OSError:
            pass
    return removed


def _subfolders(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as scan:
            return [Path(e.path) for e in scan if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


class BatchError(ClausierError):
    """pandoc refused one document (the converter carries on with the next)."""


class BatchCrash(ClausierError):
    """The pandoc process itself stopped (it is restarted for the next document)."""


@lru_cache(maxsize=1)
def pandoc_user_data_dir() -> str:
    """pandoc's user data directory, as `pandoc --version` names it ("" when it names none)."""
    version = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, check=True).stdout
    for line in version.splitlines():
        if line.startswith("User data directory:"):
            return line.split(":", 1)[1].strip()
    return ""


def user_abbreviations_file(user_dir: str | None = None) -> Path | None:
    """Where pandoc looks for the user's abbreviations (default: its own user data directory)."""
    folder = pandoc_user_data_dir() if user_dir is None else user_dir
    return Path(folder) / "abbreviations" if folder else None


@lru_cache(maxsize=1)
def cli_abbreviations() -> tuple[str, ...]:
    """The abbreviations the pandoc command line reads: the user data directory's file, else the
    default. (Two pandoc runs: a build keeps the answer in its cache, see cache_stores.pandoc_abbreviations.)"""
    user_file = user_abbreviations_file()
    if user_file is not None and (user_file.exists() or user_file.is_symlink()):
        # The operator's own file, outside the repository (a repository cannot write there), but
        # read as any file is: no link followed, a regular file only, of at most a megabyte.
        try:
            text = read_text(user_file.parent, user_file.name)
        except UnsafeFile as exc:
            raise ClausierError(f"pandoc's abbreviations file {user_file}: {exc.findings[0].message}") from None
        return tuple(w for w in text.splitlines() if w)
    text = subprocess.run([pandoc_path(), "--print-default-data-file", "abbreviations"],
                          capture_output=True, text=True, check=True).stdout
    return tuple(w for w in text.splitlines() if w)


class ReferenceCopies:
    """Each repository's reference.docx, read by safefile into a private scratch folder, for the
    converter to hand pandoc (which then reads that copy, never a path of the repository: a
    link or a FIFO there is refused, not followed). Removed when the converter closes."""

    def __init__(self) -> None:
        self.folder: str | None = None
        self.paths: dict[Path, str] = {}

    def of(self, root: Path) -> str:
        if root not in self.paths:
            if self.folder is None:
                self.folder = tempfile.mkdtemp(prefix="clausier-reference-")
            place = Path(tempfile.mkdtemp(dir=self.folder))  # one per repository (a diff has two)
            self.paths[root] = str(copy_reference_docx(root, place))
        return self.paths[root]

    def close(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.folder, self.paths = None, {}


def remove_pandoc_history(pid: int) -> None:
    """`pandoc lua` makes an empty `pandoc-hist<pid>-<n>` in the temporary folder when it starts
    and removes it when it exits by itself; the converter is stopped outright (kill), which
    leaves it there. Only that process's own empty files are removed."""
    folder = Path(os.environ.get("TMPDIR") or tempfile.gettempdir())  # where pandoc (GHC) makes them
    for leftover in folder.glob(f"pandoc-hist{pid}-*"):
        try:
            if leftover.is_file() and not leftover.is_symlink() and leftover.stat().st_size == 0:
                leftover.unlink()
        except OSError:
            pass


def output_specs(formats: list[str], settings: RenderSettings, header_cache: dict[Path, str] | None = None,
                 references: ReferenceCopies | None = None) -> list[dict]:
    """What the Lua side writes for each format: the single route's writer options, as data.
    `references`: where the converter keeps its copies of reference.docx (needed for docx)."""
    specs = []
    for fmt in formats:
        if fmt == "pdf":
            specs.append({"format": "typst", "standalone": True, "variables": {"template": TYPST_STYLE}})
        elif fmt == "html":
            # The single route's header (render.render_html): the policy and the style, read by
            # safefile; sent as text, so pandoc reads no path of the repository.
            cache = header_cache if header_cache is not None else {}
            if settings.root not in cache:
                cache[settings.root] = html_header(settings.root, [(STYLES / HTML_STYLE).as_posix()])
            specs.append({"format": "html5", "standalone": True, "header_includes": [cache[settings.root]],
                          # What the single route's --include-before-body gives (render.html_identity).
                          "variables": {"include-before": [html_identity(settings)]}})
        elif fmt == "docx":
            if references is None:
                raise ValueError("a docx output needs the converter's copies of reference.docx")
            specs.append({"format": "docx", "reference_doc": references.of(settings.root)})
        else:
            raise ValueError(f"pandoc does not write {fmt!r}")
    return specs


# A short document with the structures contracts use, converted while the worker assembles
# its first agreement: pandoc's first conversion costs twice a later one.
WARM_UP = ("# Article 1 — Objet {#art-objet}\n\n## 1.1 Prix\n\nLe *Prestataire* exécute « les prestations », "
           "Dr. Martin, No. 12, etc.\n\n| Échéance | Part | Montant |\n|:--|--:|--:|\n| À la signature | 30 % | "
           "3 600,00 € |\n\n- un\n- deux\n\n**1.2** Texte.\n\n::: {#parties}\nLe Client.\n:::\n\n") * 20


def _spans(payload: bytes) -> list[tuple[int, int]]:
    try:
        spans = json.loads(payload)
        return [(int(offset), int(length)) for offset, length in spans]
    except (ValueError, TypeError):
        return []  # the parts are then simply not known: the source is compiled whole


class PandocBatch:
    """One long-lived `pandoc lua` process converting documents one after another."""

    def __init__(self, max_parts: int = 20000, abbreviations: tuple[str, ...] | None = None,
                 expected: int = LONG_RUN, store: PartStore | None = None) -> None:
        self.max_parts = max_parts  # documents' parts kept for reuse (see batch.lua)
        self.store = store
        self.rts_options = RTS_OPTIONS if expected >= LONG_RUN else SHORT_RUN_RTS_OPTIONS
        self.abbreviations = abbreviations  # the command line's (None: ask pandoc)
        self._process: subprocess.Popen | None = None
        self._stderr = None
        # Requests whose answers are not read yet: (number of answers, whether an error is this
        # converter's failure) -- init and warm-up, answered while the worker assembles.
        self._unread: list[tuple[int, bool]] = []
        self.header_cache: dict[Path, str] = {}
        self.references = ReferenceCopies()  # reference.docx, read by safefile (see output_specs)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen([pandoc_path(), *self.rts_options, "lua", str(LUA_SCRIPT)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self._stderr)
        abbreviations = self.abbreviations if self.abbreviations is not None else cli_abbreviations()
        init = {"reader": READER, "abbreviations": list(abbreviations), "max_parts": self.max_parts,
                "typography": str(TYPOGRAPHY)}
        if self.store is not None:
            init["store"] = self.store.as_init()
        self._request({"init": init}, answers=0)  # its answer is read before the first document's
        self._unread.append((1, True))

    def stats(self) -> dict[str, int]:
        """Parts read by pandoc's reader, loaded from the part store, and stored, so far."""
        if self._process is None:
            self.start()
        return json.loads(self._request({"stats": True}, answers=1)[0])

    def close(self) -> None:
        process, self._process = self._process, None
        self._unread = []  # a new process owes no answer
        self.references.close()
        if process is None:
            return
        # Every answer has been read: nothing is lost by stopping it outright, and pandoc's own
        # exit (its runtime releasing a large heap) would be time a worker waits for.
        try:
            process.stdin.close()
        except OSError:
            pass
        process.kill()
        process.wait()
        process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
        remove_pandoc_history(process.pid)

    def warm_up(self, settings: RenderSettings, formats: list[str]) -> None:
        """Start pandoc and have it convert a small document, without waiting for it."""
        formats = [f for f in formats if f in PANDOC_FORMATS]
        if formats:
            if self._process is None:
                self.start()
            # Read for real, not from the part store: what warms pandoc up is reading and writing.
            self._request({**self._job("warm-up", WARM_UP, settings, formats), "store": False}, answers=0)
            self._unread.append((len(formats), False))

    def convert(self, name: str, markdown: str, settings: RenderSettings, formats: list[str]) -> list[bytes]:
        """The given formats (pdf means its Typst source) of one Markdown document, in order."""
        return self.convert_with_spans(name, markdown, settings, formats, spans=False)[0]

    def convert_with_spans(self, name: str, markdown: str, settings: RenderSettings, formats: list[str],
                           spans: bool = True) -> tuple[list[bytes], list[tuple[int, int]]]:
        """As convert, and (if `spans` and pdf is asked for) where each part's text lies in the
        Typst source: (offset, length) in bytes, none when the document was written whole."""
        if self._process is None:
            self.start()
        job = self._job(name, markdown, settings, formats)
        if not (spans and "pdf" in formats):
            return self._request(job, answers=len(formats)), []
        at = formats.index("pdf")
        job["outputs"][at]["spans"] = True
        answers = self._request(job, answers=len(formats) + 1)
        return answers[: at + 1] + answers[at + 2 :], _spans(answers[at + 1])

    def _job(self, name: str, markdown: str, settings: RenderSettings, formats: list[str]) -> dict:
        return {"name": name, "input": markdown, "meta": {"title": settings.title, "lang": settings.lang_tag},
                "outputs": output_specs(formats, settings, self.header_cache, self.references)}

    def _request(self, request: dict, answers: int) -> list[bytes]:
        process = self._process
        data = json.dumps(request, ensure_ascii=False).encode("utf-8")
        try:
            while answers and self._unread:  # read the warm-up's answers first: no pipe fills up
                self._skip(*self._unread.pop(0))
            process.stdin.write(b"%d\n" % len(data) + data)
            process.stdin.flush()
            results = []
            for _ in range(answers):
                kind, payload = self._answer()
                if kind == b"error":  # one answer replaces all of them
                    raise BatchError(payload.decode("utf-8", "replace").strip())
                results.append(payload)
            return results
        except (OSError, ValueError, EOFError) as exc:
            self._crashed(exc)

    def _skip(self, answers: int, essential: bool) -> None:
        kind, payload = self._answer()
        if kind == b"ok":  # an error is a single answer; otherwise one per format
            for _ in range(answers - 1):
                self._answer()
        elif essential:  # init failed: nothing this process converts could be right
            message = payload.decode("utf-8", "replace").strip()
            self.close()
            raise BatchCrash(f"pandoc could not start the batch converter: {message}")

    def _answer(self) -> tuple[bytes, bytes]:
        header = self._process.stdout.readline()
        if not header:
            raise EOFError("pandoc closed its output")
        kind, size = header.split()
        payload = self._process.stdout.read(int(size))
        if len(payload) != int(size):
            raise EOFError("pandoc stopped in the middle of an answer")
        return kind, payload

    def _crashed(self, exc: BaseException):
        process = self._process
        self._process = None
        self._unread = []
        detail = ""
        if process is not None:
            try:
                process.kill()
            except OSError:
                pass
            code = process.wait()
            self._stderr.seek(0)
            detail = self._stderr.read().decode("utf-8", "replace").strip()[-2000:]
            self._stderr.close()
            detail = f" (exit status {code}){': ' + detail if detail else ''}"
        raise BatchCrash(f"pandoc stopped{detail}") from None
