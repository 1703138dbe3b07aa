"""The fast route's files in the build cache: the converter's part store, the kept Typst sources,
and the abbreviations pandoc's command line reads (which the batch converter needs)."""

from __future__ import annotations

import os

from ..buildcache import KEPT_DIR, PACKAGE, PARTS_DIR, file_signature, hash_json
from ..cachekey import real_folder, tag
from ..incremental import Plan
from ..render import READER
from . import pandoc_server
from .pandoc_server import PartStore, part_store_secret, user_abbreviations_file
from .warm_start import KeptSources

STORE_CODE = ("batch.lua", "typography.lua")  # what makes a part's Typst text, besides pandoc


def pandoc_abbreviations(plan: Plan) -> tuple[str, ...]:
    """The abbreviations pandoc's command line reads (asking pandoc takes two runs): kept with the
    pandoc binary's probe, asked again when the binary or the user's abbreviations file changes."""
    entry = plan.cache.data.setdefault("tools", {}).setdefault("pandoc", {})
    known = entry.get("abbreviations")
    where = [os.environ.get("XDG_DATA_HOME", ""), os.environ.get("HOME", "")]  # what pandoc's data folder follows
    if known is not None and known.get("where") == where \
            and _user_abbreviations_signature(known["user_dir"]) == known["user_file"]:
        return tuple(known["words"])
    user_dir = pandoc_server.pandoc_user_data_dir()
    words = pandoc_server.cli_abbreviations()  # (looked up here: a test replaces it)
    entry["abbreviations"] = {"user_dir": user_dir, "where": where, "words": list(words),
                              "user_file": _user_abbreviations_signature(user_dir)}
    return words


def _user_abbreviations_signature(user_dir: str) -> list | None:
    """The stat signature of pandoc's user abbreviations file (None when there is none)."""
    user_file = user_abbreviations_file(user_dir)
    return file_signature(user_file) if user_file is not None and user_file.is_file() else None


def part_store(plan: Plan, abbreviations: tuple[str, ...]) -> PartStore:
    """The converter's part store, in the cache folder (see batch.lua). Its salt is what besides a
    part's text can change the part's Typst text: pandoc, the converter and the typography filter,
    the reader and its abbreviations. A forced build does not read it. Its entries are
    authenticated with a secret derived from the user's cache key and the salt (pandoc_server.py)."""
    salt = hash_json(plan.tools["pandoc"], [(name, plan.code.of(str(PACKAGE / name))) for name in STORE_CODE],
                     READER, list(abbreviations))
    secret = part_store_secret(salt)
    # One folder per salt and key (named by neither: a tag of both): an old one goes whole.
    plan.cache.ensure_folder()
    folder = real_folder(plan.cache.folder, PARTS_DIR, tag("part-store-folder", secret.encode("ascii"))[:16])
    return PartStore(str(folder), salt, read=not plan.force, secret=secret)


def kept_sources(plan: Plan, read: bool = True) -> KeptSources:
    """Where each agreement's Typst source is kept for the next build's warm-up; a forced build
    keeps them but reads none."""
    plan.cache.ensure_folder()
    return KeptSources(str(real_folder(plan.cache.folder, KEPT_DIR)), read=read and not plan.force)
