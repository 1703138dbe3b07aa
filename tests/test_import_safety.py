"""`clausier import` refuses bad input with one line naming the file, and writes nothing: a
non-Word file renamed .docx, a truncated zip, a password-protected (OLE) file, macros, a zip
bomb, an image linked from outside, a template id that is not an identifier; importing twice
needs --force; a failure while moving files into place leaves the repository as it was."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.cli import main
from clausier.importer import commit as commit_module
from clausier.init import init_repository

FIXTURES = Path(__file__).parent / "fixtures" / "import"
WORD = FIXTURES / "word-numbering.docx"
runner = CliRunner()


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "contracts"
    init_repository(folder, ("en",))
    return folder


def _refused(root: Path, source: Path, *args: str, template_id: str = "imported") -> str:
    before = _snapshot(root)
    result = runner.invoke(main, ["--root", str(root), "import", str(source), "--as", template_id, *args])
    assert result.exit_code != 0
    assert _snapshot(root) == before  # nothing written, not even the report
    assert not list(root.glob(".clausier-import-*"))
    return result.output + str(result.exception or "")


def _docx_with(tmp_path: Path, name: str, change) -> Path:
    """The Word fixture rewritten member by member, `change(name, data)` → data or None (dropped)."""
    out = io.BytesIO()
    with zipfile.ZipFile(WORD) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = change(info.filename, source.read(info.filename))
            if data is not None:
                target.writestr(info.filename, data)
        extra = change("", b"")
        if extra:
            for member, data in extra:
                target.writestr(member, data)
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def test_a_text_file_renamed_docx(root, tmp_path):
    fake = tmp_path / "contract.docx"
    fake.write_text("This is not a Word file.", encoding="utf-8")
    assert "contract.docx: error: not a Word (.docx) file: it is not a zip package" in _refused(root, fake)


def test_another_zip_renamed_docx(root, tmp_path):
    fake = tmp_path / "archive.docx"
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "no word/document.xml" in _refused(root, fake)


def test_a_truncated_docx(root, tmp_path):
    cut = tmp_path / "cut.docx"
    cut.write_bytes(WORD.read_bytes()[: WORD.stat().st_size // 2])
    assert "cut.docx: error: damaged or truncated Word (.docx) file" in _refused(root, cut)


def test_a_password_protected_file(root, tmp_path):
    protected = tmp_path / "protected.docx"  # Word saves an encrypted .docx as an OLE compound file
    protected.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504)
    assert "password-protected" in _refused(root, protected)


def test_macros_are_refused_by_name_and_by_content(root, tmp_path):
    docm = tmp_path / "contract.docm"
    shutil.copy(WORD, docm)
    assert "macros" in _refused(root, docm)
    renamed = _docx_with(tmp_path, "renamed.docx",
                         lambda name, data: [("word/vbaProject.bin", b"\x00" * 64)] if name == "" else data)
    assert "renamed.docx: error: this Word file carries macros" in _refused(root, renamed)


def test_a_zip_bomb_is_refused_before_it_is_inflated(root, tmp_path):
    bomb = _docx_with(tmp_path, "bomb.docx",
                      lambda name, data: [("word/media/big.bin", b"\x00" * (60 * 1024 * 1024))] if name == "" else data)
    assert "refused as a zip bomb" in _refused(root, bomb)


def test_an_image_linked_from_outside(root, tmp_path):
    relation = (b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                b'image" Target="http://tracker.example/pixel.png" TargetMode="External"/></Relationships>')
    linked = _docx_with(tmp_path, "linked.docx", lambda name, data: data.replace(b"</Relationships>", relation)
                        if name == "word/_rels/document.xml.rels" else data if name else None)
    assert "http://tracker.example/pixel.png" in _refused(root, linked)


def test_an_image_in_markdown_is_refused_with_its_place(root, tmp_path):
    source = tmp_path / "terms.md"
    source.write_text("# 1. Scope\n\nText.\n\n![logo](http://example.com/logo.png)\n", encoding="utf-8")
    assert "paragraph 3: http://example.com/logo.png" in _refused(root, source)


@pytest.mark.parametrize("template_id", ["../outside", "Mutual_NDA", "", "a/b", "-x"])
def test_a_template_id_that_is_not_an_identifier(root, template_id):
    assert "--as must be an identifier" in _refused(root, WORD, template_id=template_id)


def test_a_templates_folder_that_leads_outside(root, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(root / "templates" / "styles")
    for path in (root / "templates").iterdir():
        path.unlink()
    (root / "templates").rmdir()
    (root / "templates").symlink_to(elsewhere)
    assert "outside the repository" in _refused(root, WORD)
    assert list(elsewhere.iterdir()) == []


def test_importing_twice_needs_force(root):
    first = runner.invoke(main, ["--root", str(root), "import", str(WORD), "--as", "word-terms"])
    assert first.exit_code == 0, first.output
    assert "needs --force" in _refused(root, WORD, template_id="word-terms")
    again = runner.invoke(main, ["--root", str(root), "import", str(WORD), "--as", "word-terms", "--force"])
    assert again.exit_code == 0, again.output
    assert "word-terms-word-terms" not in again.output  # its own clauses are replaced, not prefixed again
    assert (root / "clauses" / "services" / "en.md").is_file()


def test_a_failure_while_moving_files_leaves_nothing(root, monkeypatch):
    before = _snapshot(root)
    real = commit_module.os.replace
    calls = []

    def failing(source, target):
        calls.append(target)
        if len(calls) == 5:
            raise OSError(28, "No space left on device", str(target))
        return real(source, target)

    monkeypatch.setattr(commit_module.os, "replace", failing)
    result = runner.invoke(main, ["--root", str(root), "import", str(WORD), "--as", "word-terms"])
    assert result.exit_code != 0
    monkeypatch.setattr(commit_module.os, "replace", real)
    assert _snapshot(root) == before
    assert not list(root.glob(".clausier-import-*"))
