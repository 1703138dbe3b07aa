"""PAdES signatures on an agreement's archive, and their verification (issue 24).

    archive.py     the signed-off agreement as PDF/A-3b carrying its source and manifest entry
    fields.py      where each party's signature box lies (a `typst query` pass on the style)
    appearance.py  what a signature field shows, typeset by Typst (fonts embedded: PDF/A)
    keys.py        a signer's key from a PKCS#12 file and a passphrase from the environment
    token.py       a signer's key on a PKCS#11 token (smart card, HSM), its PIN from the environment
    sign.py        `clausier sign` and `clausier sign import`: signatures/<id>.pdf and the record
    record.py      the `signed:` record's list of signatures, written into the front matter
    verify.py      `clausier verify`: signatures, first revision, embedded source, later revisions

pyHanko does the PDF signatures; nothing here is imported by a build.
"""

from ..errors import ClausierError

ROLES = ("provider", "client")  # the signature block's columns, left to right
SIGNATURES = "signatures"  # the repository's folder of signed PDFs


class SigningError(ClausierError):
    pass
