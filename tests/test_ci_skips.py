"""In CI a skipped test fails the run (conftest.pytest_sessionfinish); locally it does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _run(tmp_path: Path, ci: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_one_skip.py").write_text(
        "import pytest\n\ndef test_needs_a_tool():\n    pytest.skip('the tool is not installed')\n",
        encoding="utf-8")
    env = {**os.environ, "CI": ci, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider",
                           str(tmp_path / "test_one_skip.py")], cwd=tmp_path, env=env, capture_output=True, text=True)


def test_a_skip_fails_the_run_in_ci(tmp_path):
    done = _run(tmp_path, "true")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 test(s) skipped in CI" in done.stdout


def test_a_skip_is_only_reported_locally(tmp_path):
    done = _run(tmp_path, "")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
