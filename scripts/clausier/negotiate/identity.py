"""Which agreement a DOCX is, and from which commit: its custom document properties.

Every DOCX `build` writes carries three custom properties (docProps/custom.xml, which Word shows
under File › Properties › Custom and LibreOffice keeps when it saves):

* `clausier-agreement`: the agreement's file, `agreements/<id>.md`;
* `clausier-commit`: the library commit the text comes from: git HEAD when the agreement's
  inputs (its file, clausier.yml, templates/, the folders of the clauses it uses, the logo) are
  as committed there, a signed agreement's signing commit, else `working-tree`;
* `clausier-sha256`: the sha256 of the assembled Markdown (the `md` output, as the manifest
  records it). Not the DOCX's own bytes (a file cannot hold its own hash): the text the DOCX is
  rendered from, so `negotiate` can check that its rebuild at the commit is what was sent.

None of them depends on the time or the machine: two builds of the same inputs at the same
commit give the same bytes, on both build routes (render.stamp_docx writes them). A cached DOCX
may name an older commit than HEAD: its inputs were the same there, so the text rebuilt at that
commit is still the text sent.
"""

from __future__ import annotations

import html
import io
import os
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

AGREEMENT, COMMIT, SHA256 = "clausier-agreement", "clausier-commit", "clausier-sha256"
WORKING_TREE = "working-tree"
CUSTOM_PART = "docProps/custom.xml"
CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_RELATION = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the format id Word gives user-defined properties
_HEX = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")  # a sha1 or sha256 commit id


@dataclass(frozen=True)
class Identity:
    """What a DOCX says about itself."""

    agreement: str  # agreements/<id>.md
    commit: str  # a commit id, or WORKING_TREE
    sha256: str  # of the assembled Markdown it was rendered from

    @property
    def known_commit(self) -> str | None:
        return self.commit if _HEX.fullmatch(self.commit) else None


# ---------------------------------------------------------------------------- writing


def custom_xml(identity: Identity) -> bytes:
    """docProps/custom.xml holding the three properties (pids from 2, as Word numbers them)."""
    rows = []
    for pid, (name, value) in enumerate(((AGREEMENT, identity.agreement), (COMMIT, identity.commit),
                                         (SHA256, identity.sha256)), start=2):
        rows.append(f'<property fmtid="{_FMTID}" pid="{pid}" name="{name}">'
                    f"<vt:lpwstr>{html.escape(value, quote=False)}</vt:lpwstr></property>")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="{_CUSTOM}" '
            f'xmlns:vt="{_VT}">' + "".join(rows) + "</Properties>").encode("utf-8")


def with_identity(parts: dict[str, bytes], identity: Identity) -> dict[str, bytes]:
    """The DOCX parts with `identity` as the custom properties, declared in [Content_Types].xml
    and the package relationships (pandoc writes both; added when a writer did not)."""
    out = dict(parts)
    out[CUSTOM_PART] = custom_xml(identity)
    types = "[Content_Types].xml"
    if f'PartName="/{CUSTOM_PART}"'.encode() not in out[types]:
        override = f'<Override PartName="/{CUSTOM_PART}" ContentType="{CUSTOM_TYPE}" />'.encode()
        out[types] = out[types].replace(b"</Types>", override + b"</Types>", 1)
    rels = "_rels/.rels"
    if CUSTOM_RELATION.encode() not in out[rels]:
        relation = (f'<Relationship Id="rIdClausierCustom" Type="{CUSTOM_RELATION}" '
                    f'Target="{CUSTOM_PART}" />').encode()
        out[rels] = out[rels].replace(b"</Relationships>", relation + b"</Relationships>", 1)
    return out


# ---------------------------------------------------------------------------- reading


class NotOurs(ValueError):
    """A file `negotiate` cannot read as one of ours: the message says why, naming the file."""


MAX_PART_BYTES = 64 * 1024 * 1024  # a document.xml this big is not a contract (a zip bomb's)


def open_docx(path: Path) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise NotOurs(f"{path}: not a DOCX (not a zip package: {exc})") from None
    names = set(archive.namelist())
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise NotOurs(f"{path}: not a DOCX (no word/document.xml in the package)")
    return archive


def read_part(archive: zipfile.ZipFile, name: str, path: Path) -> bytes | None:
    """A part's bytes (None when absent), refusing a part that inflates past MAX_PART_BYTES."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise NotOurs(f"{path}: {name} is {info.file_size} bytes: too big for a contract")
    return archive.read(info)


def read_identity(archive: zipfile.ZipFile, path: Path) -> Identity:
    """The identity the DOCX carries, or NotOurs saying what is missing."""
    from lxml import etree

    data = read_part(archive, CUSTOM_PART, path)
    if data is None:
        raise NotOurs(f"{path}: no custom document properties ({CUSTOM_PART}): not a DOCX clausier built, "
                      "or saved by a program that dropped them; give the agreement's sent revision with --base REV")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.parse(io.BytesIO(data), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise NotOurs(f"{path}: {CUSTOM_PART} is not XML: {exc}") from None
    found: dict[str, str] = {}
    for prop in root.iter(f"{{{_CUSTOM}}}property"):
        found[prop.get("name", "")] = "".join(prop.itertext()).strip()
    missing = [name for name in (AGREEMENT, COMMIT, SHA256) if not found.get(name)]
    if missing:
        foreign = sorted(n for n in found if n)
        raise NotOurs(f"{path}: {CUSTOM_PART} has no {', '.join(missing)}"
                      + (f" (it has {', '.join(foreign)})" if foreign else "")
                      + ": not a DOCX clausier built; give the sent revision with --base REV")
    return Identity(found[AGREEMENT], found[COMMIT], found[SHA256])


# --------------------------------------------------------------- the commit at build time


def agreement_inputs(repo, agreement, plan) -> tuple[str, ...]:
    """The repository paths (files or folders) an agreement's text is made of."""
    inputs = [agreement.path, "clausier.yml", "templates"]
    for article in plan.articles:
        clause = repo.clauses.get(article.id) if article.id != "special-conditions" else None
        if clause is not None:
            inputs.append(clause.folder)
    branding = repo.config.branding if repo.config else None
    if branding and branding.logo:
        inputs.append(branding.logo)
    return tuple(dict.fromkeys(inputs))


def build_commit(root: Path, inputs: tuple[str, ...]) -> str:
    """HEAD when every input is as committed there, else WORKING_TREE (also: no git, no repository,
    `root` not the top of its work tree). Working files are hashed here as git hashes them
    (gitsource.changed_files does the same): `git status` would run the repository's filters."""
    from ..errors import ClausierError
    from ..gitsource import resolve

    try:
        commit = resolve(root, "HEAD")
        recorded = _recorded(str(root), commit)
    except ClausierError:
        return WORKING_TREE
    return commit if all(_as_committed(root, item, recorded) for item in inputs) else WORKING_TREE


@lru_cache(maxsize=8)
def _recorded(root: str, commit: str) -> dict[str, tuple[str, str, int]]:
    """path → (mode, blob id, size) of every file at `commit` (a commit never changes: cached)."""
    from ..gitsource import git, tree_entries

    entries = tree_entries(Path(root), commit)
    algorithm = git(Path(root), "rev-parse", "--show-object-format").strip() or "sha1"
    table = {path: (mode, oid, size) for mode, kind, oid, size, path in entries if kind == "blob"}
    table["\0algorithm"] = ("", algorithm, 0)
    return table


def _as_committed(root: Path, item: str, recorded: dict[str, tuple[str, str, int]]) -> bool:
    from ..gitsource import _working_oid

    algorithm = recorded["\0algorithm"][1]
    folder = root / item
    if folder.is_dir() and not folder.is_symlink():
        here = set()
        for base, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            here.update(Path(base, name).relative_to(root).as_posix() for name in files)
        prefix = item.rstrip("/") + "/"
        paths = here | {p for p in recorded if p.startswith(prefix)}
    else:
        paths = {item}
    return all(_working_oid(root, p, recorded.get(p), algorithm) == (recorded.get(p) or ("", None, 0))[1]
               for p in paths)
