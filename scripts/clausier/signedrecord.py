"""The `signed:` record `clausier sign-off` writes into an agreement's front matter (signoff.py),
and the signatures `clausier sign` adds to it (signing/record.py), as models.Agreement validates
them. Kept out of models.py, which holds the hand-written fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .bounds import sane_date

ContractDate = Annotated[dt.date, AfterValidator(sane_date)]  # as models.ContractDate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # as models.Strict


class SignatureRecord(_Strict):
    """One electronic signature of the agreement's signed PDF (signatures/<id>.pdf)."""

    party: Literal["provider", "client"] = Field(description="Who signed: the party whose box was signed")
    subject: str = Field(min_length=1, description="The signer's certificate: name (organisation)")
    time: str = Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", description="When, in UTC")
    level: Literal["B-B", "B-T", "B-LT", "B-LTA"] = Field(description="PAdES baseline level")


class Signed(_Strict):
    """What `clausier sign-off` records: the text is frozen from then on."""

    on: ContractDate = Field(description="Date of signature")
    commit: str = Field(pattern=r"^[0-9a-f]{40}$", description="Commit of the library the text was rendered from")
    source_sha256: str = Field(pattern=r"^[0-9a-f]{64}$",
                               description="Hash of this agreement's own front matter (without `signed`) and body")
    markdown_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Hash of the assembled Markdown")
    pdf_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Hash of the signed PDF")
    # Written by `clausier sign` / `sign import` (signing/record.py), after the sign-off.
    archive_sha256: Optional[str] = Field(None, pattern=r"^[0-9a-f]{64}$", description="Hash of the PDF/A-3 "
                                          "archive that was signed: the first revision of signatures/<id>.pdf")
    signatures: list[SignatureRecord] = Field(default_factory=list, description="Each signature in "
                                              "signatures/<id>.pdf, as `clausier sign` recorded it")
