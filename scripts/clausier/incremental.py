"""Incremental builds: which outputs are up to date, decided without loading anything heavy.

Every output is recorded with a key: a sha256 over everything that can change its bytes —
the agreement file, its template and the template partials (`templates/_*`), every file of
each clause it uses (clause.yml, texts and variants), the styles (`templates/styles/`), the
logo, `clausier.yml`, `SOURCE_DATE_EPOCH`, and the tools (clausier's own build modules,
pandoc's and Typst's versions). An output is up to date when its recorded key equals the
key computed now and the file on disk is the one that was written.

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

An output is current when its recorded key is, and the file is the one written: the state (so
authenticated) records each output's size, SHA-256 and stat signature (mtime, ctime, inode,
device). ctime cannot be set back by its owner, so a file edited in place, even with its size
and mtime restored, no longer matches the signature and is hashed: a mismatch rebuilds it. A
signature taken within RACY_NS of the file's change is not kept (the clock may not have moved
since): the next build hashes that output once, then keeps its signature.

This module imports only the standard library (and the light `render` constants): the
no-op path of `clausier build` runs it, and nothing else, before answering.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from . import __version__
from .cachekey import open_own, real_folder, tag, verify
from .errors import ClausierError, Finding
from .output import Serialised, write_atomic
from .render import FORMATS, pandoc_path
from .safefile import MAX_FILE_BYTES

if TYPE_CHECKING:
    from .batch import PartStore
    from .warm_start import KeptSources

CACHE_DIR = "_cache"  # agreement ids cannot start with "_", so no output folder can clash
PARTS_DIR = "parts"  # the converter's part store (see batch.lua)
KEPT_DIR = "typst"  # each agreement's last Typst source (see warm_start)
STATE_FILE = "state"
JOURNAL_FILE = "journal"
LOCK_FILE = "lock"
STATE_MAGIC = b"clausier-build-cache 2 "  # 2: HMAC tags (1: plain checksums, not trusted)
MAX_STATE_BYTES = 1 << 30  # a state or journal larger than this is not read (a planted one)
RACY_NS = 2_000_000_000
MISSING = "missing"
PACKAGE = Path(__file__).resolve().parent
# The modules that turn assembled data into text and bytes: a change to one of them is a new
# tool as far as outputs go (loading and validation change outputs only with a new version).
CODE = ("assemble.py", "planning.py", "markdown.py", "formatting.py", "words.py", "durations.py", "parameters.py",
        "render.py", "batch.py", "batch.lua", "typography.lua", "build.py", "htmlsafety.py",
        "sandbox.py", "blocklines.py", "literals.py", "identity.py", "logo_raster.py", "currencies.py",
        "guards.py", "budget.py")  # how texts render, and what is refused in them
# The rules `build` runs as `check` does (lint/gate.py): an agreement is recorded only when they
# found no error, so their code is part of every key (a changed rule checks every agreement again).
CHECK_CODE_FOLDERS = ("lint", "lint/rules")
CHECK_CODE = ("signoff.py", "signedhistory.py", "rendered_library.py", "specimens.py", "textsafety.py",
              "hidden_rendered.py")
STORE_CODE = ("batch.lua", "typography.lua")  # what makes a part's Typst text, besides pandoc


# ---------------------------------------------------------------- results


@dataclass
class AgreementResult:
    path: str
    id: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # format → output path
    errors: list[str] = field(default_factory=list)
    up_to_date: bool = False  # nothing was rebuilt: the outputs on disk were already right

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class BuildReport:
    library_errors: list[Finding] = field(default_factory=list)
    results: list[AgreementResult] = field(default_factory=list)
    templates_ahead: int = 0  # templates a worker took compiled from this process (precompile.py)
    prestarted: int = 0  # agreements built by the worker forked when the command started (prestart.py)

    @property
    def failed(self) -> list[AgreementResult]:
        return [r for r in self.results if not r.ok]

    @property
    def up_to_date(self) -> list[AgreementResult]:
        return [r for r in self.results if r.ok and r.up_to_date]

    @property
    def built(self) -> list[AgreementResult]:
        return [r for r in self.results if r.ok and not r.up_to_date]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.library_errors


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
    raise ClausierError(f"{_rel(folder, root)}: error: a folder with no agreement in it (agreements are "
                        "`<id>.md` files); name agreement files, or a folder that holds some")


def agreement_id(path: Path) -> str:
    return path.name[:-3] if path.name.endswith(".md") else path.stem


def _rel(path: Path, root: Path) -> str:
    """The path relative to the root, else absolute (string operations: it runs for every agreement)."""
    absolute = os.path.abspath(path)
    prefix = os.path.join(str(root), "")
    return absolute[len(prefix):] if absolute.startswith(prefix) else absolute


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _hash(*parts: object) -> str:
    return hashlib.sha256(_json(parts).encode("utf-8")).hexdigest()


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
        return _hash(parts)


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

    def forget(self, rel: str) -> None:
        self.data["agreements"].pop(rel, None)

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
    signature = _signature(Path(pandoc))
    if tools.get("pandoc", {}).get("sig") != signature:
        out = subprocess.run([pandoc, "--version"], capture_output=True, text=True, check=True).stdout
        tools["pandoc"] = {"sig": signature, "version": out.split("\n", 1)[0].split()[-1]}
    spec = importlib.util.find_spec("typst")
    folder = Path(spec.origin).parent if spec and spec.origin else None
    binaries = sorted(folder.glob("_typst*")) if folder else []
    signature = _signature(binaries[0]) if binaries else None
    if signature is None or tools.get("typst", {}).get("sig") != signature:
        from importlib.metadata import version

        tools["typst"] = {"sig": signature, "version": version("typst")}
    return {"clausier": __version__, "pandoc": tools["pandoc"]["version"], "typst": tools["typst"]["version"]}


def _user_abbreviations_signature(user_dir: str) -> list | None:
    """The stat signature of pandoc's user abbreviations file (None when there is none)."""
    from .batch import user_abbreviations_file

    user_file = user_abbreviations_file(user_dir)
    return _signature(user_file) if user_file is not None and user_file.is_file() else None


def _signature(path: Path) -> list:
    st = path.stat()
    return [str(path), st.st_size, st.st_mtime_ns]


# ---------------------------------------------------------------- the plan


@dataclass
class Item:
    """One agreement of this build."""

    path: Path
    rel: str
    id: str
    formats: list[str]  # the formats to (re)build; empty when up to date
    digest: str


@dataclass
class Plan:
    root: Path
    out: Path
    formats: list[str]
    items: list[Item]
    cache: Cache
    digests: Digests
    code: Digests
    tools: dict[str, str]
    library_digest: str
    force: bool = False
    _shared: dict = field(default_factory=dict, repr=False)
    _code_digest: str = field(default="", repr=False)
    _dependencies: dict = field(default_factory=dict, repr=False)  # (template, clauses) → their part of a key

    @property
    def dirty(self) -> list[Item]:
        return [i for i in self.items if i.formats]

    @property
    def library_known(self) -> bool:
        """The library's errors were recorded for exactly this library and code."""
        return self.cache.data.get("library", {}).get("digest") == self.library_digest

    @property
    def needs_work(self) -> bool:
        """Something to build, a library whose errors are unknown, or a crashed build to tidy up."""
        return bool(self.dirty) or not self.library_known or bool(self.cache.recovered)

    def pandoc_abbreviations(self) -> tuple[str, ...]:
        """The abbreviations pandoc's command line reads (the batch converter needs them, and
        asking pandoc takes two runs): kept with the pandoc binary's probe, and asked again
        when the binary or the user data directory's abbreviations file changes."""
        from .batch import cli_abbreviations, pandoc_user_data_dir

        entry = self.cache.data.setdefault("tools", {}).setdefault("pandoc", {})
        known = entry.get("abbreviations")
        where = [os.environ.get("XDG_DATA_HOME", ""), os.environ.get("HOME", "")]  # what pandoc's data folder follows
        if known is not None and known.get("where") == where \
                and _user_abbreviations_signature(known["user_dir"]) == known["user_file"]:
            return tuple(known["words"])
        user_dir = pandoc_user_data_dir()
        words = cli_abbreviations()
        entry["abbreviations"] = {"user_dir": user_dir, "where": where, "words": list(words),
                                  "user_file": _user_abbreviations_signature(user_dir)}
        return words

    def part_store(self, abbreviations: tuple[str, ...]) -> PartStore:
        """The converter's part store, in the cache folder (see batch.lua). Its salt is what besides
        a part's text can change the part's Typst text: pandoc, the converter and the typography
        filter, the reader and its abbreviations. A forced build does not read it. Its entries are
        authenticated with a secret derived from the user's cache key and the salt (see batch.py)."""
        from .batch import PartStore, part_store_secret
        from .render import READER

        salt = _hash(self.tools["pandoc"], [(name, self.code.of(str(PACKAGE / name))) for name in STORE_CODE],
                     READER, list(abbreviations))
        secret = part_store_secret(salt)
        # One folder per salt and key (named by neither: a tag of both): an old one goes whole.
        self.cache.ensure_folder()
        folder = real_folder(self.cache.folder, PARTS_DIR, tag("part-store-folder", secret.encode("ascii"))[:16])
        return PartStore(str(folder), salt, read=not self.force, secret=secret)

    def kept_sources(self, read: bool = True) -> KeptSources:
        """Where each agreement's Typst source is kept for the next build's warm-up; a forced
        build keeps them but reads none."""
        from .warm_start import KeptSources

        self.cache.ensure_folder()
        return KeptSources(str(real_folder(self.cache.folder, KEPT_DIR)), read=read and not self.force)

    def known_library(self) -> tuple[list[Finding], str | None] | None:
        """The library's errors and logo as recorded for exactly this library and code, if they were."""
        if not self.library_known:
            return None
        return self.cached_library_errors(), self.cache.data["library"].get("logo")

    def cached_library_errors(self) -> list[Finding]:
        return [Finding(**f) for f in self.cache.data.get("library", {}).get("errors", [])]

    def output_path(self, item: Item, fmt: str) -> Path:
        return Path(self._output_file(item, fmt))

    def _output_file(self, item: Item, fmt: str) -> str:
        return os.path.join(self.out, item.id, f"{item.id}.{fmt}")

    # keys

    def key(self, item: Item, template: str, clauses: list[str], logo: str | None) -> str:
        """_hash(shared, id, digest, template, its digest, [(clause, digest) …]), the same bytes, with
        the template-and-clauses part (shared by many agreements) serialised once per run."""
        dependencies = self._dependencies.get((template, tuple(clauses)))
        if dependencies is None:
            d = self.digests
            dependencies = _json([template, d.of(f"templates/{template}.md.j2"),
                                  [(c, self._clause(c)) for c in clauses]])[1:]
            self._dependencies[(template, tuple(clauses))] = dependencies
        text = f"[{_json(self.shared(logo))},{_json(item.id)},{_json(item.digest)},{dependencies}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def shared(self, logo: str | None) -> str:
        """The part of every key that does not depend on the agreement."""
        if logo not in self._shared:
            d = self.digests
            partials = [(name, d.of(f"templates/{name}")) for name in _listdir(self.root / "templates")
                        if name.startswith("_")]
            self._shared[logo] = _hash(self.tools, os.environ.get("SOURCE_DATE_EPOCH", ""), self.code_digest(),
                                       d.of("clausier.yml"), d.tree("templates/styles"), partials,
                                       (logo, d.of(logo)) if logo else None)
        return self._shared[logo]

    def _clause(self, clause_id: str) -> str:
        return self.digests.tree(f"clauses/{clause_id}")

    def code_digest(self) -> str:
        """The modules that turn data into text and bytes (CODE), the Lua converter included, and
        the rules that decide whether an agreement may be built (CHECK_CODE)."""
        if not self._code_digest:
            names = [*CODE, *CHECK_CODE, *(f"{folder}/{n}" for folder in CHECK_CODE_FOLDERS
                                           for n in _listdir(PACKAGE / folder) if n.endswith(".py"))]
            self._code_digest = _hash([(name, self.code.of(str(PACKAGE / name))) for name in names])
        return self._code_digest

    def up_to_date_formats(self, item: Item, check_outputs: bool = True) -> list[str]:
        """The requested formats whose recorded output is current (key and file)."""
        entry = self.cache.data["agreements"].get(item.rel)
        if self.force or not entry or entry.get("digest") != item.digest or entry.get("id") != item.id:
            return []
        key = self.key(item, entry["template"], entry["clauses"], entry.get("logo"))
        fresh = []
        for fmt in self.formats:
            output = entry.get("outputs", {}).get(fmt)
            if output and output.get("key") == key and (not check_outputs or self._output_intact(item, fmt, output)):
                fresh.append(fmt)
        return fresh

    def _output_intact(self, item: Item, fmt: str, output: dict) -> bool:
        """The output on disk is the one written: its stat signature as recorded (ctime included:
        an edit with size and mtime restored still changes it), else its SHA-256 as recorded."""
        path = self._output_file(item, fmt)
        try:
            st = os.lstat(path)
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode) or st.st_size != output.get("size"):
            return False
        if _output_signature(st) == output.get("stat"):
            return True
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
            with os.fdopen(fd, "rb") as handle:
                opened = os.fstat(handle.fileno())
                same = stat.S_ISREG(opened.st_mode) and (opened.st_dev, opened.st_ino) == (st.st_dev, st.st_ino) \
                    and hashlib.sha256(handle.read()).hexdigest() == output.get("sha256")
        except OSError:
            return False
        if same and _trusted_signature(st) is not None:
            output["stat"] = _trusted_signature(st)
            self.digests.changed = True
        return same

    def entry(self, item: Item, template: str, clauses: list[str], logo: str | None,
              written: dict[str, tuple[Path, str]]) -> dict:
        """What the cache records for an agreement just built: its dependencies and its outputs."""
        key = self.key(item, template, clauses, logo)
        previous = self.cache.data["agreements"].get(item.rel) or {}
        outputs = {}
        if previous.get("digest") == item.digest and previous.get("template") == template \
                and previous.get("clauses") == clauses and previous.get("logo") == logo:
            outputs = {f: o for f, o in previous.get("outputs", {}).items() if o.get("key") == key}
        for fmt, (path, sha) in written.items():
            st = os.lstat(path)
            outputs[fmt] = {"key": key, "size": st.st_size, "stat": _trusted_signature(st), "sha256": sha}
        return {"id": item.id, "digest": item.digest, "template": template, "clauses": clauses, "logo": logo,
                "outputs": outputs}

    def record_library(self, errors: list[Finding], logo: str | None) -> None:
        self.cache.data["library"] = {"digest": self.library_digest, "logo": logo,
                                      "errors": [f.__dict__ for f in errors]}

    def remember_files(self) -> None:
        """Keep the digests computed in this run (of files still present) for the next one."""
        self.cache.data["files"] = {**self.digests.recorded, **self.digests.seen}
        self.cache.data["code"] = {**self.code.seen}


def _output_signature(st: os.stat_result) -> list[int]:
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _trusted_signature(st: os.stat_result) -> list[int] | None:
    """The signature to record, None when the file changed too recently to trust the clock (a
    change within the same clock tick would keep it): the next build then hashes the file."""
    if max(st.st_mtime_ns, st.st_ctime_ns) > time.time_ns() - RACY_NS:
        return None
    return _output_signature(st)


def _listdir(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def plan_build(root: Path, paths: list[Path] | None = None, formats: Iterable[str] = ("pdf",),
               out: Path | None = None, force: bool = False, shard: tuple[int, int] | None = None) -> Plan:
    """Which agreements to build, and which of their formats are stale. Reads, never writes."""
    root = Path(root).resolve()
    out = Path(out) if out else root / "build"
    formats = parse_formats(formats)
    cache = Cache(out)
    cache.load()
    digests = Digests(root, cache.data["files"])
    code = Digests(root, cache.data.setdefault("code", {}))
    tools = tool_versions(cache)
    library = _library_digest(root, digests)
    plan = Plan(root, out, formats, [], cache, digests, code, tools, "", force)
    plan.library_digest = _hash(library, plan.code_digest(), tools)
    for path in agreement_files(root, paths):
        ident = agreement_id(path)
        if not in_shard(ident, shard):
            continue
        rel = _rel(path, root)
        item = Item(path, rel, ident, [], digests.of(rel))
        fresh = plan.up_to_date_formats(item)
        item.formats = [f for f in formats if f not in fresh]
        plan.items.append(item)
    return plan


def _library_digest(root: Path, digests: Digests) -> str:
    """Everything the library's own errors depend on: clausier.yml, templates, styles, clauses."""
    templates = [(n, digests.of(f"templates/{n}")) for n in _listdir(root / "templates")
                 if os.path.isfile(root / "templates" / n) or os.path.islink(root / "templates" / n)]
    clauses = [(n, digests.tree(f"clauses/{n}")) for n in _listdir(root / "clauses")]
    return _hash(digests.of("clausier.yml"), templates, digests.tree("templates/styles"), clauses)


def report_up_to_date(plan: Plan) -> BuildReport:
    """The answer when nothing needs building: every agreement up to date, the library's known errors."""
    report = BuildReport(library_errors=plan.cached_library_errors())
    for item in plan.items:
        outputs = {fmt: str(plan.output_path(item, fmt)) for fmt in plan.formats}
        report.results.append(AgreementResult(path=item.rel, id=item.id, outputs=outputs, up_to_date=True))
    return report


def save_if_changed(plan: Plan) -> None:
    """A no-op run still remembers digests it had to recompute (if no build holds the cache)."""
    if not (plan.digests.changed or plan.code.changed):
        return
    with plan.cache.locked(blocking=False) as got:
        if got:
            plan.remember_files()
            try:
                plan.cache.save()
            except OSError:
                pass
