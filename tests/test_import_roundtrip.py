"""The main test of `clausier import`: a contract Clausier built comes back as the same text.

An example agreement of this repository is built to DOCX, imported under a new id into a scratch
copy of the repository, and the example agreement the import writes is built again: the two
Word files say the same words, in the same order. In this first version the agreement's values
(names, amounts, dates) come back as literal text in the imported clauses, so the words match;
only the tables' rule lines (`-----` in pandoc's plain text, sized by the column widths) may
differ. All eight examples pass (run by hand, see the issue's note); two are run here, one per
language, to keep the suite fast.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypandoc
import pytest
from click.testing import CliRunner

from clausier.cli import main
from conftest import PROJECT

runner = CliRunner()
_RULE = re.compile(r"^[-=+|:]+$")


def _words(docx: Path) -> list[str]:
    text = pypandoc.convert_file(str(docx), "plain", extra_args=["--sandbox", "--wrap=none"])
    return [word for word in text.split() if not _RULE.match(word)]


def _scratch(tmp_path: Path) -> Path:
    root = tmp_path / "copy"
    root.mkdir()
    shutil.copy(PROJECT / "clausier.yml", root)
    for folder in ("clauses", "templates", "agreements"):
        shutil.copytree(PROJECT / folder, root / folder)
    return root


def _build(root: Path, agreement: Path) -> Path:
    result = runner.invoke(main, ["--root", str(root), "build", "--to", "docx", "--simple", str(agreement)])
    assert result.exit_code == 0, result.output
    return root / "build" / agreement.stem / f"{agreement.stem}.docx"


@pytest.mark.parametrize("agreement,language", [("2026-021-harbour-light", "en"), ("2026-014-atelier-lumiere", "fr")])
def test_a_built_agreement_imports_back_to_the_same_words(tmp_path, agreement, language):
    root = _scratch(tmp_path)
    original = _build(root, root / "agreements" / f"{agreement}.md")
    imported = runner.invoke(main, ["--root", str(root), "import", str(original), "--as", "round-trip",
                                    "--language", language])
    assert imported.exit_code == 0, imported.output
    assert "turned into ref()/refs()" in imported.output
    template = (root / "templates" / "round-trip.md.j2").read_text(encoding="utf-8")
    word = "Clause" if language == "en" else "Article"
    assert f'word: {{{language}: "{word}"}}' in template and '"{word} {n} — {title}"' in template
    again = _build(root, root / "agreements" / "round-trip-example.md")
    before, after = _words(original), _words(again)
    assert len(before) > 5000
    assert after == before
