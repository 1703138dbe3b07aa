"""Incremental builds: an edit to each kind of input rebuilds exactly the outputs it affects."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clausier import buildcache
from clausier.build import build
from clausier.buildcache import CACHE_DIR, JOURNAL_FILE, STATE_FILE
from clausier.incremental import plan_build
from clausier.selection import agreement_files

from conftest import AGREEMENT_FR, run_importing_none, write

ALL = ["pdf", "docx", "html", "md"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _built(report) -> set[str]:
    assert report.ok, [r.errors for r in report.failed]
    return {r.id for r in report.built}


@pytest.fixture
def several(repo):
    """Four agreements: two share everything, one omits a clause, one uses another template."""
    text = (repo / "agreements/acme-fr.md").read_text()
    write(repo, "agreements/bravo.md", text.replace("Atelier Lumière SARL", "Bravo SAS"))
    write(repo, "agreements/charlie.md", text.replace("signature:", "clauses: {omit: [non-solicitation]}\nsignature:"))
    mini = (repo / "templates/mini.md.j2").read_text()
    write(repo, "templates/other.md.j2", mini.replace("  - liability\n", ""))
    write(repo, "agreements/delta.md", text.replace("template: mini", "template: other"))
    assert _built(build(repo, formats=["md"])) == {"acme-fr", "bravo", "charlie", "delta"}
    return repo


def test_an_unchanged_repository_rebuilds_nothing_and_loads_nothing(several, monkeypatch):
    outputs = sorted((several / "build").glob("*/*.md"))
    stamps = [p.stat().st_mtime_ns for p in outputs]

    def forbidden(*args, **kwargs):
        raise AssertionError("an up-to-date build must not load the repository")

    monkeypatch.setattr("clausier.repository.load_repository", forbidden)
    report = build(several, formats=["md"])
    assert report.ok and _built(report) == set() and len(report.up_to_date) == 4
    assert [p.stat().st_mtime_ns for p in outputs] == stamps


EDITS = {
    # what is edited → the agreements that must be rebuilt (and only those)
    "the agreement": (lambda r: _append(r / "agreements/bravo.md", "Une phrase de plus."), {"bravo"}),
    "a clause text": (lambda r: _append(r / "clauses/non-solicitation/fr.md", "Sauf accord."),
                      {"acme-fr", "bravo", "delta"}),
    "a variant text": (lambda r: _append(r / "clauses/liability/fallback-1.fr.md", "Sauf faute lourde."),
                       {"acme-fr", "bravo", "charlie"}),
    "a clause.yml": (lambda r: _append(r / "clauses/termination/clause.yml", "tags: [exit]"),
                     {"acme-fr", "bravo", "charlie", "delta"}),
    "the template": (lambda r: _append(r / "templates/mini.md.j2", "{# a comment #}"), {"acme-fr", "bravo", "charlie"}),
    "a template partial": (lambda r: _append(r / "templates/_base.md.j2", "{# a comment #}"),
                           {"acme-fr", "bravo", "charlie", "delta"}),
    "a style": (lambda r: _append(r / "templates/styles/contract.css.html", "<!-- -->"),
                {"acme-fr", "bravo", "charlie", "delta"}),
    "clausier.yml": (lambda r: _append(r / "clausier.yml", "# a comment"), {"acme-fr", "bravo", "charlie", "delta"}),
    "a clause nobody uses": (lambda r: shutil.copytree(r / "clauses/non-solicitation", r / "clauses/unused"), set()),
}


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text().rstrip("\n") + "\n\n" + line + "\n")


@pytest.mark.parametrize("kind", EDITS)
def test_an_edit_rebuilds_exactly_the_agreements_it_affects(several, kind):
    edit, expected = EDITS[kind]
    edit(several)
    report = build(several, formats=["md"])
    assert _built(report) == expected
    assert {r.id for r in report.up_to_date} == {"acme-fr", "bravo", "charlie", "delta"} - expected
    # and the build after that one has nothing left to do
    assert _built(build(several, formats=["md"])) == set()


def test_source_date_epoch_and_the_tool_version_are_part_of_the_key(several, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert len(_built(build(several, formats=["md"]))) == 4
    assert _built(build(several, formats=["md"])) == set()
    monkeypatch.setattr(buildcache, "__version__", "99.0.0")
    assert len(_built(build(several, formats=["md"]))) == 4


def test_a_key_is_the_hash_of_its_parts_so_caches_of_earlier_versions_stay_valid(several):
    plan = plan_build(several, formats=["md"])
    d = plan.digests
    for item in plan.items:
        entry = plan.cache.data["agreements"][item.rel]
        template, clauses = entry["template"], entry["clauses"]
        for logo in (None, "templates/styles/logo.png"):
            expected = buildcache.hash_json(plan.shared(logo), item.id, item.digest, template,
                                         d.of(f"templates/{template}.md.j2"),
                                         [(c, d.tree(f"clauses/{c}")) for c in clauses])
            assert plan.key(item, template, clauses, logo) == expected


def test_a_new_format_builds_only_that_format_and_the_manifest_keeps_both(several):
    md = several / "build/acme-fr/acme-fr.md"
    stamp = md.stat().st_mtime_ns
    assert len(_built(build(several, [several / "agreements/acme-fr.md"], formats=["md", "html"]))) == 1
    assert md.stat().st_mtime_ns == stamp and (several / "build/acme-fr/acme-fr.html").exists()
    entry = json.loads((several / "build/manifest.json").read_text())["agreements"]["acme-fr"]
    assert set(entry["outputs"]) == {"md", "html"}
    assert entry["outputs"]["md"]["sha256"] == _sha(md)


def test_a_forced_rebuild_gives_identical_bytes(repo):
    assert build(repo, formats=ALL).ok
    before = {p.name: _sha(p) for p in (repo / "build/acme-fr").iterdir()}
    report = build(repo, formats=ALL, force=True)
    assert _built(report) == {"acme-fr"}
    assert {p.name: _sha(p) for p in (repo / "build/acme-fr").iterdir()} == before


def test_a_deleted_or_altered_output_is_rebuilt(repo):
    assert build(repo, formats=["pdf", "md"]).ok
    pdf, md = repo / "build/acme-fr/acme-fr.pdf", repo / "build/acme-fr/acme-fr.md"
    good = _sha(pdf)
    pdf.unlink()
    assert _built(build(repo, formats=["pdf", "md"])) == {"acme-fr"} and _sha(pdf) == good
    md.write_text(md.read_text().replace("Article", "Artikel"))
    assert _built(build(repo, formats=["pdf", "md"])) == {"acme-fr"}
    assert "Artikel" not in md.read_text()


def test_an_edit_that_keeps_size_and_mtime_is_still_seen(several):
    path = several / "agreements/bravo.md"
    before = path.stat()
    path.write_text(path.read_text().replace("Bravo SAS", "Brave SAS"))  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert _built(build(several, formats=["md"])) == {"bravo"}


def test_after_a_partial_rebuild_the_state_and_manifest_are_those_written_from_scratch(several):
    """Both are serialised ahead, while workers build; what changed must not keep its old text."""
    from clausier.output import manifest_text

    _append(several / "agreements/bravo.md", "Une phrase de plus.")
    assert _built(build(several, formats=["md", "html"])) == {"acme-fr", "bravo", "charlie", "delta"}  # html: new
    _append(several / "agreements/bravo.md", "Et une autre.")
    assert _built(build(several, formats=["md", "html"])) == {"bravo"}
    header, body = (several / "build" / CACHE_DIR / STATE_FILE).read_bytes().split(b"\n", 1)
    state = json.loads(body)
    assert body == json.dumps(state, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()
    text = (several / "build/manifest.json").read_text()
    manifest = json.loads(text)
    assert text == manifest_text(manifest)
    for name in ("acme-fr", "bravo", "charlie", "delta"):
        for fmt in ("md", "html"):
            sha = _sha(several / f"build/{name}/{name}.{fmt}")
            assert manifest["agreements"][name]["outputs"][fmt]["sha256"] == sha
            assert state["agreements"][f"agreements/{name}.md"]["outputs"][fmt]["sha256"] == sha
    assert "Et une autre." in (several / "build/bravo/bravo.md").read_text()


def test_a_manifest_in_another_layout_is_written_back_whole_in_ours(several):
    """Its lines are reused only when they are the one-line entries the build writes."""
    from clausier.output import manifest_text

    assert build(several, formats=["md"]).ok
    path = several / "build/manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=True))  # reformatted by hand or a tool
    _append(several / "agreements/bravo.md", "Une phrase de plus.")
    assert _built(build(several, formats=["md"])) == {"bravo"}
    text = path.read_text()
    rewritten = json.loads(text)
    assert text == manifest_text(rewritten)
    assert rewritten["agreements"]["acme-fr"] == manifest["agreements"]["acme-fr"]
    assert rewritten["agreements"]["bravo"]["outputs"]["md"]["sha256"] == _sha(several / "build/bravo/bravo.md")


def test_the_manifest_keeps_the_lines_of_the_agreements_not_rebuilt_as_they_were(several):
    """Read lazily: an unchanged agreement's line is written back as read, a rebuilt one's anew."""
    from clausier.output import Manifest

    assert build(several, formats=["md"]).ok
    path = several / "build/manifest.json"
    lines = path.read_text().splitlines()
    charlie = next(i for i, line in enumerate(lines) if line.startswith('    "charlie": '))
    lines[charlie] = lines[charlie].replace('", "', '","')  # tighter, still the same entry
    path.write_text("\n".join(lines) + "\n")
    manifest = Manifest.read(several / "build")
    assert manifest.entry("charlie") == json.loads(path.read_text())["agreements"]["charlie"]
    assert manifest.entry("nobody") == {}
    _append(several / "agreements/bravo.md", "Une phrase de plus.")
    assert _built(build(several, formats=["md"])) == {"bravo"}
    after = path.read_text().splitlines()
    assert after[charlie] == lines[charlie]
    bravo = next(line for line in after if line.startswith('    "bravo": '))
    assert json.loads("{" + bravo.rstrip(",") + "}")["bravo"]["outputs"]["md"]["sha256"] == _sha(
        several / "build/bravo/bravo.md")


def test_a_damaged_cache_is_never_trusted(several):
    state = several / "build" / CACHE_DIR / STATE_FILE
    state.write_bytes(state.read_bytes()[: len(state.read_bytes()) // 2])  # a torn state
    assert len(_built(build(several, formats=["md"]))) == 4
    body = state.read_bytes()
    state.write_bytes(body.replace(b'"bravo"', b'"bravx"', 1))  # a state whose checksum fails
    assert len(_built(build(several, formats=["md"]))) == 4


def test_a_crashed_build_keeps_what_it_finished(several):
    """The build process is killed after its first agreement: the journal keeps that one."""
    for name in ("acme-fr", "bravo", "charlie", "delta"):
        _append(several / f"agreements/{name}.md", "Encore une phrase.")
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from clausier.build import build\n"
        "def die(result):\n"
        "    if not result.up_to_date:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "build(Path(sys.argv[1]), formats=['md'], jobs=1, on_result=die)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(several)], capture_output=True)
    assert done.returncode == -9
    journal = several / "build" / CACHE_DIR / JOURNAL_FILE
    assert journal.exists()
    with journal.open("ab") as handle:
        handle.write(b"0123 {\"path\": \"agreements/bravo.md\", \"ent")  # and a torn last line
    report = build(several, formats=["md"])
    assert len(report.built) == 3 and len(report.up_to_date) == 1
    assert not journal.exists()
    manifest = json.loads((several / "build/manifest.json").read_text())["agreements"]
    for name in ("acme-fr", "bravo", "charlie", "delta"):
        assert manifest[name]["outputs"]["md"]["sha256"] == _sha(several / f"build/{name}/{name}.md")
    leftovers = [p.name for p in (several / "build").rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []


def test_a_failed_agreement_is_tried_again_and_keeps_its_outputs(several):
    good = _sha(several / "build/bravo/bravo.md")
    path = several / "agreements/bravo.md"
    path.write_text(path.read_text().replace("amount: 12000", "amount: douze"))
    for _ in range(2):
        report = build(several, formats=["md"])
        assert [r.path for r in report.failed] == ["agreements/bravo.md"] and len(report.up_to_date) == 3
        assert _sha(several / "build/bravo/bravo.md") == good


def test_a_lone_rebuild_loads_the_library_in_its_worker_only(several):
    """One agreement edited, the library unchanged: the building process loads no library (no
    models, YAML or Babel; its worker starts at once and loads the library itself) and only
    compiles the agreement's templates for it meanwhile, which the worker takes; the library's
    errors recorded last time are reported, and the output is the one a full load gives."""
    _append(several / "agreements/bravo.md", "Une phrase de plus.")
    code = (
        "import os\n"
        "from pathlib import Path\n"
        "from clausier.build import build\n"
        "os.environ['CLAUSIER_TEST_WORKER_HOOK'] = 'await-templates'  # the worker waits for them\n"
        "report = build(Path(sys.argv[1]), formats=['md'], jobs=1)\n"
        "assert report.ok and [r.id for r in report.results if not r.up_to_date] == ['bravo'], report\n"
        "assert report.library_errors == [], report.library_errors\n"
        "assert (os.cpu_count() or 1) > 1, 'one core: the library is loaded here, as before'\n"
        "assert report.templates_ahead >= 3, report.templates_ahead  # the template, its base, clause texts\n"
    )
    run_importing_none(code, ("pydantic", "babel", "num2words", "yaml", "clausier.models", "clausier.assemble",
                              "clausier.formatting", "clausier.repository"), str(several))
    lone = (several / "build/bravo/bravo.md").read_bytes()
    assert "Une phrase de plus." in lone.decode()
    # As many workers as agreements: the library is loaded in the building process, and shared.
    assert _built(build(several, formats=["md"], jobs=4, force=True)) == {"acme-fr", "bravo", "charlie", "delta"}
    assert (several / "build/bravo/bravo.md").read_bytes() == lone


def test_the_up_to_date_check_imports_nothing_heavy(several):
    code = (
        "from pathlib import Path\n"
        "from clausier.incremental import plan_build\n"
        "plan = plan_build(Path(sys.argv[1]), formats=['md'])\n"
        "assert not plan.needs_work, [i.id for i in plan.dirty]\n"
    )
    run_importing_none(code, ("typst", "jinja2", "pydantic", "babel", "ruamel.yaml", "yaml", "clausier.models",
                              "clausier.assemble", "clausier.repository"), str(several))


def test_the_selection_of_agreements_leaves_out_drafts_and_readmes(several):
    write(several, "agreements/_draft.md", AGREEMENT_FR)
    write(several, "agreements/README.md", "notes\n")
    everything = agreement_files(several, None)
    assert everything == sorted((several / "agreements").glob("[!_R]*.md"))
    assert several / "agreements/_draft.md" not in everything
    named = [several / "agreements/bravo.md", several / "agreements"]
    assert agreement_files(several, named) == [named[0], *everything]


def test_plan_build_never_writes(several):
    _append(several / "agreements/bravo.md", "Encore.")
    before = sorted((p.relative_to(several), p.stat().st_mtime_ns) for p in (several / "build").rglob("*"))
    plan = plan_build(several, formats=["md"])
    assert [i.id for i in plan.dirty] == ["bravo"]
    assert sorted((p.relative_to(several), p.stat().st_mtime_ns) for p in (several / "build").rglob("*")) == before


def test_pandoc_abbreviations_are_asked_once_and_again_when_the_user_file_changes(repo, tmp_path, monkeypatch):
    """The batch converter reads with the command line's abbreviations; asking pandoc for them
    takes two runs, so the cache keeps them, and asks again when the user's own file appears."""
    from clausier.fast import pandoc_server as batch
    from clausier.fast.cache_stores import pandoc_abbreviations

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (tmp_path / "data/pandoc").mkdir(parents=True)
    batch.pandoc_user_data_dir.cache_clear()
    batch.cli_abbreviations.cache_clear()
    plan = plan_build(repo, formats=["pdf"])
    words = pandoc_abbreviations(plan)
    assert "Dr." in words and words == batch.cli_abbreviations()
    plan.cache.save()

    def no_pandoc():
        raise AssertionError("pandoc asked again")

    monkeypatch.setattr(batch, "cli_abbreviations", no_pandoc)
    assert pandoc_abbreviations(plan_build(repo, formats=["pdf"])) == words

    (tmp_path / "data/pandoc/abbreviations").write_text("Me.\nSté.\n")
    monkeypatch.undo()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    batch.pandoc_user_data_dir.cache_clear()
    batch.cli_abbreviations.cache_clear()
    assert pandoc_abbreviations(plan_build(repo, formats=["pdf"])) == ("Me.", "Sté.")
    batch.pandoc_user_data_dir.cache_clear()
    batch.cli_abbreviations.cache_clear()
