"""Templates compiled ahead for a lone rebuild's worker, on the core it leaves idle.

A worker rebuilding one agreement compiles its template and clause texts with Jinja (lexing,
parsing, generating and compiling Python: a tenth of a second or more) on the core that also
loads the library and assembles the text, while its building process waits on the other core.
So, when a single agreement is to be built, the building process compiles what that agreement
used last time -- its template and the partials, the texts of its clauses (each variant) in its
language -- in an environment made by the worker's own function (sandbox.make_environment), and
hands the code to the worker through a pipe. Nothing is written to disk: no code is ever loaded
from build/ (README, "Safety rules").

The worker uses a compiled text only when its own source is exactly the one compiled (Jinja's
bytecode cache compares a checksum of the source, and this cache keys by it); any other text,
or all of them when the code is late or missing, it compiles itself, as without this.
"""

from __future__ import annotations

import marshal
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from jinja2 import BytecodeCache

from ..errors import ClausierError, relpath
from .template_pipe import Handoff
from ..markdown import front_matter, jinja_source
from ..paths import TEMPLATE_SUFFIX, read_content_file

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from jinja2.bccache import Bucket


class PrecompiledTemplates(BytecodeCache):
    """Jinja's bytecode cache, held in memory: (cache key, source checksum) → marshalled code.
    Fed by the building process through a pipe, one template at a time: each time Jinja asks,
    it first takes what has arrived (never waiting), so the worker compiles only the texts it
    needs before their code comes."""

    def __init__(self, codes: dict[tuple[str, str], bytes] | None = None, reader: Connection | None = None) -> None:
        self.codes = dict(codes or {})
        self.used = 0  # templates the worker took from here instead of compiling them
        self._reader = reader

    def take_arrived(self, wait: float = 0.0) -> None:
        """Take what has come down the pipe (waiting up to `wait` seconds for all of it: tests);
        the pipe is closed at its end, or at anything wrong in it."""
        deadline = time.monotonic() + wait
        while self._reader is not None:
            try:
                if not self._reader.poll(max(0.0, deadline - time.monotonic())):
                    return
                codes = marshal.loads(zlib.decompress(self._reader.recv_bytes()))
                if not isinstance(codes, dict):
                    raise ValueError("not a payload")
                self.codes.update(codes)
            except (EOFError, OSError, ValueError, TypeError, zlib.error):
                self.close()

    def close(self) -> None:
        if self._reader is not None:
            try:
                self._reader.close()
            except OSError:
                pass
            self._reader = None

    def load_bytecode(self, bucket: Bucket) -> None:
        self.take_arrived()
        code = self.codes.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.code = marshal.loads(code)
            self.used += 1

    def dump_bytecode(self, bucket: Bucket) -> None:
        pass  # what the worker compiles itself stays in its environment's own cache


def jinja_sources(root: Path, template: str, clauses: list[str], language: str | None) -> dict[str, str]:
    """Template name → source, as the worker's loader will serve them (repository.py): the
    template and the partials (`_*.md.j2`), and every text of the given clauses in the given
    language (None: in each). A file that cannot be read is left out: the worker reports it."""
    root = root.resolve()
    sources: dict[str, str] = {}

    def add(path: Path, name: str, whole: bool) -> None:
        try:
            text, findings = read_content_file(root, path)
        except (ClausierError, OSError):
            return
        if findings:
            return
        if whole:  # a partial has no front matter
            sources[name] = text
            return
        front = front_matter(text)  # the body as yamlio.split_front_matter gives it
        if front is not None:
            sources[name] = jinja_source(front.body, front.body_line)

    # In the order the worker asks for them: the template, the partials, the clauses' texts.
    add(root / "templates" / f"{template}{TEMPLATE_SUFFIX}", f"{template}{TEMPLATE_SUFFIX}", whole=False)
    for path in sorted((root / "templates").glob("_*" + TEMPLATE_SUFFIX)):
        add(path, path.name, whole=True)
    for clause in clauses:
        for path in sorted((root / "clauses" / clause).glob("*.md")):
            if language is None or path.name[: -len(".md")].rpartition(".")[2] == language:
                add(path, relpath(path, root), whole=False)
    return sources


def compile_ahead(sources: dict[str, str]) -> Iterator[bytes]:
    """The sources compiled as the worker would compile them, one message each (marshalled and
    compressed), in their order."""
    from ..sandbox import make_environment

    environment = make_environment()
    keys = PrecompiledTemplates()
    for name, source in sources.items():
        try:  # as jinja2.loaders.BaseLoader.load compiles: the name is the file name too
            code = environment.compile(source, name, name)
        except Exception:  # noqa: BLE001 - a text that does not compile: the worker reports it
            continue
        key = (keys.get_cache_key(name, name), keys.get_source_checksum(source))
        yield zlib.compress(marshal.dumps({key: marshal.dumps(code)}), 1)


def receive(reader: Connection, wait: float = 0.0) -> PrecompiledTemplates:
    """In the worker: the bytecode cache the building process feeds through `reader` (with what
    arrives within `wait` seconds: a build does not wait; tests do)."""
    cache = PrecompiledTemplates(reader=reader)
    if wait:
        cache.take_arrived(wait)
    return cache


@dataclass
class TemplatesAhead:
    """What a lone agreement's worker will compile -- what the agreement used last time -- and
    the pipe the code goes through."""

    root: Path
    template: str
    clauses: list[str]
    language: str | None  # None: the texts in each language
    handoff: Handoff  # made before the worker was forked

    def send(self) -> int:
        """In the building process, once the worker is forked: compile and hand over each text
        in turn, then close. Returns how many were sent."""
        try:
            return self.handoff.send_each(compile_ahead(jinja_sources(self.root, self.template, self.clauses,
                                                                      self.language)))
        except Exception:  # noqa: BLE001 - only a speed-up: the worker compiles them itself
            return 0
        finally:
            self.handoff.close()
