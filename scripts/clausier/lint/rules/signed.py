"""Signed agreements: their own text is unchanged since signing, their rebuild from the library
as of the signing commit gives the recorded Markdown and PDF, and amendments point somewhere.
When the agreement has an electronically signed PDF (signatures/<id>.pdf), `clausier verify`
checks it, and a rebuild that no longer gives the recorded bytes is then a warning: the signed
PDF carries its own proof.

"Unchanged since signing" is decided by git history, not by the record's hashes (whoever edits
the text can recompute those): the text must be the one committed at the signing commit, an
ancestor of HEAD, plus the sign-off (signedhistory.py). Whatever prevents that comparison (no
git, a shallow clone, a commit missing) is an error, not a warning: `check` is the gate a pull
request must pass, and a signature nobody can verify must not pass it.
"""

from __future__ import annotations

import hashlib

from ...errors import ClausierError
from ...signedhistory import CHANGED, history_problem
from ...signoff import FrozenLibraries, frozen_inputs, source_digest
from . import Rule


def _rebuild(libraries, agreement):
    from ...pipeline import render_outputs  # the build's own renderer: the same bytes as `make pdf`

    repo, frozen = frozen_inputs(libraries, agreement.file, agreement.path)
    _, outputs = render_outputs(repo, frozen, ["md", "pdf"])
    return outputs


def check(context):
    ids = {a.file.id: a for a in context.agreements if a.file is not None}
    with FrozenLibraries(context.root) as libraries:
        for agreement in context.agreements:
            if agreement.file is None:
                continue
            model = agreement.file.model
            if model.amends is not None:
                target = ids.get(model.amends)
                if target is None and model.amends in context.agreement_ids:
                    pass  # an agreement not checked this time (the build checks those it builds)
                elif target is None:
                    yield agreement.finding(("amends",), f"amends {model.amends!r}, which is not an agreement in "
                                            "agreements/", rule="signed")
                elif target.file.model.status != "signed":
                    yield agreement.finding(("amends",), f"amends {model.amends!r}, which is not signed: change it "
                                            "directly instead", "warning", "signed")
            if model.status != "signed":
                if model.signed is not None:
                    yield agreement.finding(("status",), "has a sign-off record but is not `status: signed`",
                                            rule="signed")
                continue
            if model.signed is None:
                yield agreement.finding(("status",), "is `status: signed` without a sign-off record: run "
                                        f"`clausier sign-off {agreement.shown}` instead of editing the status",
                                        rule="signed")
                continue
            signed = model.signed
            problem = history_problem(context.root, signed.commit, agreement.file.path, agreement.raw_text)
            if problem is None and source_digest(agreement.raw_text, agreement.shown) != signed.source_sha256:
                problem = CHANGED
            if problem == CHANGED:
                yield agreement.finding(("signed",), f"this agreement was signed on {signed.on} and has changed "
                                        f"since (compared with its text at the signing commit {signed.commit[:12]}): "
                                        "a signed agreement is frozen; undo the change and write an "
                                        f"amendment (a new agreement with `amends: {agreement.file.id}`)",
                                        rule="signed")
                continue
            if problem is not None:
                yield agreement.finding(("signed", "commit"), f"this signed agreement {problem}", rule="signed")
                continue
            # A signed PDF proves the text by itself: then a rebuild that drifted is only a warning.
            proof = yield from _signed_pdf(context, agreement)
            drift = "warning" if proof else "error"
            try:
                outputs = _rebuild(libraries, agreement)
            except ClausierError as exc:
                yield agreement.finding(("signed", "commit"), f"cannot rebuild it as signed: {exc}", drift, "signed")
                continue
            if hashlib.sha256(outputs["md"]).hexdigest() != signed.markdown_sha256:
                yield agreement.finding(("signed", "markdown_sha256"), "its text rebuilt from the library as of "
                                        f"{signed.commit[:12]} differs from the text signed on {signed.on}",
                                        drift, "signed")
            elif hashlib.sha256(outputs["pdf"]).hexdigest() != signed.pdf_sha256:
                yield agreement.finding(("signed", "pdf_sha256"), "same text, but the rebuilt PDF differs from the "
                                        "signed one (pandoc, Typst or the styles changed?); keep the signed PDF "
                                        "from the archive" + (f" ({proof}, which verifies)" if proof else ""),
                                        drift, "signed")


def _signed_pdf(context, agreement):
    """signatures/<id>.pdf verified (clausier verify), its problems as errors; its name when it
    verifies, None when there is none (or it fails)."""
    from ...signing import SIGNATURES

    pdf = context.root / SIGNATURES / f"{agreement.file.id}.pdf"
    if not pdf.exists():
        return None
    from ...signing.keys import load_trust
    from ...signing.verify import verify_agreement

    shown = f"{SIGNATURES}/{pdf.name}"
    try:
        config = context.repo.config
        trust = load_trust(context.repo.root, config.signing.trust if config else [], [])
        result = verify_agreement(context.repo.root, agreement.path, trust)
    except ClausierError as exc:
        yield agreement.finding(("signed",), f"{shown} cannot be verified: {exc}", rule="signed")
        return None
    for problem in result.problems:
        yield agreement.finding(("signed",), f"{shown}: {problem}", rule="signed")
    return None if result.problems else shown


RULE = Rule("signed", "signed agreements are frozen and rebuild to the bytes that were signed", check)
