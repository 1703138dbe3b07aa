"""Redline outputs: the comparison as HTML and PDF (coloured underline and strike-through, with a
legend) and as DOCX with real tracked changes (w:ins / w:del revisions Word and LibreOffice show).

pandoc runs exactly as for contracts: the same Markdown reader (`render.READER`, every raw
passthrough off), `--sandbox` and the same filter (typography.lua, which drops every attribute
content wrote). The only markup beyond the assembled text is what `marks.to_markdown` adds
around words, and the legend, built from escaped text; the attributes they need (the legend's
id, the revisions' author and date) are marked with a random key only this run's pandoc knows
(`own_mark`), so content cannot forge them. The HTML's head is the contract's: a strict
Content-Security-Policy and the styles, read by safefile (htmlsafety.py). The HTML marks
insertions with <ins> and deletions with <del>; the DOCX route also runs redline.lua, which puts
each change's edge spaces inside its revision (Accept all / Reject all read word for word).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import re
import secrets
import subprocess
import tempfile
import zipfile
from pathlib import Path

from .. import render
from ..pipeline import render_settings
from ..errors import BuildError
from ..formatting import long_date
from ..htmlsafety import HEADER_FILE, html_header
from ..markdown import escape_text
from ..safefile import read_text
from .align import Comparison
from .marks import INSERTED_CLASS, to_markdown, tracked
from .marks import visual as visual_marks

REDLINE_CSS = "redline.css.html"
# Table widths: pandoc sizes a pipe table by its dashes when a source line is longer than
# --columns; marks lengthen lines, so the redline keeps natural widths whatever their length.
COLUMNS = "--columns=100000"
AUTHOR = "Clausier"
LEGEND_ID = "redline-legend"
OWN_MARK = "clausier-own"  # typography.lua's name for it
MARKUP_KEY_VARIABLE = "CLAUSIER_MARKUP_KEY"
TRACKED_FILTER = Path(__file__).resolve().parents[1] / "redline.lua"  # a change's edge spaces, inside it
TOOL_ROOT = Path(__file__).resolve().parents[3]  # the tool's own redline style, for a revision without one

WORDS = {
    "fr": {
        "title": "Comparaison", "base": "version de référence", "head": "version comparée",
        "working": "copie de travail", "made": "établie le", "changed": "article modifié",
        "changed_n": "articles modifiés", "inserted": "inséré", "inserted_n": "insérés",
        "deleted": "supprimé", "deleted_n": "supprimés", "renumbered": "renuméroté",
        "renumbered_n": "renumérotés", "added": "mot ajouté", "added_n": "mots ajoutés",
        "removed": "supprimé", "removed_n": "supprimés", "none": "aucune modification du texte",
        "key": "Légende", "ins": "texte ajouté", "del": "texte supprimé", "absent": "absent",
        "tracked": "les modifications sont des révisions (suivi des modifications)",
        "merge_base": "base commune avec main",
    },
    "en": {
        "title": "Comparison", "base": "base version", "head": "compared version",
        "working": "working tree", "made": "prepared on", "changed": "article changed",
        "changed_n": "articles changed", "inserted": "inserted", "inserted_n": "inserted",
        "deleted": "deleted", "deleted_n": "deleted", "renumbered": "renumbered",
        "renumbered_n": "renumbered", "added": "word added", "added_n": "words added",
        "removed": "removed", "removed_n": "removed", "none": "no change to the text",
        "key": "Key", "ins": "inserted text", "del": "deleted text", "absent": "absent",
        "tracked": "changes are tracked revisions",
        "merge_base": "merge base with main",
    },
}


def _count(words: dict, n: int, key: str) -> str:
    return f"{n} {words[key] if n == 1 else words[key + '_n']}"


def _numbers(sections, language: str) -> str:
    numbers = [s.new_number or s.old_number for s in sections if s.new_number or s.old_number]
    if not numbers:
        return ""
    joined = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + (" et " if language == "fr" else " and ") + numbers[-1]
    return f" ({joined})"


def legend_facts(comparison: Comparison, base, head, when: dt.datetime) -> tuple[str, str, str]:
    """Plain text for the legend: the title word, the versions compared, then the counts."""
    language = comparison.language if comparison.language in WORDS else "en"
    w = WORDS[language]
    colon = " :" if language == "fr" else ":"
    semicolon = " ;" if language == "fr" else ";"

    def side(revision) -> str:
        if revision.commit is None:
            return w["working"]
        # the label is the command line's (English); the legend speaks the agreement's language
        text = f"{revision.short} ({w['merge_base']})" if getattr(revision, "merge_base", False) else revision.label
        if revision.date:
            text += f", {long_date(revision.date, language)}"
        return text

    versions = (f"{w['base']}{colon} {side(base)}{semicolon} {w['head']}{colon} {side(head)}{semicolon} "
                f"{w['made']} {long_date(when.date(), language)}")
    if not comparison.changed:
        return w["title"], versions, w["none"]
    articles = [s for s in comparison.sections if s.is_article]
    facts = []
    for status, key in (("changed", "changed"), ("inserted", "inserted"), ("deleted", "deleted"),
                        ("renumbered", "renumbered")):
        chosen = [s for s in articles if s.status == status]
        if chosen or status == "changed":
            numbers = _numbers(chosen, language) if status != "renumbered" else ""
            facts.append(_count(w, len(chosen), key) + numbers)
    others = [s for s in comparison.sections if not s.is_article and s.status != "unchanged"]
    if others:
        facts.append(", ".join(s.title for s in others))
    counts = comparison.counts
    words = f"{_count(w, counts.added, 'added')}, {_count(w, counts.removed, 'removed')}"
    return w["title"], versions, ", ".join(facts) + f"{semicolon} " + words


def own_mark(key: str) -> str:
    """The attribute that marks the redline's own markup for the document filter (typography.lua):
    it keeps that markup's attributes only with the key given to its pandoc (CLAUSIER_MARKUP_KEY),
    and drops every attribute content wrote, so content cannot forge a legend or a revision."""
    return f' {OWN_MARK}="{key}"' if key else ""


def visual_legend(comparison: Comparison, base, head, when: dt.datetime, key: str = "") -> str:
    """The legend at the top of the HTML and PDF redlines (a div styled by both)."""
    w = WORDS[comparison.language if comparison.language in WORDS else "en"]
    title, versions, facts = legend_facts(comparison, base, head, when)
    colon = " :" if comparison.language == "fr" else ":"
    return (f"::: {{#{LEGEND_ID}{own_mark(key)}}}\n"
            f"**{escape_text(title)}** — {escape_text(versions)}\\\n{escape_text(facts)}\\\n"
            f"{escape_text(w['key'])}{colon} {visual_marks(own_mark(key)).insert(escape_text(w['ins']))} · "
            f"~~{escape_text(w['del'])}~~\n:::")


def _with_comment(markdown: str, comment: str, when: str, key: str = "") -> str:
    """Attach the legend to the first heading or paragraph as a Word comment: accepting every
    revision then leaves the contract itself, with no legend in its text."""
    lines = markdown.split("\n")
    start = f'[{comment}]{{.comment-start id="9000" author="{AUTHOR}" date="{when}"{own_mark(key)}}}'
    end = f'[]{{.comment-end id="9000"{own_mark(key)}}}'
    for index, line in enumerate(lines):
        if not line.strip() or line.startswith((":::", "|", "-", "*", "+", ">", "`", "~")) or line[:1].isdigit():
            continue
        if line.startswith("#"):
            marker, _, text = line.partition(" ")
            attributes = ""
            if text.rstrip().endswith("}") and " {" in text:
                text, _, rest = text.rpartition(" {")
                attributes = " {" + rest
            lines[index] = f"{marker} {start}{text}{end}{attributes}"
        else:
            lines[index] = start + line
            # the comment ends with the paragraph
            end_at = index
            while end_at + 1 < len(lines) and lines[end_at + 1].strip() and not lines[end_at + 1].startswith(":::"):
                end_at += 1
            lines[end_at] = lines[end_at] + end
        return "\n".join(lines)
    return f"{start}{end}\n\n{markdown}"


def _pandoc(args: list[str], source: Path, shown: str, env: dict[str, str] | None = None, key: str = "",
            filters: tuple[Path, ...] = ()) -> None:
    """pandoc as for contracts (render.READER, --sandbox, the same filter), with natural table
    widths; `key`: what the redline's own markup is marked with (see own_mark)."""
    env = {**(env or {}), MARKUP_KEY_VARIABLE: key}
    command = [render.pandoc_path(), "--sandbox", "-f", render.READER, "--lua-filter", str(render.TYPOGRAPHY),
               *(f"--lua-filter={path}" for path in filters), COLUMNS, *args, str(source)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=render.PANDOC_TIMEOUT,
                              env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        raise BuildError(shown, f"pandoc did not finish in {render.PANDOC_TIMEOUT} s") from None
    if done.returncode != 0:
        raise BuildError(shown, f"pandoc failed on the redline: {done.stderr.strip()}")


def _pdf(source: Path, settings, shown: str, key: str) -> bytes:
    """Like render.render_pdf, with the redline section of style.typ switched on."""
    with tempfile.TemporaryDirectory(prefix="clausier-redline-") as scratch:
        work = Path(scratch)
        render.prepare_typst_folder(work, settings.root, settings.logo)
        _pandoc(["-t", "typst", "--standalone", "-V", f"template={render.TYPST_STYLE}", *settings.metadata_args(),
                 "-o", str(work / "main.typ")], source, shown, key=key)
        return render.compile_typst_folder(work, {**render.typst_inputs(settings), "redline": "1"},
                                           settings.timestamp, shown, failure="Typst failed on the redline")


def _html(source: Path, settings, shown: str, key: str) -> bytes:
    """The HTML redline; its head (the policy, the contract style and the redline style, read by
    safefile) written into the scratch folder: pandoc reads no path of the repository."""
    own = (render.STYLES / REDLINE_CSS).as_posix()
    text = html_header(settings.root, [(render.STYLES / render.HTML_STYLE).as_posix()])
    if os.path.lexists(settings.root / own):  # a link there is refused, not skipped
        text += read_text(settings.root, own)
    elif (TOOL_ROOT / own).is_file():  # a revision older than the redline style: the tool's own
        text += read_text(TOOL_ROOT, own)
    with tempfile.TemporaryDirectory(prefix="clausier-redline-") as scratch:
        target = Path(scratch) / "out.html"
        header = Path(scratch) / HEADER_FILE
        header.write_text(text, encoding="utf-8")
        _pandoc(["-t", "html5", "--standalone", f"--include-in-header={header}", *settings.metadata_args(),
                 "-o", str(target)], source, shown, key=key)
        return insertion_elements(target.read_text(encoding="utf-8")).encode("utf-8")


_OWN_INSERTION = f'<span class="{INSERTED_CLASS}"><u>'
_SPAN_TAG = re.compile(r"<span[\s>]|</span>")


def insertion_elements(html: str) -> str:
    """The redline's insertions as <ins> elements (screen readers and copy-paste keep what is
    inserted): pandoc writes each as its own span around an underline, which only the redline's
    marks make (content's spans are unwrapped by typography.lua). pandoc escapes text, so every
    `<span` here is a tag."""
    out, index = [], 0
    while (start := html.find(_OWN_INSERTION, index)) != -1:
        depth, at = 1, start + len(_OWN_INSERTION)
        for tag in _SPAN_TAG.finditer(html, at):
            depth += -1 if tag.group(0) == "</span>" else 1
            if depth == 0:
                break
        else:
            break
        end = tag.start()
        inner = html[start + len(_OWN_INSERTION) : end]
        if not inner.endswith("</u>"):
            break
        out += [html[index:start], "<ins>", inner[: -len("</u>")], "</ins>"]
        index = tag.end()
    out.append(html[index:])
    return "".join(out)


def _docx(source: Path, settings, shown: str, stamp: str, key: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="clausier-redline-") as scratch:
        target = Path(scratch) / "out.docx"
        reference = render.copy_reference_docx(settings.root, Path(scratch))  # read by safefile
        _pandoc(["-t", "docx", f"--reference-doc={reference}", *settings.metadata_args(), "-o", str(target)],
                source, shown, env={"SOURCE_DATE_EPOCH": str(settings.timestamp)}, key=key, filters=(TRACKED_FILTER,))
        return _with_paragraph_marks(target.read_bytes(), stamp)


_TABLE = re.compile(r"(<w:tbl>.*?</w:tbl>)", re.S)
_PARAGRAPH = re.compile(r"<w:p>(.*?)</w:p>", re.S)
_PROPERTIES = re.compile(r"^(<w:pPr>.*?</w:pPr>)?", re.S)


def _with_paragraph_marks(docx: bytes, stamp: str) -> bytes:
    """pandoc marks the text of a wholly inserted or deleted paragraph, not its paragraph mark:
    Accept all (or Reject all) would leave an empty paragraph. Mark the paragraph mark too
    (w:pPr/w:rPr/w:ins or w:del), outside tables, as Word does for a paragraph it tracks; then
    lay the document out as the contract's own DOCX (signature block kept together, widths…)."""
    ids = itertools.count(900000)

    def mark(match: re.Match) -> str:
        body = match.group(1)
        properties = _PROPERTIES.match(body).group(1) or ""
        rest = body[len(properties):]
        if "<w:rPr>" in properties:
            return match.group(0)
        for kind in ("del", "ins"):
            if f"<w:{kind} " not in rest:
                continue
            outside = re.sub(rf"<w:{kind} [^>]*>.*?</w:{kind}>", "", rest, flags=re.S)
            if re.search(r"<w:r[ >]", outside):
                continue
            tag = f'<w:rPr><w:{kind} w:id="{next(ids)}" w:author="{AUTHOR}" w:date="{stamp}" /></w:rPr>'
            properties = properties.replace("</w:pPr>", tag + "</w:pPr>") if properties else f"<w:pPr>{tag}</w:pPr>"
            return f"<w:p>{properties}{rest}</w:p>"
        return match.group(0)

    from ..docx_layout import laid_out  # lxml: imported only for a DOCX

    source = io.BytesIO(docx)
    out = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "word/document.xml":
                parts = _TABLE.split(data.decode("utf-8"))
                text = "".join(part if part.startswith("<w:tbl>") else _PARAGRAPH.sub(mark, part) for part in parts)
                data = laid_out(text.encode("utf-8"))  # the layout of the contract's own DOCX (docx_layout)
            new.writestr(item, data)
    return out.getvalue()


def render_redline(comparison: Comparison, side, base, head, when: dt.datetime, formats: list[str]) -> dict[str, bytes]:
    """The redline in each requested format (html, pdf, docx), in memory."""
    if not formats:
        return {}
    settings = render_settings(side.repo, side.agreement, side.assembled)
    shown = side.agreement.path
    stamp = when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = secrets.token_hex(16)  # marks the redline's own markup (see own_mark); never in an output
    # Images and refused links, at their clause file and line as build reports them.
    render.check_renderable(side.assembled.markdown, shown, side.repo, side.assembled.plan)
    outputs: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="clausier-redline-") as scratch:
        if "html" in formats or "pdf" in formats:
            visual = Path(scratch) / "visual.md"
            text = to_markdown(comparison, visual_marks(own_mark(key)), visual_legend(comparison, base, head, when, key))
            render.check_renderable(text, shown)  # the other side's text too
            visual.write_text(text, encoding="utf-8")
            if "html" in formats:
                outputs["html"] = _html(visual, settings, shown, key)
            if "pdf" in formats:
                outputs["pdf"] = _pdf(visual, settings, shown, key)
        if "docx" in formats:
            revisions = Path(scratch) / "tracked.md"
            title, versions, facts = legend_facts(comparison, base, head, when)
            w = WORDS[comparison.language if comparison.language in WORDS else "en"]
            comment = escape_text(f"{title} — {versions}. {facts}. {w['tracked']}.")
            text = _with_comment(to_markdown(comparison, tracked(AUTHOR, stamp, own_mark(key))), comment, stamp, key)
            render.check_renderable(text, shown)
            revisions.write_text(text, encoding="utf-8")
            outputs["docx"] = _docx(revisions, settings, shown, stamp, key)
    return outputs
