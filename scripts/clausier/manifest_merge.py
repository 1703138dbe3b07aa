"""`clausier manifest merge`: the build folders of N shards (`clausier build --shard K/N`, each on its
own CI machine) joined into one build folder, as one unsharded build would have written it.

Each folder must be one shard's: every agreement in its manifest belongs to the same slice of N
(the slice is read from the agreements, so no folder needs to say which shard it was). The
merged manifest takes each agreement's line from the folder that holds it, in the layout the
build writes (output.manifest_text), so it is the same bytes as a single build's; each output
the line records is copied from that folder, once its sha256 is checked.

Refused, with the file and line: a folder holding agreements of several shards, the same
agreement with different lines in two folders, shards built with different tools, an agreement
of the repository no shard built, an output missing or not the bytes its line records. Nothing
is written to the manifest unless everything agrees.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .errors import ClausierError
from .output import MANIFEST, MAX_MANIFEST_BYTES, manifest_text, write_atomic
from .safefile import UnsafeFile, read_bytes
from .shards import shard_of

MAX_OUTPUT_BYTES = 1024 * 1024 * 1024  # one output file
SHOWN = 5  # examples named in one message
_LINE_KEY = re.compile(r'^    ("(?:[^"\\]|\\.)*"): \{')


class MergeError(ClausierError):
    """The shards do not add up to one build; the message lists every problem found."""


@dataclass
class Shard:
    folder: Path
    shown: str  # the manifest's path as messages show it
    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # agreement id → its line in the manifest
    slice: int | None = None  # which of the N shards, read from its agreements (None: it holds none)

    @property
    def agreements(self) -> dict[str, Any]:
        return self.data.get("agreements", {})

    def at(self, ident: str) -> str:
        line = self.lines.get(ident)
        return f"{self.shown}:{line}" if line else self.shown


@dataclass
class MergeReport:
    shards: list[Shard]
    count: int
    agreements: int = 0
    outputs: int = 0
    copied: int = 0  # outputs written (the others were already there, the same bytes)
    manifest: Path | None = None


def merge_shards(folders: Iterable[Path], out: Path, count: int | None = None,
                 expected: Iterable[tuple[str, str]] = ()) -> MergeReport:
    """Merge the shard folders into `out` (its manifest and the outputs). `count`: the number of
    shards (default: one folder each); `expected`: (agreement id, file) pairs the repository
    holds, each of which some shard must have built."""
    folders = [Path(f) for f in folders]
    if not folders:
        raise MergeError("manifest merge: name the shards' build folders")
    count = count or len(folders)
    shards = [_read(folder) for folder in folders]
    problems = [p for shard in shards for p in _slice(shard, count)]
    merged, found = _agreements(shards, problems)
    top = _top_level(shards, problems)
    for ident, where in expected:
        if ident not in merged:
            problems.append(f"{where}: error: no shard's manifest has agreement {ident!r} (shard "
                            f"{shard_of(ident, count)}/{count} builds it: was that shard's build folder given, "
                            "and did its build succeed?)")
    report = MergeReport(shards, count, agreements=len(merged))
    if problems:
        raise MergeError(_listed(problems))
    for ident in sorted(merged):
        _copy_outputs(found[ident], ident, out, report, problems)
    if problems:
        raise MergeError(_listed(problems))
    data = {key: (dict(sorted(merged.items())) if key == "agreements" else value) for key, value in top.items()}
    report.manifest = out / MANIFEST
    write_atomic(report.manifest, manifest_text(data).encode("utf-8"))
    return report


def _read(folder: Path) -> Shard:
    """A shard's manifest, parsed, with each agreement's line; none at all is an empty shard (a
    shard whose slice held no agreement writes no manifest)."""
    shard = Shard(folder, os.path.join(str(folder), MANIFEST))
    if not folder.is_dir():
        raise MergeError(f"{folder}: error: not a folder (give each shard's build folder)")
    if not os.path.lexists(folder / MANIFEST):
        return shard
    try:
        text = read_bytes(folder, MANIFEST, MAX_MANIFEST_BYTES).decode("utf-8")
        data = json.loads(text)
    except UnsafeFile as exc:
        raise MergeError(f"{shard.shown}: error: {exc.findings[0].message}") from None
    except UnicodeDecodeError:
        raise MergeError(f"{shard.shown}: error: not UTF-8 text, so not a manifest the build wrote") from None
    except json.JSONDecodeError as exc:
        raise MergeError(f"{shard.shown}:{exc.lineno}:{exc.colno}: error: not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("agreements"), dict):
        raise MergeError(f"{shard.shown}: error: not a build manifest (no \"agreements\" object)")
    shard.data = data
    for number, line in enumerate(text.split("\n"), start=1):
        match = _LINE_KEY.match(line)
        if match:
            shard.lines.setdefault(json.loads(match.group(1)), number)
    return shard


def _slice(shard: Shard, count: int) -> list[str]:
    """Which shard of `count` this folder is: the one every agreement in it belongs to."""
    owners: dict[int, list[str]] = {}
    for ident in shard.agreements:
        owners.setdefault(shard_of(ident, count), []).append(ident)
    if len(owners) == 1:
        shard.slice = next(iter(owners))
    if len(owners) <= 1:
        return []
    examples = ", ".join(f"{ids[0]!r} (line {shard.lines.get(ids[0], '?')}) is shard {k}/{count}"
                         for k, ids in sorted(owners.items())[:SHOWN])
    return [f"{shard.shown}: error: holds agreements of {len(owners)} different shards of {count}: {examples}. "
            f"Each folder must be one `clausier build --shard K/{count}` build"
            + ("" if count == 1 else "; if the shards were not " + str(count) + ", give --shards N")]


def _agreements(shards: list[Shard], problems: list[str]) -> tuple[dict[str, Any], dict[str, Shard]]:
    """Every agreement's entry, each from the folder holding it; two folders of one shard must agree."""
    merged: dict[str, Any] = {}
    found: dict[str, Shard] = {}
    for shard in shards:
        for ident, entry in shard.agreements.items():
            problem = _malformed(entry)
            if problem:
                problems.append(f"{shard.at(ident)}: error: agreement {ident!r}: {problem}")
                continue
            if ident not in merged:
                merged[ident], found[ident] = entry, shard
            elif entry != merged[ident]:
                first = found[ident]
                fields = [k for k in {**merged[ident], **entry} if merged[ident].get(k) != entry.get(k)]
                problems.append(f"{shard.at(ident)}: error: agreement {ident!r} differs from its line in "
                                f"{first.at(ident)} (field {', '.join(map(repr, fields))}); the same shard "
                                f"built twice from different sources?")
    return merged, found


def _malformed(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return "its line is not an object"
    outputs = entry.get("outputs", {})
    if not isinstance(outputs, dict):
        return "field 'outputs' is not an object"
    for fmt, output in outputs.items():
        if not (isinstance(output, dict) and isinstance(output.get("path"), str)
                and isinstance(output.get("sha256"), str)):
            return f"field 'outputs.{fmt}' needs a 'path' and a 'sha256'"
        if _unsafe_path(output["path"]):
            return f"field 'outputs.{fmt}.path' {output['path']!r} is not a path inside the build folder"
    return None


def _unsafe_path(path: str) -> bool:
    parts = path.split("/")
    return (not path or path.startswith("/") or "\\" in path or "\0" in path
            or any(p in ("", ".", "..") for p in parts) or parts[0] in (MANIFEST, "_cache"))


def _top_level(shards: list[Shard], problems: list[str]) -> dict[str, Any]:
    """The manifest's other fields (the tools that built it): the same in every shard."""
    built = [s for s in shards if s.data]
    if not built:
        return {"agreements": {}}
    first = built[0]
    for shard in built[1:]:
        for key in dict.fromkeys([*first.data, *shard.data]):
            if key != "agreements" and first.data.get(key) != shard.data.get(key):
                problems.append(f"{shard.shown}: error: field {key!r} is {json.dumps(shard.data.get(key))}, but "
                                f"{json.dumps(first.data.get(key))} in {first.shown}: every shard must be built "
                                "with the same tools")
    return first.data


def _copy_outputs(shard: Shard, ident: str, out: Path, report: MergeReport, problems: list[str]) -> None:
    """The agreement's outputs from its shard's folder into `out`, each checked against its line."""
    for fmt, output in shard.agreements[ident].get("outputs", {}).items():
        report.outputs += 1
        try:
            data = read_bytes(shard.folder, output["path"], MAX_OUTPUT_BYTES)
        except UnsafeFile as exc:
            problems.append(f"{os.path.join(str(shard.folder), output['path'])}: error: {exc.findings[0].message} "
                            f"(the {fmt} output {shard.at(ident)} records for {ident!r})")
            continue
        if hashlib.sha256(data).hexdigest() != output["sha256"]:
            problems.append(f"{os.path.join(str(shard.folder), output['path'])}: error: not the bytes "
                            f"{shard.at(ident)} records for {ident!r} (field 'outputs.{fmt}.sha256')")
            continue
        target = out / output["path"]
        if _same_file(target, data):
            continue
        write_atomic(target, data, durable=False)  # thousands of fsyncs; the manifest, last, is durable
        report.copied += 1


def _same_file(target: Path, data: bytes) -> bool:
    try:
        if not target.is_file() or target.is_symlink() or target.stat().st_size != len(data):
            return False
        return target.read_bytes() == data
    except OSError:
        return False


def _listed(problems: list[str]) -> str:
    return "\n".join(problems) + f"\nmanifest merge: {len(problems)} problem{'s' if len(problems) > 1 else ''}; " \
        "nothing merged into the manifest"
