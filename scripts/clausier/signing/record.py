"""The `signed:` record's additions: the archive's hash and one entry per signature.

Written into the agreement's front matter as `clausier sign-off` writes its record (ruamel's
round trip: comments and the rest of the file kept). signedhistory.py lets the record grow by
these two keys and nothing else.
"""

from __future__ import annotations

import io

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..markdown import front_matter
from ..signedrecord import SignatureRecord


def with_signature(text: str, archive_sha256: str, entry: SignatureRecord) -> str:
    """The agreement's text with `archive_sha256` set and `entry` added to `signed.signatures`."""
    lines = text.split("\n")
    end = front_matter(text, required=True).closing
    yaml = YAML(typ="rt")
    yaml.width = 4096
    data = yaml.load("\n".join(lines[1:end])) or CommentedMap()
    record = data["signed"]
    record["archive_sha256"] = archive_sha256
    if "signatures" not in record:
        record["signatures"] = CommentedSeq()
    record["signatures"].append(CommentedMap([("party", entry.party), ("subject", entry.subject),
                                              ("time", entry.time), ("level", entry.level)]))
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return "---\n" + buffer.getvalue() + "\n".join(lines[end:])
