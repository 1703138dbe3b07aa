"""`clausier negotiate` on real returned files (issue 25): two of our DOCX edited in LibreOffice with
change tracking on, five client edits each, saved as "MS Word 2007 XML" by LibreOffice itself
(tests/fixtures/negotiate/make_returned.py made them; LibreOffice is not needed here).

The files name the library commit they were built from, as every DOCX we send does. That commit
is rebuilt here from the frozen library under tests/fixtures/negotiate/library/ (make_returned.
scratch_repo: fixed author, dates and message, so the same commit id), and negotiate finds the
sent text there by the file's own properties, exactly as it would in the user's repository."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.cli import main
from clausier.negotiate.identity import open_docx, read_identity

FIXTURES = Path(__file__).parent / "fixtures" / "negotiate"
FR, EN = "agreements/2026-014-atelier-lumiere.md", "agreements/2026-021-harbour-light.md"


def _maker():
    spec = importlib.util.spec_from_file_location("make_returned", FIXTURES / "make_returned.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("returned") / "repo"
    _maker().scratch_repo(root)
    return root


def _returned(agreement: str) -> Path:
    return FIXTURES / f"{Path(agreement).stem}.returned.docx"


def _negotiate(root: Path, agreement: str, *options: str) -> str:
    result = CliRunner().invoke(main, ["--root", str(root), "negotiate", agreement, str(_returned(agreement)),
                                       *options])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_files_are_libreoffice_s_and_name_the_commit_rebuilt_here(library):
    commit = _maker()._git(library, "rev-parse", "HEAD")
    for agreement in (FR, EN):
        path = _returned(agreement)
        with open_docx(path) as archive:
            identity = read_identity(archive, path)
            app = archive.read("docProps/app.xml").decode()
        assert (identity.agreement, identity.commit) == (agreement, commit)
        assert "LibreOffice" in app  # saved by LibreOffice, not written by our scripts
        text = _negotiate(library, agreement)
        assert f"(sent from {commit[:12]})" in text
        assert "not the text sent" not in text  # the rebuild is what was sent (its sha256 matches)


# (change, kind, target, old, new, decision, comment) of each edit, in document order
EXPECTED = {
    FR: ("Claire Martin", [
        ("replace", "field", "payment.due_days", "30", "45", "needs-approval",
         "Nos fournisseurs sont tous réglés à 45 jours : notre service comptable ne peut pas faire d’exception."),
        ("insert", "free-text", None, "", "Les interlocuteurs font le point par écrit, chaque mois, sur "
                                          "l’avancement des Prestations.", "legal-review", ""),
        ("delete", "free-text", None, "et présenter les travaux réalisés dans le cadre du Contrat parmi ses "
                                      "réalisations", "", "legal-review", ""),
        ("replace", "parameter", "termination.cure_days", "30", "15", "standard", ""),
    ]),
    EN: ("Aoife Byrne", [
        ("replace", "field", "payment.due_days", "30", "45", "needs-approval", ""),
        ("insert", "free-text", None, "", "The Provider shall send the Client a short written progress report "
                                          "at the end of each sprint.", "legal-review", ""),
        ("replace", "parameter", "confidentiality.years", "3", "7", "needs-approval",
         "Our dashboards hold our own customers' data: our security policy requires seven years of "
         "confidentiality from every supplier."),
        ("delete", "free-text", None, "and show the work carried out under the Agreement among its projects", "",
         "legal-review", ""),
    ]),
}
ARTICLES = {"payment.due_days": "payment-schedule", "termination.cure_days": "termination",
            "confidentiality.years": "confidentiality"}


@pytest.mark.parametrize("agreement", [FR, EN], ids=["fr", "en"])
def test_every_edit_is_read_and_judged(library, agreement):
    author, expected = EXPECTED[agreement]
    found = json.loads(_negotiate(library, agreement, "--format", "json"))
    got = [(c["change"], c["kind"], c["target"], c["old"].strip(), c["new"].strip(), c["decision"], c["comment"])
           for c in found]
    assert got == expected
    for change, (_, _, target, _, new, _, _) in zip(found, expected):
        assert change["author"] == author and change["date"].startswith("2026-")
        assert change["tracked"] is True
        assert change["article"] == ARTICLES.get(target, change["article"])
    free = [c["article"] for c in found if c["kind"] == "free-text"]
    assert free == ["obligations", "intellectual-property"]


def test_the_summary_and_the_pull_request_comment(library):
    text = _negotiate(library, FR)
    assert "4 changes: 1 standard, 1 needs approval, 2 legal review" in text
    assert "[needs approval] payment-schedule: field payment.due_days: 30 → 45 — Claire Martin" in text
    assert "[standard] termination: parameter termination.cure_days: 30 → 15 — Claire Martin" in text
    assert "comment: «Nos fournisseurs sont tous réglés à 45 jours" in text
    markdown = _negotiate(library, EN, "--format", "markdown")
    assert "4 changes: 2 needs approval, 2 legal review" in markdown
    assert "| confidentiality | parameter `confidentiality.years` | 3 | 7 | **needs approval** | Aoife Byrne" \
        in markdown
    assert "| payment-schedule | field `payment.due_days` | 30 | 45 | **needs approval** | Aoife Byrne" in markdown
    # the client's words, quoted as sent and as returned
    assert "> Unless the Client objects in writing, the Provider may mention the Client’s name and logo as a " \
           "commercial reference, subject to Clause 11." in markdown
    assert "progress report at the end of each sprint." in markdown
