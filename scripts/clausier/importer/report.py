"""The import report: what was made, what was guessed, and each thing not mapped with its place
in the source, so a lawyer can finish by hand. Printed, and kept as build/import/<id>.md."""

from __future__ import annotations

from .inlines import Notes
from .parts import parts_report
from .references import Found
from .structure import Document
from .writing import Planned

NOT_YET = [
    "the parties, amounts and dates the source writes out (not as placeholders) come back as literal text: "
    "replace them with `{{ client.name }}`, `{{ terms.x }}` or parameters",
]


def report(*, shown: str, template_id: str, language: str, language_guessed: bool, document: Document,
           planned: Planned, found: Found, notes: Notes, numbering: dict) -> str:
    out = [f"# Import of {shown} as {template_id}", "", "## Made", ""]
    out.append(f"- `templates/{template_id}.md.j2`: {len(document.articles)} articles"
               + (", a preamble" if document.preamble else "") + (", a closing" if document.closing else ""))
    for cid, title, category, guessed in planned.clauses:
        how = guessed if isinstance(guessed, str) else "guessed from the title" if guessed else "default: no keyword matched"
        out.append(f"- `clauses/{cid}/` — {title} (category `{category}`, {how})")
    out.append(f"- `agreements/{template_id}-example.md`: an example agreement that builds")
    out += ["", "## Guessed", ""]
    out.append(f"- language: {language}" + (" (guessed from the text)" if language_guessed else ""))
    out += [f"- {guess}" for guess in document.style.guesses]
    heading = numbering["heading"]
    out.append(f"- numbering written to the template: heading {heading!r}, sub-clause titles "
               f"{numbering['sub_title']}" + (f", items {', '.join(numbering['items'])}" if numbering.get("items") else "")
               + (f", references read {' / '.join(numbering['refer'])}" if numbering.get("refer") else ""))
    if planned.prefixed:
        out.append(f"- clause ids prefixed with `{template_id}-` (the library already has them): "
                   + ", ".join(sorted(set(planned.prefixed))))
    if planned.stubs:
        out.append(f"- {len(planned.stubs)} texts in the library's other languages written as \"to translate\" "
                   "stubs (no copied wording): translate them before using these clauses in another language")
    out += parts_report(document)  # key terms, defined terms, cover and annexes (parts.py)
    out += ["", "## Cross-references", "", f"- {found.made} turned into ref()/refs()"]
    for index, text in found.left or []:
        out.append(f"- paragraph {index}: left as written, not inside this document: \"{text}\"")
    out += ["", "## Not mapped", ""]
    items = sorted(set(notes.unmapped))
    out += [f"- {f'paragraph {index}' if index else 'before paragraph 1'}: {message}" for index, message in items] \
        or ["- nothing"]
    out += ["", "## Not done by this version", ""] + [f"- {line}" for line in NOT_YET]
    return "\n".join(out) + "\n"
