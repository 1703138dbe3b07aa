"""jemalloc for large builds (allocator.py): which library is trusted, when the command restarts
with it, and that a build restarted with it gives the same bytes and keeps its limits."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from clausier import launch
from clausier.fast import allocator, command_process
from conftest import FAULTS as TEST_HOOK
from clausier.cli import main
from conftest import many_agreements

CLAUSIER = Path(sys.executable).with_name("clausier")
SYSTEM_LIBRARY = allocator.find_library()
needs_jemalloc = pytest.mark.skipif(
    SYSTEM_LIBRARY is None, reason="jemalloc is not installed (Debian: apt install libjemalloc2; .ci/run installs it)")


def _library_in(folder: Path, mode: int = 0o644) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    library = folder / allocator.LIBRARY
    library.write_bytes(b"\x7fELF not really")
    library.chmod(mode)
    return library


@pytest.mark.skipif(os.geteuid() != 0, reason="a trusted library is root's: the files made here are the user's")
def test_only_a_library_that_only_root_can_write_is_trusted(tmp_path):
    library = _library_in(tmp_path / "lib")
    assert allocator.trustworthy(library)
    assert allocator.find_library([tmp_path / "empty", tmp_path / "lib"]) == library.resolve()
    library.chmod(0o664)  # its group may write it
    assert not allocator.trustworthy(library)
    library.chmod(0o646)  # anyone may
    assert not allocator.trustworthy(library)
    library.chmod(0o644)
    (tmp_path / "lib").chmod(0o777)  # anyone may swap it
    assert not allocator.trustworthy(library)
    assert allocator.find_library([tmp_path / "lib"]) is None
    # A link from a trusted folder to a file in an open one is judged by where it leads.
    open_folder = tmp_path / "open"
    planted = _library_in(open_folder)
    open_folder.chmod(0o777)
    (tmp_path / "safe").mkdir(mode=0o755)
    (tmp_path / "safe" / allocator.LIBRARY).symlink_to(planted)
    assert not allocator.trustworthy(tmp_path / "safe" / allocator.LIBRARY)
    # Not a regular file, or not there.
    (tmp_path / "dir" / allocator.LIBRARY).mkdir(parents=True)
    assert not allocator.trustworthy(tmp_path / "dir" / allocator.LIBRARY)
    assert allocator.find_library([tmp_path / "nowhere"]) is None


def test_files_of_another_owner_are_not_trusted(tmp_path):
    library = _library_in(tmp_path / "lib")
    if os.geteuid() == 0:
        os.chown(library, 1000, 1000)
    assert not allocator.trustworthy(library)


@pytest.mark.skipif(os.geteuid() != 0, reason="a trusted library is root's: the files made here are the user's")
def test_a_large_build_wants_the_library_unless_told_otherwise(tmp_path):
    library = _library_in(tmp_path / "lib").resolve()
    folders = [tmp_path / "lib"]

    def wanted(count, **environ):
        return allocator.wanted(count, environ, folders)

    assert wanted(allocator.MIN_AGREEMENTS) == library
    assert wanted(allocator.MIN_AGREEMENTS - 1) is None  # a small build: planning twice would cost more
    assert wanted(0, CLAUSIER_ALLOCATOR="jemalloc") is None  # nothing to build
    assert wanted(1, CLAUSIER_ALLOCATOR="jemalloc") == library
    assert wanted(5000, CLAUSIER_ALLOCATOR="system") is None
    assert wanted(5000, CLAUSIER_ALLOCATOR=" Auto ") == library
    assert wanted(5000, LD_PRELOAD=str(library)) is None  # already there: restarting changes nothing
    assert wanted(5000, LD_PRELOAD=f"/x/libother.so:/elsewhere/{allocator.LIBRARY}") is None
    assert wanted(5000, LD_PRELOAD="/x/libother.so") == library
    assert allocator.wanted(5000, {}, [tmp_path / "none"]) is None  # not installed: carry on
    with pytest.raises(allocator.AllocatorSettingError, match="CLAUSIER_ALLOCATOR must be one of auto, jemalloc, system"):
        wanted(5000, CLAUSIER_ALLOCATOR="tcmalloc")


def test_an_unknown_setting_is_a_usage_error(repo, monkeypatch):
    monkeypatch.setenv(allocator.SETTING, "fast")
    result = CliRunner().invoke(main, ["--root", str(repo), "build", "--to", "md"])
    assert result.exit_code == 2
    assert "CLAUSIER_ALLOCATOR must be one of auto, jemalloc, system, not 'fast'" in result.output
    assert not (repo / "build/acme-fr/acme-fr.md").exists()


def test_the_command_called_in_process_never_restarts(repo, monkeypatch):
    """Only the `clausier` command owns its process: a program calling the CLI goes on running."""
    monkeypatch.setenv(allocator.SETTING, "jemalloc")
    assert not command_process.owns_process()  # (pytest's process)
    result = CliRunner().invoke(main, ["--root", str(repo), "build", "--to", "md"])
    assert result.exit_code == 0, result.output
    assert (repo / "build/acme-fr/acme-fr.md").exists()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the launcher forks its first worker only with a core to spare")
def test_the_launcher_imports_nothing_for_it_before_the_first_worker_is_forked():
    """Every millisecond before the fork (launch.py) delays a one-agreement rebuild's worker:
    pathlib alone is some 20 ms. What is imported when the worker would be forked:"""
    code = textwrap.dedent("""
        import sys
        from clausier.fast import prestart
        def forked():
            print(sorted(m for m in ("pathlib", "clausier.fast.allocator") if m in sys.modules))
            raise SystemExit(0)
        prestart.start = forked
        sys.argv = ["clausier", "build"]
        from clausier.launch import run
        run()
        raise SystemExit("the launcher forked no worker")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _mapped(pid: int) -> set[str]:
    """The shared libraries a process and its children have mapped (empty once they are gone)."""
    found = set()
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            pids += [int(p) for p in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    except OSError:
        pass
    for each in pids:
        try:
            found |= {line.rsplit("/", 1)[-1] for line in Path(f"/proc/{each}/maps").read_text().splitlines() if ".so" in line}
        except OSError:
            pass
    return found


def _run_watching(repo: Path, setting: str, *args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """`clausier build` as a user runs it; what its process and its workers mapped while it ran."""
    environ = dict(os.environ, **{allocator.SETTING: setting})
    environ.pop("LD_PRELOAD", None)
    process = subprocess.Popen([str(CLAUSIER), "--root", str(repo), "build", *args], env=environ,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: set[str] = set()
    while process.poll() is None:
        seen |= _mapped(process.pid)
        time.sleep(0.02)
    output = process.stdout.read()
    return subprocess.CompletedProcess(process.args, process.returncode, output), seen


@needs_jemalloc
def test_a_build_restarted_with_jemalloc_gives_the_same_bytes(repo):
    many_agreements(repo, 3)
    plain, seen = _run_watching(repo, "system", "--to", "pdf,md")
    assert plain.returncode == 0, plain.stdout
    assert allocator.LIBRARY not in seen
    before = {path: path.read_bytes() for path in sorted((repo / "build").glob("*/*.*"))}
    assert len(before) == 6
    restarted, seen = _run_watching(repo, "jemalloc", "--to", "pdf,md", "--force")
    assert restarted.returncode == 0, restarted.stdout
    assert allocator.LIBRARY in seen  # the command and its workers ran with it
    assert "built 3, up to date 0, failed 0" in restarted.stdout
    assert restarted.stdout.count("✓") == 3  # printed once, by the restarted command
    assert {path: path.read_bytes() for path in sorted((repo / "build").glob("*/*.*"))} == before


@needs_jemalloc
def test_with_jemalloc_a_document_over_the_memory_limit_still_fails_alone(repo, monkeypatch):
    many_agreements(repo, 3)
    monkeypatch.setenv(TEST_HOOK, "alloc:acme-fr")
    result, seen = _run_watching(repo, "jemalloc", "--to", "md", "--memory-limit", "1024", "--jobs", "1")
    assert allocator.LIBRARY in seen
    assert result.returncode == 1
    assert "ran out of memory" in result.stdout and "1024 MB" in result.stdout
    assert "built 2, up to date 0, failed 1" in result.stdout
