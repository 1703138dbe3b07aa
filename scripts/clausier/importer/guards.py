"""The file to import, read once and judged before pandoc sees it.

A Word or OpenDocument file is a zip: its central directory is read (a truncated or damaged file
fails there), the sizes it declares are checked (a zip bomb declares gigabytes, or a ratio no
text reaches) before anything is inflated, and what it must hold is checked (a `.docm` renamed
`.docx` still carries vbaProject.bin). A password-protected Word file is an OLE compound file,
not a zip: refused by its first bytes. Images linked from outside the file are refused by their
relationship, since pandoc would fetch nothing (--sandbox) and the import would lose them
silently.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import ClausierError, visible

MAX_SOURCE_BYTES = 50 * 1024 * 1024
MAX_INFLATED_BYTES = 200 * 1024 * 1024  # the sum of what the members declare
MAX_RATIO = 200  # inflated / compressed, for any member over RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
MAX_MEMBERS = 5000
KINDS = {".docx": "docx", ".odt": "odt", ".md": "markdown", ".markdown": "markdown",
         ".html": "html", ".htm": "html"}
MACRO_SUFFIXES = {".docm", ".dotm", ".odm"}
OLD_BINARY = {".doc": "Word 97-2003", ".rtf": "RTF", ".pdf": "PDF", ".pages": "Pages"}
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ODT_MIME = b"application/vnd.oasis.opendocument.text"
_IMAGE_REL = "/relationships/image"
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_XLINK = "{http://www.w3.org/1999/xlink}href"


def safe_xml() -> etree.XMLParser:
    """The parser for the package's XML: no entities, no DTD, no network, no huge trees."""
    return _SAFE_XML


class ImportRefused(ClausierError):
    """The file cannot be imported (or the import cannot be written): one line naming the file."""

    def __init__(self, shown: str, reason: str):
        self.shown, self.reason = shown, reason
        super().__init__(f"{visible(shown)}: error: {visible(reason)}")


@dataclass(frozen=True)
class Source:
    """The file's bytes, what it is (docx, odt, markdown, html) and its name as messages show it."""

    data: bytes
    kind: str
    shown: str


def read_source(path: Path) -> Source:
    """The file's bytes after every check, or ImportRefused naming it and the reason."""
    shown = str(path)
    suffix = path.suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise ImportRefused(shown, "a document with macros is not imported; save it as a plain .docx (or .odt) "
                            "without macros and import that")
    if suffix in OLD_BINARY:
        raise ImportRefused(shown, f"a {OLD_BINARY[suffix]} file is not imported; save it as .docx (or .odt) first")
    if suffix not in KINDS:
        raise ImportRefused(shown, f"unknown kind of file {suffix or '(no extension)'!r}; import a .docx, .odt, "
                            ".md or .html file")
    data = _read_regular(path, shown)
    kind = KINDS[suffix]
    if data.startswith(OLE_MAGIC):
        raise ImportRefused(shown, "this is not a Word .docx file but an OLE compound file: a password-protected "
                            "(encrypted) document or an old binary .doc; remove the password or save it as .docx")
    if kind in ("docx", "odt"):
        _check_package(data, kind, shown)
    elif b"\x00" in data:
        raise ImportRefused(shown, f"not a text file (it holds NUL bytes), so not {kind}")
    return Source(data, kind, shown)


def _read_regular(path: Path, shown: str) -> bytes:
    """A regular file's bytes, the last link of its path not followed, at most MAX_SOURCE_BYTES."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        reason = "is a symbolic link; import the file it points to" if os.path.islink(path) else exc.strerror
        raise ImportRefused(shown, f"cannot open: {reason}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ImportRefused(shown, "not a regular file")
        if info.st_size > MAX_SOURCE_BYTES:
            raise ImportRefused(shown, f"{info.st_size} bytes: larger than the {MAX_SOURCE_BYTES // 2**20} MB "
                                "an import reads")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_SOURCE_BYTES:
        raise ImportRefused(shown, "grew past the size an import reads while it was read")
    return data


def _check_package(data: bytes, kind: str, shown: str) -> None:
    name = "Word (.docx)" if kind == "docx" else "OpenDocument (.odt)"
    expected = ("a " if kind == "docx" else "an ") + name
    if not data.startswith(b"PK"):
        raise ImportRefused(shown, f"not {expected} file: it is not a zip package (renamed from another kind?)")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ImportRefused(shown, f"damaged or truncated {name} file ({exc}); save it again from its "
                            "editor") from None
    _check_sizes(members, shown)
    names = {member.filename for member in members}
    if kind == "docx":
        _check_docx(package, names, shown)
    else:
        _check_odt(package, names, shown)
    try:  # every member's CRC: a truncated member inside a whole directory fails here
        broken = package.testzip()
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise ImportRefused(shown, f"damaged {name} file ({exc})") from None
    if broken is not None:
        raise ImportRefused(shown, f"damaged {name} file: member {broken!r} fails its checksum")


def _check_sizes(members: list[zipfile.ZipInfo], shown: str) -> None:
    if len(members) > MAX_MEMBERS:
        raise ImportRefused(shown, f"the package holds {len(members)} files; more than {MAX_MEMBERS} is not a "
                            "contract (a zip bomb?)")
    total = sum(member.file_size for member in members)
    if total > MAX_INFLATED_BYTES:
        raise ImportRefused(shown, f"the package declares {total} bytes once unzipped, more than "
                            f"{MAX_INFLATED_BYTES // 2**20} MB (a zip bomb?)")
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise ImportRefused(shown, f"member {member.filename!r} inflates {member.file_size // max(member.compress_size, 1)}"
                                f" times (more than {MAX_RATIO}): refused as a zip bomb")


def _member_xml(package: zipfile.ZipFile, name: str, shown: str):
    try:
        return etree.fromstring(package.read(name), _SAFE_XML)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ImportRefused(shown, f"damaged file: {name} cannot be read ({exc})") from None


def _check_docx(package: zipfile.ZipFile, names: set[str], shown: str) -> None:
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise ImportRefused(shown, "not a Word (.docx) file: it has no word/document.xml (another kind of zip "
                            "renamed .docx?)")
    types = package.read("[Content_Types].xml")
    if any(name.lower().endswith("vbaproject.bin") for name in names) or b"macroEnabled" in types:
        raise ImportRefused(shown, "this Word file carries macros (a .docm renamed .docx?); save it as a plain .docx "
                            "without macros and import that")
    for rels in sorted(n for n in names if n.startswith("word/_rels/") and n.endswith(".rels")):
        for relation in _member_xml(package, rels, shown):
            if relation.get("TargetMode") == "External" and (relation.get("Type") or "").endswith(_IMAGE_REL):
                raise ImportRefused(shown, f"an image is linked from outside the file ({relation.get('Target')!r}, "
                                    f"in {rels}); images are not imported: remove it and import again")


def _check_odt(package: zipfile.ZipFile, names: set[str], shown: str) -> None:
    if "mimetype" not in names or package.read("mimetype").strip() != ODT_MIME or "content.xml" not in names:
        raise ImportRefused(shown, "not an OpenDocument text (.odt) file (another kind of zip renamed .odt?)")
    if any(n.startswith(("Basic/", "Scripts/")) for n in names):
        raise ImportRefused(shown, "this OpenDocument file carries macros; save it without them and import again")
    for element in _member_xml(package, "content.xml", shown).iter("{*}image"):
        target = element.get(_XLINK) or ""
        if target and not target.startswith(("Pictures/", "./Pictures/")):
            raise ImportRefused(shown, f"an image is linked from outside the file ({target!r}); images are not "
                                "imported: remove it and import again")
