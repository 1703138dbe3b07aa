"""Templates compiled ahead by the building process: the very code the worker would compile,
used only for the exact source it was compiled from, and never a reason to wait or fail."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
import time
import zlib
from multiprocessing.connection import Connection

import pytest

from clausier.assemble import _RepositoryLoader, assemble
from conftest import FAULTS as TEST_HOOK
from clausier.fast.template_pipe import Handoff
from clausier.fast.precompiled_templates import PrecompiledTemplates, compile_ahead, jinja_sources, receive
from clausier.repository import agreement_paths, load_agreement, load_repository
from clausier.sandbox import make_environment

from conftest import PROJECT, assert_rebuilt_as_one_by_one, built_then_edited


def _used(repo, agreement) -> tuple[str, list[str], str]:
    """What an agreement's assembly uses: its template, its clauses and its language."""
    plan = assemble(repo, agreement).plan
    return plan.template.name, [a.id for a in plan.articles if a.id in repo.clauses], plan.language


def _payload_codes(payloads) -> dict:
    """The codes of every message compile_ahead makes (one a text)."""
    codes = {}
    for payload in payloads:
        message = marshal.loads(zlib.decompress(payload))
        assert len(message) == 1
        codes.update(message)
    return codes


def test_the_code_compiled_ahead_is_the_code_the_worker_compiles():
    """For every example agreement: each source read ahead is the one the worker's loader serves,
    and its code, byte for byte, the one the worker's own environment compiles."""
    repo = load_repository(PROJECT)
    loader = _RepositoryLoader(repo)
    worker = make_environment(loader)
    keys = PrecompiledTemplates()
    seen = 0
    for path in agreement_paths(repo):
        template, clauses, language = _used(repo, load_agreement(repo, path))
        sources = jinja_sources(PROJECT, template, clauses, language)
        assert f"{template}.md.j2" in sources and "_base.md.j2" in sources
        assert all(f"clauses/{c}/{language}.md" in sources for c in clauses if c != "special-conditions")
        codes = _payload_codes(compile_ahead(sources))
        for name, source in sources.items():
            assert source == loader.get_source(worker, name)[0], name
            key = (keys.get_cache_key(name, name), keys.get_source_checksum(source))
            assert codes[key] == marshal.dumps(worker.compile(source, name, name)), name
            seen += 1
    assert seen > 100


def test_an_assembly_from_templates_compiled_ahead_is_the_same_text(repo):
    """The same Markdown with the code compiled ahead as without; a text edited after it was
    compiled ahead is compiled again from its new source, and its new words are there."""
    library = load_repository(repo)
    agreement = load_agreement(library, repo / "agreements/acme-fr.md")
    expected = assemble(library, agreement).markdown
    template, clauses, language = _used(library, agreement)
    payload = list(compile_ahead(jinja_sources(repo, template, clauses, language)))

    ahead = load_repository(repo)
    ahead.precompiled = PrecompiledTemplates(_payload_codes(payload))
    assert assemble(ahead, load_agreement(ahead, repo / "agreements/acme-fr.md")).markdown == expected
    assert ahead.precompiled.used == len(clauses) + 2  # every clause text, the template and its base

    fees = repo / "clauses/fees/fr.md"
    fees.write_text(fees.read_text().rstrip("\n") + "\n\nLe prix est ferme.\n")
    edited = load_repository(repo)
    edited.precompiled = PrecompiledTemplates(_payload_codes(payload))
    text = assemble(edited, load_agreement(edited, repo / "agreements/acme-fr.md")).markdown
    assert "Le prix est ferme." in text and text.replace("\n\nLe prix est ferme.", "") == expected
    assert edited.precompiled.used == len(clauses) + 1  # all but the edited text


def test_a_lone_rebuild_takes_the_templates_compiled_ahead_and_gives_the_same_bytes(repo):
    """In a building process of its own (one thread: its worker is forked, as `clausier build`'s),
    the worker told to wait for them (a build does not wait: see the hook)."""
    path = built_then_edited(repo, ["md", "pdf"])
    code = ("from pathlib import Path\nfrom clausier.build import build\n"
            "report = build(Path(sys.argv[1]), formats=['md', 'pdf'], jobs=1)\n"
            "assert report.ok and [r.id for r in report.results if not r.up_to_date] == ['acme-fr'], report\n"
            "print(report.templates_ahead)\n")
    done = subprocess.run([sys.executable, "-c", "import sys\n" + code, str(repo)], capture_output=True, text=True,
                          env={**os.environ, TEST_HOOK: "await-templates"})
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) >= 3  # the template, its base and the clause texts
    assert_rebuilt_as_one_by_one(repo, path, ["md", "pdf"])


def _worker_end(handoff: Handoff) -> Connection:
    """The reading end as a forked worker holds it: its own copy of the descriptor."""
    return Connection(os.dup(handoff.reader.fileno()), writable=False)


def test_the_handoff_never_waits_for_its_worker():
    """Nothing sent yet, or garbage: the worker has nothing and compiles itself. Payloads too big
    for the pipe, or a worker gone: the building process does not block, and says so."""
    handoff = Handoff()
    worker = _worker_end(handoff)
    cache = receive(worker)
    cache.take_arrived()
    assert cache.codes == {}  # nothing there yet: no waiting
    handoff.close()

    handoff = Handoff()
    worker = _worker_end(handoff)
    cache = receive(worker)
    assert handoff.send(zlib.compress(marshal.dumps({("k", "c"): b"x"}))) is True
    cache.take_arrived()
    assert cache.codes == {("k", "c"): b"x"}

    handoff = Handoff()
    worker = _worker_end(handoff)
    assert handoff.send_each([zlib.compress(marshal.dumps({("a", "1"): b"x"})), b"not a payload",
                              zlib.compress(marshal.dumps({("b", "2"): b"y"}))]) == 3
    cache = receive(worker)
    cache.take_arrived()
    assert cache.codes == {("a", "1"): b"x"}  # what came before the garbage; nothing after it

    handoff = Handoff()
    worker = _worker_end(handoff)
    start = time.monotonic()
    small = zlib.compress(marshal.dumps({("k", "c"): b"x"}))
    assert handoff.send_each([small, b"\0" * handoff.capacity, small]) == 1  # stops at what would not fit
    assert time.monotonic() - start < 5
    cache = receive(worker, wait=1)
    assert cache.codes == {("k", "c"): b"x"}

    handoff = Handoff()  # the worker has gone (it compiled itself, or died): no reader left
    assert handoff.send(b"payload") is False


def test_the_worker_takes_each_text_as_it_arrives():
    """Jinja asks the cache at each template: what has come since is there."""
    handoff = Handoff()
    worker = _worker_end(handoff)
    cache = receive(worker)
    handoff.reader.close()
    handoff.writer.send_bytes(zlib.compress(marshal.dumps({("first", "1"): marshal.dumps(compile("1", "f", "eval"))})))
    cache.take_arrived()
    assert set(cache.codes) == {("first", "1")}
    handoff.writer.send_bytes(zlib.compress(marshal.dumps({("second", "2"): b"y"})))
    cache.take_arrived()
    assert set(cache.codes) == {("first", "1"), ("second", "2")}
    handoff.close()


@pytest.mark.parametrize("language", ["fr", "en", None])
def test_sources_read_ahead_follow_the_language_and_skip_what_cannot_be_read(repo, language):
    (repo / "clauses/fees/en.md").write_text("no front matter here\n")
    sources = jinja_sources(repo, "mini", ["fees", "purpose", "no-such-clause"], language)
    names = set(sources)
    assert {"mini.md.j2", "_base.md.j2"} <= names
    assert ("clauses/fees/fr.md" in names) == (language in ("fr", None))
    assert "clauses/fees/en.md" not in names  # no front matter: the worker reports it
    assert ("clauses/purpose/en.md" in names) == (language in ("en", None))
    assert not any("no-such-clause" in name for name in names)

