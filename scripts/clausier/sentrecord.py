"""The `sent:` entries `clausier send` writes into an agreement's front matter (sending/record.py),
as models.Agreement validates them. Kept out of models.py, which holds the hand-written fields."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Sent(BaseModel):
    """One message a server accepted."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # as models.Strict
    at: AwareDatetime = Field(description="When the server accepted it (ISO 8601, with its UTC offset)")
    to: list[str] = Field(min_length=1, description="Recipients (To) the server accepted")
    cc: list[str] = Field(default_factory=list, description="Recipients in copy (Cc) the server accepted")
    message_id: str = Field(pattern=r"^<[^<>\s]+@[^<>\s]+>$", description="The message's Message-ID")
    server: str = Field(description="The SMTP server, HOST:PORT")
    attachments: dict[str, Sha256] = Field(description="Each attached file's name → sha256 of what was sent")
