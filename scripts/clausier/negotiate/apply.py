"""`negotiate --apply`: the accepted kinds of change written into the agreement's front matter,
and the whole report (free-text proposals quoted) into build/negotiate/<id>.md.

Fields, parameters (`clauses.parameters.<clause>.<name>`) and variants (`clauses.variants`) are
written; refused changes, free text and structure never are. Each value is edited in place as
text, where the YAML parser says it sits (a new key goes after its mapping's last entry, in the
mapping's own style, block or flow), so comments, quoting and layout stay as they were. The
result is read back before anything is written: its data must be the old data with exactly these
values, its body the same. Then the report and the agreement are written together or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import ClausierError
from .changes import Negotiation
from .report import as_markdown, value_text


class ApplyError(ClausierError):
    pass


@dataclass
class Applied:
    written: list[tuple[str, str, str]] = field(default_factory=list)  # (target, old, new)
    skipped: list[str] = field(default_factory=list)  # why a change was not written
    report: Path | None = None


def planned_writes(negotiation: Negotiation) -> tuple[dict[tuple, tuple[str, Any, Any]], list[str]]:
    """path → (target, old, new) for every change --apply writes; and why others are left out."""
    writes: dict[tuple, tuple[str, Any, Any]] = {}
    skipped, clashing = [], set()
    for meaning in negotiation.meanings:
        if not meaning.applicable or meaning.decision == "refused":
            continue
        if meaning.kind == "variant":
            path = ("clauses", "variants", meaning.clause)
        elif meaning.kind == "parameter":
            clause, name = meaning.target.split(".", 1)
            path = ("clauses", "parameters", clause, name)
        else:
            path = _field_path(meaning.target)
        if path in writes and writes[path][2] != meaning.new_value:
            clashing.add(path)
        writes.setdefault(path, (meaning.target, meaning.old_value, meaning.new_value))
    for path in clashing:
        target = writes.pop(path)[0]
        skipped.append(f"{target}: the returned file gives it two different values; set it by hand")
    return writes, skipped


def _field_path(name: str) -> tuple:
    """"schedule[0].when" → ("schedule", 0, "when")."""
    path: list = []
    for part in name.split("."):
        key, _, rest = part.partition("[")
        path.append(key)
        path += [int(index) for index in rest.rstrip("]").split("][") if index] if rest else []
    return tuple(path)


def token(value: Any) -> str:
    """A value as YAML text that reads back as that value."""
    if isinstance(value, bool) or value is None:
        raise ApplyError(f"cannot write {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(str(item), ensure_ascii=False) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def with_values(text: str, shown: str, writes: dict[tuple, Any]) -> str:
    """The agreement text with each path set to its value, everything else as it was."""
    from ..markdown import front_matter
    from ..yamlio import split_front_matter

    newline = "\r\n" if "\r\n" in text else "\n"
    plain = text.replace("\r\n", "\n")
    lines = plain.split("\n")
    closing = front_matter(plain, required=True).closing
    front = "\n".join(lines[1:closing])
    for path, value in writes.items():
        front = _set(front, path, token(value), shown)
    result = "\n".join([lines[0], front, *lines[closing:]])
    before, after = split_front_matter(plain, shown), None
    try:
        after = split_front_matter(result, shown)
    except Exception as exc:  # noqa: BLE001 - any failure means: do not write
        raise ApplyError(f"{shown}: writing the changes would break its front matter ({exc}); nothing written") from None
    expected = json.loads(json.dumps(before.meta.data, default=str))
    for path, value in writes.items():
        place = expected
        for key in path[:-1]:
            place = place.setdefault(key, {}) if isinstance(place, dict) else place[key]
        place[path[-1]] = _read_back(token(value), shown)
    if _plain(after.meta.data) != _plain(expected) or after.body != before.body:
        raise ApplyError(f"{shown}: the changes could not be written without touching other fields; nothing written")
    return result.replace("\n", newline) if newline != "\n" else result


def _read_back(text: str, shown: str) -> Any:
    from ..yamlio import split_front_matter

    return json.loads(json.dumps(split_front_matter(f"---\nv: {text}\n---\n", shown).meta.data["v"], default=str))


def _plain(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _set(front: str, path: tuple, value: str, shown: str) -> str:
    """`front` (the YAML between the fences) with `path` set to the YAML text `value`."""
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    node = YAML(typ="rt").compose(front)
    parent, depth = node, 0
    while depth < len(path):
        key = path[depth]
        if isinstance(parent, MappingNode):
            child = next((v for k, v in parent.value if isinstance(k, ScalarNode) and k.value == str(key)), None)
        elif isinstance(parent, SequenceNode) and isinstance(key, int) and key < len(parent.value):
            child = parent.value[key]
        else:
            child = None
        if child is None:
            break
        parent, depth = child, depth + 1
    where = ".".join(str(k) for k in path)
    if depth == len(path):
        if not isinstance(parent, ScalarNode):
            raise ApplyError(f"{shown}:{parent.start_mark.line + 2}: {where} is not a single value; set it by hand")
        return front[:parent.start_mark.index] + value + front[parent.end_mark.index:]
    if not isinstance(parent, MappingNode) or not parent.value:
        raise ApplyError(f"{shown}:{parent.start_mark.line + 2}: cannot add {where} here; set it by hand")
    missing = [str(k) for k in path[depth:]]
    if parent.flow_style:
        nested = value
        for key in reversed(missing[1:]):
            nested = f"{{{key}: {nested}}}"
        end = parent.value[-1][1].end_mark.index
        return front[:end] + f", {missing[0]}: {nested}" + front[end:]
    indent = parent.value[0][0].start_mark.column
    last = _last(parent)
    at = last.end_mark.line + (1 if last.end_mark.column > 0 else 0)
    new = [" " * (indent + 2 * i) + f"{key}:" for i, key in enumerate(missing[:-1])]
    new.append(" " * (indent + 2 * (len(missing) - 1)) + f"{missing[-1]}: {value}")
    lines = front.split("\n")
    return "\n".join(lines[:at] + new + lines[at:])


def _last(node):
    """The last scalar written inside a node: where its text ends."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    while isinstance(node, (MappingNode, SequenceNode)) and node.value:
        node = node.value[-1][1] if isinstance(node, MappingNode) else node.value[-1]
    return node


def apply(root: Path, path: Path, shown: str, negotiation: Negotiation, agreement_id: str) -> Applied:
    """Write the changes and build/negotiate/<id>.md, both or neither."""
    from ..safefile import read_text, replace_bytes
    from ..yamlio import split_front_matter

    applied = Applied()
    writes, applied.skipped = planned_writes(negotiation)
    text = read_text(root, path)
    if (split_front_matter(text.replace("\r\n", "\n"), shown).meta.data or {}).get("status") == "signed":
        raise ApplyError(f"{shown} is signed: its text no longer changes; write the agreed changes in an "
                         f"amendment (a new agreement with `amends: {agreement_id}`); nothing written")
    result = with_values(text, shown, {p: new for p, (_, _, new) in writes.items()}) if writes else text
    folder = Path(root) / "build" / "negotiate"
    if folder.is_symlink() or folder.parent.is_symlink():
        raise ApplyError(f"{folder} is a link; nothing written")
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / f"{agreement_id}.md"
    temporary = folder / f".{agreement_id}.{os.getpid()}.tmp"
    temporary.write_text(as_markdown(negotiation), encoding="utf-8")
    try:
        if result != text:
            replace_bytes(root, path, result.encode("utf-8"))
        os.replace(temporary, report)
    finally:
        if temporary.exists():
            temporary.unlink()
    applied.written = [(target, value_text(old), value_text(new)) for target, old, new in writes.values()]
    applied.report = report
    return applied
