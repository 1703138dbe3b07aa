"""Hostile input, part E: hidden characters caught after decoding, terminal escapes shown
escaped, every I/O failure a one-line message, killed workers quiet and their Typst folders
removed.

Each attack is a row of data: what is planted where, and what must come out. The hidden
characters are planted by replacing a piece of the mini repository's text (tests/conftest.py);
the expected place is where `needle` sits in the planted file, and `check` and `build` must both
report that same finding.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clausier.build import build
from clausier.lint import run_checks

PROJECT = Path(__file__).resolve().parents[2]
CLAUSIER = [str(PROJECT / ".venv" / "bin" / "clausier")]
AGREEMENT = "agreements/acme-fr.md"
FEES = "clauses/fees/fr.md"
TEMPLATE = "templates/mini.md.j2"
EXTENDS = '{% extends "_base.md.j2" %}'


def _closing(expression: str) -> str:
    return f'{EXTENDS}\n{{% block closing %}}{expression}{{{{ super() }}}}{{% endblock %}}'


# (attack, file, text replaced, planted text, needle: where the finding points, code point)
HIDDEN = [
    # --- as written, by category: format (Cf), control (Cc), private use, unassigned, invisible marks
    ("function-application-U+2061", AGREEMENT, "Claire Martin", "Claire\u2061Martin", "\u2061", 0x2061),
    ("invisible-separator-U+2063", AGREEMENT, "formation d'une", "formation\u2063 d'une", "\u2063", 0x2063),
    ("mongolian-vowel-separator-U+180E", FEES, "Le prix est", "Le prix\u180e est", "\u180e", 0x180E),
    ("tag-character-U+E0041", FEES, "Le prix est", "Le prix\U000e0041 est", "\U000e0041", 0xE0041),
    ("soft-hyphen-U+00AD", FEES, "Le prix est", "Le p\u00adrix est", "\u00ad", 0x00AD),
    ("grapheme-joiner-U+034F", AGREEMENT, "Claire Martin", "Clai\u034fre Martin", "\u034f", 0x034F),
    ("variation-selector-U+FE0F", AGREEMENT, "formation d'une", "formation\ufe0f d'une", "\ufe0f", 0xFE0F),
    ("interlinear-annotation-U+FFF9", FEES, "Le prix est", "Le \ufff9prix est", "\ufff9", 0xFFF9),
    ("c1-control-U+0085", FEES, "Le prix est", "Le prix\x85 est", "\x85", 0x0085),
    ("escape-control-U+001B", FEES, "Le prix est", "Le prix\x1b[2J est", "\x1b", 0x001B),
    ("private-use-U+E000", AGREEMENT, "formation d'une", "formation\ue000 d'une", "\ue000", 0xE000),
    ("unassigned-U+0378", AGREEMENT, "formation d'une", "formation\u0378 d'une", "\u0378", 0x0378),
    ("line-separator-U+2028", FEES, "Le prix est", "Le prix\u2028est", "\u2028", 0x2028),
    ("in-a-jinja-comment", FEES, "Le prix est", "Le prix {# \u2063 #} est", "\u2063", 0x2063),
    ("in-a-clause-title", FEES, "title: Prix", "title: Pr\u2061ix", "\u2061", 0x2061),
    ("in-clausier-yml", "clausier.yml", "name: Clair Obscur", "name: Clair\ufffa Obscur", "\ufffa", 0xFFFA),
    # --- YAML escapes in double-quoted values and keys (front matter, clause.yml, clausier.yml)
    ("yaml-escape-u-in-agreement", AGREEMENT, "name: Claire Martin", 'name: "Claire\\u202EMartin"', "\\u202E", 0x202E),
    ("yaml-escape-U-tag", AGREEMENT, "name: Claire Martin", 'name: "Claire\\U000E0041Martin"', "\\U000E0041", 0xE0041),
    ("yaml-escape-e-terminal", AGREEMENT, "name: Claire Martin", 'name: "Claire\\e[2JMartin"', "\\e", 0x001B),
    ("yaml-escape-N-next-line", AGREEMENT, "name: Claire Martin", 'name: "Claire\\NMartin"', "\\N", 0x0085),
    ("yaml-escape-x-control", AGREEMENT, "name: Claire Martin", 'name: "Claire\\x07Martin"', "\\x07", 0x0007),
    ("yaml-escape-in-a-key", AGREEMENT, "title: Gérante}", 'title: Gérante, "n\\u200Bote": x}', "\\u200B", 0x200B),
    ("yaml-escape-in-clause-title", FEES, "title: Prix", 'title: "Pr\\u00ADix"', "\\u00AD", 0x00AD),
    ("yaml-escape-in-clause-yml", "clauses/termination/clause.yml", "label: {fr: Délai", 'label: {fr: "D\\u2063élai"',
     "\\u2063", 0x2063),
    ("yaml-escape-in-clausier-yml", "clausier.yml", "name: Clair Obscur Studio", 'name: "Clair \\u202EObscur Studio"',
     "\\u202E", 0x202E),
    # --- HTML entities, as pandoc decodes them
    ("entity-hex", AGREEMENT, "formation d'une", "formation &#x202E; d'une", "&#x202E;", 0x202E),
    ("entity-decimal", FEES, "Le prix est", "Le prix &#8238; est", "&#8238;", 0x202E),
    ("entity-named-rlm", AGREEMENT, "formation d'une", "formation&rlm; d'une", "&rlm;", 0x200F),
    ("entity-named-shy", FEES, "Le prix est", "Le p&shy;rix est", "&shy;", 0x00AD),
    ("entity-zero-width-space", FEES, "Le prix est", "Le prix&ZeroWidthSpace; est", "&ZeroWidthSpace;", 0x200B),
    ("entity-in-a-template", TEMPLATE, EXTENDS, f"{EXTENDS}\n{{% block closing %}}\nX &#x2066; Y\n{{{{ super() }}}}"
     "{% endblock %}", "&#x2066;", 0x2066),
    # --- built by Jinja: only the rendered text has them
    ("jinja-string-escape", FEES, "Le prix est", 'Le prix {{ "\\u202e" }} est', '{{ "\\u202e"', 0x202E),
    ("jinja-format-code-point", FEES, "Le prix est", 'Le prix {{ "%c"|format(8238) }} est', "{{ \"%c\"", 0x202E),
    ("jinja-set-then-print", FEES, "Le prix est", 'Le prix {% set x = "\\u200b" %}{{ x }} est', "{{ x }}", 0x200B),
    ("jinja-entity-split-by-a-comment", FEES, "Le prix est", "Le prix &{# #}#x202E; est", "&{#", 0x202E),
    ("jinja-in-the-template", TEMPLATE, EXTENDS, _closing('{{ "\\u2063" }}'), '{{ "\\u2063"', 0x2063),
]


def _plant(repo: Path, path: str, old: str, new: str) -> str:
    file = repo / path
    text = file.read_text(encoding="utf-8")
    assert old in text, (path, old)
    planted = text.replace(old, new, 1)
    file.write_bytes(planted.encode("utf-8"))
    return planted


def _place(text: str, needle: str) -> tuple[int, int]:
    offset = text.index(needle)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _build_messages(repo: Path) -> list[str]:
    report = build(repo, formats=["md"], jobs=1)
    assert not report.ok
    return [e for r in report.failed for e in r.errors] + [str(f) for f in report.library_errors]


@pytest.mark.parametrize("attack, path, old, new, needle, code", HIDDEN, ids=[row[0] for row in HIDDEN])
def test_hidden_characters_are_caught_after_decoding_at_their_source_place(repo, attack, path, old, new, needle, code):
    planted = _plant(repo, path, old, new)
    line, col = _place(planted, needle)
    expected = f"{path}:{line}:{col}: error: hidden character U+{code:04X} "
    found_by_build = [m for m in _build_messages(repo) if m.startswith(expected)]
    found_by_check = [str(f) for f in run_checks(repo) if str(f).startswith(expected)]
    assert found_by_build, (expected, _build_messages(repo))
    # the same finding, word for word (build lists a clause's error under the agreement and the library)
    assert list(dict.fromkeys(found_by_build)) == list(dict.fromkeys(found_by_check))


def test_what_typography_needs_is_allowed(repo):
    """No-break space, narrow no-break space, thin space, non-breaking hyphen: visible spacing."""
    _plant(repo, AGREEMENT, "formation d'une", "formation\u00a0d'une\u202fdemi\u2011journée\u2009:")
    _plant(repo, FEES, "Le prix est", 'Le prix\u00a0est {{ "\u202f" }}&nbsp;')
    assert build(repo, formats=["md"], jobs=1).ok
    assert not [f for f in run_checks(repo) if f.rule == "hidden-characters"]


# ---------------------------------------------------------------- terminal escapes and console markup


def _run(repo: Path, *args: str, env: dict | None = None, **options) -> subprocess.CompletedProcess:
    environment = {**os.environ, "NO_COLOR": "1", "COLUMNS": "400", **(env or {})}
    environment.pop("FORCE_COLOR", None)
    return subprocess.run([*CLAUSIER, "--root", str(repo), *args], capture_output=True, text=True,
                          env=environment, cwd=repo, **options)


def _acts_on_a_terminal(text: str) -> list[str]:
    return [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0 or c in "\u202e\u2066"]


ESCAPES = [  # (attack, file, text replaced, planted: a YAML escape, the character it makes)
    ("osc-title-in-a-key", AGREEMENT, "status: draft", 'status: draft\n"\\e]0;pwned\\a": 1', 0x001B),
    ("clear-screen-in-a-value", AGREEMENT, "status: draft", 'status: "draft\\e[2J"', 0x001B),
    ("csi-c1-in-a-value", AGREEMENT, "status: draft", 'status: "draft\\x9b2J"', 0x009B),
    ("bell-in-a-value", AGREEMENT, "status: draft", 'status: "draft\\a"', 0x0007),
    ("bidi-in-a-value", AGREEMENT, "status: draft", 'status: "dr\\u202Eaft"', 0x202E),
]


@pytest.mark.parametrize("attack, path, old, new, code", ESCAPES, ids=[row[0] for row in ESCAPES])
def test_terminal_escape_sequences_are_refused_and_shown_escaped_by_check_and_build(repo, attack, path, old, new,
                                                                                     code):
    _plant(repo, path, old, new)
    for args, stream in ((("build", "--to", "md"), "stderr"), (("check",), "stderr"),
                         (("check", "--format", "github"), "stdout")):
        result = _run(repo, *args)
        output = getattr(result, stream)
        assert result.returncode == 1, (args, result.stderr)
        assert not _acts_on_a_terminal(result.stdout + result.stderr), (args, output)
        assert "Traceback" not in result.stderr
        assert f"hidden character U+{code:04X}" in output, (args, output)
    checked = _run(repo, "check", "--format", "json")
    assert not _acts_on_a_terminal(checked.stdout)
    assert json.loads(checked.stdout)  # still JSON, the same data (\\u escapes)


def test_a_file_name_with_escape_sequences_and_markup_is_shown_as_text(repo):
    name = "agreements/x\x1b]0;pwned\x07[bold]y[red].md"
    (repo / name).write_text((repo / AGREEMENT).read_text().replace("status: draft", "status: draft\nfeess: 1"))
    for args in (("build", "--to", "md"), ("check",)):
        result = _run(repo, *args)
        assert not _acts_on_a_terminal(result.stdout + result.stderr), (args, result.stderr)
        assert "x\\x1b]0;pwned\\x07[bold]y[red]" in result.stderr, (args, result.stderr)


def test_console_markup_in_content_is_printed_as_it_is(repo):
    _plant(repo, "clauses/liability/fr.md", "title: Responsabilité", "title: '[bold red]Responsabilité[/]'")
    _plant(repo, AGREEMENT, "template: mini", "template: '[blink]mini[/blink]'")
    listed = _run(repo, "list")
    assert "[bold red]Responsabilité[/]" in listed.stdout
    checked = _run(repo, "check")
    assert "'[blink]mini[/blink]'" in checked.stderr, checked.stderr
    built = _run(repo, "build", "--to", "md")
    assert "'[blink]mini[/blink]'" in built.stderr, built.stderr


def test_finding_strings_escape_every_control_and_format_character():
    from clausier.errors import BuildError, Finding

    finding = Finding("a\x1b[2J.md", 1, 2, message="value '\x9b31m' \u202e\U000e0041 é\u00a0€", field="k\nx")
    assert str(finding) == "a\\x1b[2J.md:1:2: error: value '\\x9b31m' \\u202e\\U000e0041 é\u00a0€ (k\\x0ax)"
    assert "\x1b" not in str(BuildError("x.md", "Typst failed:\n\x1b]0;t\x07"))


# ---------------------------------------------------------------- I/O failures: one line, outputs kept


def _outputs(repo: Path) -> dict[str, bytes]:
    out = repo / "build"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and "_cache" not in p.parts}


def _edit_agreement(repo: Path) -> None:
    _plant(repo, AGREEMENT, "Claire Martin", "Claire Martine")


def _one_line_error(result: subprocess.CompletedProcess, naming: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line.lower()]  # click: "Error: …"
    assert errors and any(naming in line for line in errors), result.stderr


def _can_mount() -> bool:
    return os.geteuid() == 0 and subprocess.run(["mount", "--version"], capture_output=True).returncode == 0


class _Mounted:
    """A mount over `target` for the test's time (root only); unmounted whatever happens."""

    def __init__(self, *commands: list[str], target: Path) -> None:
        self.commands, self.target, self.mounted = commands, target, []

    def __enter__(self):
        for command in self.commands:
            subprocess.run(command, check=True)
            self.mounted.append(command[-1])
        return self

    def __exit__(self, *exc):
        for point in reversed(self.mounted):
            subprocess.run(["umount", "-l", point], check=False)


def test_a_read_only_build_folder_is_one_line_and_keeps_the_outputs(repo):
    assert _run(repo, "build", "--to", "md,html").returncode == 0
    before = _outputs(repo)
    _edit_agreement(repo)
    build_folder = repo / "build"
    if _can_mount():
        with _Mounted(["mount", "--bind", str(build_folder), str(build_folder)],
                      ["mount", "-o", "remount,ro,bind", str(build_folder)], target=build_folder):
            result = _run(repo, "build", "--to", "md,html")
    else:
        for folder in [build_folder, *[p for p in build_folder.rglob("*") if p.is_dir()]]:
            folder.chmod(0o555)
        try:
            result = _run(repo, "build", "--to", "md,html")
        finally:
            for folder in [build_folder, *[p for p in build_folder.rglob("*") if p.is_dir()]]:
                folder.chmod(0o755)
    _one_line_error(result, "build/")
    assert "Read-only file system" in result.stderr or "Permission denied" in result.stderr
    assert _outputs(repo) == before


def test_a_full_build_folder_is_one_line_and_keeps_the_outputs(repo, tmp_path):
    assert _run(repo, "build", "--to", "md,html").returncode == 0
    before = _outputs(repo)
    _edit_agreement(repo)
    if _can_mount():
        memory = tmp_path / "full"
        memory.mkdir()
        with _Mounted(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(memory)], target=memory):
            subprocess.run(["cp", "-a", f"{repo / 'build'}/.", str(memory)], check=True)
            with _Mounted(["mount", "--bind", str(memory), str(repo / "build")], target=repo / "build"):
                with open(repo / "build" / "filler", "wb") as filler:  # fill it up
                    try:
                        while True:
                            filler.write(b"\0" * 65536)
                    except OSError:
                        pass
                result = _run(repo, "build", "--to", "md,html")
                (repo / "build" / "filler").unlink()
                after = _outputs(repo)
        _one_line_error(result, "build/")
        assert "No space left on device" in result.stderr
    else:  # a file size limit: writes past it fail with EFBIG (SIGXFSZ ignored)
        def small_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
        result = _run(repo, "build", "--to", "md,html", preexec_fn=small_files)
        after = _outputs(repo)
        _one_line_error(result, "build/")
    assert after == before


@pytest.mark.parametrize("what", ["build-is-a-file", "agreement-output-folder-is-a-file", "out-is-a-file"])
def test_an_output_folder_that_is_a_file_is_one_line(repo, what):
    if what == "build-is-a-file":
        (repo / "build").write_text("not a folder")
        result = _run(repo, "build", "--to", "md")
        _one_line_error(result, "build")
    elif what == "agreement-output-folder-is-a-file":
        assert _run(repo, "build", "--to", "md").returncode == 0
        _edit_agreement(repo)
        folder = repo / "build" / "acme-fr"
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()
        folder.write_text("not a folder")
        result = _run(repo, "build", "--to", "md")
        _one_line_error(result, "build/acme-fr")
        assert folder.read_text() == "not a folder"
    else:
        (repo / "elsewhere").write_text("a file")
        result = _run(repo, "build", "--to", "md", "--out", "elsewhere")
        _one_line_error(result, "elsewhere")


@pytest.mark.parametrize("what", ["a-folder-named-like-an-agreement", "a-250-character-name"])
def test_a_bad_agreement_on_the_command_line_is_one_line(repo, what):
    if what == "a-folder-named-like-an-agreement":
        name = "agreements/folder.md"
        (repo / name).mkdir()
    else:
        name = "agreements/" + "b" * 247 + ".md"
        (repo / name).write_text((repo / AGREEMENT).read_text())
    result = _run(repo, "build", "--to", "md", name)
    _one_line_error(result, name)
    everything = _run(repo, "build", "--to", "md")  # the others are still built
    assert (repo / "build" / "acme-fr" / "acme-fr.md").is_file(), everything.stderr


# ---------------------------------------------------------------- killed workers and their Typst folders


def _workspaces(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("clausier-*") if p.is_dir())


def _three_agreements(repo: Path) -> None:
    text = (repo / AGREEMENT).read_text()
    (repo / "agreements/b-fr.md").write_text(text.replace("Claire Martin", "Paul Durand"))
    (repo / "agreements/c-fr.md").write_text(text.replace("Claire Martin", "Anne Roy"))


def test_a_worker_killed_mid_build_fails_its_agreement_quietly_and_leaves_no_typst_folder(repo, tmp_path):
    from conftest import FAULTS as TEST_HOOK

    scratch = tmp_path / "scratch"  # where workspaces go (TMPDIR): this test's alone
    scratch.mkdir()
    _three_agreements(repo)
    # One worker: it builds acme-fr (its Typst folder made), dies in the middle of b-fr; a new one builds c-fr.
    result = _run(repo, "build", "--to", "pdf", "-j", "1", env={"TMPDIR": str(scratch), TEST_HOOK: "kill:b-fr"})
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert "✗ agreements/b-fr.md" in lines
    assert any(line.startswith("  agreements/b-fr.md: error: the worker process building it was stopped by SIGKILL")
               for line in lines)
    assert (repo / "build/acme-fr/acme-fr.pdf").is_file() and (repo / "build/c-fr/c-fr.pdf").is_file()
    expected = {"✗ agreements/b-fr.md", "built 2, up to date 0, failed 1", "failed: agreements/b-fr.md"}
    told = ("✓ ", "  agreements/b-fr.md: error:")
    noise = [line for line in lines if line not in expected and not line.startswith(told)]
    assert noise == [], result.stderr  # nothing from pandoc, Typst or multiprocessing
    assert _workspaces(scratch) == []


def test_after_the_build_itself_is_killed_the_next_build_removes_its_typst_folders(repo, tmp_path):
    from conftest import FAULTS as TEST_HOOK

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _three_agreements(repo)
    env = {**os.environ, "NO_COLOR": "1", "TMPDIR": str(scratch), TEST_HOOK: "sleep:b-fr"}
    # One worker: it builds acme-fr (its Typst folder made), then sleeps in the middle of b-fr.
    process = subprocess.Popen([*CLAUSIER, "--root", str(repo), "build", "--to", "pdf", "-j", "1"], cwd=repo, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    worker = None
    try:
        _wait_for(lambda: (repo / "build/acme-fr/acme-fr.pdf").exists() or process.poll() is not None)
        (workspace,) = _workspaces(scratch)
        worker = int(workspace.name.split("-")[2])
        process.kill()  # SIGKILL: the building process cannot clean up
        process.wait()
        # The kernel stops its worker too (else it would sleep on, holding its folder).
        assert _wait_for(lambda: not _alive(worker)), "the worker outlived its building process"
    finally:
        if process.poll() is None:
            process.kill()
        _kill_processes_of(scratch)  # a worker that outlived it (the bug this test is about)
        process.stderr.close()
    assert workspace.is_dir()  # left behind, as any crash leaves it
    next_build = _run(repo, "build", "--to", "md", env={"TMPDIR": str(scratch)})
    assert next_build.returncode == 0, next_build.stderr
    assert _workspaces(scratch) == []


def _kill_processes_of(scratch: Path) -> None:
    """SIGKILL every process started with TMPDIR=`scratch`: this test's alone."""
    marker = f"TMPDIR={scratch}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    os.kill(int(entry.name), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_for(condition, patience: float = 120.0) -> bool:
    """Poll `condition` until it holds (True) or `patience` seconds pass (False): a bound on a
    wait, not a timing assertion."""
    deadline = time.monotonic() + patience
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_only_workspaces_no_process_uses_are_removed(tmp_path):
    """Two builds may run at once: a workspace in use (locked by its live worker) is kept, one
    whose worker was SIGKILLed is removed at once, whatever its age."""
    from clausier.fast import typst_workspace as typst_batch

    code = ("import os, sys; from clausier.fast.typst_workspace import claimed_folder; "
            "folder, _ = claimed_folder(sys.argv[1]); print(folder, flush=True); os.kill(os.getpid(), 9)")
    dead = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    gone = Path(dead.stdout.strip())
    in_use, lock = typst_batch.claimed_folder(str(tmp_path))
    try:
        assert gone.is_dir() and in_use.is_dir()
        assert typst_batch.remove_abandoned_workspaces(str(tmp_path)) == 1
        assert not gone.exists() and in_use.is_dir()
    finally:
        os.close(lock)


def test_a_next_line_character_in_a_quoted_value_does_not_break_the_escape_scan():
    """YAML counts U+0085 (NEL) as a line break: the scan counts lines as YAML's marks do (found
    by the random front-matter test, which crashed on `template: ["\\x85`)."""
    from clausier.textsafety import yaml_escape_findings

    (finding,) = yaml_escape_findings('a: 1\x85\x85b: "\\u202e"', "agreements/x.md")
    assert finding.path == "agreements/x.md" and "U+202E" in finding.message
