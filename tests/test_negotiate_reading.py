"""`clausier negotiate`, items 1 and 2 of issue 25: every DOCX we build says which agreement and
commit it is (custom document properties); a returned file's tracked changes, comments and
untracked edits are read, each in its article. The client's edits are scripted into our own
built DOCX with lxml, the way Word writes them (runs split, ids per piece)."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from clausier.build import build
from clausier.negotiate.identity import WORKING_TREE, NotOurs, open_docx, read_identity
from clausier.negotiate.reading import normalise, read_returned
from clausier.negotiate.sent import rebuild
from conftest import make_repo

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_ = f"{{{W}}}"
DOCX = "build/acme-fr/acme-fr.docx"
WHEN = "2026-12-10T09:00:00Z"


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("negotiate") / "repo")
    (root / ".gitignore").write_text("build/\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "library")
    report = build(root, formats=["docx", "md"], simple=True)
    assert report.ok, [r.errors for r in report.results]
    return root


def _properties(path: Path) -> dict[str, str]:
    with open_docx(path) as archive:
        found = read_identity(archive, path)
    return {"agreement": found.agreement, "commit": found.commit, "sha256": found.sha256}


# ------------------------------------------------------------------------- 1. the properties


def test_every_docx_names_its_agreement_commit_and_text(library):
    path = library / DOCX
    markdown = (library / "build/acme-fr/acme-fr.md").read_bytes()
    assert _properties(path) == {"agreement": "agreements/acme-fr.md", "commit": _git(library, "rev-parse", "HEAD"),
                                 "sha256": hashlib.sha256(markdown).hexdigest()}
    with zipfile.ZipFile(path) as archive:  # declared as Word expects: a content type and a package relationship
        types, rels = archive.read("[Content_Types].xml"), archive.read("_rels/.rels")
    assert b'PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.' \
           b'custom-properties+xml"' in types
    assert b'relationships/custom-properties" Target="docProps/custom.xml"' in rels
    assert docx.Document(str(path)).paragraphs  # python-docx opens it


def test_an_edited_input_is_the_working_tree_and_two_builds_are_the_same_bytes(library, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(library, root)
    build(root, formats=["docx"], out=tmp_path / "again", simple=True)
    assert (tmp_path / "again/acme-fr/acme-fr.docx").read_bytes() == (library / DOCX).read_bytes()
    with open(root / "clauses/liability/clause.yml", "a") as handle:
        handle.write("# reviewed\n")
    build(root, formats=["docx"], out=tmp_path / "edited", simple=True)
    assert _properties(tmp_path / "edited/acme-fr/acme-fr.docx")["commit"] == WORKING_TREE


# --------------------------------------------------------------------- 2. the client's edits


def _run(text: str, tag: str = "t") -> etree._Element:
    run = etree.Element(_ + "r")
    element = etree.SubElement(run, _ + tag)
    element.text = text
    element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


def _tracked(kind: str, pieces: list[str], ident: int, author: str = "Claire Martin") -> list:
    """One change as Word writes it after edits: one w:ins/w:del per piece, each with its own id."""
    out = []
    for number, piece in enumerate(pieces):
        wrapper = etree.Element(_ + kind, {_ + "id": str(ident + number), _ + "author": author, _ + "date": WHEN})
        wrapper.append(_run(piece, "delText" if kind in ("del", "moveFrom") else "t"))
        out.append(wrapper)
    return out


def _paragraph(body, starts: str):
    return next(p for p in body.iter(_ + "p")
                if normalise("".join(t.text or "" for t in p.iter(_ + "t"))).startswith(normalise(starts)))


def _rewrite(paragraph, *content) -> None:
    """The paragraph's runs replaced by `content` (strings are plain runs), its properties kept."""
    for child in list(paragraph):
        if child.tag != _ + "pPr":
            paragraph.remove(child)
    for item in content:
        for element in (item if isinstance(item, list) else [_run(item)] if isinstance(item, str) else [item]):
            paragraph.append(element)


def _edited(source: Path, target: Path, edit) -> Path:
    with zipfile.ZipFile(source) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    root = etree.fromstring(parts["word/document.xml"])
    comments = etree.fromstring(parts["word/comments.xml"])
    edit(root.find(_ + "body"), comments)
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts["word/comments.xml"] = etree.tostring(comments, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return target


def _comment(comments, ident: str, text: str, author: str = "Claire Martin") -> None:
    comment = etree.SubElement(comments, _ + "comment", {_ + "id": ident, _ + "author": author, _ + "date": WHEN})
    etree.SubElement(etree.SubElement(comment, _ + "p"), _ + "r").append(_run(text)[0])


def _client_edits(body, comments) -> None:
    # termination: 30 → 45 days, tracked, the old and new words split over runs, with its reason
    termination = _paragraph(body, "5.1 En cas")
    start, end = etree.Element(_ + "commentRangeStart", {_ + "id": "7"}), etree.Element(_ + "commentRangeEnd",
                                                                                         {_ + "id": "7"})
    _rewrite(termination, "5.1 En cas de manquement, la Partie lésée peut résilier après une mise en demeure ",
             "restée sans effet pendant ", start, _tracked("del", ["3", "0"], 100), _tracked("ins", ["4", "5"], 110),
             end, " jours.")
    _comment(comments, "7", "Nos cycles de validation prennent six semaines.")
    # purpose: a sentence inserted
    purpose = _paragraph(body, "Le présent contrat")
    text = "".join(t.text for t in purpose.iter(_ + "t"))
    _rewrite(purpose, text, _tracked("ins", [" Le Client désigne un interlocuteur unique."], 120))
    # non-solicitation: its sentence deleted; moved to special conditions (Word's moveFrom/moveTo)
    _rewrite(_paragraph(body, "Aucune Partie"), _tracked("del", ["Aucune Partie ne débauche ", "le personnel de l’autre."], 130))
    _rewrite(_paragraph(body, "5.2 Les articles"), _tracked("moveFrom", ["5.2 Les articles survivent."], 140))
    special = _paragraph(body, "Le Prestataire assure")
    _rewrite(special, "Le Prestataire assure une formation d’une demi-journée.",
             _tracked("moveTo", [" 5.2 Les articles survivent."], 150))
    # liability: a word put in bold, tracked as a formatting change
    liability = _paragraph(body, "La responsabilité")
    bold = _run("plafonnée")
    properties = etree.Element(_ + "rPr")
    etree.SubElement(properties, _ + "b")
    change = etree.SubElement(properties, _ + "rPrChange", {_ + "id": "160", _ + "author": "Claire Martin",
                                                            _ + "date": WHEN})
    etree.SubElement(change, _ + "rPr")
    bold.insert(0, properties)
    _rewrite(liability, "La responsabilité du Prestataire est ", bold, " au prix payé.")
    # fees: the price retyped with tracking off (its typography changed too: no edit)
    price = _paragraph(body, "Le prix est")
    _rewrite(price, "Le prix est de 12\u202f000,00 € hors taxes, soit dix mille euros.")
    # a heading renamed with tracking off, and a comment on words with no change
    _rewrite(_paragraph(body, "Article 3 — Responsabilité"), "Article 3 — Limitation de responsabilité")
    _rewrite(_paragraph(body, "Il a été convenu"), etree.Element(_ + "commentRangeStart", {_ + "id": "8"}),
             "Il a été convenu ce qui suit.", etree.Element(_ + "commentRangeEnd", {_ + "id": "8"}))
    _comment(comments, "8", "À relire par notre juriste.", author="Paul Durand")


def test_every_client_edit_is_read_in_its_article(library, tmp_path):
    returned = _edited(library / DOCX, tmp_path / "retour.docx", _client_edits)
    identity, _ = read_returned(returned)
    sent = rebuild(library, identity)
    assert sent.matches and sent.commit == identity.commit
    _, changes = read_returned(returned, sent.paragraphs, agreement="agreements/acme-fr.md")
    found = [(c.kind, c.article, c.old_text, c.new_text, c.author, c.comment) for c in changes]
    assert found == [
        ("comment", None, "Il a été convenu ce qui suit.", "", "Paul Durand", "À relire par notre juriste."),
        ("insert", "purpose", "", " Le Client désigne un interlocuteur unique.", "Claire Martin", ""),
        ("untracked", "fees", "douze", "dix", "", ""),
        ("untracked", "liability", "Responsabilité", "Limitation de responsabilité", "", ""),
        ("format", "liability", "plafonnée", "plafonnée", "Claire Martin", ""),
        ("delete", "non-solicitation", "Aucune Partie ne débauche le personnel de l’autre.", "", "Claire Martin", ""),
        ("replace", "termination", "30", "45", "Claire Martin", "Nos cycles de validation prennent six semaines."),
        ("move", "special-conditions", " 5.2 Les articles survivent.", " 5.2 Les articles survivent.",
         "Claire Martin", ""),
    ]
    by_kind = {c.kind: c for c in changes}
    assert by_kind["move"].origin == "termination"
    assert by_kind["replace"].date == WHEN and by_kind["replace"].tracked
    assert by_kind["replace"].context.endswith("pendant 45 jours.")
    assert by_kind["replace"].sent_paragraph.endswith("pendant 30 jours.")
    price = next(c for c in changes if c.kind == "untracked")
    assert price.tracked is False and price.sent_paragraph.startswith("Le prix est de 12")
    heading = next(c for c in changes if c.new_text.startswith("Limitation"))
    assert heading.style == "Heading1"
    assert by_kind["comment"].region == "parties"


def test_a_file_not_ours_is_refused_with_its_reason(library, tmp_path):
    text = tmp_path / "notes.docx"
    text.write_text("not a zip")
    with pytest.raises(NotOurs, match="notes.docx: not a DOCX"):
        read_returned(text)
    bare = tmp_path / "bare.docx"
    with zipfile.ZipFile(library / DOCX) as source, zipfile.ZipFile(bare, "w") as target:
        for info in source.infolist():
            if info.filename != "docProps/custom.xml":
                target.writestr(info, source.read(info))
    with pytest.raises(NotOurs, match="bare.docx: no custom document properties .* --base REV"):
        read_returned(bare)
    with pytest.raises(NotOurs, match="is agreements/acme-fr.md, not agreements/other.md"):
        read_returned(library / DOCX, agreement="agreements/other.md")


def test_typography_is_not_an_edit():
    assert normalise("« 20\u202f000 € »  l’article") == normalise('"20,000 €" l\'article') == '"20000 €" l\'article'


# --------------------------------------------------------------------- a LibreOffice round trip


def test_libreoffice_keeps_the_properties_and_the_articles(library, tmp_path):
    """DOCX → ODT → DOCX in LibreOffice: the properties survive, every article's bookmark too
    (LibreOffice moves it into the heading's paragraph), and the text reads as sent."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    profile = f"-env:UserInstallation=file://{tmp_path}/profile"
    shutil.copy(library / DOCX, tmp_path / "sent.docx")
    for target, source, folder in (("odt", "sent.docx", "."), ('docx:MS Word 2007 XML', "sent.odt", "back")):
        subprocess.run([soffice, profile, "--headless", "--convert-to", target, "--outdir", str(tmp_path / folder),
                        str(tmp_path / source)], check=True, capture_output=True, timeout=240)
    returned = tmp_path / "back/sent.docx"
    assert _properties(returned) == _properties(library / DOCX)
    identity, _ = read_returned(returned)
    sent = rebuild(library, identity)
    _, changes = read_returned(returned, sent.paragraphs)
    assert changes == []
