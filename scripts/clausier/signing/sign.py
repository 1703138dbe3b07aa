"""`clausier sign` and `clausier sign import`: signatures/<id>.pdf and the agreement's record.

The first signature starts from the archive (archive.py: the signed-off PDF as PDF/A-3b with its
source), adds one signature field per party on that party's box (fields.py) and signs in an
incremental update; the provider, signing first, certifies it (DocMDP: only form filling, that
is the other signature, allowed after). Each later signature is one more incremental update.
`sign import` takes a file signed elsewhere whose first revision is that archive and whose later
revisions are signatures only (verify.py decides). Both write the PDF and the agreement's record
or neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

from ..signedrecord import SignatureRecord
from . import ROLES, SIGNATURES, SigningError
from .keys import SigningKey

LEVELS = ("B-B", "B-T", "B-LT")
MAX_PDF = 64 * 1024 * 1024  # a signed contract is a few MB at most


def signed_pdf(root: Path, agreement_id: str) -> Path:
    return root / SIGNATURES / f"{agreement_id}.pdf"


def _signed_off(root: Path, path: Path):
    from ..repository import load_agreement, load_repository

    repo = load_repository(root)
    agreement = load_agreement(repo, path)
    if agreement.model.status != "signed" or agreement.model.signed is None:
        raise SigningError(f"{agreement.path}: not signed off: run `clausier sign-off {agreement.path}` first "
                           "(the text must be frozen before anyone signs it)")
    return repo, agreement


def _language(repo, agreement) -> str:
    return agreement.model.language or (repo.config.language if repo.config else "en")


def sign(root: Path, path: Path, role: str, key: SigningKey, *, level: str | None = None,
         tsa: str | None = None) -> SignatureRecord:
    """Sign the signed-off agreement at `path` as `role`; returns the record's new entry."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    level = level or ("B-T" if tsa else "B-B")
    if level not in LEVELS:
        raise SigningError(f"--level {level}: one of {', '.join(LEVELS)}")
    if level != "B-B" and not tsa:
        raise SigningError(f"--level {level} needs a timestamp authority: --tsa URL")
    repo, agreement = _signed_off(root, path)
    record = agreement.model.signed
    done = next((s for s in record.signatures if s.party == role), None)
    if done is not None:
        raise SigningError(f"{agreement.path}: the {role} already signed ({done.subject}, {done.time})")
    target = signed_pdf(repo.root, agreement.id)
    shown = f"{SIGNATURES}/{agreement.id}.pdf"
    if target.exists():
        data = _existing(repo, agreement, target, shown)
        archive_sha256 = record.archive_sha256
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        rect = _field_rect(writer, role, shown)
        first = False
    else:
        if record.signatures:
            raise SigningError(f"{agreement.path}: its record lists signatures but {shown} is missing: restore it "
                               "from git")
        from .archive import make_archive

        archive = make_archive(repo.root, path)
        archive_sha256 = hashlib.sha256(archive.pdf).hexdigest()
        writer = IncrementalPdfFileWriter(io.BytesIO(archive.pdf))
        for party in ROLES:
            box = archive.boxes[party]
            append_signature_field(writer, SigFieldSpec(party, on_page=box.page, box=box.rect))
        rect = archive.boxes[role].rect
        first = True
    pdf = _sign(writer, role, key, level, tsa, rect, _language(repo, agreement), certify=first and role == "provider")
    entry = _entry(pdf, role, key, level)
    _write(repo.root, target, pdf, path, archive_sha256, [entry])
    return entry


def _existing(repo, agreement, target: Path, shown: str) -> bytes:
    """signatures/<id>.pdf as it is, which must verify before anyone adds to it."""
    from ..safefile import read_bytes
    from .verify import verify_pdf

    record = agreement.model.signed
    if record.archive_sha256 is None:
        raise SigningError(f"{shown} exists but {agreement.path} records no archive: bring it in with "
                           f"`clausier sign import {agreement.path} {shown}`")
    data = read_bytes(repo.root, target, MAX_PDF)
    found = verify_pdf(data, shown, archive_sha256=record.archive_sha256, source_sha256=record.source_sha256)
    if found.problems:
        raise SigningError(f"{shown} does not verify, so nothing is added to it: " + "; ".join(found.problems))
    return data


def _field_rect(writer, role: str, shown: str):
    from pyhanko.sign.fields import enumerate_sig_fields

    for name, value, ref in enumerate_sig_fields(writer, filled_status=None):
        if name == role:
            if value is not None:
                raise SigningError(f"{shown}: the {role}'s field is already signed")
            field = ref.get_object()
            widget = field if "/Rect" in field else field["/Kids"][0].get_object()
            return tuple(float(v) for v in widget["/Rect"])
    raise SigningError(f"{shown}: there is no signature field named '{role}' to sign in")


def _sign(writer, role, key, level, tsa, rect, language, certify) -> bytes:
    import tempfile

    from pyhanko.pdf_utils.layout import AxisAlignment, InnerScaling, Margins, SimpleBoxLayoutRule
    from pyhanko.sign import signers, timestamps
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko.stamp import StaticStampStyle
    from pyhanko_certvalidator import ValidationContext

    from .appearance import stamp_pdf

    lt = level == "B-LT"
    meta = signers.PdfSignatureMetadata(
        field_name=role, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
        certify=certify, docmdp_permissions=MDPPerm.FILL_FORMS,
        # B-LT fetches the revocation data named in the certificates (OCSP, CRL): asked for by --level B-LT
        embed_validation_info=lt, use_pades_lta=False,
        validation_context=ValidationContext(trust_roots=_roots(key), allow_fetching=True) if lt else None)
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    size = (abs(rect[2] - rect[0]), abs(rect[3] - rect[1]))
    with tempfile.TemporaryDirectory(prefix="clausier-stamp-") as scratch:
        stamp = stamp_pdf(Path(scratch), key.subject, when, language, size)
        style = StaticStampStyle.from_pdf_file(str(stamp), border_width=0, background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN, y_align=AxisAlignment.ALIGN_MAX, margins=Margins(),
            inner_content_scaling=InnerScaling.NO_SCALING))  # the stamp is the field's size: as it is
        timestamper = timestamps.HTTPTimeStamper(tsa) if tsa else None
        try:
            out = signers.PdfSigner(meta, signer=key.signer, timestamper=timestamper,
                                    stamp_style=style).sign_pdf(writer)
        except Exception as exc:  # pyHanko's errors (a TSA that does not answer, a key it cannot use…)
            raise SigningError(f"cannot sign as the {role}: {exc}") from None
    return bytes(out.getbuffer())


def _roots(key: SigningKey) -> list:
    """The self-signed certificates the key file brings with its chain: where B-LT's validation
    data is gathered up to (what a reader trusts is verify's business, not this)."""
    return [cert for cert in key.signer.cert_registry if cert.self_signed != "no"]


def _entry(pdf: bytes, role: str, key: SigningKey, level: str) -> SignatureRecord:
    from pyhanko.pdf_utils.reader import PdfFileReader

    signature = next(s for s in PdfFileReader(io.BytesIO(pdf)).embedded_signatures if s.field_name == role)
    return SignatureRecord(party=role, subject=key.subject, time=_utc(signature.self_reported_timestamp), level=level)


def _utc(moment: dt.datetime | None) -> str:
    moment = moment or dt.datetime.now(dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(root: Path, target: Path, pdf: bytes, path: Path, archive_sha256: str, entries) -> None:
    """The signed PDF, then the agreement's record; the PDF as it was if the record cannot be written."""
    from ..output import write_atomic
    from ..safefile import read_bytes, read_text, replace_bytes
    from .record import with_signature

    if target.parent.is_symlink() or (target.exists() and not target.is_file()) or target.is_symlink():
        raise SigningError(f"{SIGNATURES}/{target.name}: not a regular file in a folder of the repository")
    text = read_text(root, path)
    for entry in entries:
        text = with_signature(text, archive_sha256, entry)
    before = read_bytes(root, target, MAX_PDF) if target.exists() else None
    write_atomic(target, pdf)
    try:
        replace_bytes(root, path, text.encode("utf-8"))
    except BaseException:
        if before is None:
            target.unlink(missing_ok=True)
        else:
            write_atomic(target, before)
        raise


def import_signed(root: Path, path: Path, source: Path, trust=()) -> list[SignatureRecord]:
    """Bring in a PDF signed elsewhere: its first revision is the archive, what follows only
    signatures (or validation data, timestamps), each in a party's field; returns the new entries."""
    from ..safefile import read_bytes
    from .verify import verify_pdf

    repo, agreement = _signed_off(root, path)
    record = agreement.model.signed
    try:
        with source.open("rb") as handle:
            data = handle.read(MAX_PDF + 1)
    except OSError as exc:
        raise SigningError(f"{source}: cannot read it: {exc.strerror}") from None
    if len(data) > MAX_PDF:
        raise SigningError(f"{source}: larger than {MAX_PDF // 2**20} MB; not a signed contract")
    archive_sha256 = record.archive_sha256
    if archive_sha256 is None:
        from .archive import make_archive

        archive_sha256 = hashlib.sha256(make_archive(repo.root, path).pdf).hexdigest()
    target = signed_pdf(repo.root, agreement.id)
    if target.exists():
        kept = read_bytes(repo.root, target, MAX_PDF)
        if not data.startswith(kept):
            raise SigningError(f"{source}: it does not extend {SIGNATURES}/{target.name} (the signatures there "
                               "must stay as they are): have the other party sign that file")
    found = verify_pdf(data, str(source), archive_sha256=archive_sha256, source_sha256=record.source_sha256,
                       trust=trust)
    if found.problems:
        raise SigningError(f"{source}: not accepted: " + "; ".join(found.problems))
    known = {s.party for s in record.signatures}
    entries = []
    for signature in found.signatures:
        if signature.party is None:
            raise SigningError(f"{source}: a signature in the field '{signature.field}': sign in the field "
                               "'provider' or 'client'")
        if signature.party not in known:
            entries.append(SignatureRecord(party=signature.party, subject=signature.subject, time=signature.time,
                                           level=signature.level))
            known.add(signature.party)
    if not entries:
        raise SigningError(f"{source}: no signature that {agreement.path} does not already record")
    _write(repo.root, target, data, path, archive_sha256, entries)
    return entries
