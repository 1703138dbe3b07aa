"""The one reader of `---` front matter (markdown.front_matter) and what its callers rely on:
line numbers, `...` as a closer, CRLF line ends, a byte-order mark refused as a hidden
character, a missing or unclosed front matter reported at its file and line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from clausier.assemble import assemble
from clausier.cli import main
from clausier.errors import ContentError
from clausier.lint.rules.defined_terms import units
from clausier.markdown import FrontMatterError, front_matter
from clausier.redline.align import read_header
from clausier.render import split_header
from clausier.repository import load_agreement, load_repository
from clausier.yamlio import split_front_matter


def test_the_yaml_and_the_body_keep_the_file_s_lines():
    front = front_matter("---\ntemplate: x\nfees: 1\n---\n# Body\n\ntext\n")
    assert (front.yaml, front.body, front.body_line) == ("template: x\nfees: 1", "# Body\n\ntext\n", 5)
    assert front_matter("---\n---\nbody").yaml == "" and front_matter("---\n---").body == ""


def test_three_dots_close_it_and_spaces_around_a_fence_are_allowed():
    assert front_matter("---\na: 1\n...\nbody\n").body == "body\n"
    assert front_matter("  ---\t\na: 1\n --- \nbody").body_line == 4
    # only the first closer counts: a rule in the body stays in the body
    assert front_matter("---\na: 1\n---\ntext\n\n---\n").body == "text\n\n---\n"


def test_crlf_line_ends_are_fences_too():
    front = front_matter("---\r\na: 1\r\n---\r\nbody\r\n")
    assert (front.yaml, front.body, front.closing) == ("a: 1\r", "body\r\n", 2)


def test_a_byte_order_mark_is_not_a_fence():
    assert front_matter("\ufeff---\na: 1\n---\n") is None
    with pytest.raises(FrontMatterError, match="missing front matter"):
        front_matter("\ufeff---\na: 1\n---\n", required=True)


@pytest.mark.parametrize("text", ["", "---", "---\n", "---\na: 1\n", "----\na: 1\n---\n", "- --\n---\n"])
def test_no_front_matter_or_an_unclosed_one_is_none_unless_required(text):
    assert front_matter(text) is None
    with pytest.raises(FrontMatterError) as caught:
        front_matter(text, required=True)
    assert caught.value.line == 1


def test_a_content_file_without_a_closing_fence_is_an_error_at_its_file_and_line():
    with pytest.raises(ContentError) as caught:
        split_front_matter("---\ntemplate: x\nfees: 1\n", "agreements/a.md")
    finding = caught.value.findings[0]
    assert (finding.path, finding.line, finding.col, finding.rule) == ("agreements/a.md", 1, 1, "yaml")
    assert finding.message == "front matter is not closed: add a line '---' after it"


LINES = st.sampled_from(["---", "...", " --- ", "---\r", "----", "..", "a: 1", "", "- x", "\ufeff---", "\x85---",
                         "text"])


@given(st.lists(LINES, max_size=8), st.booleans())
def test_it_reads_as_lines_do(lines, final_newline):
    """The reader scans the text without splitting it: it gives what reading it line by line gives."""
    text = "\n".join(lines) + ("\n" if final_newline else "")
    split = text.split("\n")
    closing = None
    if split[0].strip() == "---":
        closing = next((i for i in range(1, len(split)) if split[i].strip() in ("---", "...")), None)
    front = front_matter(text)
    if closing is None:
        assert front is None
    else:
        assert (front.yaml, front.body, front.closing) == ("\n".join(split[1:closing]),
                                                           "\n".join(split[closing + 1 :]), closing)


def test_the_assembled_header_is_read_the_same_by_the_redline_and_the_renderer(repo):
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("---\n", "---\ntitle: 'Rule --- \"quoted\"'\n", 1))
    loaded = load_repository(repo)
    markdown = assemble(loaded, load_agreement(loaded, agreement)).markdown
    header, body = read_header(markdown)
    assert header["title"] == "Rule \\-\\-\\- \"quoted\"" and header["lang"] == "fr-FR"
    assert body == split_header(markdown) and body.startswith("#") and not body.startswith("---")
    assert not any("title:" in unit.text for unit in units(markdown))  # the defined-terms rule skips it


def _check(repo, name: str, data: bytes) -> list[dict]:
    (repo / f"agreements/{name}.md").write_bytes(data)
    result = CliRunner().invoke(main, ["--root", str(repo), "check", "--format", "json"], catch_exceptions=False)
    return [f for f in json.loads(result.output) if f["path"] == f"agreements/{name}.md"]


def test_check_reads_crlf_and_dots_refuses_a_bom_and_places_an_unclosed_front_matter(repo):
    text = (repo / "agreements/acme-fr.md").read_bytes()
    closed = text.index(b"\n---\n", 4)
    assert _check(repo, "crlf", text.replace(b"\n", b"\r\n")) == []
    assert _check(repo, "dots", text[:closed] + b"\n...\n" + text[closed + 5 :]) == []
    bom = _check(repo, "bom", b"\xef\xbb\xbf" + text)
    assert [(f["line"], f["col"], f["rule"]) for f in bom] == [(1, 1, "hidden-characters")]
    unclosed = _check(repo, "unclosed", text[:closed] + b"\n")
    assert [(f["line"], f["col"], f["rule"], f["message"]) for f in unclosed] == [
        (1, 1, "yaml", "front matter is not closed: add a line '---' after it")]
