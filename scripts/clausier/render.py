"""Rendering: assembled Markdown → Typst → PDF, → DOCX, → standalone HTML.

pandoc always runs with --sandbox and a Markdown reader that has every raw
passthrough (HTML, TeX, raw attributes), citations and TeX math turned off,
so contract text can only ever be text. Typst compiles in a scratch folder
that holds just the document, its style and the logo, with system fonts
ignored so every machine typesets with the same embedded fonts.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.util
import io
import json
import os
import re
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .agreement_places import annex_sources
from .errors import BuildError, ContentError, Finding
from .identity import HEADER_PART, docx_header, document_title, draft_mark, html_banner, with_header
from .markdown import front_matter

# yaml_metadata_block is off so no text can set pandoc variables (some, like
# `keywords`, reach Typst unescaped); title and language come from -M options.
READER = (
    "markdown-raw_html-raw_tex-raw_attribute-citations"
    "-tex_math_dollars-tex_math_single_backslash-tex_math_double_backslash"
    "-yaml_metadata_block-pandoc_title_block-auto_identifiers-native_divs-native_spans"
)
FORMATS = ("pdf", "docx", "html", "md")
STYLES = Path("templates") / "styles"
TYPST_STYLE = "style.typ"
TYPST_SETTINGS = "clausier-settings.json"  # what style.typ shows: written beside main.typ per document
DOCX_REFERENCE = "reference.docx"
HTML_STYLE = "contract.css.html"
PANDOC_TIMEOUT = 120
# Non-breaking spaces in amounts and French punctuation, for every format (see the file).
TYPOGRAPHY = Path(__file__).with_name("typography.lua")


@dataclass(frozen=True)
class RenderSettings:
    """What the outputs depend on besides the text."""

    root: Path  # repository root (styles are read from templates/styles)
    reference: str
    version: str
    brand: str
    primary: str
    accent: str
    language: str
    date: str  # ISO date shown as the document date
    timestamp: int  # seconds since the epoch, written into PDF and DOCX
    title: str = ""  # plain text; passed to pandoc as a literal string
    lang_tag: str = "fr-FR"
    logo: Path | None = None
    status: str = ""  # draft and review get a mark on every page (identity.draft_mark)
    client: str = ""  # the client's name, for the metadata title (identity.document_title)
    header_left: str = ""  # the running header's left side when not the brand (frame.header_left)
    preamble: str = ""  # "plain": the parties block printed as body text (template preamble_style)
    # The DOCX's custom properties (negotiate/identity.py): "" writes none (a warm-up's settings).
    agreement: str = ""  # agreements/<id>.md
    text_sha256: str = ""  # of the assembled Markdown
    commit: str = ""  # a signed agreement's signing commit; "" = found from git when the DOCX is made
    inputs: tuple[str, ...] = ()  # the paths the commit is checked against (identity.agreement_inputs)

    def metadata_args(self) -> list[str]:
        return ["-M", f"title={self.title}", "-M", f"lang={self.lang_tag}"]


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    """The pandoc inside the pypandoc_binary wheel (found without importing pypandoc), else pypandoc's."""
    spec = importlib.util.find_spec("pypandoc")
    if spec is not None and spec.origin:
        bundled = Path(spec.origin).parent / "files" / "pandoc"
        if bundled.exists():
            return str(bundled)
    import pypandoc

    return pypandoc.get_pandoc_path()


def split_header(markdown: str) -> str:
    """The assembled Markdown without its YAML header (which is for reviewers, not pandoc)."""
    front = front_matter(markdown)
    return front.body.lstrip("\n") if front is not None else markdown


def markup_sources(repo, plan):
    """(path, text, first line) of every source text an agreement's Markdown comes from: its
    body (special conditions), its template and the partials, and each clause text it uses."""
    agreement = plan.agreement
    yield agreement.path, agreement.body, agreement.body_line
    yield from annex_sources(agreement)  # its annex texts, in its front matter (agreement_places.py)
    for template in repo.templates.values():
        if template is plan.template or template.meta is None:  # its own, and the partials
            yield template.path, template.source, 1
    for article in plan.articles:
        clause = repo.clauses.get(article.id) if article.id != "special-conditions" else None
        if clause is not None:
            text = clause.text(article.variant, plan.language)
            yield text.path, text.body, text.body_line


@lru_cache(maxsize=1024)
def _source_markup(text: str) -> tuple:
    """refused_markup of a source text: the same clause texts come back for every agreement."""
    from .htmlsafety import refused_markup

    return refused_markup(text)


def renderable_findings(markdown: str, path: str, repo=None, plan=None) -> list[Finding]:
    """Images and refused links (htmlsafety.refused_markup) in an agreement's sources, each at its
    file and line; with no plan, or for what only the rendered text holds (built by Jinja), at
    the line of `markdown` (the assembled text, or a redline's). `build`, `check` (the
    contract-markup rule) and `diff` all ask this, so they report the same things."""
    from .htmlsafety import refused_markup

    findings: list[Finding] = []
    if plan is not None:
        for source, text, first in markup_sources(repo, plan):
            for line, col, rule, message in _source_markup(text):
                findings.append(Finding(source, line + first - 1, col, rule=rule, message=message))
        findings += _dangling_links(markdown, repo, plan)
    if not findings:
        body = split_header(markdown)
        offset = markdown[: len(markdown) - len(body)].count("\n")
        for line, col, rule, message in refused_markup(body):
            findings.append(Finding(path, 0, 0, rule=rule, message=f"{message} (line {line + offset}, column {col} "
                                    "of the assembled text)"))
    return list(dict.fromkeys(findings))


# The anchors a contract keeps (typography.lua drops every other id): articles, labelled
# sub-clauses and items, parts, and the blocks the styles place.
_OWN_ANCHOR = re.compile(r"\{#((?:art|sub|part)-[\w.-]+|parties|signatures|cover|annexes)[\s}]")
_ANCHOR_LINK = re.compile(r"\]\(\s*<?#([^)\s>]*)>?\s*\)|^[ \t]*\[[^\]\n]+\]:[ \t]*<?#([^\s>]*)>?[ \t]*$", re.M)


def _dangling_links(markdown: str, repo, plan) -> list[Finding]:
    """A hand-written link to an anchor the agreement does not have: dead in HTML and DOCX, and
    Typst refuses the PDF, so it is an error at its line, as check reports it."""
    anchors = {m.group(1) for m in _OWN_ANCHOR.finditer(markdown)}
    found = []
    for source, text, first in markup_sources(repo, plan):
        for m in _ANCHOR_LINK.finditer(text):
            target = m.group(1) if m.group(1) is not None else m.group(2)
            if target in anchors:
                continue
            line = text.count("\n", 0, m.start())
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            found.append(Finding(source, line + first, col, rule="contract-markup",
                                 message=f"link to '#{target}': this agreement has no such anchor; point at a "
                                         f"clause with {{{{ ref(\"clause-id\") }}}}"))
    return found


def check_renderable(markdown: str, path: str, repo=None, plan=None) -> None:
    """Refuse what would make pandoc or Typst read a file (images), and links to anything but
    http, https, mailto or the document's own anchors: see renderable_findings."""
    findings = renderable_findings(markdown, path, repo, plan)
    if findings:
        raise ContentError(findings)


def _pandoc(args: list[str], source: Path, shown: str, env: dict[str, str] | None = None) -> None:
    command = [pandoc_path(), "--sandbox", "-f", READER, "--lua-filter", str(TYPOGRAPHY), *args, str(source)]
    # A contract has no markup of the redline's own (typography.lua): no key, whatever the shell set.
    inherited = {k: v for k, v in os.environ.items() if k != "CLAUSIER_MARKUP_KEY"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PANDOC_TIMEOUT,
                              env={**inherited, **(env or {})})
    except subprocess.TimeoutExpired:
        raise BuildError(shown, f"pandoc did not finish in {PANDOC_TIMEOUT} s") from None
    if done.returncode != 0:
        raise BuildError(shown, f"pandoc failed: {done.stderr.strip()}")


def logo_name(logo: Path | None) -> str:
    """The logo's name inside the Typst scratch folder ("" when the document has none)."""
    return "" if logo is None else "logo" + logo.suffix.lower()


def prepare_typst_folder(work: Path, root: Path, logo: Path | None) -> None:
    """What Typst may read: the style, the logo (if any) and an empty package folder; their
    bytes read by safefile (a link, a FIFO or a device in templates/styles/ is refused, never
    followed) and written here as new regular files."""
    from .logo import checked_logo
    from .safefile import read_bytes

    (work / TYPST_STYLE).write_bytes(read_bytes(root, STYLES / TYPST_STYLE))
    if logo is not None:
        (work / logo_name(logo)).write_bytes(checked_logo(root, logo))
    (work / "packages").mkdir(exist_ok=True)


def typst_options(work: Path) -> dict:
    """The Typst compiler's fixed options: root is the scratch folder, no system fonts, no packages."""
    return dict(root=str(work), font_paths=[], ignore_system_fonts=True,
                package_path=str(work / "packages"), package_cache_path=str(work / "packages"))


def typst_inputs(settings: RenderSettings) -> dict[str, str]:
    """The style's settings: what the running header, footer and title block show."""
    inputs = {
        "reference": settings.reference,
        "version": settings.version,
        "brand": settings.brand,
        "primary": settings.primary,
        "accent": settings.accent,
        "logo": logo_name(settings.logo),
        "lang": settings.language,
        "date": settings.date,  # read by older styles only; the PDF's date is the timestamp
    }
    # Only when set, so the settings of what has neither stay as they were.
    mark = draft_mark(settings.status, settings.language)
    if mark:
        inputs["mark"] = mark
    name = document_title(settings.title, settings.client)
    if settings.client and name:
        inputs["title"] = name  # the PDF's metadata title
    if settings.header_left:
        inputs["header"] = settings.header_left  # the running header's left side, for the brand's
    if settings.preamble:
        inputs["preamble"] = settings.preamble
    return inputs


def write_typst_settings(work: Path, inputs: dict[str, str]) -> None:
    """The settings file the style reads (as JSON: data, never markup)."""
    (work / TYPST_SETTINGS).write_text(json.dumps(inputs, ensure_ascii=False, sort_keys=True), encoding="utf-8")


def style_reads_settings_file(work: Path) -> bool:
    """Whether the style in the scratch folder reads its settings from the file (today's style)
    rather than from `sys.inputs` only (a style from before: see compile_typst_folder)."""
    return TYPST_SETTINGS in (work / TYPST_STYLE).read_text(encoding="utf-8")


def compile_typst_folder(work: Path, inputs: dict[str, str], timestamp: int, shown: str,
                         failure: str = "Typst failed") -> bytes:
    """The scratch folder's main.typ to PDF by a compiler of its own, its settings written to the
    file the style reads and given as `sys.inputs` too (a repository's style may be older than
    the file: a team's copy, or a revision compared by `clausier diff`)."""
    import typst

    write_typst_settings(work, inputs)
    try:
        return typst.compile(str(work / "main.typ"), sys_inputs=inputs, timestamp=timestamp, **typst_options(work))
    except Exception as exc:  # typst raises its own TypstError with the source span
        raise BuildError(shown, f"{failure}: {exc}") from None


def render_pdf(markdown_file: Path, settings: RenderSettings, shown: str) -> bytes:
    """Markdown → Typst (pandoc) → PDF (Typst), in a scratch folder holding only what is needed."""
    with tempfile.TemporaryDirectory(prefix="clausier-typst-") as scratch:
        work = Path(scratch)
        prepare_typst_folder(work, settings.root, settings.logo)
        _pandoc(["-t", "typst", "--standalone", "-V", f"template={TYPST_STYLE}", *settings.metadata_args(),
                 "-o", str(work / "main.typ")], markdown_file, shown)
        return compile_typst_folder(work, typst_inputs(settings), settings.timestamp, shown)


def copy_reference_docx(root: Path, folder: Path) -> Path:
    """The styles' reference.docx, read by safefile and written into a scratch folder: pandoc
    reads that copy, never a path of the repository (which could be a link or a FIFO)."""
    from .safefile import read_bytes

    copy = folder / DOCX_REFERENCE
    copy.write_bytes(read_bytes(root, STYLES / DOCX_REFERENCE))
    return copy


def render_docx(markdown_file: Path, settings: RenderSettings, shown: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="clausier-docx-") as scratch:
        target = Path(scratch) / "out.docx"
        reference = copy_reference_docx(settings.root, Path(scratch))
        _pandoc(["-t", "docx", f"--reference-doc={reference}", *settings.metadata_args(), "-o", str(target)],
                markdown_file, shown)
        return stamp_docx(target.read_bytes(), settings)


_CORE = "docProps/core.xml"
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
_CORE_CREATOR = re.compile(rb"<dc:creator\s*/>|<dc:creator>[^<]*</dc:creator>")


def stamp_docx(data: bytes, settings: RenderSettings) -> bytes:
    """The DOCX's document properties as the PDF has them: dated from the agreement (pandoc's
    sandbox ignores SOURCE_DATE_EPOCH and writes 1970) and authored by the brand; its running
    header (identity.docx_header: the draft mark, brand, reference and version); and its page
    layout (docx_layout.laid_out); and which agreement and commit it is (negotiate/identity.py).
    The same inputs still give the same file."""
    moment = dt.datetime.fromtimestamp(settings.timestamp, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    creator = b"<dc:creator>" + html.escape(settings.brand, quote=False).encode("utf-8") + b"</dc:creator>"
    source = zipfile.ZipFile(io.BytesIO(data))
    infos = source.infolist()
    png, size = None, None
    if settings.logo is not None:
        from .logo_raster import logo_png

        png, *size = logo_png(settings.root, settings.logo)
    from .docx_layout import laid_out  # lxml: imported only for a DOCX

    parts = {info.filename: source.read(info) for info in infos}
    # The layout Word needs and pandoc cannot write (docx_layout: widths, keeps, no hyphenation).
    parts["word/document.xml"] = laid_out(parts["word/document.xml"])
    parts = with_header(parts,
                        docx_header(settings.header_left or settings.brand, settings.reference, settings.version,
                                    settings.status,
                                    settings.language, settings.primary, tuple(size) if size else None), png)
    if settings.agreement:  # which agreement and commit it is, for `clausier negotiate`
        from .negotiate.identity import Identity, build_commit, with_identity

        commit = settings.commit or build_commit(settings.root, settings.inputs)
        parts = with_identity(parts, Identity(settings.agreement, commit, settings.text_sha256))
    known = {info.filename for info in infos}
    infos += [_new_part(name, infos) for name in sorted(parts) if name not in known]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in infos:
            content = parts[info.filename]
            if info.filename == _CORE:
                content = _CORE_DATES.sub(lambda m: m.group(1) + moment.encode() + m.group(3), content)
                content = _CORE_CREATOR.sub(lambda _: creator, content, count=1)
            target.writestr(info, content, compress_type=info.compress_type)
    return out.getvalue()


def _new_part(name: str, infos: list[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    """A part's entry dated and compressed as the document's own (the same inputs, the same bytes)."""
    model = next(i for i in infos if i.filename == "word/document.xml")
    info = zipfile.ZipInfo(name, date_time=model.date_time)
    info.compress_type = model.compress_type
    return info


_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


def html_identity(settings: RenderSettings) -> str:
    """The HTML's banner (identity.html_banner), before its title block: the same text on both
    routes (the batch converter gets it as pandoc's include-before variable: batch.output_specs).
    The logo is inlined as a data: URI in a style rule (htmlsafety's policy allows images from
    data: only), its bytes checked by logo.checked_logo as for the PDF."""
    uri, ratio = "", 1.0
    if settings.logo is not None:
        import base64

        from .logo import checked_logo

        from .logo_raster import logo_png

        kind = _IMAGE_TYPES.get(settings.logo.suffix.lower())
        if kind:
            uri = f"data:{kind};base64," + base64.b64encode(checked_logo(settings.root, settings.logo)).decode("ascii")
            _, width, height = logo_png(settings.root, settings.logo)
            ratio = width / max(height, 1)
    banner = html_banner(settings.brand, settings.reference, settings.version, settings.status, settings.language,
                         uri, ratio)
    # The marker contract.css.html prints a plain preamble by (an empty element: it shows nothing).
    return banner + '\n<div class="clausier-preamble-plain"></div>' if settings.preamble == "plain" else banner


def render_html(markdown_file: Path, settings: RenderSettings, shown: str) -> bytes:
    """Standalone HTML; its head (the Content-Security-Policy and the style, read by safefile)
    written into the scratch folder: pandoc reads no path of the repository."""
    from .htmlsafety import write_html_header

    with tempfile.TemporaryDirectory(prefix="clausier-html-") as scratch:
        target = Path(scratch) / "out.html"
        header = write_html_header(Path(scratch), settings.root, [(STYLES / HTML_STYLE).as_posix()])
        banner = Path(scratch) / "clausier-banner.html"
        banner.write_text(html_identity(settings), encoding="utf-8")
        _pandoc(["-t", "html5", "--standalone", f"--include-in-header={header}", f"--include-before-body={banner}",
                 *settings.metadata_args(), "-o", str(target)], markdown_file, shown)
        return target.read_bytes()


RENDERERS = {"pdf": render_pdf, "docx": render_docx, "html": render_html}
