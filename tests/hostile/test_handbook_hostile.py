"""Hostile content in the handbook: every place a text from content lands, built with the real
`mkdocs build`, read back as HTML (no browser: test_browser_no_script.py opens the pages).

Each attack is a row: what is planted where, and the words that must be shown as text. The
outcome is the same for every row: the words are visible on the pages named, and no page holds
a live script, event attribute, style attribute from content, or link to anything but http,
https, mailto or the site itself. Clause text the contract build refuses (images, bad links)
is refused by the handbook too, with a one-line `path:line:col: error:` message.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import make_repo
from sitebuild import add_handbook, mkdocs_build

CLAUSE_PAGE = "clauses/liability/liability/index.html"
TEMPLATE_PAGE = "contract-types/mini/index.html"
EVERY_PAGE = "*"

# (attack, file, text replaced, hostile text, words shown, marker, pages where they are shown). The
# marker (the number each payload calls alert with) must appear in no live markup on those pages.
ATTACKS = [
    ("clause title <script>", "clauses/liability/fr.md", "title: Responsabilité",
     "title: '<script>alert(101)</script>'", "<script>alert(101)</script>", "101",
     [CLAUSE_PAGE, "clauses/liability/index.html", TEMPLATE_PAGE]),
    ("clause title </title> break-out", "clauses/liability/en.md", "title: Liability",
     "title: '</title><img src=x onerror=alert(102)>'", "</title><img src=x onerror=alert(102)>", "102",
     [CLAUSE_PAGE]),
    ("summary <img onerror>", "clauses/liability/fr.md", "summary: Responsabilité.",
     "summary: '<img src=x onerror=alert(103)>'", "<img src=x onerror=alert(103)>", "103",
     [CLAUSE_PAGE, "clauses/liability/index.html"]),
    ("guidance <script>", "clauses/liability/fr.md", "when: Always.",
     "when: '<script>alert(104)</script>'", "<script>alert(104)</script>", "104", [CLAUSE_PAGE]),
    ("guidance <svg onload>", "clauses/liability/fr.md", "negotiation: Little.",
     "negotiation: '<svg onload=alert(105)>'", "<svg onload=alert(105)>", "105", [CLAUSE_PAGE]),
    ("guidance javascript: links (case, space, entity, data:, other host)", "clauses/liability/fr.md",
     "risks: Some.",
     "risks: '[js1](javascript:alert(106)) [js2](JaVaScRiPt:alert(106)) [js3]( javascript:alert(106)) "
     "[js4](jav&#x61;script:alert(106)) [js5](<javascript:alert(106)>) [data1](data:text/html,106) "
     "[far](//evil.example/106) <javascript:alert(106)>'", "js1 js2 js3 js4 js5 data1 far", "106",
     [CLAUSE_PAGE]),
    ("guidance reference link to javascript:", "clauses/liability/en.md", "risks: Some.",
     "risks: |-\n    [ref][r] and [ok](https://example.com/ok)\n\n    [r]: javascript:alert(107)", "ref and ok",
     "107", [CLAUSE_PAGE]),
    ("clause body attributes on links, spans, divs", "clauses/liability/en.md", "capped at the price paid.",
     "capped at the price paid [ok](https://example.com){onclick=alert(109)} "
     "[hidden]{style=\"display:none;--m:109\"} [over]{onmouseover=alert(109)}.\n\n"
     "::: {onclick=alert(109) style=\"display:none;--m:109\"}\nBlock text.\n:::\n",
     "hidden", "109", [CLAUSE_PAGE]),
    ("parameter labels", "clauses/termination/clause.yml", "label: {fr: Délai, en: Cure period}",
     "label: {fr: '<img src=x onerror=alert(110)>', en: '`<script>alert(110)</script>`'}",
     "<img src=x onerror=alert(110)>", "110", ["clauses/termination/termination/index.html"]),
    ("parameter default breaking out of code", "clauses/termination/clause.yml", "parameters:\n",
     "parameters:\n  venue:\n    type: text\n    default: '`<img src=x onerror=alert(111)>`'\n"
     "    label: {fr: Lieu, en: Venue}\n", "`<img src=x onerror=alert(111)>`", "111",
     ["clauses/termination/termination/index.html"]),
    ("variant label and approval", "clauses/liability/clause.yml", "approval: Direction juridique\n"
     "    label: {fr: Plafond doublé, en: Doubled cap}",
     "approval: '<img src=x onerror=alert(112)>'\n"
     "    label: {fr: '<script>alert(112)</script>', en: '<b onclick=alert(112)>en</b>'}",
     "<script>alert(112)</script>", "112", [CLAUSE_PAGE]),
    ("template title", "templates/mini.md.j2",
     "title: {fr: Contrat de prestation de services, en: Services Agreement}",
     "title: {fr: '<script>alert(113)</script>', en: '<img src=x onerror=alert(113)>'}",
     "<script>alert(113)</script>", "113", [TEMPLATE_PAGE, "contract-types/index.html", CLAUSE_PAGE]),
    ("template description", "templates/mini.md.j2",
     "description: {fr: Petit modèle de test., en: Small test template.}",
     "description: {fr: '<img src=x onerror=alert(114)>', en: '[x](javascript:alert(114))'}",
     "<img src=x onerror=alert(114)>", "114", [TEMPLATE_PAGE]),
    ("hand-written page's title", "docs/checklist.md", "# Essential elements of a service agreement\n",
     "---\ntitle: '<script>alert(116)</script>'\n---\n\n# Essential elements of a service agreement\n",
     "<script>alert(116)</script>", "116", ["checklist/index.html"]),
    ("branding.name in the header, attributes and <title>", "clausier.yml", "branding:\n  name: Clair Obscur Studio",
     "branding:\n  name: '\"><img src=x onerror=alert(115)>'", "\"><img src=x onerror=alert(115)>", "115",
     [EVERY_PAGE]),
]
WORDS_IN_TITLE = ["<script>alert(101)</script>", "\"><img src=x onerror=alert(115)>"]


def plant(root: Path, attacks=ATTACKS) -> Path:
    """The mini repository with every attack planted (a YAML field's value or a body's text)."""
    for name, relative, old, new, *_ in attacks:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def hostile_repo(root: Path) -> Path:
    """The mini repository with the project's mkdocs.yml and docs/, every attack planted."""
    return plant(add_handbook(make_repo(root)))


class Page(HTMLParser):
    """A page's visible text, its tags and attributes."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.title = ""
        self._in = ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag

    def handle_endtag(self, tag):
        self._in = ""

    def handle_data(self, data):
        if self._in == "script" and self.tags:
            self.tags[-1][1].setdefault("<text>", "")
            self.tags[-1][1]["<text>"] += data
        if self._in == "title":
            self.title += data
        if self._in not in ("script", "style"):
            self.text.append(data)

    @property
    def words(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def live_markup(html: str) -> list[str]:
    """What in a page could run, hide text or lead off the site, each with its attribute values."""
    found = []
    for tag, attrs in Page(html).tags:
        shown = f"<{tag} {attrs}>"
        if tag in ("iframe", "object", "embed", "math", "base", "style", "frame", "template"):
            found.append(shown)
        if tag == "img" and attrs.get("src", "").split("/")[-2:-1] != ["assets"]:  # only the logo
            found.append(shown)
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            found.append(shown)
        if tag == "script" and "://" in attrs.get("src", ""):
            found.append(shown)
        for name, value in attrs.items():
            if name.startswith("on") or name == "style" and "text-align" not in (value or ""):
                found.append(shown)
            if name in ("href", "src", "action", "formaction") and value is not None:
                target = re.sub(r"[\x00-\x20]", "", value).lower()
                if re.match(r"[a-z][a-z0-9+.-]*:", target) and not target.startswith(("http:", "https:", "mailto:")):
                    found.append(shown)
                if target.startswith(("//", "\\\\")) and tag != "link":
                    found.append(shown)
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = hostile_repo(tmp_path_factory.mktemp("hostile") / "repo")
    site = root.parent / "site"
    done = mkdocs_build(root, site)
    assert done.returncode == 0, done.stderr
    return site


def pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}


@pytest.mark.parametrize("attack", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_hostile_text_is_shown_as_text_where_it_lands(site, attack):
    name, _, _, _, words, marker, where = attack
    built = pages(site)
    for page in where:
        targets = built.items() if page == EVERY_PAGE else [(page, built[page])]
        for path, html in targets:
            assert [live for live in live_markup(html) if marker in live] == [], f"{name}: live on {path}"
            if path != "404.html":
                assert words in Page(html).words, f"{name}: {words!r} not shown on {path}"


def test_no_page_holds_live_markup(site):
    found = {path: live_markup(html) for path, html in pages(site).items()}
    assert {path: problems for path, problems in found.items() if problems} == {}


def test_titles_and_site_name_are_escaped_in_the_title_element(site):
    html = pages(site)[CLAUSE_PAGE]
    title = Page(html).title
    for words in WORDS_IN_TITLE:
        assert words in title
    assert html.count("<title>") == 1 and html.count("</title>") == 1


def test_every_page_carries_a_strict_content_security_policy(site):
    for path, html in pages(site).items():
        head = html[: html.index("</head>")]
        match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
        assert match, path
        assert head.index(match.group(0)) < head.find("<script") or "<script" not in head, path
        policy = {d.split()[0]: d.split()[1:] for d in match.group(1).split("; ")}
        assert policy["script-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
        assert "*" not in match.group(1) and "http" not in match.group(1)


def test_the_theme_scripts_are_files_of_the_site(site):
    html = pages(site)["index.html"]
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert any("assets/clausier/theme-base.js" in s for s in sources)
    for source in sources:
        assert (site / source.lstrip("./")).is_file(), source
    assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html


# ---------------------------------------------------------------- refused, as build refuses them

# In a variant's text: no specimen contract holds it, so only the handbook's own check sees it.
REFUSED = [
    ("image in clause text", "clauses/liability/fallback-1.fr.md", "plafonnée au double du prix.",
     "plafonnée au double du prix.\n\n![x](/etc/passwd)\n",
     r"clauses/liability/fallback-1\.fr\.md:\d+:\d+: error: images are not allowed"),
    # Raw HTML in clause text was shown escaped; a tag left in a contract is now an error (issue 20).
    ("clause body raw HTML", "clauses/liability/fr.md", "plafonnée au prix payé.",
     "plafonnée au prix payé <script>alert(108)</script> <img src=x onerror=alert(108)>.",
     r"clauses/liability/fr\.md:\d+:\d+: error: an HTML tag '<script>' would be printed as it is"),
    ("javascript: link in clause text", "clauses/liability/fallback-1.en.md", "capped at twice the price.",
     "capped at twice the price [x](JaVaScRiPt:alert(1)).",
     r"clauses/liability/fallback-1\.en\.md:\d+:\d+: error: link to 'JaVaScRiPt:alert\(1\)' refused"),
]


@pytest.mark.parametrize("attack", REFUSED, ids=[a[0] for a in REFUSED])
def test_clause_text_build_refuses_is_refused_with_its_place(tmp_path, attack):
    root = plant(add_handbook(make_repo(tmp_path / "repo")), [attack])
    done = mkdocs_build(root, tmp_path / "site")
    assert done.returncode != 0
    assert re.search(attack[4], done.stderr), done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_a_hidden_character_printed_by_jinja_is_refused_even_without_specimens(tmp_path):
    """The clause pages render every clause alone: the rule the build applies to the assembled
    text holds there too, whether or not a specimen agreement renders the clause."""
    root = add_handbook(make_repo(tmp_path / "repo"))
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("specimens: true", "specimens: false"))
    clause = root / "clauses/fees/en.md"
    clause.write_text(clause.read_text().replace("The price is", 'The price {{ "%c"|format(8238) }}is'))
    done = mkdocs_build(root, tmp_path / "site")
    assert done.returncode != 0
    assert re.search(r"clauses/fees/en\.md:\d+:\d+: error: hidden character U\+202E RIGHT-TO-LEFT OVERRIDE",
                     done.stderr), done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- the rules, as a table

SANITIZED = [
    ('<p>a <script>alert(1)</script></p>', '<p>a &lt;script&gt;alert(1)&lt;/script&gt;</p>'),
    ('<p><img src=x onerror=alert(1)></p>', '<p><img src="x"></p>'),
    ('<a href="javascript:alert(1)" onclick="x">x</a>', '<a>x</a>'),
    ('<a href=" JaVa&#x53;cript:alert(1)">y</a>', '<a>y</a>'),
    ('<a href="jav&#x09;ascript:1">t</a>', '<a>t</a>'),
    ('<a href="data:text/html,x">d</a>', '<a>d</a>'),
    ('<a href="//evil.example/">e</a>', '<a>e</a>'),
    ('<span style="display:none">h</span><div data-md-component="x">d</div>', '<span>h</span><div>d</div>'),
    ('<td style="text-align: left;">c</td>', '<td style="text-align: left;">c</td>'),
    ('<a href="../x/" class="k">r</a><a href="#a">a</a><a href="https://e.example">h</a>',
     '<a href="../x/" class="k">r</a><a href="#a">a</a><a href="https://e.example">h</a>'),
    ('<p>x <img src=x onerror=alert(1)', '<p>x &lt;img src=x onerror=alert(1)'),
    ('<input type="radio" id="a" checked><input type="image" src=x>', '<input type="radio" id="a" checked><input>'),
    ('<img src="../img/a.png" alt="A" onerror="alert(1)">', '<img src="../img/a.png" alt="A">'),
    ('<img src="https://tracker.example/p.gif"><img src="data:image/svg+xml,x">', '<img><img>'),
    ('<svg onload="alert(1)"><iframe srcdoc="x"></iframe>',
     '&lt;svg onload="alert(1)"&gt;&lt;iframe srcdoc="x"&gt;&lt;/iframe&gt;'),
    ('<div lang="fr">t</div><div lang="fr-CA">q</div>', '<div lang="fr">t</div><div lang="fr-CA">q</div>'),
    ('<div lang="fr&quot; x=&quot;y">a</div><p lang="fr">b</p>', '<div>a</div><p>b</p>'),
]


@pytest.mark.parametrize("html, expected", SANITIZED)
def test_page_html_keeps_only_what_markdown_makes(html, expected):
    from clausier.handbook.sanitize import sanitize_html

    assert sanitize_html(html) == expected


@pytest.mark.parametrize("text", ['<script>alert(1)</script>', '[x](javascript:alert(1)){onclick=x}', '`<b>`',
                                  '*a* | b # c'])
def test_plain_text_in_page_markdown_reads_back_as_itself(text):
    import markdown

    from clausier.handbook.safetext import plain

    html = markdown.markdown(plain(text), extensions=["attr_list", "md_in_html", "tables", "pymdownx.escapeall"])
    assert Page(html).words == text
    assert Page(html).tags == [("p", {})]


def test_navigation_group_labels_from_clause_titles_are_escaped(tmp_path):
    """A large category is split into groups labelled by clause titles (pages.py `_buckets`)."""
    from markupsafe import Markup

    from clausier.handbook.pages import NAV_BUCKET, handbook_outline
    from clausier.repository import load_repository

    root = make_repo(tmp_path / "repo")
    for number in range(NAV_BUCKET):
        folder = root / f"clauses/extra-{number:02d}"
        folder.mkdir()
        (folder / "clause.yml").write_text("category: non-solicitation\nversion: 1.0.0\n", encoding="utf-8")
        for language in ("fr", "en"):
            (folder / f"{language}.md").write_text(
                f"---\ntitle: '<svg onload=alert(1)> {number:02d}'\nsummary: S.\n"
                "guidance: {when: W., negotiation: N., risks: R.}\n---\nText.\n", encoding="utf-8")
    book = handbook_outline(load_repository(root), with_specimens=False)

    def labels(entries):
        for entry in entries:
            if isinstance(entry, dict):
                for label, children in entry.items():
                    yield label
                    yield from labels(children)

    hostile = [label for label in labels(book.nav) if "onload" in label]  # labels are cut at 22 characters
    assert hostile
    assert all(isinstance(label, Markup) and "<svg" not in label and "&lt;svg" in label for label in hostile)


def test_a_logo_linked_out_of_the_repository_is_refused_not_published(tmp_path):
    root = add_handbook(make_repo(tmp_path / "repo"))
    logo = root / "templates/styles/logo.svg"
    logo.unlink()
    logo.symlink_to("/etc/passwd")
    done = mkdocs_build(root, tmp_path / "site")
    assert done.returncode != 0
    assert re.search(r"(clausier\.yml|templates/styles/logo\.svg)(:\d+:\d+)?: error: ", done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert not any("root:x:0:0" in p.read_text(errors="replace") for p in (tmp_path / "site").rglob("*") if p.is_file())
