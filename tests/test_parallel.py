"""Parallel, batched builds: the bytes of the one-by-one route; a worker that fails, fails alone."""

from __future__ import annotations

import hashlib
import io
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.fast.pandoc_server import BatchCrash, BatchError, PandocBatch
from clausier.build import build
from conftest import FAULTS as TEST_HOOK
from clausier.pipeline import render_outputs
from clausier.cli import main
from clausier.cli.common import LazyConsole
from clausier.buildcache import CACHE_DIR
from clausier.selection import in_shard
from clausier.render import RENDERERS, RenderSettings, _pandoc, stamp_docx
from clausier.repository import agreement_paths, load_agreement, load_repository

from conftest import PROJECT, many_agreements, write

ALL = ["pdf", "docx", "html", "md"]

TRICKY_BODY = """
Le Prestataire assure une formation « sur site » d'une demi-journée -- voir Dr. Martin, No. 12, etc.

```python
def total(x):
    return x * 1.2
```

    un bloc indenté

| Étape | Délai |
|:--|--:|
| une cellule dont le texte est vraiment très long, bien plus que la largeur par défaut des colonnes | 10 jours |

Une note[^1] et un lien <https://example.com>.

[^1]: La note de bas de page.

> Une citation.

1. un
2. deux
"""

PARTS_USING_DEFINITIONS = """
Le Prestataire assure une formation.

* * *

```python
def total(x):
    return x * 1.2
```
"""


def settings_for(title: str) -> RenderSettings:
    """A French document's render settings, with this title."""
    return RenderSettings(root=PROJECT, reference="R", version="1", brand="B", primary="#000000", accent="#000000",
                          language="fr", date="2026-12-01", timestamp=1764547200, title=title, lang_tag="fr-FR")


EDGE_CASES = [
    "# Article 1 — Objet {#art-a}\n\nLe texte, Dr. Martin, No. 5.\n\n# Article 2 — Prix {#art-b}\n\n## 2.1 Prix\n\nVoir [1](#art-a).\n",
    "Texte\n# Pas un titre sans ligne vide\n\n# Article 2\n\ntexte\n",
    "```\n# dans du code\n```\n\n~~~~\n# aussi\n~~~~\n\n# Article\n\nx\n",
    "::: {#bloc}\n\n# Dans un bloc\n\n:::\n\n# Après\n\nx\n",
    "# A\n\nUne note[^n].\n\n# B\n\n[^n]: La note.\n",
    "# A\n\nUn [lien][r].\n\n# B\n\n[r]: https://example.com\n",
    "# Article Un\n\nx\n\n# B\n\nVoir [Article Un].\n",
    "# A\n\n(@) un\n\n# B\n\n(@) deux\n",
    "# A\n\n  Droite  Gauche\n-------  ------\n     12  a\n\n# B\n\ntexte\n",
    "# A\n\nDes crochets \\] échappés et \\\\] non.\n\n# B\n\n[texte]{.underline}\n",
    "# A\n\n- un\n- deux\n\n# B\n\n1. trois\n\n   suite\n\n# C\n\n> citation\n",
    # articles ending in each kind of block: the writer joins them differently to the next heading
    "::: {#parties}\n**A**\n:::\n\n# A\n\n::: {#bloc}\ntexte\n:::\n\n# B\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n"
    "# C\n\n```\ncode\n```\n\n# D\n\n***\n\n# E\n\n## E.1 Seul un titre\n\n# F\n\nTerme\n:   définition\n\n# G\n",
    "\n\n# Premier\n\ntexte\n\n# Deuxième {#art-2}\n\n**2.1** texte avec un [renvoi](#art-2).\n",
    # sub-clause headings cut too: after a paragraph, a table, a list, a heading; not inside a div
    "# A\n\n## A.1 Un\n\ntexte\n\n## A.2 Deux\n\n| x | y |\n|--|--|\n| 1 | 2 |\n\n## A.3 Trois\n\n- un\n- deux\n\n"
    "## A.4\n\n::: {#bloc}\n## Dedans\n\ntexte\n:::\n\n# B\n\n### B.1.1 Plus bas\n\ntexte\n",
    # paragraphs read apart inside a part: after a list, a quote, a table and its caption, code,
    # a definition list; not before a list item, a caption, a table row or a continuation
    "# A\n\n## A.1\n\nUn.\n\nDeux, Dr. Martin.\n\n- un\n- deux\n\nTrois 12 000 € et « quatre ».\n\n"
    "1. un\n\n2. deux\n\na) trois\n\nb) quatre\n\niv. cinq\n\nAprès la liste.\n\n> citée\n\nHors citation.\n\n"
    "| a | b |\n|--|--|\n| 1 | 2 |\n\nTable: Légende après\n\nTable: Légende avant\n\nx | y\n--|--\n1 | 2\n\n"
    "    code indenté\n\nAprès le code.\n\nTerme\n\n:   définition\n\nAutre terme\n:   sa définition\n\n"
    "**1.2** Gras en tête.\n\n**Gras** puis texte.\n\n* liste étoile\n\nÉtat final, 1er mars.\n",
    "# A\n\n- point\n\n  suite indentée\nligne paresseuse\n\nParagraphe.\n\n::: {#bloc}\nDans le bloc.\n\nEncore.\n:::\n\nFin.\n",
    # a `]` ending the text (unescaped: read whole; escaped: in parts); a line of spaces before a heading
    "# A\n\nUn [renvoi](#art-a) et \\] échappé.\n\n# B\n\nfin ]",
    "# A\n\nUn [renvoi](#art-a).\n   \n# B\n\n## B.1\n\t\n## B.2\n\nfin \\]",
    # a div's paragraphs read apart, its attributes from its fences alone: the parties, the
    # signatures (a table just before the closing fence), a list just before it, a quote and a
    # definition list inside, a longer fence and attributes; read whole when unsure: text
    # against a fence, two divs, an indented fence, fences whose attributes make no div
    "# A\n\n## Entre\n\n::: {#parties}\n**Cuivres SARL**, une société,\n\nci-après « le Prestataire » ;\n\n**Et**\n\n"
    "**Atelier 12 SAS**, Dr. Martin,\n\nLes Parties sont convenues de ce qui suit.\n:::\n\n# B\n\ntexte\n",
    "# Signatures\n\n::: {#signatures}\nFait à Paris, le \\_\\_\\_, en deux exemplaires.\n\n| Pour le Prestataire | Pour le Client |\n"
    "|:--|:--|\n| Cuivres | Atelier 12 |\n| Signature | Signature |\n:::\n",
    "# A\n\n::: note\n- un\n- deux\n:::\n\n# B\n\nAvant.\n\n:::: {#c .x key=\"v\"} ::::\n> citée\n\nTerme\n:   déf\n\n"
    "Fin, 1er mars.\n::::\n\nAprès.\n",
    "# A\n\nTexte\n::: {#x}\ny\n:::\nSuite\n\n# B\n\n::: {#a}\nun\n:::\n\n::: {#b}\ndeux\n:::\n\n# C\n\n  ::: {#i}\n  z\n  :::\n",
    "# A\n\nAvant.\n\n::: {#a b}\ntexte, 12 000 €\n:::\n\n# B\n\nx\n",
]


@pytest.mark.parametrize("max_parts", [20000, 3])
def test_the_batch_converter_reads_like_the_pandoc_command_line(tmp_path, max_parts):
    """Documents read part by part (and parts reused) give the command line's bytes; so do
    those that must be read whole (notes, references, uncertain cuts), and so they do when the
    converter keeps only a few parts (it forgets the rare ones as it goes)."""
    settings = settings_for("true")
    converter = PandocBatch(max_parts=max_parts)
    try:
        for round_ in range(2):  # the second round reuses every article read in the first
            for number, text in enumerate(EDGE_CASES):
                source = tmp_path / f"doc-{number}.md"
                source.write_text(text)
                pdf, docx, html = converter.convert(f"doc-{number}", text, settings, ["pdf", "docx", "html"])
                assert stamp_docx(docx, settings) == RENDERERS["docx"](source, settings, "doc")
                assert html == RENDERERS["html"](source, settings, "doc")
                typst_source = tmp_path / "main.typ"
                _pandoc(["-t", "typst", "--standalone", "-V", "template=style.typ", *settings.metadata_args(),
                         "-o", str(typst_source)], source, "doc")
                assert pdf == typst_source.read_bytes(), (round_, number)
    finally:
        converter.close()


def test_one_converter_frames_each_title_and_language_as_the_command_line_does(tmp_path):
    """The standalone template around the parts is made once per title and language and
    reused: documents alternating between titles (one the writer must escape) and languages,
    one converter, each the command line's bytes."""
    text = EDGE_CASES[0]
    source = tmp_path / "doc.md"
    source.write_text(text)
    english = dict(language="en", lang_tag="en-GB")
    variants = [settings_for("Contrat de prestation"), settings_for("Contrat #2 — « $x$ » \\ *gras* [lien]"),
                replace(settings_for("Service agreement"), **english), settings_for("Contrat de prestation"),
                replace(settings_for("Contrat #2 — « $x$ » \\ *gras* [lien]"), **english)]
    converter = PandocBatch()
    written = []
    try:
        for number, settings in enumerate(variants):
            (typst,) = converter.convert(f"doc-{number}", text, settings, ["pdf"])
            expected = tmp_path / "main.typ"
            _pandoc(["-t", "typst", "--standalone", "-V", "template=style.typ", *settings.metadata_args(),
                     "-o", str(expected)], source, "doc")
            assert typst == expected.read_bytes(), number
            written.append(typst)
    finally:
        converter.close()
    assert written[0] == written[3] and len(set(written)) == 4  # one frame per title and language


@pytest.mark.parametrize("text", [
    "# A\n\ntexte\n\n# B\n\n![plan](/etc/hostname)\n",  # read part by part
    "# A\n\nUne note[^n].\n\n![plan](plan.png)\n\n[^n]: note\n",  # read whole
    "# A\n\n![plan][p]\n\n[p]: plan.png\n",  # a reference image
])
def test_the_batch_converter_refuses_images_every_time(text):
    """The converter itself refuses images (the builder checks first; this is the second lock),
    also when the text comes again and its other parts are reused."""
    settings = settings_for("t")
    converter = PandocBatch()
    try:
        for _ in range(2):
            with pytest.raises(BatchError, match="images are not allowed"):
                converter.convert("doc", text, settings, ["pdf"])
        assert converter.convert("doc", "# A\n\ntexte\n", settings, ["pdf"])  # and it carries on
    finally:
        converter.close()


def test_a_converter_that_cannot_start_says_why_for_every_document(monkeypatch, tmp_path):
    """Its set-up is answered while the worker assembles; a failed one is not silently skipped."""
    import clausier.fast.pandoc_server as batch

    monkeypatch.setattr(batch, "TYPOGRAPHY", tmp_path / "missing.lua")
    settings = settings_for("t")
    converter = PandocBatch()
    try:
        converter.warm_up(settings, ["pdf"])
        for _ in range(2):
            with pytest.raises(BatchCrash, match="could not start the batch converter.*missing.lua"):
                converter.convert("doc", "# A\n\ntexte\n", settings, ["pdf"])
    finally:
        converter.close()


def _files(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and CACHE_DIR not in p.parts}


def _compare_with_single_route(root: Path, out: Path) -> int:
    repo = load_repository(root)
    compared = 0
    for path in agreement_paths(repo):
        agreement = load_agreement(repo, path)
        _, single = render_outputs(repo, agreement, ALL)
        for fmt in ALL:
            batch = (out / agreement.id / f"{agreement.id}.{fmt}").read_bytes()
            assert batch == single[fmt], f"{agreement.id}.{fmt} differs between the batch and the single route"
            compared += 1
    return compared


def test_the_batch_route_gives_the_bytes_of_the_single_route_for_our_agreements(tmp_path):
    """The project's own agreements, every format, one worker: one pandoc process and one
    reused Typst compiler serve them all, and every byte equals the one-by-one route's."""
    out = tmp_path / "out"
    report = build(PROJECT, formats=ALL, out=out, jobs=1)
    assert not report.failed, [r.errors for r in report.failed]
    assert _compare_with_single_route(PROJECT, out) == 4 * len(report.results)


def test_the_batch_route_gives_the_bytes_of_the_single_route_for_tricky_text(repo, tmp_path):
    text = (repo / "agreements/acme-fr.md").read_text()
    body = text.split("---\n", 2)[2]
    write(repo, "agreements/tricky-fr.md", text.replace(body, TRICKY_BODY))
    write(repo, "agreements/tricky-en.md", text.replace(body, TRICKY_BODY).replace("language: fr", "language: en"))
    # read in parts (no notes): a rule and highlighted code use names main.typ defines
    write(repo, "agreements/rule-and-code.md", text.replace(body, PARTS_USING_DEFINITIONS))
    write(repo, "agreements/own-provider.md", text.replace(
        "effective_date:", "provider:\n  name: Cuivres et Compagnie SARL\n  address: 3 rue du Port, 44000 Nantes\n"
        "effective_date:", 1))
    out = tmp_path / "out"
    report = build(repo, formats=ALL, out=out, jobs=1)
    assert report.ok, [r.errors for r in report.failed]
    assert _compare_with_single_route(repo, out) == 20


def test_parallel_sequential_and_recycled_builds_give_identical_outputs(repo, tmp_path):
    many_agreements(repo, 6)
    outs = []
    for name, options in {"one": dict(jobs=1), "three": dict(jobs=3), "recycled": dict(jobs=2, recycle_every=1)}.items():
        report = build(repo, formats=ALL, out=tmp_path / name, **options)
        assert report.ok and len(report.built) == 6, [r.errors for r in report.failed]
        outs.append(_files(tmp_path / name))
    assert outs[0] == outs[1] == outs[2]
    assert len(outs[0]) == 6 * 4 + 1  # and the manifest


def _outputs(repo: Path, ident: str) -> dict[str, bytes]:
    return {fmt: (repo / f"build/{ident}/{ident}.{fmt}").read_bytes() for fmt in ("pdf", "md")}


def _leftovers(repo: Path) -> list[str]:
    return [p.name for p in (repo / "build").rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


@pytest.fixture
def three(repo):
    """Three agreements built to PDF and Markdown, then two of them edited."""
    many_agreements(repo, 3)
    assert build(repo, formats=["pdf", "md"]).ok
    for name in ("acme-fr", "client-01"):
        path = repo / f"agreements/{name}.md"
        path.write_text(path.read_text().replace("demi-journée", "journée entière"))
    return repo


def test_a_worker_killed_mid_document_leaves_no_torn_output_and_the_next_build_repairs_it(three, monkeypatch):
    before = _outputs(three, "acme-fr")
    monkeypatch.setenv(TEST_HOOK, "kill:acme-fr")  # the worker SIGKILLs itself between pandoc and Typst
    report = build(three, formats=["pdf", "md"], jobs=2)
    (failed,) = report.failed
    assert failed.path == "agreements/acme-fr.md"
    assert "stopped by SIGKILL" in failed.errors[0] and failed.errors[0].startswith("agreements/acme-fr.md: error:")
    assert {r.id for r in report.built} == {"client-01"} and {r.id for r in report.up_to_date} == {"client-02"}
    assert _outputs(three, "acme-fr") == before  # the last good outputs, whole
    assert _leftovers(three) == []
    monkeypatch.delenv(TEST_HOOK)
    report = build(three, formats=["pdf", "md"])
    assert {r.id for r in report.built} == {"acme-fr"} and len(report.up_to_date) == 2
    assert "journée entière" in (three / "build/acme-fr/acme-fr.md").read_text()
    manifest = json.loads((three / "build/manifest.json").read_text())["agreements"]["acme-fr"]
    assert manifest["outputs"]["pdf"]["sha256"] == hashlib.sha256(_outputs(three, "acme-fr")["pdf"]).hexdigest()


def test_a_document_over_the_time_limit_fails_alone(three, monkeypatch):
    monkeypatch.setenv(TEST_HOOK, "sleep:acme-fr")
    report = build(three, formats=["pdf", "md"], jobs=2, time_limit=3)
    (failed,) = report.failed
    assert failed.path == "agreements/acme-fr.md" and "time limit of 3 s" in failed.errors[0]
    assert {r.id for r in report.built} == {"client-01"}
    assert _leftovers(three) == []


def test_a_document_over_the_memory_limit_fails_alone(three, monkeypatch):
    monkeypatch.setenv(TEST_HOOK, "alloc:acme-fr")
    report = build(three, formats=["pdf", "md"], jobs=1, memory_limit=1024)
    (failed,) = report.failed
    assert failed.path == "agreements/acme-fr.md" and "out of memory" in failed.errors[0]
    assert "1024 MB" in failed.errors[0]
    assert {r.id for r in report.built} == {"client-01"}


def test_shards_cover_every_agreement_exactly_once():
    ids = [f"2027-{n:04d}-client" for n in range(300)]
    for count in range(1, 7):
        shards = [{i for i in ids if in_shard(i, (k, count))} for k in range(1, count + 1)]
        assert sorted(i for shard in shards for i in shard) == sorted(ids)
        assert all(len(shard) > 300 / count / 2 for shard in shards)  # and roughly even
    # stable: the same agreement lands in the same shard every time (no per-process hash seed)
    assert [in_shard(i, (2, 3)) for i in ids[:20]] == [in_shard(i, (2, 3)) for i in ids[:20]]


def test_sharded_builds_partition_the_agreements(repo):
    many_agreements(repo, 7)
    seen = []
    for k in (1, 2, 3):
        report = build(repo, formats=["md"], shard=(k, 3))
        assert report.ok
        seen.extend(r.id for r in report.results)
    assert sorted(seen) == sorted(p.stem for p in (repo / "agreements").glob("*.md"))


# ---------------------------------------------------------------- the command line

runner = CliRunner()


def run(repo: Path, *args: str):
    return runner.invoke(main, ["--root", str(repo), *args], catch_exceptions=False)


def test_build_twice_reports_up_to_date_then_force_rebuilds(repo):
    assert run(repo, "build", "--to", "md").exit_code == 0
    result = run(repo, "build", "--to", "md", "--jobs", "2")
    assert result.exit_code == 0 and result.output.strip().splitlines()[-1] == "built 0, up to date 1, failed 0"
    result = run(repo, "build", "--to", "md", "--force")
    assert "✓ acme-fr" in result.output and "built 1, up to date 0, failed 0" in result.output


def test_build_jobs_must_be_positive(repo):
    result = run(repo, "build", "--jobs", "0")
    assert result.exit_code == 2 and "--jobs" in result.output


def test_build_shard_option(repo):
    many_agreements(repo, 5)
    counts = []
    for shard in ("1/2", "2/2"):
        result = run(repo, "build", "--to", "md", "--quiet", "--shard", shard)
        assert result.exit_code == 0
        built = int(result.output.strip().split(",")[0].split()[-1])
        counts.append(built)
    assert sum(counts) == 5
    bad = run(repo, "build", "--shard", "3/2")
    assert bad.exit_code == 2 and "1 ≤ K ≤ N" in bad.output
    assert run(repo, "build", "--shard", "half").exit_code == 2


def test_build_time_limit_option(repo, monkeypatch):
    many_agreements(repo, 2)
    monkeypatch.setenv(TEST_HOOK, "sleep:acme-fr")
    result = run(repo, "build", "--to", "md", "--time-limit", "2", "--memory-limit", "1024")
    assert result.exit_code == 1
    assert "took longer than the time limit of 2 s" in result.output
    assert "built 1, up to date 0, failed 1" in result.output


@pytest.fixture
def terminal(monkeypatch):
    """stderr as a terminal: rich draws the progress bar into this buffer."""
    buffer = io.StringIO()
    module = sys.modules["clausier.cli.build"]  # (the package's `build` attribute is the command)
    monkeypatch.setattr(module, "err", LazyConsole(file=buffer, force_terminal=True, width=120, highlight=False,
                                                   soft_wrap=True))
    return buffer


def test_a_progress_bar_on_a_terminal_for_more_than_a_few_documents(repo, terminal):
    many_agreements(repo, 5)
    result = run(repo, "build", "--to", "md")
    assert result.exit_code == 0
    shown = terminal.getvalue()
    assert "building" in shown and "5/5" in shown and "docs/s" in shown
    assert "✓" not in shown + result.output  # the bar replaces the per-document lines
    assert "built 5, up to date 0, failed 0" in result.output  # once the bar is gone


def test_no_progress_bar_when_quiet_or_for_few_documents(repo, terminal):
    many_agreements(repo, 5)
    assert run(repo, "build", "--to", "md", "--quiet").exit_code == 0
    assert "building" not in terminal.getvalue()
    terminal.seek(0)
    terminal.truncate(0)
    result = run(repo, "build", str(repo / "agreements/acme-fr.md"), "--to", "md", "--force")
    assert result.exit_code == 0
    assert "building" not in terminal.getvalue() and "acme-fr  →" in result.output


def test_no_progress_bar_when_not_a_terminal(repo):
    many_agreements(repo, 5)
    result = run(repo, "build", "--to", "md")
    assert "building" not in result.output and result.output.count("✓") == 5


def _slow_setup() -> dict:
    time.sleep(2.5)  # a worker starting on a loaded machine (spawned: Python, imports, the library)
    return {}


def _quick_task(state, task):
    return task * 2


def _no_teardown(state) -> None:
    pass


def test_a_task_time_limit_counts_from_when_its_worker_is_ready():
    """A slow worker start is not the document's fault: the limit is for the document."""
    from clausier.fast.worker_pool import Limits, run as run_workers

    done = []
    run_workers([1, 2], 1, _slow_setup, _quick_task, _no_teardown, lambda task, ok, value: done.append((ok, value)),
                Limits(time=1.0, memory_mb=None))
    assert done == [(True, 2), (True, 4)]


def test_a_worker_that_never_gets_ready_fails_its_task_with_a_message(monkeypatch):
    from clausier.fast import worker_pool as workers

    monkeypatch.setattr(workers, "SETUP_LIMIT", 1.0)
    done = []
    workers.run([1], 1, _slow_setup, _quick_task, _no_teardown, lambda task, ok, value: done.append((ok, value)),
                workers.Limits(time=0.5, memory_mb=None))
    assert done == [(False, "its worker did not start within 1 s")]
