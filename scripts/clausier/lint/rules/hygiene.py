"""Repository hygiene: content is real files inside the known folders; nothing reaches outside."""

from __future__ import annotations

import os

from ...errors import Finding
from . import Rule

CONTENT_FOLDERS = ("agreements", "clauses", "templates", "docs")


def check(context):
    root = context.root
    yield from (f for f in context.repo.findings if f.rule == "repository")
    for agreement in context.agreements:
        yield from (f for f in agreement.load_findings if f.rule == "repository")
    if context.explicit_paths:
        return
    for folder in CONTENT_FOLDERS:
        base = root / folder
        if not base.exists():
            continue
        for directory, dirnames, filenames in os.walk(base, followlinks=False):
            for name in sorted(dirnames + filenames):
                path = os.path.join(directory, name)
                if os.path.islink(path):
                    shown = os.path.relpath(path, root)
                    yield Finding(shown, message="symbolic link in content: replace it with a real file or folder",
                                  rule="repository")


RULE = Rule("repository", "no symbolic links in content, no file outside the repository", check)
