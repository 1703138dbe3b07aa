"""Values from front matter become plain text in real pandoc, whatever they contain."""

from __future__ import annotations

import json
import re
import subprocess

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clausier.markdown import escape_text, number_subclauses, subclause_titles
from clausier.render import READER, pandoc_path

MARKUP = list("\\`*_[]<>#!|~^$@&{}=-+:%()'\".,0123456789 ") + ["**", "--", "```", "<b>", "$x$", "](", "![", "{=typst}",
                                                               "\n\n# ", "1. ", "- ", "::: ", "\\\n", "&amp;", "@key"]


def _inline_text(inlines: list) -> str:
    """Plain text of pandoc inlines; any markup element fails the test."""
    out = []
    for inline in inlines:
        kind, content = inline["t"], inline.get("c")
        if kind == "Str":
            out.append(content)
        elif kind in ("Space", "SoftBreak"):
            out.append(" ")
        elif kind == "Quoted":
            mark = '"' if content[0]["t"] == "DoubleQuote" else "'"
            out.append(mark + _inline_text(content[1]) + mark)
        else:
            raise AssertionError(f"value became markup: {kind}")
    return "".join(out)


def _normalise(text: str) -> str:
    for fancy, plain in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("…", "..."), ("\u00a0", " ")):
        text = text.replace(fancy, plain)
    text = " ".join(text.split())
    # pandoc's smart quotes drop spaces just inside quote marks ("'1. '" reads as ‘1.’): not markup.
    return re.sub(r"\s*(['\"])\s*", r"\1", text)


def _pandoc_blocks(markdown: str) -> list:
    done = subprocess.run([pandoc_path(), "--sandbox", "-f", READER, "-t", "json"], input=markdown,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)["blocks"]


def _texts(blocks: list) -> list[str]:
    """Paragraph text, list-item text and table-cell text, in order."""
    found = []
    for block in blocks:
        if block["t"] in ("Para", "Plain"):
            found.append(_inline_text(block["c"]))
        elif block["t"] == "BulletList":
            for item in block["c"]:
                found.extend(_texts(item))
        elif block["t"] == "Table":
            for body in block["c"][4]:
                for row in body[3]:
                    for cell in row[1]:
                        found.extend(_texts(cell[4]))
        else:
            raise AssertionError(f"value became a {block['t']} block")
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(MARKUP), st.text(min_size=1, max_size=4)), min_size=1, max_size=12))
def test_escaped_values_read_back_as_the_same_plain_text(parts):
    value = "".join(parts)
    expected = _normalise(value)
    if not expected:
        return
    escaped = escape_text(value)
    markdown = f"{escaped}\n\n- {escaped}\n\n| a | b |\n|---|---|\n| {escaped} | x |\n"
    texts = _texts(_pandoc_blocks(markdown))
    assert [_normalise(t) for t in texts] == [expected, expected, expected, "x"]


def test_escaping_keeps_ordinary_text_readable():
    assert escape_text("Atelier Lumière SARL, 12 rue des Lilas") == "Atelier Lumière SARL, 12 rue des Lilas"
    assert escape_text("claire.martin@example.fr") == "claire.martin\\@example.fr"
    assert escape_text("Jean-Pierre") == "Jean-Pierre"


def test_subclauses_are_numbered_as_data():
    body = "## Prix\n\nTexte.\n\n##\n\nSans titre.\n\n##\n- a\n- b\n"
    numbered, count = number_subclauses(body, "3")
    assert count == 3
    assert "## 3.1 Prix" in numbered
    assert "**3.2**\u00a0Sans titre." in numbered
    assert "**3.3**\n\n- a" in numbered
    assert subclause_titles(body) == ["Prix", "", ""]


def test_a_level_one_heading_in_a_clause_is_refused():
    import pytest

    from clausier.markdown import StructureError

    with pytest.raises(StructureError) as caught:
        number_subclauses("Texte.\n\n# Titre\n", "2")
    assert caught.value.line == 3
