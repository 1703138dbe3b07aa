"""What Word marks as a field, made visible to pandoc: a pre-processed copy of the package.

pandoc reads a content control (w:sdt) as its text, Word's grey prompt ("Click or tap here to
enter text.") included, and a highlighted run as plain text. Both are how a Word template marks
what each contract fills in, so before pandoc reads the file they become bracketed text,
"[Customer Name]", which the placeholder step turns into a key term:

- a content control becomes "[its title]" (w:alias), else "[its tag]", else "[its prompt]" when
  the prompt is not Word's generic one, else "[Field N]"; a value typed into it is reported,
  since the bracket replaces it. Controls that are not fields (a cover-page or table-of-contents
  gallery, a block of text already filled in without a name) are left to pandoc;
- adjacent highlighted runs become one "[…]"; a highlighted passage longer than a field (a
  drafting note) stays text and is reported.

Only the copy pandoc reads changes (never the user's file); the body, footnotes and endnotes
are treated, each place reported by paragraph as the report counts them. Word's automatic
numbering stays with pandoc, which reads w:numPr lists (direct or through a paragraph style) as
nested ordered lists; a level whose text carries a word ("Article %1") is reported, since only
the number reaches pandoc.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from .guards import ImportRefused, safe_xml

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
# Word's own prompts in a control nobody named: no label to take from them.
GENERIC_PROMPT = re.compile(r"^\s*(click|tap|choose|select|enter|type|cliquez|appuyez|choisissez|entrez|tapez|"
                            r"s[ée]lectionnez)\b", re.I)
NOT_FIELDS = ("docPartObj", "docPartList", "bibliography", "citation", "equation", "group", "picture")
MAX_FIELD_WORDS = 8  # a longer highlighted passage is a drafting note, not a blank
META_STYLES = {"Title", "Subtitle", "Author", "Date", "Abstract"}  # pandoc moves these to the metadata


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


@dataclass
class Prepared:
    """The package pandoc reads, and what became a placeholder or needs a look (place, message)."""

    data: bytes
    notes: list[tuple[int, str]] = field(default_factory=list)
    controls: int = 0
    highlights: int = 0
    at: dict[tuple[str, str], int] = field(default_factory=dict)  # (footnote|endnote|num, id) → paragraph


def prepare_docx(data: bytes, shown: str) -> Prepared:
    """`data` (a .docx the guards passed) with its fields as "[Label]" text."""
    prepared = Prepared(data)
    package = zipfile.ZipFile(io.BytesIO(data))
    names = set(package.namelist())
    changed: dict[str, bytes] = {}
    styles = _style_numbers(package, names, shown)
    for part in PARTS:
        if part not in names:
            continue
        root = _parse(package, part, shown)
        pass_ = _Pass(prepared, part, styles)
        pass_.run(root)
        if pass_.changed:
            changed[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    _numbering_words(package, names, shown, prepared)
    if changed:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in package.infolist():
                target.writestr(info.filename, changed.get(info.filename) or package.read(info.filename))
        prepared.data = out.getvalue()
    return prepared


def _parse(package: zipfile.ZipFile, name: str, shown: str):
    try:
        return etree.fromstring(package.read(name), safe_xml())
    except (etree.XMLSyntaxError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ImportRefused(shown, f"damaged file: {name} cannot be read ({exc})") from None


def _text(element) -> str:
    return "".join(t.text or "" for t in element.iter(_w("t")))


class _Pass:
    def __init__(self, prepared: Prepared, part: str, styles: dict[str, str]):
        self.prepared, self.part, self.styles = prepared, part, styles
        self.changed = False
        self.paragraph = 0  # as the report counts: pandoc's blocks (non-empty paragraphs, a table as one)
        self.kind = "footnote" if "foot" in part else "endnote"
        self.note_id = ""
        self.unnamed = 0

    def note(self, message: str) -> None:
        if self.part == PARTS[0]:
            self.prepared.notes.append((self.paragraph, message))
        else:  # a note's place is the paragraph that calls it
            where = self.prepared.at.get((self.kind, self.note_id), 0)
            self.prepared.notes.append((where, f"{message} (in its {self.kind})"))

    def run(self, root) -> None:
        if self.part == PARTS[0]:
            body = root.find(_w("body"))
            self.blocks(body if body is not None else root)
        else:
            for note in root:
                if note.get(_w("type")) in (None, "normal"):
                    self.note_id = note.get(_w("id"), "")
                    self.blocks(note)

    def blocks(self, parent) -> None:
        for child in list(parent):
            tag = etree.QName(child).localname
            if tag == "p":
                self.paragraph_(child)
            elif tag == "tbl":
                self.paragraph += 1
                for cell_paragraph in child.iter(_w("p")):
                    self.fields(cell_paragraph)
            elif tag == "sdt":
                if not self.block_control(child):
                    content = child.find(_w("sdtContent"))
                    if content is not None:
                        self.blocks(content)

    def paragraph_(self, paragraph) -> None:
        style = paragraph.find(f"{_w('pPr')}/{_w('pStyle')}")
        if (style is None or style.get(_w("val")) not in META_STYLES) and _text(paragraph).strip():
            self.paragraph += 1
        if self.part == PARTS[0]:
            number = paragraph.find(f"{_w('pPr')}/{_w('numPr')}/{_w('numId')}")
            number = number.get(_w("val")) if number is not None else self.styles.get(
                style.get(_w("val")) if style is not None else "")
            if number:
                self.prepared.at.setdefault(("num", number), self.paragraph)
            for kind in ("footnote", "endnote"):
                for reference in paragraph.iter(_w(kind + "Reference")):
                    self.prepared.at[(kind, reference.get(_w("id"), ""))] = self.paragraph
        self.fields(paragraph)

    def fields(self, paragraph) -> None:
        for control in reversed(list(paragraph.iter(_w("sdt")))):  # innermost first
            content = control.find(_w("sdtContent"))
            if content is not None and content.find(_w("p")) is None:
                self.inline_control(control, content)
        self.highlights(paragraph)

    # ---------------------------------------------------------------- content controls

    def label(self, control, content) -> tuple[str | None, str]:
        """(label, the value typed into it or ''); None when it is no field."""
        props = control.find(_w("sdtPr"))
        props = props if props is not None else etree.Element(_w("sdtPr"))
        if any(props.find(_w(kind)) is not None for kind in NOT_FIELDS):
            return None, ""
        showing_prompt = props.find(_w("showingPlcHdr")) is not None
        text = " ".join(_text(content).split())
        value = "" if showing_prompt else text
        for name in (_w("alias"), _w("tag")):
            found = props.find(name)
            if found is not None and (found.get(_w("val")) or "").strip():
                label = found.get(_w("val")).strip()
                return (label.replace("_", " ") if name == _w("tag") and " " not in label else label), value
        checkbox = props.find(f"{{{W14}}}checkbox") is not None
        if value and not checkbox:
            return None, ""  # filled in, nameless: ordinary text
        if showing_prompt and text and not GENERIC_PROMPT.match(text) and len(text.split()) <= MAX_FIELD_WORDS:
            return text.strip("[]").strip() or None, ""
        self.unnamed += 1
        label = f"Field {self.unnamed}"
        self.note(f"a content control with no title or tag became [{label}]: rename the key term")
        return label, value

    def inline_control(self, control, content) -> None:
        label, value = self.label(control, content)
        if label is None:
            return
        first = content.find(f".//{_w('r')}")
        replacement = etree.Element(_w("r"))
        props = first.find(_w("rPr")) if first is not None else None
        if props is not None:
            props = copy.deepcopy(props)
            for mark in list(props):
                if etree.QName(mark).localname in ("highlight", "shd", "rStyle", "color"):
                    props.remove(mark)
            replacement.append(props)
        text = etree.SubElement(replacement, _w("t"))
        text.text = f"[{label}]"
        control.getparent().replace(control, replacement)
        self.found_control(label, value)

    def block_control(self, control) -> bool:
        """A control around whole paragraphs: one "[Label]" paragraph when it only shows its prompt."""
        content = control.find(_w("sdtContent"))
        props = control.find(_w("sdtPr"))
        if content is None or props is None or props.find(_w("showingPlcHdr")) is None:
            return False
        label, value = self.label(control, content)
        if label is None:
            return False
        first = content.find(_w("p"))
        paragraph = etree.Element(_w("p"))
        if first is not None and first.find(_w("pPr")) is not None:
            paragraph.append(copy.deepcopy(first.find(_w("pPr"))))
        etree.SubElement(etree.SubElement(paragraph, _w("r")), _w("t")).text = f"[{label}]"
        control.getparent().replace(control, paragraph)
        self.paragraph += 1
        self.found_control(label, value)
        return True

    def found_control(self, label: str, value: str) -> None:
        self.changed = True
        self.prepared.controls += 1
        if value:
            self.note(f"the content control [{label}] held {value[:60]!r}: imported as the placeholder [{label}], "
                      "give that value in the example agreement")

    # ---------------------------------------------------------------- highlighted runs

    def highlights(self, paragraph) -> None:
        runs = [r for r in paragraph.iter(_w("r")) if r.getparent().tag != _w("sdtContent")]
        group: list = []
        for run in runs + [None]:
            marked = run is not None and _highlighted(run)
            if marked:
                group.append(run)
                continue
            if run is not None and not _text(run).strip() and group:
                continue  # a space or a footnote mark between two highlighted runs does not split them
            if group:
                self.bracket(group)
            group = []

    def bracket(self, group: list) -> None:
        texts = [t for run in group for t in run.iter(_w("t"))]
        whole = "".join(t.text or "" for t in texts)
        for run in group:
            for mark in run.iter(_w("highlight")):
                mark.getparent().remove(mark)
        self.changed = True
        words = whole.split()
        if not words or (whole.strip().startswith("[") and whole.strip().endswith("]")):
            return
        if len(words) > MAX_FIELD_WORDS:
            self.note(f"a highlighted passage is kept as text, too long for a blank: {' '.join(words)[:60]!r}")
            return
        first = next(t for t in texts if (t.text or "").strip())
        last = next(t for t in reversed(texts) if (t.text or "").strip())
        lead = len(first.text) - len(first.text.lstrip())
        first.text = first.text[:lead] + "[" + first.text[lead:]
        trail = len(last.text.rstrip())
        last.text = last.text[:trail] + "]" + last.text[trail:]
        for t in (first, last):
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        self.prepared.highlights += 1


def _highlighted(run) -> bool:
    mark = run.find(f"{_w('rPr')}/{_w('highlight')}")
    return mark is not None and mark.get(_w("val"), "none") != "none" and bool(_text(run))


# ---------------------------------------------------------------- numbering words


def _style_numbers(package: zipfile.ZipFile, names: set[str], shown: str) -> dict[str, str]:
    """Paragraph style id → the list (numId) it numbers with, for lists set through a style."""
    if "word/styles.xml" not in names:
        return {}
    found = {}
    for style in _parse(package, "word/styles.xml", shown).iter(_w("style")):
        number = style.find(f"{_w('pPr')}/{_w('numPr')}/{_w('numId')}")
        if number is not None and style.get(_w("styleId")):
            found[style.get(_w("styleId"))] = number.get(_w("val"), "")
    return found


def _numbering_words(package: zipfile.ZipFile, names: set[str], shown: str, prepared: Prepared) -> None:
    """Report a used list level whose text carries words ("Article %1 —"): pandoc keeps the number."""
    if "word/numbering.xml" not in names:
        return
    numbering = _parse(package, "word/numbering.xml", shown)
    abstract = {a.get(_w("abstractNumId")): a for a in numbering.iter(_w("abstractNum"))}
    seen = set()
    for num in numbering.iter(_w("num")):
        where = prepared.at.get(("num", num.get(_w("numId"), "")))
        if where is None:
            continue
        base = num.find(_w("abstractNumId"))
        levels = abstract.get(base.get(_w("val")) if base is not None else None)
        for level in (levels.iter(_w("lvl")) if levels is not None else ()):
            text = level.find(_w("lvlText"))
            printed = text.get(_w("val"), "") if text is not None else ""
            words = re.sub(r"%\d", "", printed)
            if re.search(r"[^\W\d_]{2,}", words) and printed not in seen:
                seen.add(printed)
                prepared.notes.append((where, f"Word's automatic numbering prints {printed!r} at list level "
                                       f"{int(level.get(_w('ilvl'), '0')) + 1}; only the number was imported: "
                                       "put the word in the template's `numbering:` (article `word`, `heading`)"))
