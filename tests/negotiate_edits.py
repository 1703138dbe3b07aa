"""Client edits scripted into one of our DOCX files, as Word writes them."""
import io, zipfile
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{%s}" % W


def _el(tag, text=None, **attrs):
    element = etree.Element(_W + tag)
    for key, value in attrs.items():
        element.set(_W + key, value)
    if text is not None:
        element.text = text
        element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return element


class Returned:
    def __init__(self, data: bytes):
        self.parts = {}
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.names = archive.namelist()
            self.parts = {name: archive.read(name) for name in self.names}
        self.document = etree.fromstring(self.parts["word/document.xml"])
        self.ids = 900

    def paragraph(self, start: str):
        for p in self.document.iter(_W + "p"):
            text = "".join(t.text or "" for t in p.iter(_W + "t"))
            if text.replace("\u00a0", " ").replace("\u202f", " ").startswith(start):
                return p
        raise AssertionError(f"no paragraph starts with {start!r}")

    def _split(self, p, old: str):
        """The run holding `old` split in three: (before, the run with old, after)."""
        for run in p.iter(_W + "r"):
            t = run.find(_W + "t")
            if t is not None and t.text and old in t.text.replace("\u00a0", " ").replace("\u202f", " "):
                plain = t.text.replace("\u00a0", " ").replace("\u202f", " ")
                at = plain.index(old)
                before, middle, after = t.text[:at], t.text[at:at + len(old)], t.text[at + len(old):]
                parent, index = run.getparent(), run.getparent().index(run)
                pieces = []
                for text in (before, middle, after):
                    copy = etree.fromstring(etree.tostring(run))
                    copy.find(_W + "t").text = text
                    copy.find(_W + "t").set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                    pieces.append(copy)
                parent.remove(run)
                for offset, piece in enumerate(pieces):
                    parent.insert(index + offset, piece)
                return pieces
        raise AssertionError(f"{old!r} is not within one run")

    def _mark(self, kind, author, date):
        self.ids += 1
        return _el(kind, id=str(self.ids), author=author, date=date)

    def replace(self, start, old, new, author="Claire Martin", date="2026-12-03T10:00:00Z", tracked=True):
        p = self.paragraph(start)
        before, middle, after = self._split(p, old)
        if not tracked:
            middle.find(_W + "t").text = new
            return
        deleted = self._mark("del", author, date)
        t = middle.find(_W + "t")
        t.tag = _W + "delText"
        middle.addprevious(deleted)
        deleted.append(middle)
        inserted = self._mark("ins", author, date)
        run = etree.fromstring(etree.tostring(middle))
        run.find(_W + "delText").tag = _W + "t"
        run.find(_W + "t").text = new
        inserted.append(run)
        deleted.addnext(inserted)

    def insert(self, start, after_text, new, author="Claire Martin", date="2026-12-03T10:00:00Z"):
        p = self.paragraph(start)
        before, middle, after = self._split(p, after_text)
        inserted = self._mark("ins", author, date)
        run = etree.fromstring(etree.tostring(middle))
        run.find(_W + "t").text = new
        inserted.append(run)
        middle.addnext(inserted)

    def bytes(self) -> bytes:
        self.parts["word/document.xml"] = etree.tostring(self.document, xml_declaration=True, encoding="UTF-8", standalone=True)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in self.names:
                archive.writestr(name, self.parts[name])
        return buffer.getvalue()
