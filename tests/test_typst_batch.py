"""Typst in a worker: parts included from files of their own, one compiler for many documents."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from pypdf import PdfReader

from clausier.assemble import assemble
from clausier.fast.pandoc_server import PandocBatch
from clausier.build import build
from clausier.fast.batch_renderer import BatchRenderer
from clausier.pipeline import render_outputs, render_settings
from clausier.render import split_header, typst_inputs, write_typst_settings
from clausier.repository import agreement_paths, load_agreement, load_repository
from clausier.fast.typst_workspace import MAIN, PARTS, TypstWorkspace, with_included_parts

from conftest import PROJECT, write
from test_parallel import settings_for

SOURCE = (b'#let horizontalrule = line(length: 50%)\n#import "style.typ": conf\n#show: doc => conf(doc)\n\n'
          b"= Article 1\n\nUn texte.\n\n= Article 2\n\n#horizontalrule\n\n= Article 3\n\nFin.\n")
ARTICLE_1 = (SOURCE.index(b"= Article 1"), len(b"= Article 1\n\nUn texte."))
ARTICLE_2 = (SOURCE.index(b"= Article 2"), len(b"= Article 2\n\n#horizontalrule"))
ARTICLE_3 = (SOURCE.index(b"= Article 3"), len(b"= Article 3\n\nFin."))


def test_parts_become_includes_of_files_named_by_their_text():
    included = with_included_parts(SOURCE, [ARTICLE_1, ARTICLE_3])
    assert sorted(included.parts.values()) == [b"= Article 1\n\nUn texte.", b"= Article 3\n\nFin."]
    names = re.findall(rb'#include "/parts/([0-9a-f]{40}\.typ)"', included.main)
    assert [included.parts[name.decode()] for name in names] == [b"= Article 1\n\nUn texte.", b"= Article 3\n\nFin."]
    assert b"Un texte" not in included.main and b"= Article 2\n\n#horizontalrule\n" in included.main
    # the same text gives the same file, whichever document it comes from
    assert with_included_parts(b"x\n" + SOURCE, [(o + 2, n) for o, n in (ARTICLE_1, ARTICLE_3)]).parts == included.parts


def test_a_part_using_a_name_the_source_defines_stays_in_place():
    """An included file does not see main.typ's `#let`s (pandoc's template defines some)."""
    included = with_included_parts(SOURCE, [ARTICLE_1, ARTICLE_2, ARTICLE_3])
    assert len(included.parts) == 2
    assert b"#horizontalrule" in included.main.split(b"conf(doc)")[1]


def test_parts_that_do_not_fill_whole_lines_or_are_out_of_order_stay_in_place():
    offset, length = ARTICLE_1
    assert with_included_parts(SOURCE, [(offset + 2, length - 2)]).parts == {}
    assert with_included_parts(SOURCE, [ARTICLE_3, ARTICLE_1]).main == SOURCE
    assert with_included_parts(SOURCE, [(offset, len(SOURCE))]).main == SOURCE
    assert with_included_parts(SOURCE, []).main == SOURCE


def _header_references(pdf: bytes) -> set[str]:
    pages = PdfReader(io.BytesIO(pdf)).pages[1:]
    return {m for page in pages for m in re.findall(r"R[ée]f\. (\S+) · v", page.extract_text())}


def test_one_compiler_builds_documents_from_shared_part_files_with_each_its_own_header():
    """The project's agreements through one worker's tools: their articles are compiled from
    part files, shared between agreements; each PDF shows its own reference and equals the
    one-by-one route's bytes."""
    repo = load_repository(PROJECT)
    renderer = BatchRenderer(None, expected=4, store=None)  # None: the command line's abbreviations
    try:
        for path in agreement_paths(repo)[:4]:
            agreement = load_agreement(repo, path)
            _, batch = render_outputs(repo, agreement, ["pdf"], renderer)
            _, single = render_outputs(repo, agreement, ["pdf"])
            assert batch["pdf"] == single["pdf"], agreement.id
            reference = agreement.model.reference or agreement.id
            assert _header_references(batch["pdf"]) == {reference}
        (workspace,) = renderer.typst.values()
        files = len(list((workspace.work / PARTS).iterdir()))
        assert workspace.reuses_layout and workspace.whole_after_failure == 0
        assert 0 < files < workspace.included  # some parts served more than one agreement
    finally:
        renderer.close()


OLD_INPUT = '''#let _input(key) = {
  let value = sys.inputs.at(key, default: "")
  if type(value) != str { "" } else { value.trim() }
}
'''


def _style_without_settings_file(repo: Path) -> None:
    """A repository's style from before the settings file: it reads sys.inputs."""
    path = repo / "templates/styles/style.typ"
    text = path.read_text(encoding="utf-8")
    start = text.index("#let _input(key) = {")
    end = text.index("\n}\n", start) + 3
    text = text[:start] + OLD_INPUT + text[end:]
    text = text.replace("clausier-settings.json", "the settings")
    path.write_text(text, encoding="utf-8")


def test_a_style_that_reads_sys_inputs_still_shows_each_reference(repo, tmp_path):
    _style_without_settings_file(repo)
    text = (repo / "agreements/acme-fr.md").read_text()
    write(repo, "agreements/second-fr.md", text.replace("Atelier Lumière SARL", "Forge Basse SAS"))
    report = build(repo, formats=["pdf"], out=tmp_path / "out", jobs=1)
    assert report.ok, [r.errors for r in report.failed]
    loaded = load_repository(repo)
    for name in ("acme-fr", "second-fr"):
        pdf = (tmp_path / f"out/{name}/{name}.pdf").read_bytes()
        assert _header_references(pdf) == {name}
        _, single = render_outputs(loaded, load_agreement(loaded, repo / f"agreements/{name}.md"), ["pdf"])
        assert pdf == single["pdf"]


def test_a_worker_expecting_one_document_compiles_it_whole():
    """Cutting into files pays only from a second document on (one edited agreement: one)."""
    repo = load_repository(PROJECT)
    renderer = BatchRenderer(None, expected=1, store=None)
    try:
        agreement = load_agreement(repo, agreement_paths(repo)[0])
        _, batch = render_outputs(repo, agreement, ["pdf"], renderer)
        (workspace,) = renderer.typst.values()
        assert workspace.included == 0 and not list((workspace.work / PARTS).iterdir())
        assert batch["pdf"] == render_outputs(repo, agreement, ["pdf"])[1]["pdf"]
    finally:
        renderer.close()


def test_a_document_that_fails_in_parts_is_compiled_whole_and_a_real_error_is_reported():
    """A part using a name main.typ imports (not a `#let`, so not kept in place) cannot be
    compiled from its own file: the document is compiled whole and comes out right; a name
    nobody defines is Typst's error, as the whole source gives it."""
    from clausier.errors import BuildError
    from clausier.fast.typst_workspace import TypstWorkspace

    head = b'#import "style.typ": conf\n#show: doc => conf(doc)\n\n'
    part = b"= A\n\nVu #(conf != none)."
    workspace = TypstWorkspace(PROJECT, None)
    try:
        pdf = workspace.compile(head + part + b"\n", [(len(head), len(part))], settings_for("T"), "doc.md")
        assert workspace.whole_after_failure == 1 and "Vu true." in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        bad = b"= A\n\nVu #nobody-defines-this."
        try:
            workspace.compile(head + bad + b"\n", [(len(head), len(bad))], settings_for("T"), "doc.md")
        except BuildError as exc:
            assert "doc.md" in str(exc) and "nobody-defines-this" in str(exc)
        else:
            raise AssertionError("an unknown name must fail")
    finally:
        workspace.close()


def test_a_workspace_goes_in_memory_unless_tmpdir_names_a_place(monkeypatch, tmp_path):
    """Its part files are many and small: in memory, making one costs microseconds, not a journal
    write on a busy disk."""
    from clausier.fast import typst_workspace as typst_batch

    assert Path(typst_batch.MEMORY_FOLDER).is_dir()  # Linux, as the machines this runs on
    monkeypatch.delenv("TMPDIR", raising=False)
    typst_batch.scratch_parent.cache_clear()
    workspace = typst_batch.TypstWorkspace(PROJECT, None)
    try:
        assert workspace.work.parent == Path(typst_batch.MEMORY_FOLDER)
        assert workspace.work.name.startswith(f"{typst_batch.PREFIX}{__import__('os').getpid()}-")
        assert (workspace.work / "style.typ").is_file()
    finally:
        workspace.close()
    assert not workspace.work.exists()
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    typst_batch.scratch_parent.cache_clear()
    monkeypatch.setattr("tempfile.tempdir", None)  # tempfile reads TMPDIR once
    workspace = typst_batch.TypstWorkspace(PROJECT, None)
    try:
        assert workspace.work.parent == tmp_path
    finally:
        workspace.close()
        typst_batch.scratch_parent.cache_clear()


def test_only_a_dead_workers_workspace_unused_for_an_hour_is_removed(tmp_path):
    import os
    import subprocess
    import sys
    import time

    from clausier.fast import typst_workspace as typst_batch

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead, alive = int(gone.stdout), os.getpid()
    long_ago = time.time() - 2 * typst_batch.ABANDONED_AFTER
    folders = {}
    for name, pid, old in (("abandoned", dead, True), ("recent", dead, False), ("running", alive, True)):
        folder = tmp_path / f"{typst_batch.PREFIX}{pid}-{name}"
        (folder / PARTS).mkdir(parents=True)
        (folder / "main.typ").write_text("= Title\n")
        if old:
            for path in (folder / "main.typ", folder):
                os.utime(path, (long_ago, long_ago))
        folders[name] = folder
    (tmp_path / "not-ours").mkdir()
    assert typst_batch.remove_abandoned_workspaces(str(tmp_path)) == 1
    assert not folders["abandoned"].exists()
    assert folders["recent"].is_dir() and folders["running"].is_dir() and (tmp_path / "not-ours").is_dir()


def test_the_signature_block_styles_its_own_tables_and_the_others_keep_the_house_rules():
    """style.typ restyles tables without `context` or state (a table whose look depended on where
    it sits would be laid out again in every document): the signature block's table by a rule of
    its own -- no rules, equal columns, room to sign -- and every other table with the house's
    rules and a first column taking the width. Read from Typst's own view of the example."""
    repo = load_repository(PROJECT)
    agreement = load_agreement(repo, agreement_paths(repo)[0])
    assembled = assemble(repo, agreement)
    settings = render_settings(repo, agreement, assembled)
    converter = PandocBatch()
    try:
        (source,) = converter.convert(agreement.id, split_header(assembled.markdown), settings, ["pdf"])
    finally:
        converter.close()
    workspace = TypstWorkspace(PROJECT, settings.logo)
    try:
        write_typst_settings(workspace.work, typst_inputs(settings))
        (workspace.work / MAIN).write_bytes(source)
        tables = json.loads(workspace.compiler.query("<clausier-styled-table>"))
    finally:
        workspace.close()
    assert len(tables) >= 2
    *body, signatures = tables  # the signature block closes the contract
    assert signatures["stroke"] is None and signatures["fill"] is None
    assert signatures["columns"] == ["1fr"] * len(signatures["columns"]) and len(signatures["columns"]) == 2
    for table in body:
        assert table["stroke"] is not None and table["columns"][0] == "1fr"
        assert all(column == "auto" for column in table["columns"][1:])
