"""Hostile corpus, part C: nothing outside the repository is read, nothing but regular files is
read, git runs nothing the repository configured, file names cannot become options, and an
agreement's name cannot reach outside its own output folder.

Each attack is data (what is planted, what must happen); every command runs for real, in a
subprocess with a time limit (a hang fails the test instead of hanging the suite) and, where
the attack is about memory, under an address-space limit (`resource.setrlimit`).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import uuid
import zlib
from pathlib import Path

import pytest

from conftest import PROJECT, write
from test_gitsource import commit_all, git

CLAUSIER = Path(sys.executable).with_name("clausier")
MARKER = "OUTSIDE-SECRET-4242"
GIGABYTE = 1024 ** 3


def cli(repo: Path, *args: str, timeout: float = 180, memory: int | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`clausier --root repo args` in a subprocess; fails the test if it does not end in `timeout`
    seconds (then every process it started is killed, found by a mark in its environment: build
    workers leave the process group) or if it prints a Python traceback."""

    def limits() -> None:
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    mark = f"hostile-{uuid.uuid4().hex}"
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen([str(CLAUSIER), "--root", str(repo), *args], cwd=cwd or repo, text=True,
                                   stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True,
                                   preexec_fn=limits, env={**os.environ, "CLAUSIER_HOSTILE_RUN": mark})
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_marked(mark)
            process.wait()
            pytest.fail(f"clausier {' '.join(args)} did not finish in {timeout} s (a hang)")
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(process.args, process.returncode, out.read(), err.read())
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


def kill_marked(mark: str) -> None:
    """Kill the processes (by id) whose environment carries `mark`: those one `cli` call started."""
    needle = f"CLAUSIER_HOSTILE_RUN={mark}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                continue


def all_output_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) \
        if folder.exists() else b""


# ---------------------------------------------------------------- files in place of content files


def plant_link(path: Path, outside: Path) -> None:
    path.unlink()
    os.symlink(outside, path)


def plant_fifo(path: Path, _outside: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def plant_folder(path: Path, _outside: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "inner.md").write_text("x")


def plant_device_link(path: Path, _outside: Path) -> None:
    path.unlink()
    os.symlink("/dev/zero", path)


def plant_device(path: Path, _outside: Path) -> None:
    path.unlink()
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # what /dev/zero is
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD")


def plant_socket(path: Path, _outside: Path) -> None:
    path.unlink()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))  # left bound: a listening socket in the repository


def plant_sparse(path: Path, _outside: Path) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(3 * GIGABYTE)  # 3 GB of zeros that take no disk


PLANTS = {"symbolic link to a file outside": (plant_link, "symbolic link"),
          "FIFO": (plant_fifo, "FIFO"),
          "folder": (plant_folder, "folder"),
          "link to /dev/zero": (plant_device_link, "symbolic link"),
          "character device": (plant_device, "device"),
          "socket": (plant_socket, "socket"),
          "3 GB sparse file": (plant_sparse, "the limit is")}

# (file, command, what the message names): each content file the build reads, in place of which
# something else is planted.
TARGETS = {
    "clause file": ("clauses/fees/fr.md", ["build", "--to", "md"]),
    "clause metadata": ("clauses/fees/clause.yml", ["build", "--to", "md"]),
    "template": ("templates/mini.md.j2", ["build", "--to", "md"]),
    "agreement": ("agreements/acme-fr.md", ["build", "--to", "md"]),
    "clausier.yml": ("clausier.yml", ["build", "--to", "md"]),
    "Typst style": ("templates/styles/style.typ", ["build", "--to", "pdf"]),
    "DOCX reference": ("templates/styles/reference.docx", ["build", "--to", "docx"]),
}


# Which plant in place of which file: every kind in place of a clause text, and the kinds that
# hang, exhaust or escape in place of each other file the build reads.
CASES = [("clause file", plant) for plant in PLANTS] + [
    ("agreement", "FIFO"), ("agreement", "folder"), ("agreement", "character device"), ("agreement", "socket"),
    ("agreement", "3 GB sparse file"), ("agreement", "symbolic link to a file outside"),
    ("clause metadata", "FIFO"), ("template", "FIFO"), ("template", "symbolic link to a file outside"),
    ("clausier.yml", "FIFO"), ("clausier.yml", "3 GB sparse file"),
    ("Typst style", "symbolic link to a file outside"), ("Typst style", "FIFO"), ("Typst style", "link to /dev/zero"),
    ("Typst style", "3 GB sparse file"), ("Typst style", "folder"),
    ("DOCX reference", "symbolic link to a file outside"), ("DOCX reference", "FIFO"),
    ("DOCX reference", "character device"), ("DOCX reference", "socket"),
]


@pytest.mark.parametrize("target, plant", CASES, ids=[f"{t}: {p}" for t, p in CASES])
def test_anything_but_a_regular_file_inside_the_repository_is_refused_by_build(repo, tmp_path, target, plant):
    relative, command = TARGETS[target]
    planting, named = PLANTS[plant]
    outside = tmp_path / ("outside" + Path(relative).suffix)
    shutil.copy(repo / relative, outside)
    with outside.open("a") as handle:
        handle.write(f"\n{MARKER}\n" if not relative.endswith(".docx") else "")
    planting(repo / relative, outside)
    done = cli(repo, *command, memory=2 * GIGABYTE if "sparse" in plant else None)
    assert done.returncode == 1, done.stdout + done.stderr
    message = done.stdout + done.stderr
    assert relative in message and named in message, message
    assert MARKER.encode() not in all_output_bytes(repo / "build")


@pytest.mark.parametrize("plant", ["FIFO", "3 GB sparse file", "socket", "folder"])
@pytest.mark.parametrize("target", ["clause file", "agreement", "template"])
def test_check_refuses_them_too_and_ends(repo, tmp_path, target, plant):
    relative, _ = TARGETS[target]
    PLANTS[plant][0](repo / relative, tmp_path / "unused")
    done = cli(repo, "check", memory=2 * GIGABYTE)
    assert done.returncode == 1
    assert relative in done.stdout + done.stderr


@pytest.mark.parametrize("plant", ["symbolic link to a file outside", "FIFO", "3 GB sparse file"])
@pytest.mark.parametrize("style", ["style.typ", "reference.docx", "redline.css.html"])
def test_check_says_what_build_refuses_in_the_styles(repo, tmp_path, style, plant):
    PLANTS[plant][0](repo / "templates/styles" / style, PROJECT / "templates/styles" / style)
    done = cli(repo, "check", "--format", "github", memory=2 * GIGABYTE)
    assert done.returncode == 1 and f"file=templates/styles/{style}" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("style", ["style.typ", "reference.docx", "contract.css.html", "redline.css.html"])
def test_a_style_file_linked_outside_is_never_followed_on_any_route(repo, tmp_path, style):
    """/etc/passwd (or any outside file) in place of a style file: no output of build or diff
    carries it; the command says which file it refused."""
    outside = tmp_path / style
    outside.write_bytes((repo / "templates/styles" / style).read_bytes()
                        + (b"" if style.endswith(".docx") else f"\n/* {MARKER} */\n".encode()))
    plant_link(repo / "templates/styles" / style, outside)
    git(repo, "init", "-q", "-b", "main")
    first = commit_all(repo, "first")
    (repo / "clauses/fees/fr.md").write_text((repo / "clauses/fees/fr.md").read_text().replace(
        "Le prix est", "Le prix global est"))
    built = cli(repo, "build", "--to", "pdf,docx,html,md")
    diffed = cli(repo, "diff", "--base", first, "--to", "html,pdf,docx,md", "--", "agreements/acme-fr.md")
    assert built.returncode == 1 and diffed.returncode == 1  # (build reports the redline style too: as check)
    for done in (built, diffed):
        assert f"templates/styles/{style}" in done.stdout + done.stderr and "symbolic link" in done.stdout + done.stderr
    assert MARKER.encode() not in all_output_bytes(repo / "build")


def test_a_link_in_the_styles_folder_path_is_refused(repo, tmp_path):
    """Not only the last part: templates/styles itself a link to a folder outside."""
    shutil.copytree(repo / "templates/styles", tmp_path / "styles")
    (tmp_path / "styles/style.typ").write_text((tmp_path / "styles/style.typ").read_text() + f"\n// {MARKER}\n")
    shutil.rmtree(repo / "templates/styles")
    os.symlink(tmp_path / "styles", repo / "templates/styles")
    config = repo / "clausier.yml"  # no logo: the style files alone are read through the link
    config.write_text(config.read_text().replace("logo: templates/styles/logo.svg", ""))
    done = cli(repo, "build", "--to", "pdf,docx")
    assert done.returncode == 1
    assert "templates/styles is a symbolic link" in done.stdout + done.stderr


def test_a_link_in_a_clause_folder_path_is_refused(repo, tmp_path):
    shutil.move(repo / "clauses/fees", tmp_path / "fees")
    os.symlink(tmp_path / "fees", repo / "clauses/fees")
    done = cli(repo, "build", "--to", "md")
    assert done.returncode == 1 and "clauses/fees" in done.stdout + done.stderr


# ---------------------------------------------------------------- check --fix writes through no link


def test_check_fix_never_writes_through_a_link(repo, tmp_path):
    outside = tmp_path / "outside"
    shutil.copytree(repo / "clauses/fees", outside)
    decomposed = "Le prix est fixe\u0301.\n"  # not NFC: --fix would rewrite it
    (outside / "fr.md").write_text((outside / "fr.md").read_text() + decomposed)
    shutil.rmtree(repo / "clauses/fees")
    os.symlink(outside, repo / "clauses/fees")
    before = (outside / "fr.md").read_bytes()
    from clausier.lint.fix import normalise_files

    assert normalise_files(repo, ["clauses/fees/fr.md"]) == []
    assert (outside / "fr.md").read_bytes() == before
    cli(repo, "check", "--fix")
    assert (outside / "fr.md").read_bytes() == before


def test_check_fix_still_repairs_a_real_file(repo):
    from clausier.lint.fix import normalise_files

    path = repo / "clauses/fees/fr.md"
    path.write_text(path.read_text() + "Le prix est fixe\u0301.\n")
    assert normalise_files(repo, ["clauses/fees/fr.md"]) == ["clauses/fees/fr.md"]
    assert "fix\u00e9" in path.read_text()


# ---------------------------------------------------------------- the logo


def png(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\0" + b"\xff\xff\xff" * min(width, 4) for _ in range(min(height, 4)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


TINY_JPEG = bytes.fromhex(
    "FFD8FFE000104A46494600010100000100010000FFDB004300080606070605080707070909080A0C140D0C0B0B0C19"
    "12130F141D1A1F1E1D1A1C1C20242E2720222C231C1C2837292C30313434341F27393D38323C2E333432FFC0000B08"
    "0001000101011100FFC4001F0000010501010101010100000000000000000102030405060708090A0BFFC400B51000"
    "02010303020403050504040000017D01020300041105122131410613516107227114328191A1082342B1C11552D1F0"
    "2433627282090A161718191A25262728292A3435363738393A434445464748494A535455565758595A636465666768"
    "696A737475767778797A838485868788898A92939495969798999AA2A3A4A5A6A7A8A9AAB2B3B4B5B6B7B8B9BAC2C3"
    "C4C5C6C7C8C9CAD2D3D4D5D6D7D8D9DAE1E2E3E4E5E6E7E8E9EAF1F2F3F4F5F6F7F8F9FAFFDA0008010100003F00D2"
    "CF20FFD9")
SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">{}</svg>'
BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY a "aaaaaaaaaa">\n'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
        + ']>\n<svg xmlns="http://www.w3.org/2000/svg"><text>&j;</text></svg>')

# (what clausier.yml names, file written there (None: none), its bytes, words the message holds)
LOGO_ATTACKS = {
    "git config": (".git/config", None, None, "templates/styles"),
    "an agreement": ("agreements/acme-fr.md", None, None, "templates/styles"),
    "a PNG outside the styles": ("clauses/logo.png", "clauses/logo.png", png(), "templates/styles"),
    "an absolute path": ("/etc/hostname", None, None, "relative path"),
    "climbing out": ("templates/styles/../../clausier.yml", None, None, "relative path"),
    "a text file named .png": ("templates/styles/evil.png", "templates/styles/evil.png", b"root:x:0:0", "not a PNG"),
    "a PNG cut short": ("templates/styles/cut.png", "templates/styles/cut.png", png()[:30], "not a valid PNG"),
    "a PNG of 100,000 by 100,000": ("templates/styles/huge.png", "templates/styles/huge.png", png(100000, 100000),
                                    "pixels"),
    "a JPEG that is a PNG": ("templates/styles/fake.jpg", "templates/styles/fake.jpg", png(), "not a JPEG"),
    "a GIF": ("templates/styles/logo.gif", "templates/styles/logo.gif", b"GIF89a", ".png, .jpg"),
    "SVG with <script>": ("templates/styles/s.svg", "templates/styles/s.svg",
                          SVG.format("<script>alert(1)</script>").encode(), "<script>"),
    "SVG with onload=": ("templates/styles/s.svg", "templates/styles/s.svg",
                         SVG.replace("<svg ", '<svg onload="alert(1)" ').format("").encode(), "onload"),
    "SVG with xlink:href to http": ("templates/styles/s.svg", "templates/styles/s.svg",
                                    SVG.format('<image xlink:href="http://evil.example/x.png"/>').encode(),
                                    "http://evil.example"),
    "SVG <use> of another file": ("templates/styles/s.svg", "templates/styles/s.svg",
                                  SVG.format('<use href="other.svg#a"/>').encode(), "other.svg"),
    "SVG with @import": ("templates/styles/s.svg", "templates/styles/s.svg",
                         SVG.format("<style>@import url(http://evil.example/a.css);</style>").encode(), "<style>"),
    "SVG style url(http)": ("templates/styles/s.svg", "templates/styles/s.svg",
                            SVG.format('<rect style="fill: url(http://evil.example/p)"/>').encode(), "style="),
    "SVG with <foreignObject>": ("templates/styles/s.svg", "templates/styles/s.svg",
                                 SVG.format("<foreignObject><p>x</p></foreignObject>").encode(), "foreignObject"),
    "SVG with javascript: link": ("templates/styles/s.svg", "templates/styles/s.svg",
                                  SVG.format('<a href="javascript:alert(1)"><rect/></a>').encode(), "<a>"),
    "SVG entity bomb": ("templates/styles/s.svg", "templates/styles/s.svg", BOMB.encode(), "document type"),
    "SVG external entity": ("templates/styles/s.svg", "templates/styles/s.svg",
                            b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>', "document type"),
    "SVG stylesheet instruction": ("templates/styles/s.svg", "templates/styles/s.svg",
                                   b'<?xml-stylesheet href="http://evil.example/a.css"?>' + SVG.format("").encode(),
                                   "processing instruction"),
    "SVG nested <use> copies": ("templates/styles/s.svg", "templates/styles/s.svg", SVG.format(
        '<g id="a"><rect/></g><g id="b"><use href="#a"/><use href="#a"/></g><g id="c"><use href="#b"/></g>').encode(),
        "nested"),
    "HTML named .svg": ("templates/styles/s.svg", "templates/styles/s.svg",
                        b"<html><body onload='alert(1)'></body></html>", "not <svg>"),
    "a link in the styles": ("templates/styles/linked.svg", "LINK", None, "symbolic link"),
    "a FIFO in the styles": ("templates/styles/fifo.png", "FIFO", None, "FIFO"),
}


def set_logo(repo: Path, value: str) -> None:
    config = repo / "clausier.yml"
    config.write_text(config.read_text().replace("logo: templates/styles/logo.svg", f"logo: {value}"))


def plant_logo(repo: Path, planted: str | None, data: bytes | None, value: str) -> None:
    if planted == "LINK":
        os.symlink(repo / "templates/styles/logo.svg", repo / value)
    elif planted == "FIFO":
        os.mkfifo(repo / value)
    elif planted is not None:
        (repo / planted).write_bytes(data)
    (repo / ".git").mkdir(exist_ok=True)
    (repo / ".git/config").write_text("[core]\n\tbare = false\n")


@pytest.mark.parametrize("attack", LOGO_ATTACKS, ids=list(LOGO_ATTACKS))
def test_the_logo_must_be_a_safe_image_in_the_styles_folder(repo, attack):
    value, planted, data, words = LOGO_ATTACKS[attack]
    plant_logo(repo, planted, data, value)
    set_logo(repo, value)
    from clausier.repository import load_repository

    (finding,) = [f for f in load_repository(repo).findings if f.field == "branding.logo"]
    line = next(n for n, text in enumerate((repo / "clausier.yml").read_text().split("\n"), 1) if "logo:" in text)
    assert (finding.path, finding.line, finding.rule) == ("clausier.yml", line, "logo"), finding
    assert words in finding.message, finding.message


@pytest.mark.parametrize("attack", ["git config", "SVG with <script>", "a FIFO in the styles"])
def test_check_and_build_refuse_such_a_logo(repo, attack):
    value, planted, data, _ = LOGO_ATTACKS[attack]
    plant_logo(repo, planted, data, value)
    set_logo(repo, value)
    line = next(n for n, text in enumerate((repo / "clausier.yml").read_text().split("\n"), 1) if "logo:" in text)
    for command in (["check", "--format", "github"], ["build", "--to", "md"]):
        done = cli(repo, *command, timeout=60)
        message = done.stdout + done.stderr
        assert done.returncode == 1 and ("file=clausier.yml,line=" + str(line) in message
                                          or f"clausier.yml:{line}:" in message), message
    assert not (repo / "build/acme-fr/acme-fr.md").exists()


def test_the_logo_function_the_handbook_calls_names_the_line_too(repo):
    from clausier.logo import LogoError, checked_logo

    set_logo(repo, ".git/config")
    with pytest.raises(LogoError) as caught:
        checked_logo(repo, ".git/config")
    (finding,) = caught.value.findings
    assert finding.path == "clausier.yml" and finding.line > 0 and finding.field == "branding.logo"


@pytest.mark.parametrize("name, data", [("logo.png", png(2, 2)), ("logo.jpg", TINY_JPEG), ("logo.svg", None)])
def test_a_real_png_jpeg_or_svg_logo_in_the_styles_is_used(repo, name, data):
    if data is not None:
        (repo / "templates/styles" / name).write_bytes(data)
    set_logo(repo, f"templates/styles/{name}")
    done = cli(repo, "build", "--to", "pdf")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "build/acme-fr/acme-fr.pdf").read_bytes().startswith(b"%PDF")


def test_a_logo_swapped_for_a_link_after_check_is_refused_when_copied(repo, tmp_path):
    """The build reads the logo again when it copies it into Typst's folder: the check at load
    time is not trusted for the copy."""
    from clausier.logo import LogoError
    from clausier.render import prepare_typst_folder

    (tmp_path / "work").mkdir()
    logo = repo / "templates/styles/logo.svg"
    (tmp_path / "secret.svg").write_text(logo.read_text())
    plant_link(logo, tmp_path / "secret.svg")
    with pytest.raises(LogoError):
        prepare_typst_folder(tmp_path / "work", repo, logo)
    assert not (tmp_path / "work/logo.svg").exists()


# ---------------------------------------------------------------- git runs nothing the repository configured


@pytest.fixture
def booby_trapped(repo, tmp_path):
    """A committed repository whose git configuration runs a program for fsmonitor, for the
    smudge and clean filters and the textconv of every file, and as external diff; each leaves a
    marker file when it runs. The working tree then changes a clause (so impact and diff work)."""
    markers = tmp_path / "markers"
    markers.mkdir()
    script = tmp_path / "evil.sh"
    script.write_text(f'#!/bin/sh\ntouch "{markers}/$1"\ncat\n')
    script.chmod(0o755)
    git(repo, "init", "-q", "-b", "main")
    (repo / ".gitattributes").write_text("* filter=evil diff=evil\n*.md export-subst\n")
    clause = repo / "clauses/fees/fr.md"
    clause.write_text(clause.read_text() + "\nRéférence $Format:%H$.\n")
    (repo / "clauses/fees/en.md").write_text((repo / "clauses/fees/en.md").read_text() + "\nReference $Format:%H$.\n")
    first = commit_all(repo, "first")
    for key, value in (("core.fsmonitor", f"{script} fsmonitor"), ("filter.evil.smudge", f"{script} smudge"),
                       ("filter.evil.clean", f"{script} clean"), ("filter.evil.required", "true"),
                       ("diff.evil.textconv", f"{script} textconv"), ("diff.external", f"{script} external"),
                       ("core.pager", f"{script} pager"), ("core.hooksPath", str(tmp_path))):
        git(repo, "config", key, value)
    for hook in ("post-checkout", "post-index-change", "reference-transaction"):
        (tmp_path / hook).write_text(f'#!/bin/sh\ntouch "{markers}/hook-{hook}"\n')
        (tmp_path / hook).chmod(0o755)
    clause.write_text(clause.read_text().replace("Le prix est", "Le prix global est"))
    os.utime(repo / "clauses/fees/en.md", None)  # stat-dirty: a `git diff` would run the clean filter
    return repo, first, markers


def test_impact_and_diff_run_nothing_the_repository_configured(booby_trapped):
    repo, first, markers = booby_trapped
    impact = cli(repo, "impact", "--base", first, "--format", "json", timeout=120)
    assert impact.returncode == 0, impact.stderr
    assert "acme-fr" in impact.stdout
    given = cli(repo, "impact", "--base", first, "clauses/fees/fr.md", timeout=120)
    assert given.returncode == 0, given.stderr
    diff = cli(repo, "diff", "--base", first, "--to", "md", "--", "agreements/acme-fr.md", timeout=120)
    assert diff.returncode == 0, diff.stderr
    assert "global" in diff.stdout
    assert sorted(p.name for p in markers.iterdir()) == []


def test_history_is_read_raw_without_export_substitution(booby_trapped):
    repo, first, markers = booby_trapped
    from clausier.gitsource import tree_at

    with tree_at(repo, first) as old:
        assert "$Format:%H$" in (old / "clauses/fees/fr.md").read_text()
        assert all(not p.is_symlink() for p in old.rglob("*"))
    assert list(markers.iterdir()) == []


def test_a_link_committed_to_history_stays_a_refused_link(repo, tmp_path):
    (tmp_path / "secret.md").write_text((repo / "clauses/fees/fr.md").read_text() + MARKER)
    git(repo, "init", "-q", "-b", "main")
    (repo / "clauses/fees/fr.md").unlink()
    os.symlink(tmp_path / "secret.md", repo / "clauses/fees/fr.md")
    first = commit_all(repo, "first")
    from clausier.gitsource import tree_at
    from clausier.repository import load_repository

    with tree_at(repo, first) as old:
        linked = old / "clauses/fees/fr.md"
        assert linked.is_symlink() and not linked.exists()  # it points nowhere
        findings = load_repository(old).findings
        assert any(f.path == "clauses/fees/fr.md" and "symbolic link" in f.message for f in findings)


def test_a_blob_over_the_size_limit_is_never_read_into_memory(repo):
    git(repo, "init", "-q", "-b", "main")
    big = repo / "clauses/fees/fr.md"
    big.write_bytes(big.read_bytes() + b"x" * (2 * 1024 * 1024))
    first = commit_all(repo, "first")
    from clausier.gitsource import tree_at
    from clausier.repository import load_repository

    with tree_at(repo, first) as old:
        assert (old / "clauses/fees/fr.md").stat().st_size == big.stat().st_size
        assert any("the limit is" in f.message for f in load_repository(old).findings)


# ---------------------------------------------------------------- the Makefile: names never become options


def test_make_changed_pdf_and_redlines_take_any_file_name(repo):
    """A committed agreement named `agreements/ --out=.. README.md`: word-split, it made
    `make changed-pdf` write every output into the parent folder."""
    strange = " --out=.. README"
    text = (repo / "agreements/acme-fr.md").read_text()
    (repo / f"agreements/{strange}.md").write_text(text.replace("Atelier Lumière SARL", "Étrange SARL"))
    (repo / "agreements/-rf.md").write_text(text.replace("Atelier Lumière SARL", "Tiret SARL"))
    (repo / "README.md").write_text("# Contracts\n")  # as every repository has: the split words name it
    git(repo, "init", "-q", "-b", "main")
    first = commit_all(repo, "first")
    clause = repo / "clauses/fees/fr.md"
    clause.write_text(clause.read_text().replace("Le prix est", "Le prix global est"))
    parent = sorted(p.name for p in repo.parent.iterdir())
    make = ["make", "-s", "-f", str(PROJECT / "Makefile"), f"BASE={first}", f"CLAUSIER={CLAUSIER} --root {repo}",
            "STAMP="]
    for target in ("changed-pdf", "redlines"):
        done = subprocess.run([*make, target], cwd=repo, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in repo.parent.iterdir()) == parent  # nothing written beside the repository
    for name in ("acme-fr", strange, "-rf"):
        assert (repo / f"build/{name}/{name}.pdf").exists()
        assert (repo / f"build/diff/{name}/{name}.diff.md").exists()


def test_impact_lists_names_separated_by_nul_bytes(repo):
    git(repo, "init", "-q", "-b", "main")
    first = commit_all(repo, "first")
    odd = "-x 'odd' name"
    (repo / f"agreements/{odd}.md").write_text((repo / "agreements/acme-fr.md").read_text())
    done = cli(repo, "impact", "--base", first, "--format", "paths0")
    assert done.stdout == f"agreements/{odd}.md\0"


# ---------------------------------------------------------------- agreement names


ID_ATTACKS = {
    "dot dot": ("agreements/...md", "cannot be an agreement id"),
    "dot": ("agreements/..md", "cannot be an agreement id"),
    "empty": ("agreements/.md", "cannot be an agreement id"),
    "hidden": ("agreements/.hidden.md", "starts with '.'"),
    "the manifest": ("agreements/manifest.json.md", "keeps for itself"),
    "the redlines folder": ("agreements/diff.md", "keeps for itself"),
    "the cache (named)": ("agreements/_cache.md", "starts with '_'"),
    "250 characters": ("agreements/" + "a" * 250 + ".md", "the limit is"),
    "a control character": ("agreements/bell\x07.md", "control character"),
    "a folder": ("agreements/folder.md", "folder"),
}


@pytest.mark.parametrize("attack", ID_ATTACKS, ids=list(ID_ATTACKS))
def test_an_agreement_name_that_would_escape_or_collide_is_refused(repo, attack):
    relative, words = ID_ATTACKS[attack]
    path = repo / relative
    if attack == "a folder":
        path.mkdir()
        (path / "inner.md").write_text("x")
    else:
        path.write_text((repo / "agreements/acme-fr.md").read_text())
    before = sorted(p.name for p in repo.iterdir())
    named = [] if attack == "a folder" else ["--", relative]  # (a folder named: the agreements in it)
    for command in (["check", *named], ["build", "--to", "md", *named]):
        done = cli(repo, *command, timeout=60)
        assert done.returncode == 1, (command, done.stdout + done.stderr)
        assert words in done.stdout + done.stderr, done.stdout + done.stderr
    assert sorted(p.name for p in repo.iterdir()) == sorted(set(before) | {"build"})
    if (repo / "build/manifest.json").exists():
        assert (repo / "build/manifest.json").is_file()
    done = cli(repo, "build", "--to", "md")  # the whole folder: the others still build
    assert (repo / "build/acme-fr/acme-fr.md").exists()
