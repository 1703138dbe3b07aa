"""Hostile contract text: no script, no hidden text, no foreign link in any contract output or redline.

The corpus is data. Each attack is planted where a contributor can write Markdown (a clause
body, an agreement's special conditions) and in a front-matter value, and every output is read
back as a reader's tool would: the HTML with a parser, the DOCX's `word/document.xml` and its
relationships, the PDF's link annotations with pypdf, the Typst source the PDF is made from.

- A link to anything but http, https, mailto or the document's own anchors is an error at its
  file and line, the same in `check`, `build` and `diff` (LINK_ATTACKS); should one get past that
  scan, the filter every route runs writes its plain words instead (test_the_filter_...).
- Attributes from content (ids, classes, key-values: `onclick`, `style`, `hidden`, `typst:…`,
  `custom-style`, a redline's own classes) are dropped, in every format (ATTRIBUTE_ATTACKS);
  the words stay, the same in every format and on both routes.
- Images are refused by `check` where `build` refuses them; contract and redline HTML carry a
  strict Content-Security-Policy, and their styles are never read through a symbolic link.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from clausier.fast.pandoc_server import PandocBatch
from clausier.build import build
from clausier.pipeline import render_outputs, render_settings
from clausier.errors import ClausierError, ContentError
from clausier.lint import run_checks
from clausier.render import render_docx, render_html, render_pdf, stamp_docx
from clausier.repository import load_agreement, load_repository

from pdftext import pdf_text
from test_gitsource import commit_all, git

ALL = ["md", "html", "docx", "pdf"]
CLAUSE = "clauses/fees/fr.md"
AGREEMENT = "agreements/acme-fr.md"

# name, Markdown, line (in the Markdown) where the refused target is reported, words it shows.
LINK_ATTACKS = [
    ("javascript", "[zq01](javascript:alert(1))", 0, "zq01"),
    ("mixed-case", "[zq02](JaVaScRiPt:alert(1))", 0, "zq02"),
    ("embedded-tab", "[zq03](java\tscript:alert(1))", 0, "zq03"),
    ("leading-space", "[zq04]( javascript:alert(1))", 0, "zq04"),
    ("hex-entity", "[zq05](jav&#x61;script:alert(1))", 0, "zq05"),
    ("decimal-entity", "[zq06](&#106;avascript:alert(1))", 0, "zq06"),
    ("percent-encoded", "[zq07](%6Aavascript:alert(1))", 0, "zq07"),
    ("autolink", "zq08 <javascript:alert(1)>", 0, "zq08"),
    ("reference-style", "[zq09][evilref]\n\n[evilref]: javascript:alert(1)", 2, "zq09"),
    ("data-url", "[zq10](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", 0, "zq10"),
    ("vbscript", "[zq11](vbscript:msgbox(1))", 0, "zq11"),
    ("file", "[zq12](file:///etc/passwd)", 0, "zq12"),
    ("relative-path", "[zq13](../../etc/passwd)", 0, "zq13"),
    ("protocol-relative", "[zq14](//attacker.example/x)", 0, "zq14"),
    ("space-in-brackets", "[zq15](<java script:alert(1)>)", 0, "zq15"),
    ("target-on-next-line", "[zq16](\njavascript:alert(1))", 1, "zq16"),
    ("entity-in-autolink-scheme", "[zq17](jav&#9;ascript:alert(1))", 0, "zq17"),
]

# name, Markdown, the words it shows. Every planted attribute says "evil" (or is an event, a
# style or `hidden`), so "evil" must be nowhere in an output but the Markdown. (No `{#` first:
# in a clause text, Jinja reads it as a comment.)
ATTRIBUTE_ATTACKS = [
    ("span-event-and-style", '[zq31]{.evil-hidden #evil-span onclick="evil(1)" style="display:none"}', "zq31"),
    ("span-hidden", '[zq32]{hidden="hidden" aria-hidden="true" data-evil="1"}', "zq32"),
    ("link-attributes", '[zq33](https://example.org/zq){.evil-link #evil-link onmouseover="evil(1)" style="display:none"}', "zq33"),
    ("link-title", '[zq34](https://example.org/zq "evil words only a hover shows")', "zq34"),
    ("inline-code", '`zq35`{.evil #evil-code onmouseover="evil(1)" style="display:none"}', "zq35"),
    ("typst-attributes", '[zq36]{typst:text:fill="white" typst:text:size="0pt"}', "zq36"),
    ("docx-custom-style", '[zq37]{custom-style="Hidden evil"}', "zq37"),
    ("fenced-div", '::: {.evil-hidden #evil-div style="display:none" onclick="evil(1)"}\nzq38\n:::', "zq38"),
    ("fenced-div-bare-class", "::: evil-hidden\nzq39\n:::", "zq39"),
    ("forged-legend-id", '::: {style="display:none" #redline-legend}\nzq40\n:::', "zq40"),
    ("forged-tracked-change", '[zq41]{.deletion author="evil" date="2026-01-01T00:00:00Z"}', "zq41"),
    ("forged-own-mark", '[zq42]{.deletion author="evil" clausier-own="0123456789abcdef0123456789abcdef"}', "zq42"),
    ("code-block", '```{.evil-hidden #evil-block onclick="evil(1)" style="display:none"}\nzq43\n```', "zq43"),
    ("heading", '## zq44 {.evil-hidden #evil-head style="display:none" onclick="evil(1)"}', "zq44"),
]


# ---------------------------------------------------------------- reading outputs back


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def read_html(data: bytes) -> _Page:
    page = _Page()
    page.feed(data.decode("utf-8"))
    return page


def target_allowed(target: str) -> bool:
    return target.startswith("#") or re.match(r"(https?|mailto):", target) is not None


# pandoc's own `style` attributes: column widths and cell alignment of tables.
PANDOC_STYLE = re.compile(r"(width: \d+(\.\d+)?%|text-align: (left|right|center);)")


def html_problems(data: bytes) -> list[str]:
    """What a page must not hold: script, events, styles, hidden text or links that content made."""
    problems = []
    for tag, attributes in read_html(data).tags:
        if tag in ("script", "iframe", "object", "embed", "img", "form", "base", "link", "svg"):
            problems.append(f"<{tag}>")
        for name, value in attributes.items():
            value = value or ""
            if name.startswith("on") or name in ("hidden", "aria-hidden", "title", "srcdoc", "formaction"):
                problems.append(f"<{tag} {name}>")
            if name == "style" and not PANDOC_STYLE.fullmatch(value):
                problems.append(f"<{tag} style={value!r}>")
            if name in ("href", "src", "action", "xlink:href") and not target_allowed(value):
                problems.append(f"<{tag} {name}={value!r}>")
            if "evil" in name or "evil" in value:
                problems.append(f"<{tag} {name}={value!r}>")
    return problems


def html_words(data: bytes) -> str:
    return " ".join("".join(read_html(data).text).split())


def docx_parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                if name.endswith((".xml", ".rels"))}


def docx_problems(data: bytes) -> list[str]:
    parts = docx_parts(data)
    problems = [f"{name} says evil" for name, text in parts.items() if "evil" in text]
    for name, text in parts.items():
        if name.endswith(".rels"):
            for target in re.findall(r'Target="([^"]*)"[^>]*TargetMode="External"', text):
                if not target_allowed(target):
                    problems.append(f"{name}: external target {target!r}")
    document = parts["word/document.xml"]
    for mark in ("<w:vanish", "<w:del ", "<w:ins ", "<w:specVanish", 'w:val="Hidden'):
        if mark in document:
            problems.append(f"document.xml holds {mark}")
    return problems


def docx_words(data: bytes) -> str:
    document = docx_parts(data)["word/document.xml"]
    return " ".join("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", document)).split())


def pdf_links(data: bytes) -> list[str]:
    """Every link annotation's action: its URI, or its kind when it is not a URI."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            if annotation.get("/Subtype") == "/Link" and action is not None:
                action = action.get_object()
                found.append(str(action.get("/URI")) if action.get("/S") == "/URI" else str(action.get("/S")))
    return found


def pdf_problems(data: bytes) -> list[str]:
    return [link for link in pdf_links(data) if link not in ("/GoTo",) and not target_allowed(link)]


def pdf_words(data: bytes, folder: Path) -> str:
    path = folder / "read.pdf"
    path.write_bytes(data)
    return pdf_text(path)


def assert_safe_outputs(outputs: dict[str, bytes], words: list[str], folder: Path) -> None:
    """No script, event, style, hidden text or foreign link in any format; every word in each."""
    assert html_problems(outputs["html"]) == []
    assert docx_problems(outputs["docx"]) == []
    assert pdf_problems(outputs["pdf"]) == []
    shown = {"html": html_words(outputs["html"]), "docx": docx_words(outputs["docx"]),
             "pdf": pdf_words(outputs["pdf"], folder), "md": outputs["md"].decode("utf-8")}
    for fmt, text in shown.items():
        missing = [w for w in words if w not in text]
        assert not missing, f"{fmt} lacks {missing}"


# ---------------------------------------------------------------- planting


def plant(repo: Path, place: str, snippets: list[str], both: bool = False) -> dict[str, int]:
    """The snippets, each a paragraph of its own, at the end of the fees clause (`both`: in both
    languages, as a new sub-clause needs) or of the agreement's special conditions; returns the
    line each snippet starts at in the file that `place` names."""
    files = [CLAUSE] + (["clauses/fees/en.md"] if both else []) if place == "clause" else [AGREEMENT]
    starts = {}
    for relative in files:
        path = repo / relative
        text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
        for snippet in snippets:
            text += "\n"
            if relative == files[0]:
                starts[snippet] = text.count("\n") + 1
            text += snippet + "\n"
        path.write_text(text, encoding="utf-8")
    return starts


def built(repo: Path, formats: list[str]) -> dict[str, bytes]:
    report = build(repo, formats=formats)
    assert report.ok, [e for r in report.failed for e in r.errors] + [str(f) for f in report.library_errors]
    return {fmt: (repo / f"build/acme-fr/acme-fr.{fmt}").read_bytes() for fmt in formats}


def one_by_one(repo: Path, formats: list[str]) -> dict[str, bytes]:
    library = load_repository(repo)
    return render_outputs(library, load_agreement(library, repo / AGREEMENT), formats)[1]


def build_errors(repo: Path) -> list[str]:
    report = build(repo, formats=["md"])
    assert not report.ok
    return [e for r in report.failed for e in r.errors]


# ---------------------------------------------------------------- links


@pytest.mark.parametrize("name, markdown, at, words", LINK_ATTACKS, ids=[a[0] for a in LINK_ATTACKS])
def test_every_link_trick_is_refused_by_the_rule(name, markdown, at, words):
    from clausier.htmlsafety import refused_markup

    (found,) = [p for p in refused_markup(markdown) if p[2] == "links"]
    assert found[0] == at + 1 and "refused" in found[3]


@pytest.mark.parametrize("place", ["clause", "agreement-body"])
def test_a_refused_link_is_an_error_at_its_line_and_check_says_what_build_says(repo, place):
    starts = plant(repo, place, [a[1] for a in LINK_ATTACKS])
    path = CLAUSE if place == "clause" else AGREEMENT
    checked = sorted(str(f) for f in run_checks(repo) if f.rule == "links")
    refused = sorted(e for e in build_errors(repo) if "refused" in e)
    assert checked == refused
    for name, markdown, at, _ in LINK_ATTACKS:
        line = starts[markdown] + at
        assert any(e.startswith(f"{path}:{line}:") and "refused" in e for e in refused), name
    assert len(refused) == len(LINK_ATTACKS)


def test_the_filter_writes_a_refused_link_as_its_words_on_both_routes(repo, tmp_path):
    """Should a link get past the scan, the filter every route runs still writes only its words:
    rendered here without the scan, by the one-by-one route and by the batch converter."""
    library = load_repository(repo)
    agreement = load_agreement(library, repo / AGREEMENT)
    from clausier.assemble import assemble

    settings = render_settings(library, agreement, assemble(library, agreement))
    body = "# Article 1 — Liens {#art-liens}\n\n" + "\n\n".join(a[1] for a in LINK_ATTACKS) + "\n\n" + \
        "\n\n".join(a[1] for a in ATTRIBUTE_ATTACKS) + "\n"
    source = tmp_path / "hostile.md"
    source.write_text(body, encoding="utf-8")
    single = {"html": render_html(source, settings, "hostile.md"), "docx": render_docx(source, settings, "hostile.md"),
              "pdf": render_pdf(source, settings, "hostile.md"), "md": body.encode("utf-8")}
    converter = PandocBatch(expected=1)
    try:
        html, docx, typst = converter.convert("hostile", body, settings, ["html", "docx", "pdf"])
    finally:
        converter.close()
    assert html == single["html"] and stamp_docx(docx, settings) == single["docx"]
    assert "javascript" not in "".join(re.findall(r'#link\("([^"]*)"\)', typst.decode()))
    assert not re.search(r"fill|size: 0pt|evil", typst.decode())
    words = [a[3] for a in LINK_ATTACKS] + [a[2] for a in ATTRIBUTE_ATTACKS]
    assert_safe_outputs(single, words, tmp_path)
    assert "javascript:alert(1)" in html_words(single["html"])  # the autolink: its words, as text


# ---------------------------------------------------------------- attributes


@pytest.mark.parametrize("place", ["clause", "agreement-body"])
def test_attributes_from_content_reach_no_format_and_the_words_reach_all(repo, tmp_path, place):
    plant(repo, place, [a[1] for a in ATTRIBUTE_ATTACKS], both=True)
    assert [str(f) for f in run_checks(repo) if f.level == "error"] == []
    outputs = built(repo, ALL)
    assert outputs == one_by_one(repo, ALL)  # both routes, the same bytes
    assert_safe_outputs(outputs, [a[2] for a in ATTRIBUTE_ATTACKS], tmp_path)
    assert "evil words only a hover shows" not in html_words(outputs["html"])  # a link title shows nowhere
    assert 'id="parties"' in outputs["html"].decode() and 'id="art-fees"' in outputs["html"].decode()


def test_front_matter_values_stay_plain_text(repo, tmp_path):
    attacks = [a[1] for a in LINK_ATTACKS] + [a[1] for a in ATTRIBUTE_ATTACKS]
    value = " ".join(a.replace("\n", " ").replace("\t", " ") for a in attacks)
    agreement = repo / AGREEMENT
    text = agreement.read_text(encoding="utf-8")
    agreement.write_text(text.replace("address: 12 rue des Lilas, 69003 Lyon", f"address: {value!r}"), encoding="utf-8")
    assert [str(f) for f in run_checks(repo) if f.rule in ("links", "images")] == []
    outputs = built(repo, ALL)
    assert html_problems(outputs["html"]) == [] and pdf_problems(outputs["pdf"]) == []
    parts = docx_parts(outputs["docx"])
    assert not re.search(r'Target="(?!https?:|mailto:|#)[^"]*"[^>]*TargetMode="External"',
                         parts["word/_rels/document.xml.rels"])
    words = [a[3] for a in LINK_ATTACKS] + [a[2] for a in ATTRIBUTE_ATTACKS] + ["javascript:alert(1)"]
    for fmt, shown in (("html", html_words(outputs["html"])), ("docx", docx_words(outputs["docx"])),
                       ("pdf", pdf_words(outputs["pdf"], tmp_path))):
        assert all(w in shown for w in words), fmt


# ---------------------------------------------------------------- HTML heads


def csp(data: bytes) -> str:
    (policy,) = [a["content"] for tag, a in read_html(data).tags
                 if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"]
    return policy


def test_contract_html_carries_a_strict_content_security_policy(repo):
    html = built(repo, ["html"])["html"]
    assert html == one_by_one(repo, ["html"])["html"]
    policy = csp(html)
    assert "default-src 'none'" in policy and "script" not in policy and "base-uri 'none'" in policy
    assert html.index(b"Content-Security-Policy") < html.index(b"</head>") < html.index(b"<body")


@pytest.mark.parametrize("style", ["contract.css.html", "redline.css.html"])
def test_a_symlinked_html_style_is_refused_not_followed(repo, tmp_path, style):
    secret = tmp_path / "secret.txt"
    secret.write_text("<style>/* ROOT-SECRET */</style>\n")
    target = repo / "templates/styles" / style
    if style == "redline.css.html":
        git(repo, "init", "-q", "-b", "main")
        commit_all(repo, "first")
    target.unlink()
    os.symlink(secret, target)
    if style == "contract.css.html":
        report = build(repo, formats=["html"])
        errors = [e for r in report.failed for e in r.errors] + [str(f) for f in report.library_errors]
        assert any(f"templates/styles/{style}" in e and "symbolic link" in e for e in errors), errors
        assert not (repo / "build/acme-fr/acme-fr.html").exists()
    else:
        from clausier.two_sides import diff_agreement

        with pytest.raises(ClausierError) as refused:
            diff_agreement(repo, "acme-fr", base="HEAD", formats=("html",), out=tmp_path / "diff")
        assert f"templates/styles/{style}" in str(refused.value) and "symbolic link" in str(refused.value)
        assert not any("ROOT-SECRET" in p.read_text() for p in (tmp_path / "diff").glob("*") if p.is_file())


# ---------------------------------------------------------------- redlines


@pytest.fixture
def redline_history(repo):
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "first")
    return repo


def test_the_redline_html_drops_attributes_keeps_words_and_carries_the_policy(redline_history, tmp_path):
    from clausier.two_sides import diff_agreement

    plant(redline_history, "clause", [a[1] for a in ATTRIBUTE_ATTACKS], both=True)
    result = diff_agreement(redline_history, "acme-fr", base="HEAD", formats=("html", "docx"), out=tmp_path / "diff")
    html = result.outputs["html"].read_bytes()
    assert "default-src 'none'" in csp(html)
    assert html_problems(html) == []
    words = html_words(html)
    assert all(a[2] in words for a in ATTRIBUTE_ATTACKS)
    legends = [a for tag, a in read_html(html).tags if a.get("id") == "redline-legend"]
    assert len(legends) == 1  # the redline's own, not the one content forged
    document = docx_parts(result.outputs["docx"].read_bytes())["word/document.xml"]
    assert "evil" not in document and 'w:author="Clausier"' in document  # its own revisions only
    assert "clausier-own" not in html.decode() and "clausier-own" not in document


@pytest.mark.parametrize("name, markdown, at, words", LINK_ATTACKS[:2], ids=[a[0] for a in LINK_ATTACKS[:2]])
def test_diff_refuses_a_link_as_build_does(redline_history, tmp_path, name, markdown, at, words):
    from clausier.two_sides import diff_agreement

    starts = plant(redline_history, "clause", [markdown])
    with pytest.raises(ContentError) as refused:
        diff_agreement(redline_history, "acme-fr", base="HEAD", formats=("html",), out=tmp_path / "diff")
    assert [str(f) for f in refused.value.findings] == [e for e in build_errors(redline_history) if "refused" in e]
    assert str(refused.value).startswith(f"{CLAUSE}:{starts[markdown] + at}:")


# ---------------------------------------------------------------- images


IMAGES = [
    ("inline", "![plan](plan.png)"),
    ("outside", "![plan](/etc/hostname)"),
    ("reference", "![plan][logo]\n\n[logo]: templates/styles/logo.svg"),
    ("in-a-link", "[![plan](plan.png)](https://example.org)"),
]


@pytest.mark.parametrize("place", ["clause", "agreement-body"])
@pytest.mark.parametrize("name, markdown", IMAGES, ids=[i[0] for i in IMAGES])
def test_check_reports_an_image_exactly_where_build_does(repo, place, name, markdown):
    starts = plant(repo, place, [markdown])
    path = CLAUSE if place == "clause" else AGREEMENT
    checked = [str(f) for f in run_checks(repo) if f.rule in ("images", "links")]
    assert checked == build_errors(repo)
    assert any(c.startswith(f"{path}:{starts[markdown]}:") and "images are not allowed" in c for c in checked)


def test_diff_refuses_an_image_where_build_does(redline_history, tmp_path):
    from clausier.two_sides import diff_agreement

    starts = plant(redline_history, "clause", ["![plan](plan.png)"])
    with pytest.raises(ContentError) as refused:
        diff_agreement(redline_history, "acme-fr", base="HEAD", formats=("html",), out=tmp_path / "diff")
    assert [str(f) for f in refused.value.findings] == build_errors(redline_history)
    assert str(refused.value).startswith(f"{CLAUSE}:{starts['![plan](plan.png)']}:1: error: images are not allowed")
