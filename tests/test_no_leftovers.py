"""A build leaves nothing in the temporary folder: not the history file `pandoc lua` makes when it
starts and removes only when it exits by itself (the fast route stops its converter outright)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import many_agreements


def test_a_build_leaves_no_pandoc_history_file(repo, tmp_path):
    many_agreements(repo, 3)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = subprocess.run([str(Path(sys.executable).with_name("clausier")), "--root", str(repo), "build",
                           "--to", "html,docx"], env={**os.environ, "TMPDIR": str(scratch)},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "built 3" in done.stdout + done.stderr
    assert sorted(p.name for p in scratch.iterdir() if p.name.startswith("pandoc-hist")) == []
