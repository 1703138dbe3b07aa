"""A redline a lawyer can accept: its tracked changes accept to the new text and reject to the
old one, word for word (issue 20, item 5), and its HTML and PDF say what changed in the
agreement's language (item 6).

The property test makes random word-level edits (insertions, deletions, replacements, next to
punctuation and at the start and end of paragraphs) on real clause paragraphs of the project's
library, builds the redline DOCX with `clausier diff` (real git, real pandoc) and the contract
DOCX of both versions, then reads `word/document.xml` as Word does after Accept all / Reject all.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from clausier.pipeline import render_outputs
from clausier.two_sides import diff_agreement
from clausier.repository import load_agreement, load_repository

from conftest import PROJECT, make_repo
from test_gitsource import commit_all, git

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FRONT = "---\ntitle: Responsabilité\nsummary: Responsabilité.\nguidance:\n  when: Always.\n  negotiation: Little.\n  risks: Some.\n---\n"
_MARKUP = re.compile(r"[`*_\[\]{}<>\\|#~$@&]|^\s*(?:[-+]|\d+[.)])\s")


def library_paragraphs() -> list[str]:
    """Plain prose paragraphs of the real clause library (no template code, no markup)."""
    found = []
    for path in sorted((PROJECT / "clauses").glob("*/fr.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        for block in body.split("\n\n"):
            text = " ".join(block.split())
            words = text.split(" ")
            if (len(words) >= 8 and not _MARKUP.search(text) and "{" not in text
                    and not re.match(r"^([-+]|\d+[.)])$", words[0]) and not any(w.startswith(("-", "+")) for w in words)):
                found.append(text)
    return found


PARAGRAPHS = library_paragraphs()
# Words a lawyer inserts: plain ones, with punctuation stuck to them, opening and closing.
INSERTED = ["ou", "financières", "commerciales,", "et", "(sauf", "faute)", "lourde.", "notamment", "«", "»",
            "l'autre", ":", ";", "Client", "jours,", "écrite"]


@st.composite
def edits(draw):
    """Old and new versions of one to three real paragraphs, with a few word-level edits."""
    count = draw(st.integers(1, 3))
    old = draw(st.lists(st.sampled_from(PARAGRAPHS), min_size=count, max_size=count, unique=True))
    new = []
    for paragraph in old:
        words = paragraph.split(" ")
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["insert", "delete", "replace"]))
            # the edges of the paragraph get as much attention as the middle
            where = draw(st.one_of(st.just(0), st.just(len(words) - 1), st.integers(0, len(words) - 1)))
            word = draw(st.sampled_from(INSERTED))
            if kind == "insert":
                words.insert(draw(st.sampled_from([where, where + 1])), word)
            elif kind == "delete" and len(words) > 2:
                del words[where]
            else:
                words[where] = word
        new.append(" ".join(words))
    return old, new


def paragraphs(document_xml: bytes, mode: str) -> list[str]:
    """The body's paragraphs as Word shows them after Accept all ("accept") or Reject all
    ("reject"): a paragraph whose mark is removed runs into the next one."""
    body = ET.fromstring(document_xml).find(f"{W}body")
    dropped = f"{W}del" if mode == "accept" else f"{W}ins"
    out, carried = [], ""

    def text(element) -> str:
        if element.tag == dropped or element.tag in (f"{W}pPr", f"{W}rPr"):
            return ""
        if element.tag in (f"{W}t", f"{W}delText"):
            return element.text or ""
        if element.tag == f"{W}tab":
            return "\t"
        if element.tag in (f"{W}br", f"{W}cr"):
            return "\n"
        return "".join(text(child) for child in element)

    for paragraph in body.iter(f"{W}p"):
        mark = paragraph.find(f"{W}pPr/{W}rPr/{dropped}")
        content = carried + text(paragraph)
        if mark is not None:
            carried = content
            continue
        carried = ""
        out.append(content)
    if carried:
        out.append(carried)
    return out


def docx_xml(docx: bytes) -> bytes:
    with zipfile.ZipFile(BytesIO(docx)) as archive:
        return archive.read("word/document.xml")


def contract_docx(repo: Path) -> bytes:
    library = load_repository(repo)
    return render_outputs(library, load_agreement(library, repo / "agreements/acme-fr.md"), ["docx"])[1]["docx"]


def set_liability(repo: Path, paragraphs_: list[str]) -> None:
    (repo / "clauses/liability/fr.md").write_text(FRONT + "\n\n".join(paragraphs_) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("accept") / "repo")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "first")
    return repo


def redline_docx(repo: Path, old: list[str], new: list[str], tmp: Path) -> tuple[bytes, bytes, bytes]:
    """The contract DOCX of the old and new text, and the redline between them (committed old,
    new in the working tree, as `clausier diff` compares them)."""
    set_liability(repo, old)
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "--allow-empty", "-m", "old")
    old_docx = contract_docx(repo)
    set_liability(repo, new)
    new_docx = contract_docx(repo)
    result = diff_agreement(repo, "acme-fr", base="HEAD", formats=["docx"], out=tmp)
    return old_docx, new_docx, result.outputs["docx"].read_bytes()


def test_the_issue_example_accepts_and_rejects_word_for_word(history, tmp_path):
    old = "Aucune Partie n'est responsable des pertes d'exploitation, pertes commerciales, et préjudices indirects."
    new = "Aucune Partie n'est responsable des pertes d'exploitation, pertes commerciales ou financières, et préjudices indirects."
    old_docx, new_docx, redline = redline_docx(history, [old], [new], tmp_path)
    accepted, rejected = paragraphs(docx_xml(redline), "accept"), paragraphs(docx_xml(redline), "reject")
    assert any("pertes commerciales ou financières, et préjudices" in p for p in accepted), accepted
    assert any("pertes commerciales, et préjudices" in p for p in rejected), rejected
    assert accepted == paragraphs(docx_xml(new_docx), "accept")
    assert rejected == paragraphs(docx_xml(old_docx), "accept")


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(change=edits())
def test_accept_all_gives_the_new_text_and_reject_all_the_old(history, tmp_path, change):
    old, new = change
    assume(not any(p.startswith(":") for p in new))  # `: text` after a paragraph is a definition list
    old_docx, new_docx, redline = redline_docx(history, old, new, tmp_path)
    document = docx_xml(redline)
    assert paragraphs(document, "accept") == paragraphs(docx_xml(new_docx), "accept")
    assert paragraphs(document, "reject") == paragraphs(docx_xml(old_docx), "accept")


# ---------------------------------------------------------------- item 6: HTML, legend, change bars

LONG = ("sauf en cas de faute lourde ou dolosive, de dommage corporel, de violation de la confidentialité ou des "
        "droits de propriété intellectuelle, ou de tout autre cas dans lequel la loi applicable interdit une "
        "telle limitation, ") * 2 + "et dans la limite du montant couvert"
FORGED = "Les [[zq41]{.underline}]{.redline-ins} et [souligné]{.underline} restent tels quels."


@pytest.fixture
def changed(repo):
    """A committed repository on main, then a working tree with a change that runs over
    several lines; an unchanged paragraph that forges the redline's own insertion span."""
    liability = repo / "clauses/liability/fr.md"
    liability.write_text(liability.read_text(encoding="utf-8") + "\n" + FORGED + "\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "first")
    liability.write_text(liability.read_text(encoding="utf-8").replace(
        "plafonnée au prix payé.", f"plafonnée au prix payé, {LONG}."), encoding="utf-8")
    return repo


def test_html_marks_changes_with_ins_and_del_and_content_cannot_forge_them(changed, tmp_path):
    result = diff_agreement(changed, "acme-fr", formats=["html"], out=tmp_path)
    html = result.outputs["html"].read_text(encoding="utf-8")
    assert "<del>La responsabilité du Prestataire est plafonnée au prix payé.</del>" in html
    assert re.search(r"<ins>La responsabilité du Prestataire est plafonnée au prix payé, sauf en cas de "
                     r"faute lourde[^<]*et dans la limite du montant couvert\.</ins>", html)
    body = html.split("<body", 1)[1]
    assert body.count("<u>") == 2  # only content's own underlines (below)
    # content's own span and underline are not insertions: the forged one is its words only
    assert "<ins>zq41</ins>" not in html and "redline-ins" not in html
    assert re.search(r"Les (<u>)?zq41(</u>)? et <u>souligné</u> restent", html)
    assert "Légende\u00a0: <ins>texte ajouté</ins> · <del>texte supprimé</del>" in html


def test_the_legend_speaks_the_agreement_language_only(changed, tmp_path):
    result = diff_agreement(changed, "acme-fr", formats=["html", "docx"], out=tmp_path)
    html = result.outputs["html"].read_text(encoding="utf-8")
    legend = html[html.index('id="redline-legend"') : html.index("</div>", html.index('id="redline-legend"'))]
    assert "(base commune avec main)" in legend and "version de référence" in legend
    with zipfile.ZipFile(result.outputs["docx"]) as archive:
        comment = archive.read("word/comments.xml").decode("utf-8")
    for text in (legend, comment):
        assert not re.search(r"merge base|working tree|inserted|deleted|changed|Key\b", text), text
    assert "(base commune avec main)" in comment
    assert result.base.label.endswith("(merge base with main)")  # the command line stays English


def _ppm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    parts = data.split(maxsplit=4)  # P6 width height maxval pixels
    assert parts[0] == b"P6" and parts[3] == b"255"
    return int(parts[1]), int(parts[2]), parts[4]


def _blue(pixels: bytes, width: int, x: int, y: int) -> bool:
    # the inserted colour (#1550a8), anti-aliased over white
    r, g, b = pixels[3 * (y * width + x) : 3 * (y * width + x) + 3]
    return b > 120 and b - r > 60 and b - g > 25


def test_the_pdf_change_bar_runs_beside_the_whole_change(changed, tmp_path):
    result = diff_agreement(changed, "acme-fr", formats=["pdf"], out=tmp_path)
    dpi = 100
    subprocess.run(["pdftoppm", "-r", str(dpi), str(result.outputs["pdf"]), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.ppm"))
    found = False
    for page in pages:
        width, height, pixels = _ppm(page)
        bar_x = range(int(1.2 / 2.54 * dpi), int(1.45 / 2.54 * dpi) + 1)  # the bar: 1.3 cm from the edge
        text_x = range(int(2.6 / 2.54 * dpi), width - int(2.6 / 2.54 * dpi))
        bar = [y for y in range(height) if any(_blue(pixels, width, x, y) for x in bar_x)]
        if not bar:
            continue
        text = {y for y in range(height) if sum(_blue(pixels, width, x, y) for x in text_x[::2]) > 3}
        # the bars' runs, and the blue (inserted) text lines beside each
        runs, start = [], bar[0]
        for before, after in zip(bar, bar[1:] + [None]):
            if after is None or after > before + 1:
                runs.append((start, before))
                start = after
        for top, bottom in runs:
            block, y = [], top
            while y < height and (y in text or any(t in text for t in range(y, y + 12))):  # lines 12 px apart at most
                block.append(y)
                y += 1
            if block and block[-1] - block[0] > 60:  # the multi-line change (4 lines and more)
                found = True
                assert bottom >= max(t for t in block if t in text) - 6, (page.name, top, bottom, block[-1])
    assert found, "no multi-line change found in the redline PDF"


# ---------------------------------------------------------------- Accept all / Reject all in LibreOffice

TRACK_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub Track(src As String, mode As String, out As String)
  Dim args(0) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(src), &quot;_blank&quot;, 0, args())
  If mode &lt;&gt; &quot;none&quot; Then
    dispatcher = createUnoService(&quot;com.sun.star.frame.DispatchHelper&quot;)
    dispatcher.executeDispatch(doc.CurrentController.Frame, &quot;.uno:&quot; &amp; mode, &quot;&quot;, 0, Array())
  End If
  Dim o(1) As New com.sun.star.beans.PropertyValue
  o(0).Name = &quot;FilterName&quot;
  o(0).Value = &quot;Text (encoded)&quot;
  o(1).Name = &quot;FilterOptions&quot;
  o(1).Value = &quot;UTF8,LF,,,&quot;
  doc.storeToURL(ConvertToURL(out), o())
  doc.close(True)
End Sub
</script:module>
"""


def libreoffice_text(profile: Path, source: Path, command: str, target: Path) -> str:
    """The text LibreOffice shows for a DOCX after running `command` on it (AcceptAllTrackedChanges,
    RejectAllTrackedChanges or none), saved as plain text."""
    call = f'macro:///Standard.Module1.Track("{source}","{command}","{target}")'
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", call],
                   check=True, capture_output=True, timeout=180)
    return target.read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_accepts_to_the_new_contract_and_rejects_to_the_old(history, tmp_path):
    old = ["Aucune Partie n'est responsable des pertes d'exploitation, pertes commerciales, et préjudices indirects.",
           "Le Client prononce la réception du Livrable, au prix de 30 jours.",
           "Le prix est fixe et « ferme » pour la durée."]
    new = ["Aucune Partie n'est responsable des pertes d'exploitation, pertes commerciales ou financières, et "
           "préjudices indirects.", "« Le Client prononce : la réception, au prix de 30 % jours ; ou",
           "Le prix est fixe pour la durée du contrat."]
    old_docx, new_docx, redline = redline_docx(history, old, new, tmp_path)
    for name, data in (("old.docx", old_docx), ("new.docx", new_docx), ("redline.docx", redline)):
        (tmp_path / name).write_bytes(data)
    profile = tmp_path / "profile"
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--terminate_after_init"],
                   check=True, capture_output=True, timeout=180)
    library = profile / "user/basic/Standard"
    library.mkdir(parents=True, exist_ok=True)
    (library / "Module1.xba").write_text(TRACK_MACRO, encoding="utf-8")
    texts = {name: libreoffice_text(profile, tmp_path / source, command, tmp_path / f"{name}.txt")
             for name, source, command in (("accepted", "redline.docx", "AcceptAllTrackedChanges"),
                                           ("rejected", "redline.docx", "RejectAllTrackedChanges"),
                                           ("new", "new.docx", "none"), ("old", "old.docx", "none"))}
    assert "pertes commerciales ou financières, et préjudices" in texts["accepted"]
    assert texts["accepted"] == texts["new"]
    assert texts["rejected"] == texts["old"]


def test_the_redline_docx_is_laid_out_like_the_contract(history, tmp_path):
    """A lawyer works in the redline DOCX as in the contract's: its signature block cannot split over
    two pages and its body text is not justified (docx_layout, as the build's DOCX)."""
    _, _, redline = redline_docx(history, ["Le prix est ferme."], ["Le prix est ferme et définitif."], tmp_path)
    document = zipfile.ZipFile(BytesIO(redline)).read("word/document.xml").decode("utf-8")
    signature_block = document[document.index('w:name="signatures"'):]
    table = signature_block[signature_block.index("<w:tbl>"):signature_block.index("</w:tbl>")]
    assert table.count("<w:cantSplit/>") == table.count("<w:tr>") > 0
    assert '<w:tblStyle w:val="SignatureTable"/>' in table
