"""Hostile input, issue 19 items 6 and 7: the build folder is not an input, and a signed agreement
cannot be re-signed by editing its record.

Each attack plants what an attacker without this user's cache key can write (the formats and
checksums the code shows) and checks the next normal build, read back as a reader would, holds
none of it; each signed-agreement attack is made with a real git repository and `clausier sign-off`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from ruamel.yaml import YAML

from clausier.build import build
from clausier.buildcache import CACHE_DIR, JOURNAL_FILE, PARTS_DIR, STATE_FILE, STATE_MAGIC

PROJECT = Path(__file__).resolve().parents[2]
AGREEMENT = "agreements/acme-fr.md"
PLANTED = "PLANTEDBYANATTACKER"


def _pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)


def _store(out: Path) -> Path:
    [folder] = (out / CACHE_DIR / PARTS_DIR).iterdir()
    return folder


# ---------------------------------------------------------------- the part store


def _visible(body: str) -> str:
    return body + f"\n\n{PLANTED} visible text\n"


def _panic(body: str) -> str:
    return body + '\n\n#panic("planted")\n'


# Every entry rewritten with the attacker's Typst, then given the checksum a reader of the code
# (not of the key) computes: sha1 of the payload, as the store's files carried before.
@pytest.mark.parametrize("attack, plant", [("visible text in every part", _visible), ("#panic in every part", _panic)])
def test_a_planted_part_store_entry_never_reaches_the_next_pdf(repo, attack, plant):
    assert build(repo, formats=["pdf"], jobs=1).ok
    planted = 0
    for entry in _store(repo / "build").iterdir():
        checksum, _, payload = entry.read_bytes().partition(b"\n")
        data = json.loads(payload)
        if data.get("body"):
            data["body"] = plant(data["body"])
            forged = json.dumps(data, ensure_ascii=False).encode("utf-8")
            entry.write_bytes(hashlib.sha1(forged).hexdigest().encode() + b"\n" + forged)
            planted += 1
    assert planted
    (repo / "build/acme-fr/acme-fr.pdf").unlink()  # the next normal build writes it again

    report = build(repo, formats=["pdf"], jobs=1)
    assert report.ok, [r.errors for r in report.results]
    text = _pdf_text(repo / "build/acme-fr/acme-fr.pdf")
    assert PLANTED not in text and "planted" not in text
    assert "Atelier Lumière SARL" in text


def test_the_store_names_and_tags_its_entries_with_an_hmac_only_the_key_gives(repo):
    """batch.lua's HMAC-SHA1 (built on pandoc's sha1) is RFC 2104's, under the store's secret."""
    from clausier.fast.cache_stores import pandoc_abbreviations, part_store
    from clausier.incremental import plan_build

    assert build(repo, formats=["pdf"], jobs=1).ok
    plan = plan_build(repo, formats=["pdf"])
    store = part_store(plan, pandoc_abbreviations(plan))
    secret = bytes.fromhex(store.secret)
    entries = list(_store(repo / "build").iterdir())
    assert entries and Path(store.path).name == _store(repo / "build").name
    for entry in entries:
        checksum, _, payload = entry.read_bytes().partition(b"\n")
        assert checksum.decode() == hmac.new(secret, b"entry\0" + payload, "sha1").hexdigest()
        data = json.loads(payload)
        name = "\0".join(("name", data["salt"], data["language"], data["text"])).encode("utf-8")
        assert entry.name == hmac.new(secret, name, "sha1").hexdigest()


# ---------------------------------------------------------------- the state, journal, kept sources


def _forged_state(out: Path, change) -> None:
    """The state rewritten by `change(data)`, then sealed as the code's format says, without the key."""
    path = out / CACHE_DIR / STATE_FILE
    _, _, body = path.read_bytes().partition(b"\n")
    data = json.loads(body)
    change(data)
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode("utf-8")
    path.write_bytes(STATE_MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)


def _planted_output(repo: Path):
    """An output replaced by the attacker's; returns how to record it as current in a state."""
    output = repo / "build/acme-fr/acme-fr.md"
    output.write_bytes(output.read_bytes().replace(b"Atelier", PLANTED.encode()))
    forged = output.read_bytes()
    st = os.lstat(output)

    def change(data):
        record = data["agreements"][AGREEMENT]["outputs"]["md"]
        record.update(size=st.st_size, sha256=hashlib.sha256(forged).hexdigest(), stat=[st.st_mtime_ns, st.st_ino])
    return change


def _in_a_forged_state(repo: Path) -> None:
    _forged_state(repo / "build", _planted_output(repo))


def _in_a_forged_journal_line(repo: Path) -> None:
    """The same record as a crashed build's journal line, sealed with sha256; the state untouched."""
    change = _planted_output(repo)
    _, _, body = (repo / "build" / CACHE_DIR / STATE_FILE).read_bytes().partition(b"\n")
    data = json.loads(body)
    change(data)
    line = json.dumps({"path": AGREEMENT, "entry": data["agreements"][AGREEMENT]}, separators=(",", ":")).encode()
    (repo / "build" / CACHE_DIR / JOURNAL_FILE).write_bytes(hashlib.sha256(line).hexdigest().encode() + b" " + line + b"\n")


@pytest.mark.parametrize("attack, plant", [
    ("planted output recorded as current in a forged state", _in_a_forged_state),
    ("planted output recorded as current in a forged journal line", _in_a_forged_journal_line),
])
def test_a_forged_cache_record_does_not_keep_a_planted_output(repo, attack, plant):
    assert build(repo, formats=["md"], jobs=1).ok
    plant(repo)
    report = build(repo, formats=["md"], jobs=1)
    assert report.ok and [r.up_to_date for r in report.results] == [False]
    assert PLANTED.encode() not in (repo / "build/acme-fr/acme-fr.md").read_bytes()


def test_a_planted_kept_source_is_not_used(tmp_path):
    from clausier.fast.warm_start import MAGIC, SUFFIX, KeptSources

    folder = tmp_path / "typst"
    folder.mkdir()
    body = json.dumps({"spans": [], "settings": {}}).encode() + b'\n#panic("planted")\n'
    (folder / ("acme-fr" + SUFFIX)).write_bytes(MAGIC + b" " + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    assert KeptSources(str(folder)).find("acme-fr") is None


# Files of the cache replaced by what would make a plain open() follow, wait or fill memory.
def test_a_cache_file_linked_elsewhere_is_neither_written_through_nor_read(repo, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not the build's\n")
    assert build(repo, formats=["md"], jobs=1).ok
    cache = repo / "build" / CACHE_DIR
    (cache / JOURNAL_FILE).symlink_to(outside)
    (repo / "agreements/acme-fr.md").write_text((repo / AGREEMENT).read_text().replace("12000", "12500"))
    assert build(repo, formats=["md"], jobs=1).ok
    assert outside.read_text() == "not the build's\n"


def _limited(megabytes: int):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (megabytes << 20, megabytes << 20))
    return limit


@pytest.mark.parametrize("planted", [f"{CACHE_DIR}/{STATE_FILE}", "manifest.json"])
def test_a_cache_file_or_manifest_linked_to_dev_zero_does_not_exhaust_memory(repo, planted):
    assert build(repo, formats=["md"], jobs=1).ok
    state = repo / "build" / planted
    state.unlink()
    state.symlink_to("/dev/zero")
    agreement = repo / "agreements/acme-fr.md"
    agreement.write_text(agreement.read_text().replace("Claire Martin", "Claire Marty"))  # the manifest is written again
    done = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from clausier.build import build;"
                           "sys.exit(0 if build(Path(sys.argv[1]), formats=['md'], jobs=1).ok else 3)", str(repo)],
                          capture_output=True, text=True, preexec_fn=_limited(1024))
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = repo / "build/manifest.json"
    assert not manifest.is_symlink() and '"acme-fr"' in manifest.read_text()


# ---------------------------------------------------------------- an output changed in place


def _edited_in_place(path: Path) -> None:
    st = os.stat(path)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Atelier", b"Ateliex", 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _replaced_by_a_copy(path: Path) -> None:
    st = os.stat(path)
    copy = path.with_name("copy")
    copy.write_bytes(path.read_bytes().replace(b"Atelier", b"Ateliex", 1))
    os.utime(copy, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(copy, path)


@pytest.mark.parametrize("attack, change", [("edited in place, size and mtime restored", _edited_in_place),
                                            ("replaced by a copy of the same size and mtime", _replaced_by_a_copy)])
@pytest.mark.parametrize("recorded", ["just written", "signature recorded by a no-op build"])
def test_an_output_changed_with_its_size_and_mtime_restored_is_rebuilt(repo, monkeypatch, attack, change, recorded):
    from clausier import incremental

    assert build(repo, formats=["md"], jobs=1).ok
    output = repo / "build/acme-fr/acme-fr.md"
    original = output.read_bytes()
    if recorded != "just written":
        monkeypatch.setattr(incremental, "RACY_NS", 0)  # the fast path's signature, recorded now
        assert [r.up_to_date for r in build(repo, formats=["md"], jobs=1).results] == [True]
        state = json.loads((repo / "build" / CACHE_DIR / STATE_FILE).read_bytes().partition(b"\n")[2])
        assert state["agreements"][AGREEMENT]["outputs"]["md"]["stat"] is not None
    change(output)
    assert output.stat().st_size == len(original) and output.read_bytes() != original
    report = build(repo, formats=["md"], jobs=1)
    assert [r.up_to_date for r in report.results] == [False]
    assert output.read_bytes() == original
    assert [r.up_to_date for r in build(repo, formats=["md"], jobs=1).results] == [True]  # and then it is current


# ---------------------------------------------------------------- the cache key


def test_the_cache_key_is_made_private_outside_the_repository_and_refused_when_exposed(tmp_path, monkeypatch):
    from clausier import cachekey

    monkeypatch.delenv(cachekey.KEY_ENV, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    key = cachekey.cache_key()
    path = tmp_path / "state/clausier/cache.key"
    assert path.read_bytes() == key and len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cachekey._read(str(path)) == key  # read back, not made again

    exposed = tmp_path / "exposed.key"
    exposed.write_bytes(os.urandom(32))
    exposed.chmod(0o644)
    linked = tmp_path / "linked.key"
    linked.symlink_to(path)
    for bad, reason in ((exposed, "open to other users"), (linked, "symbolic link")):
        monkeypatch.setenv(cachekey.KEY_ENV, str(bad))
        with pytest.raises(cachekey.CacheKeyError, match=reason):
            cachekey.cache_key()

    nowhere = tmp_path / "a-file"  # no folder can be made below it: a key for this process only
    nowhere.write_text("")
    monkeypatch.setenv(cachekey.KEY_ENV, str(nowhere / "clausier/cache.key"))
    assert len(cachekey.cache_key()) == 32 and cachekey.cache_key() != key


# ---------------------------------------------------------------- signed agreements


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
                          check=True, capture_output=True, text=True).stdout


def _commit(root: Path, message: str) -> str:
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", message)
    return _git(root, "rev-parse", "HEAD").strip()


def _sign(root: Path) -> None:
    from clausier.cli import main

    result = CliRunner().invoke(main, ["--root", str(root), "sign-off", str(root / AGREEMENT), "--date", "2026-12-03"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


def _findings(root: Path):
    from clausier.lint.context import build_context
    from clausier.lint.rules import signed

    return list(signed.check(build_context(root)))


def _resealed(root: Path, text: str) -> str:
    """The agreement's text with its three hashes recomputed for that text, as an attacker would:
    the source's digest, and the Markdown and PDF rebuilt from the library at the signing commit."""
    from clausier.pipeline import render_outputs
    from clausier.repository import load_agreement, load_repository
    from clausier.signoff import FrozenLibraries, frozen_inputs, source_digest

    (root / AGREEMENT).write_text(text)
    agreement = load_agreement(load_repository(root), root / AGREEMENT)
    with FrozenLibraries(root) as libraries:
        repo, frozen = frozen_inputs(libraries, agreement, root / AGREEMENT)
        _, outputs = render_outputs(repo, frozen, ["md", "pdf"])
    signed = agreement.model.signed
    for old, new in ((signed.source_sha256, source_digest(text, AGREEMENT)),
                     (signed.markdown_sha256, hashlib.sha256(outputs["md"]).hexdigest()),
                     (signed.pdf_sha256, hashlib.sha256(outputs["pdf"]).hexdigest())):
        text = text.replace(old, new)
    (root / AGREEMENT).write_text(text)
    return text


@pytest.fixture
def signed_repo(repo):
    """History: the draft at 10 000 €, then at 12 000 € (the one signed), the sign-off."""
    _git(repo, "init", "-q", "-b", "main")
    path = repo / AGREEMENT
    final = path.read_text()
    path.write_text(final.replace("amount: 12000", "amount: 10000"))
    _commit(repo, "first draft")
    path.write_text(final)
    _commit(repo, "draft")
    _sign(repo)
    _commit(repo, "signed")
    return repo


def _edited_and_resealed(root: Path) -> str:
    text = (root / AGREEMENT).read_text().replace("amount: 12000", "amount: 9000")
    return _resealed(root, text)


def _signed_on_a_forged_commit(root: Path) -> str:
    """The edited text signed by `clausier sign-off` on a commit made aside (not in HEAD's history)."""
    _git(root, "checkout", "-q", "-b", "forged", "HEAD~1")
    (root / AGREEMENT).write_text((root / AGREEMENT).read_text().replace("amount: 12000", "amount: 9000"))
    _commit(root, "forged")
    _sign(root)
    text = (root / AGREEMENT).read_text()
    _git(root, "checkout", "-q", "-f", "main")
    (root / AGREEMENT).write_text(text)
    return text


def _pointed_at_an_older_draft(root: Path) -> str:
    """Signed again by `clausier sign-off` at the first draft (an ancestor: 10 000 €)."""
    _git(root, "checkout", "-q", "HEAD~2")
    _sign(root)
    text = (root / AGREEMENT).read_text()
    _git(root, "checkout", "-q", "-f", "main")
    (root / AGREEMENT).write_text(text)
    return text


@pytest.mark.parametrize("attack, make, expected", [
    ("text edited, three hashes recomputed", _edited_and_resealed, "signed on 2026-12-03 and has changed since"),
    ("edited text signed on a commit outside HEAD's history", _signed_on_a_forged_commit, "not in the history of HEAD"),
    ("record pointed at an older draft's commit, re-signed", _pointed_at_an_older_draft, "other than the one committed"),
])
def test_a_signed_agreement_cannot_be_re_signed_by_editing_its_record(signed_repo, attack, make, expected):
    make(signed_repo)
    findings = _findings(signed_repo)
    assert [f.level for f in findings] == ["error"], findings
    assert expected in findings[0].message and findings[0].path == AGREEMENT


def test_an_untouched_signed_agreement_passes_and_history_problems_are_errors(signed_repo, tmp_path):
    assert _findings(signed_repo) == []

    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{signed_repo}", str(shallow)], check=True)
    (finding,) = _findings(shallow)
    assert finding.level == "error" and "is not in this repository" in finding.message and "shallow" in finding.message

    import shutil

    shutil.rmtree(signed_repo / ".git")
    (finding,) = _findings(signed_repo)
    assert finding.level == "error" and "not a git repository" in finding.message


def test_sign_off_refuses_an_agreement_not_committed_as_it_is(repo):
    from clausier.cli import main

    _git(repo, "init", "-q", "-b", "main")
    _commit(repo, "draft")
    (repo / AGREEMENT).write_text((repo / AGREEMENT).read_text().replace("12000", "12500"))
    result = CliRunner().invoke(main, ["--root", str(repo), "sign-off", str(repo / AGREEMENT)], catch_exceptions=False)
    assert result.exit_code == 1 and "commit the agreement first" in result.output


# ---------------------------------------------------------------- the CI workflow


def _workflow() -> dict:
    return YAML(typ="safe").load((PROJECT / ".github/workflows/contracts.yml").read_text(encoding="utf-8"))


def test_every_checkout_leaves_no_credentials_behind():
    checkouts = [step for job in _workflow()["jobs"].values() for step in job.get("steps", [])
                 if step.get("uses", "").startswith("actions/checkout@")]
    assert checkouts and all(step.get("with", {}).get("persist-credentials") is False for step in checkouts)


def test_no_pull_request_restores_a_cache_of_the_build_folder():
    """setup-python's pip cache (keyed on pyproject.toml) is the only cache; build/ is cached
    nowhere a pull request could restore or write it."""
    for name, job in _workflow()["jobs"].items():
        for step in job.get("steps", []):
            uses = step.get("uses", "")
            if uses.startswith("actions/setup-python@"):
                assert step.get("with", {}).get("cache") in (None, "pip")
            if re.match(r"actions/cache(/restore|/save)?@", uses):
                paths = str(step.get("with", {}).get("path", ""))
                assert "build" not in paths or (name != "pull-request" and "refs/heads/main" in str(step.get("if", ""))), \
                    f"{name}: {uses} caches {paths}"
