"""`clausier sign` and `clausier verify` end to end: a signed-off agreement signed as the provider
then the client with keys from a test PKI served on 127.0.0.1 (certomancer: CA, TSA, OCSP, CRL),
validated by pyHanko, and tampering caught."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier.cli import main
from conftest import make_repo
from signing_pki import PASSPHRASE, SIGNERS, start_pki

runner = CliRunner()
AGREEMENT = "agreements/acme-fr.md"
SIGNED = "signatures/acme-fr.pdf"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-qm", message)


def run(repo: Path, *args: str):
    return runner.invoke(main, ["--root", str(repo), *args], catch_exceptions=False)


def sign_as(repo: Path, pki, party: str, *extra: str):
    return run(repo, "sign", str(repo / AGREEMENT), "--as", party, "--key", str(pki.keys[party]),
               "--passphrase-env", "CLAUSIER_TEST_PASSPHRASE", *extra)


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    started = start_pki(tmp_path_factory.mktemp("pki"))
    yield started
    started.close()


@pytest.fixture(autouse=True)
def passphrase(monkeypatch):
    monkeypatch.setenv("CLAUSIER_TEST_PASSPHRASE", PASSPHRASE)


@pytest.fixture(scope="module")
def signed_off(tmp_path_factory) -> Path:
    """A repository whose agreement is signed off and committed (copied by the tests that sign)."""
    repo = make_repo(tmp_path_factory.mktemp("signed-off") / "repo")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "library and draft")
    assert run(repo, "sign-off", str(repo / AGREEMENT), "--date", "2026-12-03").exit_code == 0
    commit_all(repo, "signed off")
    return repo


def copy_of(repo: Path, tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(repo, target, symlinks=True)
    return target


@pytest.fixture(scope="module")
def both_signed(signed_off, pki, tmp_path_factory) -> Path:
    repo = copy_of(signed_off, tmp_path_factory.mktemp("both"))
    import os

    os.environ["CLAUSIER_TEST_PASSPHRASE"] = PASSPHRASE
    first = sign_as(repo, pki, "provider", "--tsa", pki.tsa, "--level", "B-LT")  # OCSP and CRL from the PKI
    assert first.exit_code == 0, first.output
    second = sign_as(repo, pki, "client", "--tsa", pki.tsa)
    assert second.exit_code == 0, second.output
    return repo


def validated(data: bytes, pki):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(pki.root_pem))], allow_fetching=False)
    reader = PdfFileReader(io.BytesIO(data))
    return {s.field_name: (s, validate_pdf_signature(s, signer_validation_context=context))
            for s in reader.embedded_signatures}


def test_provider_then_client_signatures_validate_with_pyhanko(both_signed, pki):
    statuses = validated((both_signed / SIGNED).read_bytes(), pki)
    assert set(statuses) == {"provider", "client"}
    for party, (signature, status) in statuses.items():
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.signing_cert.subject.native["common_name"] == SIGNERS[party]
        assert status.timestamp_validity is not None and status.timestamp_validity.valid  # B-T: the TSA's
    provider, provider_status = statuses["provider"]
    assert provider.docmdp_level is not None  # certified by the provider, who signed first
    assert provider_status.modification_level.name == "FORM_FILLING" and provider_status.docmdp_ok
    assert statuses["client"][1].coverage.name == "ENTIRE_FILE"


def test_the_record_lists_both_signatures_and_the_archive(both_signed):
    from clausier.repository import load_agreement, load_repository

    repo = load_repository(both_signed)
    record = load_agreement(repo, both_signed / AGREEMENT).model.signed
    assert [(s.party, s.level) for s in record.signatures] == [("provider", "B-LT"), ("client", "B-T")]
    assert record.signatures[1].subject == "Claire Martin (Atelier Lumière SARL)"
    first = (both_signed / SIGNED).read_bytes()[: first_revision_length(both_signed / SIGNED)]
    assert hashlib.sha256(first).hexdigest() == record.archive_sha256


def first_revision_length(path: Path) -> int:
    """Typst ends its PDF with `%%EOF` and no end of line; pyHanko's updates follow it."""
    return path.read_bytes().index(b"%%EOF") + len(b"%%EOF")


def test_pdf_a3_markers_and_both_attachments_after_two_signatures(both_signed):
    import pikepdf

    with pikepdf.open(both_signed / SIGNED) as pdf:
        xmp = pdf.open_metadata()
        assert xmp.get("pdfaid:part") == "3" and xmp.get("pdfaid:conformance") == "B"
        assert "/OutputIntents" in pdf.Root
        assert str(pdf.Root.get("/Version", "/1.7")) == "/1.7" and pdf.pdf_version == "1.7"  # PDF/A-3: PDF 1.7
        files = {name: (str(spec.obj.get("/AFRelationship")), spec.get_file().read_bytes())
                 for name, spec in pdf.attachments.items()}
        assert len(pdf.Root.AF) == 2  # PDF/A-3: the catalog lists the associated files
    assert files["acme-fr.md"][0] == "/Source"
    assert files["acme-fr.manifest.json"][0] == "/Data"
    manifest = json.loads(files["acme-fr.manifest.json"][1])
    assert manifest["source"] == AGREEMENT and manifest["sha256"]["pdf"]
    from clausier.signoff import source_digest

    signed_text = (both_signed / AGREEMENT).read_text(encoding="utf-8")
    assert source_digest(files["acme-fr.md"][1].decode(), "x") == source_digest(signed_text, "x")


def words_on(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """(word, x1, y1, x2, y2) of a page (1-based), y measured from the top, as pdftotext -bbox gives them."""
    import re

    text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                          check=True, capture_output=True, text=True).stdout
    return [(m[4], *map(float, m[:4])) for m in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', text)]


def test_each_field_lies_in_its_party_s_signature_box_on_the_right_page(both_signed):
    import pikepdf

    path = both_signed / SIGNED
    with pikepdf.open(path) as pdf:
        height = float(pdf.pages[0].MediaBox[3])
        fields = {}
        for number, page in enumerate(pdf.pages, start=1):
            for annot in page.get("/Annots", []):
                if annot.get("/FT") == "/Sig" or "/Parent" in annot:
                    name = str(annot.get("/T") or annot.Parent.T)
                    x1, y1, x2, y2 = (float(v) for v in annot.Rect)
                    fields[name] = (number, x1, height - y2, x2, height - y1)  # y from the top
    assert set(fields) == {"provider", "client"}
    assert fields["provider"][0] == fields["client"][0]
    number = fields["provider"][0]
    words = words_on(path, number)
    # The block's header row: "Pour le Prestataire" then "Pour le Client", side by side.
    heads = sorted((w for w in words if w[0] == "Pour"), key=lambda w: w[1])
    assert len(heads) == 2 and heads[0][2] == heads[1][2], "the signature block is not on the fields' page"
    signature_row = max(w[4] for w in words if w[0] in ("Signature", "approuvé"))
    footer = min(w[2] for w in words if w[0] == "Page")
    for party, column in (("provider", 0), ("client", 1)):
        _, left, top, right, bottom = fields[party]
        assert top >= signature_row, f"the {party}'s field overlaps the text above it"
        assert bottom < footer and bottom - top > 60, "the field is the blank room (3 cm) above the footer"
        assert left >= heads[column][1] - 0.5  # in its party's column
        if column == 0:
            assert right < heads[1][1]
        else:
            assert right <= float(595.3) - 70  # the right margin (2.5 cm)


def test_the_archive_shows_the_signed_off_pdf_pages(both_signed, tmp_path):
    """PDF/A and attachments change no page: the first revision renders as the build's PDF."""
    from clausier.build import build

    assert build(both_signed, formats=["pdf"]).ok
    built = both_signed / "build/acme-fr/acme-fr.pdf"
    archive = tmp_path / "archive.pdf"
    archive.write_bytes((both_signed / SIGNED).read_bytes()[: first_revision_length(both_signed / SIGNED)])
    for name, pdf in (("a", archive), ("b", built)):
        subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / name)], check=True)
    pages = sorted(p.name[2:] for p in tmp_path.glob("a-*.png"))
    assert pages and pages == sorted(p.name[2:] for p in tmp_path.glob("b-*.png"))
    for page in pages:
        assert (tmp_path / f"a-{page}").read_bytes() == (tmp_path / f"b-{page}").read_bytes(), page


def test_verify_says_valid_and_exits_0(both_signed, pki):
    result = run(both_signed, "verify", str(both_signed / AGREEMENT), "--trust", str(pki.root_pem))
    assert result.exit_code == 0, result.output
    assert "signatures/acme-fr.pdf: valid" in result.output
    assert "provider: Inès Garnier (Clair Obscur Studio)" in result.output and "trusted" in result.output
    assert ", B-LT: intact, trusted, certified" in result.output and ", B-T: intact, trusted" in result.output
    report = json.loads(run(both_signed, "verify", str(both_signed / SIGNED), "--format", "json").output)
    assert report["valid"] and [s["party"] for s in report["signatures"]] == ["provider", "client"]
    assert report["signatures"][0]["trusted"] is None and report["notes"]  # no trust roots: said so


def test_a_byte_flipped_in_the_first_revision_fails_verify(both_signed, tmp_path):
    data = bytearray((both_signed / SIGNED).read_bytes())
    at = data.index(b"stream\n", 2000) + 40  # inside an early content stream of the archive
    data[at] ^= 0x01
    tampered = tmp_path / "acme-fr.pdf"
    tampered.write_bytes(bytes(data))
    result = run(both_signed, "verify", str(tampered))
    assert result.exit_code == 1, result.output
    assert "NOT VALID" in result.output and "first revision is not the archive" in result.output


def test_an_unsigned_page_appended_after_signing_is_caught(both_signed, tmp_path):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO((both_signed / SIGNED).read_bytes()))
    page = generic.DictionaryObject({generic.NameObject("/Type"): generic.NameObject("/Page"),
                                     generic.NameObject("/MediaBox"): generic.ArrayObject(
                                         [generic.NumberObject(v) for v in (0, 0, 595, 842)])})
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    appended = tmp_path / "acme-fr.pdf"
    appended.write_bytes(out.getvalue())
    result = run(both_signed, "verify", str(appended))
    assert result.exit_code == 1, result.output
    assert "changed by more than signatures" in result.output


def test_check_verifies_the_signed_pdf(both_signed, tmp_path):
    commit_all(both_signed, "signed electronically")
    assert run(both_signed, "check").exit_code == 0
    data = bytearray((both_signed / SIGNED).read_bytes())
    data[data.index(b"stream\n", 2000) + 40] ^= 0x01
    (both_signed / SIGNED).write_bytes(bytes(data))
    try:
        result = run(both_signed, "check")
        assert result.exit_code != 0 and "signatures/acme-fr.pdf: its first revision" in result.output
    finally:
        git(both_signed, "checkout", "--", SIGNED)


def test_errors_are_clear_and_nothing_is_written(signed_off, pki, tmp_path, monkeypatch):
    repo = copy_of(signed_off, tmp_path)
    before = (repo / AGREEMENT).read_bytes()
    monkeypatch.setenv("WRONG", "not the passphrase")
    wrong = run(repo, "sign", str(repo / AGREEMENT), "--as", "provider", "--key", str(pki.keys["provider"]),
                "--passphrase-env", "WRONG")
    assert wrong.exit_code == 1 and "wrong passphrase" in wrong.output
    inside = repo / "provider.p12"
    shutil.copy(pki.keys["provider"], inside)
    kept = run(repo, "sign", str(repo / AGREEMENT), "--as", "provider", "--key", str(inside),
               "--passphrase-env", "CLAUSIER_TEST_PASSPHRASE")
    assert kept.exit_code == 1 and "inside the repository" in kept.output
    assert sign_as(repo, pki, "provider", "--level", "B-T").exit_code == 1  # B-T without --tsa
    assert not (repo / "signatures").exists() and (repo / AGREEMENT).read_bytes() == before
    assert sign_as(repo, pki, "provider").exit_code == 0
    again = sign_as(repo, pki, "provider")
    assert again.exit_code == 1 and "the provider already signed" in again.output
    usage = run(repo, "sign", str(repo / AGREEMENT))
    assert usage.exit_code == 2 and "--as provider|client" in usage.output


def test_an_agreement_not_signed_off_is_refused(pki, tmp_path):
    repo = make_repo(tmp_path / "repo")
    result = sign_as(repo, pki, "provider")
    assert result.exit_code == 1 and "not signed off" in result.output
    assert not (repo / "signatures").exists()


def test_sign_import_accepts_a_signature_made_elsewhere(signed_off, pki, tmp_path):
    """The provider signs with clausier; the client signs the same file with their own tool
    (pyHanko here); `sign import` takes it and records the client's signature."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    repo = copy_of(signed_off, tmp_path)
    assert sign_as(repo, pki, "provider").exit_code == 0
    client = signers.SimpleSigner.load_pkcs12(str(pki.keys["client"]), passphrase=PASSPHRASE.encode())
    writer = IncrementalPdfFileWriter(io.BytesIO((repo / SIGNED).read_bytes()))
    returned = tmp_path / "returned.pdf"
    returned.write_bytes(signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="client"),
                                          signer=client).getvalue())
    result = run(repo, "sign", "import", str(repo / AGREEMENT), str(returned))
    assert result.exit_code == 0, result.output
    assert "imported the client's signature: Claire Martin" in result.output
    assert (repo / SIGNED).read_bytes() == returned.read_bytes()
    assert run(repo, "verify", str(repo / AGREEMENT)).exit_code == 0
    again = run(repo, "sign", "import", str(repo / AGREEMENT), str(returned))
    assert again.exit_code == 1 and "no signature" in again.output
