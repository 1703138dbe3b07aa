"""The signature boxes come from the Typst document itself (style.typ's "signature fields"), in
a query pass that does not change the PDF: the same bytes with the pass's setting as without."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from clausier.signing import SigningError
from clausier.signing.fields import boxes_from, signature_boxes


def typst_folder(repo: Path, work: Path, agreement: str = "agreements/acme-fr.md"):
    """The agreement's Typst folder as render.render_pdf prepares it; its settings and timestamp."""
    from clausier.assemble import assemble
    from clausier.pipeline import render_settings
    from clausier.render import TYPST_STYLE, _pandoc, prepare_typst_folder, split_header, typst_inputs
    from clausier.repository import load_agreement, load_repository

    loaded = load_repository(repo)
    agreement_file = load_agreement(loaded, repo / agreement)
    assembled = assemble(loaded, agreement_file)
    settings = render_settings(loaded, agreement_file, assembled)
    prepare_typst_folder(work, settings.root, settings.logo)
    (work / "in.md").write_text(split_header(assembled.markdown), encoding="utf-8")
    _pandoc(["-t", "typst", "--standalone", "-V", f"template={TYPST_STYLE}", *settings.metadata_args(),
             "-o", str(work / "main.typ")], work / "in.md", agreement)
    return typst_inputs(settings), settings.timestamp


def test_the_field_pass_leaves_the_pdf_byte_for_byte_as_it_is(repo):
    from clausier.pipeline import render_outputs
    from clausier.render import compile_typst_folder
    from clausier.repository import load_agreement, load_repository

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        inputs, timestamp = typst_folder(repo, work)
        plain = compile_typst_folder(work, inputs, timestamp, "x")
        marked = compile_typst_folder(work, {**inputs, "fields": "1"}, timestamp, "x")
        boxes = signature_boxes(work, inputs, "x")
    assert marked == plain
    loaded = load_repository(repo)
    _, built = render_outputs(loaded, load_agreement(loaded, repo / "agreements/acme-fr.md"), ["pdf"])
    assert built["pdf"] == plain  # and the build's own PDF is that one
    assert set(boxes) == {"provider", "client"}
    provider, client = boxes["provider"], boxes["client"]
    assert provider.page == client.page and provider.rect[1] == client.rect[1]  # one row, side by side
    assert provider.rect[2] < client.rect[0]
    assert 78 < provider.rect[3] - provider.rect[1] < 86  # the 3 cm room (85 pt), less its padding


def test_a_signature_block_without_the_client_s_column_is_a_clear_error():
    mark = {"column": 0, "page": 2, "x": 70.0, "y": 300.0, "width": 200.0, "text": 6.0, "room": 85.0,
            "page-height": 842.0}
    with pytest.raises(SigningError, match="no column for the client"):
        boxes_from([mark], "agreements/x.md")
    with pytest.raises(SigningError, match="no signature block"):
        boxes_from([], "agreements/x.md")
    boxes = boxes_from([mark, {**mark, "column": 1, "x": 310.0, "text": 18.0}], "agreements/x.md")
    # The room starts under the row's tallest text (here the client's three lines), for both.
    assert boxes["provider"].rect[3] == boxes["client"].rect[3] == round(842.0 - 318.0 - 3.0, 2)
    assert boxes["provider"].page == 1
