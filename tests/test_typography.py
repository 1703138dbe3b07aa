"""Non-breaking spaces a reader expects, in the PDF, the Word file and the web page alike.

Clause writers type ordinary spaces: « le Contrat », « article 3 : Prix », 30 %, 12 000.
A line must never break there, and a French "1er" takes its ordinal as a superscript.
"""

from __future__ import annotations

import html
import re

from clausier.build import build

from conftest import write
from pdftext import docx_text, pdf_text

NBSP, NNBSP = "\u00a0", "\u202f"
TYPED = "Selon « le Contrat » : 30 % du prix ; 12 000 et 1 000 000 pages, 500 EUR HT ! Le 1er mois, la 1re fois ?"


def _outputs(repo, ident: str) -> dict[str, str]:
    folder = repo / "build" / ident
    page = html.unescape((folder / f"{ident}.html").read_text())
    return {
        "pdf": pdf_text(folder / f"{ident}.pdf"),
        "docx": docx_text(folder / f"{ident}.docx"),
        "html": re.sub(r"<sup>(.*?)</sup>", r"\1", page),
    }


def _add_sentence(repo, language: str) -> None:
    clause = repo / f"clauses/purpose/{language}.md"
    clause.write_text(clause.read_text() + "\n" + TYPED + "\n")


def test_french_text_gets_its_non_breaking_spaces_in_every_format(repo):
    _add_sentence(repo, "fr")
    report = build(repo, formats=["pdf", "docx", "html"])
    assert report.ok, [r.errors for r in report.failed]
    for fmt, text in _outputs(repo, "acme-fr").items():
        flat = re.sub(r"\s*\n\s*", " ", text)  # lines joined: a line break is not a space we typed
        assert f"«{NBSP}le Contrat{NBSP}»{NBSP}:" in flat, fmt
        assert f"30{NBSP}% du prix{NNBSP};" in flat, fmt
        assert f"12{NNBSP}000 et 1{NNBSP}000{NNBSP}000 pages" in flat, fmt
        assert f"500{NBSP}EUR HT{NNBSP}!" in flat and f"fois{NNBSP}?" in flat, fmt
        assert "Le 1er mois, la 1re fois" in flat, fmt  # the text reads the same...
    folder = repo / "build/acme-fr"
    assert "1<sup>er</sup> mois" in (folder / "acme-fr.html").read_text()  # ...with the ordinal raised


def test_english_text_keeps_its_punctuation_but_not_its_numbers_apart(repo):
    _add_sentence(repo, "en")
    write(repo, "agreements/acme-en.md",
          (repo / "agreements/acme-fr.md").read_text().replace("language: fr", "language: en"))
    report = build(repo, formats=["pdf", "docx", "html"], paths=[repo / "agreements/acme-en.md"])
    assert report.ok, [r.errors for r in report.failed]
    for fmt, text in _outputs(repo, "acme-en").items():
        flat = re.sub(r"\s*\n\s*", " ", text)
        assert "« le Contrat » : 30" in flat, fmt  # English sets no space rules around these
        assert f"30{NBSP}% du prix ;" in flat and f"12{NNBSP}000 et" in flat, fmt
        assert f"500{NBSP}EUR HT !" in flat, fmt
    assert "<sup>" not in (repo / "build/acme-en/acme-en.html").read_text()


def test_a_french_title_gets_its_spaces_too(repo):
    """The title is metadata, not body text: the style gives it the same spaces."""
    template = repo / "templates/mini.md.j2"
    text = template.read_text()
    assert "title: {fr: Contrat de prestation de services," in text
    template.write_text(text.replace("title: {fr: Contrat de prestation de services,", "title: {fr: 'Contrat : prestations',"))
    report = build(repo, formats=["pdf"])
    assert report.ok, [r.errors for r in report.failed]
    assert f"Contrat{NBSP}: prestations" in pdf_text(repo / "build/acme-fr/acme-fr.pdf")


CHECK_SCRIPT = """
local typography = dofile(arg[1])
local reader = arg[2]
local missed = {}
for text in io.read("a"):gmatch("(.-)\\0") do
  for _, lang in ipairs({"fr", "en"}) do
    local doc = pandoc.read(text, reader)
    doc.meta.lang = lang
    local after = typography.apply(doc)
    if not typography.may_change(text) and pandoc.write(after, "native") ~= pandoc.write(doc, "native") then
      missed[#missed + 1] = text
    end
  end
end
io.write(table.concat(missed, "\\0"))
"""


def test_texts_the_batch_converter_skips_are_texts_the_filter_leaves_alone(tmp_path):
    """batch.lua skips the (dear) filter walk for text with no candidate for a no-break space;
    a thousand random texts made of exactly those characters show the skip loses nothing."""
    import random
    import subprocess

    from clausier.render import READER, TYPOGRAPHY, pandoc_path

    rng = random.Random(20261126)
    pieces = ["1", "2", "000", "12", " ", "  ", "\n", "«", "»", ":", ";", "!", "?", "€", "%", "$", "£", "EUR", "HT",
              "TTC", "1er", "1re", "er", "*", "**", "\\", "&#58;", "&nbsp;", "x", "mot", "-", ",", ".", "'"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(1200)]
    script = tmp_path / "check.lua"
    script.write_text(CHECK_SCRIPT)
    done = subprocess.run([pandoc_path(), "lua", str(script), str(TYPOGRAPHY), READER],
                          input="".join(t + "\0" for t in texts), capture_output=True, text=True, check=True)
    missed = [t for t in done.stdout.split("\0") if t]
    assert not missed, missed[:5]
