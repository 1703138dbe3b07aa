"""`clausier manifest merge`: the build folders of a sharded build joined into one."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import say, shown


@click.group(name="manifest")
def manifest() -> None:
    """The build manifest (build/manifest.json): what each agreement was built from, and its outputs."""


@manifest.command(name="merge")
@click.argument("folders", nargs=-1, required=True, metavar="DIR…",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="The merged build folder (default: build/).")
@click.option("--shards", "count", type=click.IntRange(min=1), metavar="N",
              help="How many shards the build was split into (default: one per DIR). Give it when a shard "
                   "with no agreement left no folder.")
@click.pass_obj
def merge(root: Path, folders: tuple[Path, ...], out: Path | None, count: int | None) -> None:
    """Join the build folders of the shards of one build (`clausier build --shard K/N`, one DIR each)
    into one: the manifest a single build gives, byte for byte, each agreement's line from the shard
    that built it, and each output it records, checked against its sha256.

    Every agreement in agreements/ must have been built by its shard. Exit status 0: merged;
    1: the shards do not add up (each problem is listed, and the manifest is not written).
    """
    from ..manifest_merge import MergeError, merge_shards
    from ..selection import agreement_files, agreement_id, relative

    expected = []
    if (root / "agreements").is_dir():
        expected = [(agreement_id(p), relative(p, root)) for p in agreement_files(root, None)]
    try:
        report = merge_shards(folders, out or root / "build", count, expected)
    except MergeError as exc:
        say(str(exc))
        sys.exit(1)
    for shard in report.shards:
        which = f"shard {shard.slice}/{report.count}" if shard.slice else "no agreement"
        say(f"{shown(shard.folder)}: {which}, {len(shard.agreements)} agreement(s)")
    say(f"merged {len(report.shards)} folder(s) of {report.count} shard(s): {report.agreements} agreement(s), "
        f"{report.outputs} output(s) ({report.copied} copied) → {shown(report.manifest)}")
