"""A lone rebuild's Typst, warmed with the agreement's kept source: faster, never different."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

from clausier.build import build
from clausier.fast.batch_renderer import BatchRenderer
from clausier.fast.cache_stores import kept_sources
from clausier.pipeline import render_outputs
from clausier.buildcache import CACHE_DIR, KEPT_DIR
from clausier.incremental import plan_build
from clausier.repository import load_agreement, load_repository
from clausier.fast.warm_start import SUFFIX, KeptSource, KeptSources

AGREEMENT = "acme-fr"


def test_a_kept_source_reads_back_and_a_damaged_one_is_not_used(tmp_path):
    kept = KeptSources(str(tmp_path / "typst"))
    source = KeptSource("= Article 1\n\nÉté, « prix ».\n".encode(), [(0, 13)], {"reference": "R-1", "logo": ""})
    kept.keep("a", source)
    assert kept.find("a") == source
    assert [p.name for p in (tmp_path / "typst").iterdir()] == ["a" + SUFFIX]  # no temporary left behind
    assert KeptSources(kept.path, read=False).find("a") is None  # a forced build reads none
    assert kept.find("never-built") is None
    path = kept.file("a")
    whole = path.read_bytes()
    for damaged in (whole[:-3], whole.replace("Été".encode(), "Ete".encode()), whole.replace(b"typst 1", b"typst 2"),
                    b"", b"\n\n", whole.split(b"\n", 1)[1]):
        path.write_bytes(damaged)
        assert kept.find("a") is None


def _edited(repo: Path) -> Path:
    path = repo / f"agreements/{AGREEMENT}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Atelier Lumière SARL", "Atelier Lumière Nord SARL"),
                    encoding="utf-8")
    return path


def _lone_render(repo: Path, kept: KeptSources, path: Path) -> tuple[BatchRenderer, bytes]:
    """What a worker expecting one document does: begin (the warm-up), then render."""
    loaded = load_repository(repo)
    renderer = BatchRenderer(None, expected=1, store=None, kept=kept)
    try:
        renderer.begin(loaded.root, loaded.config.branding.logo, path.stem, ("pdf",))
        _, outputs = render_outputs(loaded, load_agreement(loaded, path), ["pdf"], renderer)
    finally:
        renderer.close()
    return renderer, outputs["pdf"]


def _single_route(repo: Path, path: Path) -> bytes:
    loaded = load_repository(repo)
    return render_outputs(loaded, load_agreement(loaded, path), ["pdf"])[1]["pdf"]


def test_an_edited_agreement_is_compiled_after_its_kept_source_and_comes_out_the_same(repo, tmp_path):
    kept = KeptSources(str(tmp_path / "typst"))
    path = repo / f"agreements/{AGREEMENT}.md"
    first, _ = _lone_render(repo, kept, path)
    assert first.warm_ups == 0 and kept.find(AGREEMENT) is not None  # nothing kept yet; now there is
    before = kept.find(AGREEMENT)

    second, pdf = _lone_render(repo, kept, _edited(repo))
    assert second.warm_ups == 1
    assert pdf == _single_route(repo, path)  # the same bytes as the one-by-one route
    assert "Atelier Lumière Nord SARL" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert kept.find(AGREEMENT) != before  # the edited version is kept for the next time


def test_a_planted_kept_source_changes_nothing(repo, tmp_path):
    """Whatever a file under build/ holds, it only warms Typst up: another text, or Typst that
    does not compile, leaves the document exactly as the one-by-one route makes it."""
    kept = KeptSources(str(tmp_path / "typst"))
    path = repo / f"agreements/{AGREEMENT}.md"
    expected = _single_route(repo, path)
    head = b'#import "style.typ": conf\n#show: doc => conf(doc)\n\n'
    planted = head + b"= Article 1\n\nPLANTED TEXT, Atelier Lumi\xc3\xa8re SARL.\n"
    settings = {"reference": "PLANTED", "version": "9", "brand": "Planted", "logo": "logo.svg"}
    for source, spans in ((planted, [(len(head), len(planted) - len(head) - 1)]),
                          (head + b"#nobody-defines-this\n", []),
                          (b'#read("/etc/passwd")\n', [])):
        kept.keep(AGREEMENT, KeptSource(source, spans, settings))
        renderer, pdf = _lone_render(repo, kept, path)
        assert pdf == expected
        assert renderer.warm_ups == (1 if source is planted else 0)


def test_a_build_keeps_each_agreements_source_and_a_forced_build_reads_none(repo, tmp_path):
    out = tmp_path / "out"
    report = build(repo, formats=["pdf"], out=out, jobs=1)
    assert report.ok, [r.errors for r in report.failed]
    folder = out / CACHE_DIR / KEPT_DIR
    ids = sorted(r.id for r in report.results)
    assert sorted(p.name[: -len(SUFFIX)] for p in folder.iterdir()) == ids
    assert kept_sources(plan_build(repo, out=out)).read
    assert not kept_sources(plan_build(repo, out=out, force=True)).read
    # An edit rebuilds one agreement (its worker warms up from the kept source): same bytes as alone.
    path = _edited(repo)
    report = build(repo, formats=["pdf"], out=out, jobs=1)
    assert [r.id for r in report.results if not r.up_to_date] == [AGREEMENT]
    assert (out / f"{AGREEMENT}/{AGREEMENT}.pdf").read_bytes() == _single_route(repo, path)
