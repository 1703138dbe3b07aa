"""The logo (`branding.logo` in clausier.yml): a real image inside templates/styles/, read safely.

It lands in every PDF and on every page of the published handbook, where a browser may open it
on its own: so it must be a PNG, a JPEG, or an SVG with no script, no event attribute and no
reference to anything outside itself, and a file of the styles folder (never one from `.git/`,
`agreements/` or anywhere else). `check`, `build` and the handbook all take it from
`checked_logo`, which reads it through safefile and checks its bytes every time it is used.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path, PurePosixPath
from xml.parsers import expat

from .errors import ContentError, Finding
from .safefile import MAX_FILE_BYTES, UnsafeFile, read_bytes, relative_inside

CONFIG_FILE = "clausier.yml"
FIELD = "branding.logo"
FOLDER = ("templates", "styles")
KINDS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".svg": "SVG"}
MAX_PIXELS = 40_000_000  # a small file can declare a huge image that every reader then decodes
MAX_SIDE = 20_000


class LogoError(ContentError):
    """The logo may not be used; its finding names clausier.yml, the line and the field."""


def checked_logo(root: Path, value: str | Path, locate: bool = True) -> bytes:
    """The logo's bytes, or LogoError. `value` is clausier.yml's text (or the absolute path it
    names); `locate`: find the field's line in clausier.yml for the message (the loader, which
    knows it, passes False)."""
    try:
        relative = _relative(Path(root), value)
        data = read_bytes(root, Path(*relative))
        problem = image_problem(data, KINDS[PurePosixPath(*relative).suffix.lower()])
    except _Refused as exc:
        problem = str(exc)
    except UnsafeFile as exc:
        problem = exc.findings[0].message
    if problem is None:
        return data
    line, col = _place(Path(root)) if locate else (0, 0)
    raise LogoError(Finding(CONFIG_FILE, line, col, message=f"logo {str(value)!r}: {problem}", field=FIELD,
                            rule="logo"))


class _Refused(Exception):
    pass


def _relative(root: Path, value: str | Path) -> tuple[str, ...]:
    path = Path(value)
    if not str(value).strip():
        raise _Refused("empty path")
    if path.is_absolute():
        parts = relative_inside(root, path)
    else:
        parts = None if ".." in path.parts else path.parts
    if parts is None:
        raise _Refused("must be a relative path inside the repository, in templates/styles/")
    if tuple(parts[:2]) != FOLDER or len(parts) < 3:
        raise _Refused("the logo must be a file in templates/styles/ (the styles folder), not elsewhere")
    if PurePosixPath(*parts).suffix.lower() not in KINDS:
        raise _Refused("the logo must be a .png, .jpg, .jpeg or .svg file")
    return tuple(parts)


def _place(root: Path) -> tuple[int, int]:
    """Line and column of branding.logo in clausier.yml (0, 0 when it cannot be read)."""
    try:
        from .yamlio import parse_yaml

        document = parse_yaml(read_bytes(root, CONFIG_FILE).decode("utf-8"), CONFIG_FILE)
        return document.positions.of(("branding", "logo"))
    except Exception:  # noqa: BLE001 - only the message's place: the loader reports clausier.yml itself
        return (0, 0)


# ---------------------------------------------------------------- image formats


def image_problem(data: bytes, kind: str) -> str | None:
    """Why `data` is not a usable image of `kind` (PNG, JPEG, SVG), or None."""
    return {"PNG": _png_problem, "JPEG": _jpeg_problem, "SVG": _svg_problem}[kind](data)


def _size_problem(width: int, height: int) -> str | None:
    if width <= 0 or height <= 0:
        return "the image has no size"
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        return f"the image is {width}×{height} pixels; a logo needs far fewer (at most {MAX_SIDE} a side)"
    return None


def _png_problem(data: bytes) -> str | None:
    """A PNG: its signature, then whole chunks with valid checksums, IHDR first, IDAT, IEND last."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "not a PNG file (its first bytes are not a PNG signature)"
    at, seen = 8, []
    while at < len(data):
        if at + 12 > len(data):
            return "not a valid PNG (a chunk is cut short)"
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        body = data[at + 8 : at + 8 + length]
        if len(body) != length or at + 12 + length > len(data):
            return "not a valid PNG (a chunk is cut short)"
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        if zlib.crc32(kind + body) != crc:
            return "not a valid PNG (a chunk's checksum is wrong)"
        if not seen and (kind != b"IHDR" or length != 13):
            return "not a valid PNG (no IHDR header)"
        if kind == b"IHDR":
            problem = _size_problem(*struct.unpack(">II", body[:8]))
            if problem:
                return problem
        seen.append(kind)
        at += 12 + length
        if kind == b"IEND":
            break
    if b"IDAT" not in seen or seen[-1] != b"IEND":
        return "not a valid PNG (no image data or no end)"
    return None


_JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_problem(data: bytes) -> str | None:
    """A JPEG: start of image, whole segments up to the scan, a frame header with a size, an end."""
    if not data.startswith(b"\xff\xd8\xff"):
        return "not a JPEG file (its first bytes are not a JPEG start of image)"
    at, size = 2, None
    while True:
        while at < len(data) and data[at] == 0xFF and at + 1 < len(data) and data[at + 1] == 0xFF:
            at += 1  # fill bytes
        if at + 4 > len(data) or data[at] != 0xFF:
            return "not a valid JPEG (a segment is cut short)"
        marker = data[at + 1]
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if length < 2 or at + 2 + length > len(data):
            return "not a valid JPEG (a segment is cut short)"
        if marker in _JPEG_FRAMES:
            if length < 7:
                return "not a valid JPEG (a frame header is cut short)"
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            size = (width, height)
        if marker == 0xDA:  # start of scan: the compressed data follows, up to the end marker
            break
        at += 2 + length
    if size is None:
        return "not a valid JPEG (no frame header)"
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return "not a valid JPEG (no end of image)"
    return _size_problem(*size)


# ---------------------------------------------------------------- SVG

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
# What can run or fetch something: scripts, embedded HTML, frames, and animations (which can
# set an attribute, a link included, after the checks below have looked at it).
_FORBIDDEN_ELEMENTS = frozenset({
    "script", "foreignobject", "iframe", "embed", "object", "audio", "video", "handler", "listener",
    "set", "animate", "animatemotion", "animatetransform", "animatecolor", "discard", "a",
})
_EXTERNAL_CSS = re.compile(r"@import|url\s*\(\s*(?!['\"]?\s*#)|expression\s*\(|javascript:|-moz-binding|behavior\s*:",
                           re.IGNORECASE)


class _Unsafe(Exception):
    pass


def _svg_problem(data: bytes) -> str | None:
    """An SVG whose elements, attributes and styles hold no script, event or outside reference,
    parsed by expat with document types, entities and processing instructions refused (no
    entity expansion, nothing fetched)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    state = {"in_style": 0, "root": None}
    # <use> of an element that itself holds a <use>: ten such levels draw 10^10 shapes.
    open_ids: list[str | None] = []  # the id of each open element
    holds_use: set[str] = set()
    use_targets: list[str] = []

    def refuse(what: str):
        def handler(*_args) -> None:
            raise _Unsafe(what)
        return handler

    def start(name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if state["root"] is None:
            if local != "svg" or namespace not in ("", SVG_NAMESPACE):
                raise _Unsafe(f"the root element is <{local}>, not <svg>")
            state["root"] = local
        if local.lower() in _FORBIDDEN_ELEMENTS:
            raise _Unsafe(f"<{local}> elements are not allowed in a logo (they can run or load something)")
        if namespace not in ("", SVG_NAMESPACE):
            raise _Unsafe(f"<{local}> is not an SVG element (namespace {namespace})")
        for attribute, value in attributes.items():
            attribute_local = attribute.rpartition(" ")[2].lower()
            if attribute_local.startswith("on"):
                raise _Unsafe(f"event attribute {attribute_local}= on <{local}> is not allowed")
            if attribute_local in ("href", "src") and not value.strip().startswith("#"):
                raise _Unsafe(f"<{local}> refers to {value[:80]!r}; a logo may refer only to its own parts (#id)")
            if _EXTERNAL_CSS.search(value):
                raise _Unsafe(f"attribute {attribute_local}= on <{local}> loads or runs something: {value[:80]!r}")
        if local == "use":
            holds_use.update(i for i in open_ids if i)
            use_targets.extend(v.strip()[1:] for a, v in attributes.items() if a.rpartition(" ")[2] == "href")
        open_ids.append(attributes.get("id"))
        state["in_style"] += local == "style"

    def end(name: str) -> None:
        open_ids.pop()
        state["in_style"] -= name.rpartition(" ")[2] == "style"

    def text(content: str) -> None:
        if state["in_style"] and _EXTERNAL_CSS.search(content):
            raise _Unsafe("a <style> element loads or runs something (@import, url() of another file)")

    parser.StartDoctypeDeclHandler = refuse("a document type declaration (DTD) is not allowed in a logo")
    parser.EntityDeclHandler = refuse("entity declarations are not allowed in a logo")
    parser.UnparsedEntityDeclHandler = refuse("entity declarations are not allowed in a logo")
    parser.ExternalEntityRefHandler = refuse("external entities are not allowed in a logo")
    parser.ProcessingInstructionHandler = refuse("processing instructions (e.g. xml-stylesheet) are not allowed in a logo")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except _Unsafe as exc:
        return f"unsafe SVG: {exc}"
    except expat.ExpatError as exc:
        return f"not a valid SVG (XML error: {expat.ErrorString(exc.code)} at line {exc.lineno})"
    if state["root"] is None:
        return "not an SVG file (no <svg> element)"
    if holds_use & set(use_targets):
        return "unsafe SVG: a <use> draws an element that holds another <use> (nested copies)"
    return None


__all__ = ["MAX_FILE_BYTES", "LogoError", "checked_logo", "image_problem"]
