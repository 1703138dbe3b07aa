"""`clausier verify`: a signed PDF proves itself, without rebuilding anything.

Checked: every signature intact and valid (and trusted, when trust roots are given); the first
revision is the archive recorded at signing (`signed.archive_sha256`); the embedded source is
the agreement (the same content hash as the sign-off's); after each signature, nothing but
signatures, validation data or timestamps (pyHanko's difference analysis); and, for an agreement,
its record lists exactly the signatures the file holds. Nothing is fetched: validation uses what
the file embeds and the trust roots given.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import ROLES, SIGNATURES, SigningError

ALLOWED = ("NONE", "LTA_UPDATES", "FORM_FILLING")  # pyHanko's ModificationLevel names after a signature


@dataclass
class SignatureCheck:
    field: str
    party: str | None  # provider / client: the field's name
    subject: str
    time: str
    level: str
    intact: bool
    valid: bool
    trusted: bool | None  # None: no trust roots given
    certified: bool = False


@dataclass
class Verification:
    file: str
    signatures: list[SignatureCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"file": self.file, "valid": self.valid, "signatures": [asdict(s) for s in self.signatures],
                "problems": self.problems, "notes": self.notes}


def verify_pdf(data: bytes, shown: str, *, archive_sha256: str | None = None, source_sha256: str | None = None,
               trust=()) -> Verification:
    from pyhanko.pdf_utils.reader import PdfFileReader

    result = Verification(shown)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # pyHanko's parse errors: not a PDF, or a broken one
        result.problems.append(f"not a readable PDF: {exc}")
        return result
    if not signatures:
        result.problems.append("holds no signature")
    for signature in signatures:
        _check_signature(signature, trust, result)
    if archive_sha256 is not None:
        first = first_revision(reader, data)
        if first is None or hashlib.sha256(first).hexdigest() != archive_sha256:
            result.problems.append("its first revision is not the archive that was signed (sha256 "
                                   f"{archive_sha256[:16]}…): the signed document was replaced or altered")
    if source_sha256 is not None:
        _check_source(data, source_sha256, result)
    if not trust:
        result.notes.append("no trust roots given (clausier.yml `signing: trust:` or --trust): the signers' "
                            "certificates were checked for integrity, not trust")
    return result


def _check_signature(signature, trust, result: Verification) -> None:
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    from .keys import subject_of

    context = ValidationContext(trust_roots=list(trust), allow_fetching=False)  # never the system's list
    name = signature.field_name
    try:
        if signature.sig_object_type == "/DocTimeStamp":
            status = validate_pdf_timestamp(signature, validation_context=context)
        else:
            status = validate_pdf_signature(signature, signer_validation_context=context)
    except Exception as exc:  # a malformed signature: pyHanko cannot even read it
        result.problems.append(f"the signature in '{name}' cannot be read: {exc}")
        return
    if signature.sig_object_type == "/DocTimeStamp":
        if not (status.intact and status.valid):
            result.problems.append(f"the document timestamp '{name}' does not match the document")
        return
    check = SignatureCheck(
        field=name, party=name if name in ROLES else None, subject=subject_of(status.signing_cert),
        time=_utc(status.signer_reported_dt), level=_level(signature, status), intact=bool(status.intact),
        valid=bool(status.valid), trusted=bool(status.trusted) if trust else None,
        certified=signature.docmdp_level is not None)
    result.signatures.append(check)
    who = f"the {check.party}'s signature ({check.subject})" if check.party else f"the signature in '{name}'"
    if not status.intact:
        result.problems.append(f"{who} does not match the document: the signed bytes were changed")
    elif not status.valid:
        result.problems.append(f"{who} is not valid (its certificate or its cryptography fails)")
    elif trust and not status.trusted:
        result.problems.append(f"{who} is by a certificate the trust roots given do not vouch for")
    level = status.modification_level.name if status.modification_level is not None else "OTHER"
    if level not in ALLOWED or status.docmdp_ok is False:
        result.problems.append(f"after {who}, the file was changed by more than signatures, validation data "
                               f"or timestamps (pyHanko: {level.lower().replace('_', ' ')})")


def _level(signature, status) -> str:
    """B-B, B-T (a signature timestamp) or B-LT (validation data written with the signature or after)."""
    if status.timestamp_validity is None:
        return "B-B"
    reader = signature.reader
    try:
        dss = reader.root.raw_get("/DSS").reference
        later = range(signature.signed_revision, reader.xrefs.total_revisions)  # (pyHanko writes it with the signature)
        written = any(dss in reader.xrefs.explicit_refs_in_revision(revision) for revision in later)
    except (KeyError, AttributeError, TypeError):  # no DSS, or held directly in the catalog
        written = False
    return "B-LT" if written else "B-T"


def _utc(moment) -> str:
    import datetime as dt

    if moment is None:
        return ""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def first_revision(reader, data: bytes) -> bytes | None:
    """The bytes of the file's first revision: up to its %%EOF (and end of line)."""
    start = reader.xrefs.get_startxref_for_revision(0)
    end = data.find(b"%%EOF", start)
    if end < 0:
        return None
    end += len(b"%%EOF")
    for eol in (b"\r\n", b"\n", b"\r"):
        if data.startswith(eol, end):
            return data[:end + len(eol)]
    return data[:end]


def _check_source(data: bytes, source_sha256: str, result: Verification) -> None:
    """The attachment with relationship Source is the agreement (the sign-off's content hash)."""
    import pikepdf

    from ..signoff import source_digest

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            sources = [(name, spec.get_file().read_bytes()) for name, spec in pdf.attachments.items()
                       if str(spec.obj.get("/AFRelationship", "")) == "/Source"]
    except Exception as exc:  # pikepdf/qpdf errors: reported, never a traceback
        result.problems.append(f"its attachments cannot be read: {exc}")
        return
    if not sources:
        result.problems.append("carries no source attachment (relationship Source): not a Clausier archive")
        return
    name, text = sources[0]
    try:
        digest = source_digest(text.decode("utf-8"), name)
    except Exception:  # noqa: BLE001 - not an agreement at all: a mismatch like any other
        digest = None
    if digest != source_sha256:
        result.problems.append(f"its embedded source {name} is not this agreement's signed text")


def verify_agreement(root: Path, target: Path, trust=()) -> Verification:
    """An agreement's signatures/<id>.pdf (target: the agreement, or the PDF in signatures/), with
    its record: the archive's hash, the source's and the list of signatures."""
    from ..repository import agreement_paths, load_agreement, load_repository
    from ..safefile import read_bytes

    repo = load_repository(root)
    if target.suffix.lower() == ".pdf":
        agreement = _agreement_of(repo, target.stem, agreement_paths, load_agreement)
        if agreement is None:  # a PDF that belongs to no agreement here: what the file proves alone
            data = target.read_bytes()
            return verify_pdf(data, str(target), trust=trust)
    else:
        agreement = load_agreement(repo, target)
    shown = f"{SIGNATURES}/{agreement.id}.pdf"
    record = agreement.model.signed
    if agreement.model.status != "signed" or record is None:
        raise SigningError(f"{agreement.path}: not signed off, so nothing to verify")
    pdf = repo.root / SIGNATURES / f"{agreement.id}.pdf"
    if not pdf.exists():
        raise SigningError(f"{agreement.path}: no signed PDF ({shown}): sign it with `clausier sign`")
    data = read_bytes(repo.root, pdf, 64 * 1024 * 1024)
    if target.suffix.lower() == ".pdf" and target.resolve() != pdf.resolve():
        data = target.read_bytes()  # a copy of the agreement's signed PDF, checked against its record
        shown = str(target)
    result = verify_pdf(data, shown, archive_sha256=record.archive_sha256, source_sha256=record.source_sha256,
                        trust=trust)
    if record.archive_sha256 is None:
        result.problems.append(f"{agreement.path} records no archive hash: sign with `clausier sign` or bring "
                               "the file in with `clausier sign import`")
    recorded = {(s.party, s.subject) for s in record.signatures}
    held = {(s.party, s.subject) for s in result.signatures}
    for party, subject in sorted(recorded - held):
        result.problems.append(f"{agreement.path} records a signature of the {party} ({subject}) that the file "
                               "does not hold")
    for party, subject in sorted(held - recorded):
        result.problems.append(f"the file holds a signature of the {party or 'unknown party'} ({subject}) that "
                               f"{agreement.path} does not record (`clausier sign import`)")
    return result


def _agreement_of(repo, agreement_id, agreement_paths, load_agreement):
    for path in agreement_paths(repo):
        if path.stem == agreement_id:
            agreement = load_agreement(repo, path)
            if agreement.id == agreement_id:
                return agreement
    return None
