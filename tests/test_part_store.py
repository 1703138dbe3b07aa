"""The converter's part store: parts' Typst texts kept on disk for the next build's workers.

What a user relies on: a build that reuses parts stored by an earlier one gives the bytes of the
command line; a damaged or foreign entry is never used; a forced build trusts none; the store
stays bounded.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from clausier.fast.pandoc_server import PandocBatch, PartStore, prune_part_store
from clausier.build import build
from clausier.buildcache import CACHE_DIR, PARTS_DIR
from clausier.render import _pandoc

from conftest import PROJECT
from test_parallel import EDGE_CASES, _compare_with_single_route, _files, settings_for

SETTINGS = settings_for("Contrat")


def _command_line_typst(tmp_path: Path, text: str) -> bytes:
    source = tmp_path / "doc.md"
    source.write_text(text)
    target = tmp_path / "main.typ"
    _pandoc(["-t", "typst", "--standalone", "-V", "template=style.typ", *SETTINGS.metadata_args(),
             "-o", str(target)], source, "doc")
    return target.read_bytes()


def _convert_all(store: PartStore, formats: list[str]) -> tuple[list[list[bytes]], dict[str, int]]:
    converter = PandocBatch(store=store)
    try:
        results = [converter.convert(f"doc-{n}", text, SETTINGS, formats) for n, text in enumerate(EDGE_CASES)]
        return results, converter.stats()
    finally:
        converter.close()


def test_a_new_converter_reuses_the_parts_an_earlier_one_stored(tmp_path):
    """A second process reads no part the first one stored, and writes the same Typst; asked for
    DOCX and HTML too, it reads the parts again (the store keeps no blocks) and still agrees."""
    store = PartStore(str(tmp_path / "parts"), salt="s1")
    (tmp_path / "parts").mkdir()
    first, first_stats = _convert_all(store, ["pdf"])
    assert first_stats["read"] > 0 and first_stats["stored"] > 0 and first_stats["loaded"] == 0
    stored = sorted(p.name for p in (tmp_path / "parts").iterdir())
    assert len(stored) == first_stats["stored"]

    second, second_stats = _convert_all(store, ["pdf"])
    assert second_stats["read"] == 0, second_stats
    assert second_stats["loaded"] == first_stats["stored"]
    assert second_stats["stored"] == 0
    assert second == first
    for number, text in enumerate(EDGE_CASES):
        assert second[number][0] == _command_line_typst(tmp_path, text), number

    third, third_stats = _convert_all(store, ["docx", "pdf", "html"])
    assert third_stats["read"] > 0
    assert [r[1] for r in third] == [r[0] for r in first]


def test_a_damaged_or_swapped_entry_is_read_again_and_another_salt_shares_nothing(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    store = PartStore(str(folder), salt="s1")
    first, stats = _convert_all(store, ["pdf"])
    victims = sorted(folder.iterdir())[:3]
    victims[0].write_bytes(victims[0].read_bytes()[:-5])  # torn
    data = victims[1].read_bytes()
    victims[1].write_bytes(data.replace(b"=", b"#", 1) if b"=" in data else data + b" ")  # edited text
    victims[2].write_bytes(b"")  # empty
    again, again_stats = _convert_all(store, ["pdf"])
    assert again_stats["read"] == 3, again_stats  # exactly the three damaged parts
    assert again == first
    assert all(v.read_bytes() for v in victims)  # and stored whole again

    first_file, second_file = sorted(folder.iterdir())[3:5]  # a whole, checksummed file under another's name
    second_file.write_bytes(first_file.read_bytes())
    swapped, swapped_stats = _convert_all(store, ["pdf"])
    assert swapped_stats["read"] == 1 and swapped == first

    other, other_stats = _convert_all(PartStore(str(folder), salt="s2"), ["pdf"])
    assert other_stats["loaded"] == 0 and other_stats["read"] == stats["read"]
    assert other == first


def test_a_store_not_to_be_read_is_written_but_never_trusted(tmp_path):
    """What a forced build uses: every part is read, whatever the store holds."""
    folder = tmp_path / "parts"
    folder.mkdir()
    first, stats = _convert_all(PartStore(str(folder), salt="s1"), ["pdf"])
    forced, forced_stats = _convert_all(PartStore(str(folder), salt="s1", read=False), ["pdf"])
    assert forced_stats["loaded"] == 0 and forced_stats["read"] == stats["read"]
    assert forced == first


def _store(out: Path) -> Path:
    """The build's part store: one folder, named by its salt."""
    [folder] = (out / CACHE_DIR / PARTS_DIR).iterdir()
    return folder


def _newest_part(out: Path) -> float:
    return max(p.stat().st_mtime_ns for p in _store(out).iterdir())


def test_a_build_reuses_the_parts_of_the_last_one_and_gives_the_same_bytes(repo, tmp_path):
    """The next build's workers find the parts in build/_cache/parts: after an edit to one
    agreement only its new parts are stored, and every output is the one-by-one route's."""
    out = tmp_path / "out"
    assert build(repo, formats=["pdf"], out=out, jobs=2).ok
    parts = {p.name for p in _store(out).iterdir()}
    assert parts

    path = repo / "agreements/acme-fr.md"
    path.write_text(path.read_text().replace("amount: 12000", "amount: 13000"))
    before = _newest_part(out)
    time.sleep(0.01)
    report = build(repo, formats=["pdf"], out=out, jobs=2)
    assert report.ok and sum(not r.up_to_date for r in report.results) == 1
    new = {p.name for p in _store(out).iterdir()} - parts
    assert 0 < len(new) < len(parts) / 2  # the article with the amount, not the whole agreement
    assert _newest_part(out) > before

    fresh = tmp_path / "fresh"  # the same store, outputs built from nothing: the same bytes
    shutil.copytree(out / CACHE_DIR / PARTS_DIR, fresh / CACHE_DIR / PARTS_DIR)
    old_salt = fresh / CACHE_DIR / PARTS_DIR / ("0" * 16)  # a store an older pandoc or converter left
    old_salt.mkdir()
    (old_salt / ("1" * 40)).write_text("stale")
    assert build(repo, formats=["pdf", "docx", "html", "md"], out=fresh, jobs=1).ok
    assert {k: v for k, v in _files(fresh).items() if k.endswith(".pdf")} == \
        {k: v for k, v in _files(out).items() if k.endswith(".pdf")}
    assert _compare_with_single_route(repo, fresh) == 4 * len(report.results)
    assert not old_salt.exists() and _store(fresh).name == _store(out).name


def test_the_store_keeps_the_newest_files_under_its_limit_and_drops_stale_files_and_stores(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    now = time.time()
    for number in range(20):
        entry = folder / f"{number:040x}"
        entry.write_text("x")
        os.utime(entry, (now - 1000 + number, now - 1000 + number))
    stale = folder / ("0" * 40 + ".abc.tmp")
    stale.write_text("half")
    os.utime(stale, (now - 7200, now - 7200))
    fresh_temporary = folder / ("1" * 40 + ".abc.tmp")
    fresh_temporary.write_text("being written")

    other_salt, unrelated = tmp_path / ("a" * 16), tmp_path / "notes"
    for beside in (other_salt, unrelated):
        beside.mkdir()
        (beside / "x").write_text("x")
        (beside / "y").write_text("y")

    assert prune_part_store(folder, limit=30) == 3  # under the limit: the stale temporary, the other store
    assert not stale.exists() and fresh_temporary.exists()
    assert not other_salt.exists() and unrelated.is_dir()  # only a store's folder goes
    assert prune_part_store(folder, limit=10) == 13  # over it: down to three quarters, oldest first
    kept = sorted(p.name for p in folder.iterdir() if not p.name.endswith(".tmp"))
    assert kept == [f"{n:040x}" for n in range(13, 20)]


@pytest.mark.parametrize("formats", [["pdf"], ["docx", "md"]])
def test_only_a_build_to_pdf_keeps_a_store(repo, tmp_path, formats):
    out = tmp_path / "out"
    assert build(repo, formats=formats, out=out, jobs=1).ok
    assert (out / CACHE_DIR / PARTS_DIR).is_dir() == ("pdf" in formats)
