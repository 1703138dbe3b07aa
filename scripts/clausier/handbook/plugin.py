"""The MkDocs plugin: it loads the library, adds the handbook's pages and navigation.

It starts as `clausier handbook pages` does (generate.py: the library loaded and checked, the
same page functions); what is MkDocs' own is here. The cheap pages come from
`handbook_outline`; the clause pages are rendered (and, with `parallel`, converted and
indexed) by the page worker in `worker.py`, and read by MkDocs when it first needs them.

Nothing from content runs in a reader's browser: page Markdown is written with content
escaped (safetext.py), every page's HTML keeps only what Markdown makes (sanitize.py), titles
and the site name reach the theme escaped, and every page carries a strict
Content-Security-Policy, the theme's inline scripts served as files (theme.py, livereload.py).

mkdocs.yml:

    plugins:
      - clausier:
          root: .          # the repository (holds clausier.yml, clauses/, templates/)
          specimens: true  # build specimen PDF and DOCX files for template pages
          parallel: true   # render and convert clause pages in a forked worker as well
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from markupsafe import Markup
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files

from ..pipeline import render_outputs
from ..errors import ClausierError, ContentError
from ..logo import checked_logo
from ..repository import Repository
from . import livereload
from .brand import brand_css
from .foldsearch import add_folded_fields
from .generate import checked_library, last_changes
from .converted import ClausePage, convert_in_child, index_in_child, take_over_search_index
from .pages import Handbook, clause_pages, handbook_outline, specimen_path
from .safetext import html
from .sanitize import sanitize_html
from .specimens import specimen_agreement
from .theme import SCRIPTS, UnsafePage, theme_loader, with_language, with_policy
from .words import prose_word
from .worker import PageError, PageSource

log = get_plugin_logger(__name__)
BRAND_CSS = "assets/clausier-brand.css"
SPECIMEN_FORMATS = ("pdf", "docx")


class ClausierPluginConfig(Config):
    root = c.Type(str, default=".")
    specimens = c.Type(bool, default=True)
    parallel = c.Type(bool, default=True)


class _DeferredFile(File):
    """A generated file whose content is made when MkDocs first reads it.

    MkDocs reads a generated file's content through `_content` (page source, copy to the
    site), so making it a property lets the plugin list clause pages and specimens at
    `on_files` time while they are still being rendered.
    """

    _make: Callable[[], str | bytes] | None = None
    _value: str | bytes | None = None

    @property
    def _content(self) -> str | bytes | None:
        if self._make is not None:
            make, self._make = self._make, None
            try:
                self._value = make()
            except PageError as exc:
                raise PluginError(str(exc)) from None
        return self._value

    @_content.setter
    def _content(self, value: str | bytes | None) -> None:
        self._make, self._value = None, value


def deferred_file(config, path: str, make: Callable[[], str | bytes]) -> File:
    file = _DeferredFile.generated(config, path, content=b"")
    file._make = make
    return file


class _SpecimenBuilder:
    """Builds every template's specimen PDF and DOCX in a background thread."""

    def __init__(self, repo: Repository):
        self.repo = repo
        self.outputs: dict[tuple[str, str], dict[str, bytes]] = {}
        self.error: Exception | None = None
        self.thread = threading.Thread(target=self._run, name="clausier-specimens", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for name, template in sorted(self.repo.templates.items()):
                if template.meta is None:
                    continue
                for language in self.repo.template_languages(template):  # only the languages it is written in
                    agreement = specimen_agreement(self.repo, name, language)
                    _, self.outputs[(name, language)] = render_outputs(self.repo, agreement, list(SPECIMEN_FORMATS))
        except Exception as exc:  # noqa: BLE001 - reported by result(); when the build already failed
            self.error = exc  # and MkDocs exits while this thread runs, it is not printed as a traceback

    def result(self) -> dict[tuple[str, str], dict[str, bytes]]:
        self.thread.join()
        if isinstance(self.error, ClausierError):
            raise PluginError(f"specimen: {self.error}")
        if self.error is not None:
            raise PluginError(f"specimen: {type(self.error).__name__}: {self.error}")
        return self.outputs


class ClausierPlugin(BasePlugin[ClausierPluginConfig]):
    _serving = False

    def on_startup(self, *, command, dirty):
        self._serving = command == "serve"

    def on_config(self, config):
        config_dir = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        self.root = (config_dir / self.config.root).resolve()
        try:  # the same start as `clausier handbook pages` (generate.py)
            self.repo = checked_library(self.root)
        except ContentError as exc:
            raise PluginError("the clause library has errors:\n" + str(exc)) from None
        except ClausierError as exc:
            raise PluginError(str(exc)) from None
        try:
            self.book: Handbook = handbook_outline(self.repo, self.config.specimens)
        except ClausierError as exc:
            raise PluginError(str(exc)) from None
        self._pages: PageSource | None = None
        self._generated = {page.path for page in self.book.pages}
        self._specimens: _SpecimenBuilder | None = None
        nav = list(config.nav or [{prose_word("home", self.repo.languages): "index.md"}])
        config.nav = nav[:1] + self.book.nav + nav[1:]
        branding = self.repo.config.branding
        config.site_name = html(branding.name) + " — clauses"  # escaped once: the theme prints it as is
        config.theme["font"] = False  # no fonts from Google: nothing from another origin
        if branding.logo:
            self.logo_uri = "assets/logo" + Path(branding.logo).suffix.lower()
            config.theme["logo"] = self.logo_uri
            config.theme["favicon"] = self.logo_uri
        config.extra_css.append(BRAND_CSS)
        toc = config.mdx_configs.get("toc")
        if isinstance(toc, dict) and toc.get("permalink") and "permalink_title" not in toc:
            toc["permalink_title"] = prose_word("permalink", self.repo.languages)  # the anchors' tooltip
        return config

    def on_files(self, files: Files, config) -> Files:
        for page in self.book.pages:
            if page.content is None:
                file = deferred_file(config, page.path, lambda path=page.path: self._source().content(path))
                ClausePage(None, file, config).source = self._source  # a Page attaches itself to its file
                files.append(file)
            else:
                files.append(File.generated(config, page.path, content=page.content))
        files.append(File.generated(config, BRAND_CSS, content=brand_css(self.repo.config.branding.colors)))
        for path, script in SCRIPTS.items():
            files.append(File.generated(config, path, content=script))
        reload = livereload.reload_script() if self._serving else None
        if reload is not None:
            files.append(File.generated(config, livereload.SCRIPT, content=reload))
        if self.repo.config.branding.logo:
            try:  # read through safefile, and checked as build checks it
                logo = checked_logo(self.root, self.repo.config.branding.logo)
            except ClausierError as exc:
                raise PluginError(str(exc)) from None
            files.append(File.generated(config, self.logo_uri, content=logo))
        if self.config.specimens:
            # Copied to the site after every page is converted: the thread has long finished.
            for template, language in self.book.specimens:
                for fmt in SPECIMEN_FORMATS:
                    files.append(deferred_file(config, specimen_path(template, language, fmt),
                                               lambda key=(template, language), fmt=fmt:
                                               self._specimens.result()[key][fmt]))
        return files

    def on_env(self, env, config, files: Files):
        env.loader = theme_loader(env.loader)  # the theme's inline scripts, as files the policy allows
        return env

    def on_page_markdown(self, markdown: str, page, config, files: Files) -> str:
        # The theme prints a page's `title` as HTML: a generated page's is written escaped
        # (pages.py), a hand-written page's is escaped here; marked safe, it is not escaped twice.
        title = page.meta.get("title")
        if isinstance(title, str) and not isinstance(title, Markup):
            page.meta["title"] = Markup(title) if page.file.src_uri in self._generated else html(title)
        return markdown

    def on_page_content(self, output: str, page, config, files: Files) -> str:
        return sanitize_html(output)  # every page: what slipped through the escaping cannot run

    def on_post_page(self, output: str, page, config) -> str:
        language = page.meta.get("lang")  # a page written in French says `lang: fr` in its front matter
        if language is not None:
            if language not in self.repo.languages:
                raise PluginError(f"{page.file.src_uri}: lang: {language!r} is not a handbook language; "
                                  f"valid: {', '.join(self.repo.languages)}")
            output = with_language(output, language)
        return self._with_policy(output, page.file.src_uri)

    def on_post_template(self, output: str, template_name: str, config) -> str:
        return self._with_policy(output, template_name) if template_name.endswith(".html") else output

    @staticmethod
    def _with_policy(output: str, name: str) -> str:
        try:
            return with_policy(output, name)
        except UnsafePage as exc:
            raise PluginError(str(exc)) from None

    def on_nav(self, nav, config, files: Files):
        # Now that every file and page exists, fork the page worker (before the specimen
        # thread starts: forking a process that runs threads is not safe). It renders the
        # clause pages, converts them to HTML from the last one back while MkDocs converts
        # them from the first one on, then indexes for search the ones MkDocs converted.
        search = take_over_search_index(config) if self.config.parallel else None
        self._source(lambda path, source: convert_in_child(path, source, config, files),
                     (lambda path, source, converted: index_in_child(path, source, converted, files, search))
                     if search is not None else None)
        if self.config.specimens:
            # Specimens are typeset by pandoc and Typst outside the interpreter's lock.
            self._specimens = _SpecimenBuilder(self.repo)
        return nav

    @event_priority(-50)  # after the search plugin has written its index
    def on_post_build(self, config):
        self._close()
        add_folded_fields(Path(config.site_dir) / "search" / "search_index.json")

    def on_build_error(self, error):
        self._close()

    def _close(self) -> None:
        pages = getattr(self, "_pages", None)  # None too when on_config failed
        if pages is not None:
            pages.close()

    def _source(self, convert=None, index=None) -> PageSource:
        if self._pages is None:
            repo, root, clause_ids = self.repo, self.root, self.book.clauses
            paths = [page.path for page in self.book.pages if page.content is None]
            self._pages = PageSource(paths, lambda: clause_pages(repo, clause_ids, last_changes(root)), convert,
                                     index, fork=self.config.parallel)
        return self._pages

    def on_serve(self, server, config, builder):
        livereload.serve_reload_from_file(server)  # the server's reload script, not inline
        for name in ("clauses", "templates", "clausier.yml"):
            path = self.root / name
            if path.exists():
                server.watch(str(path))
        return server
