"""The handbook's Content-Security-Policy, and the theme's inline scripts moved into files.

Every page carries a strict policy in a `<meta http-equiv>` placed first in `<head>`: scripts
only from the site itself (`'self'`), never inline, so a script or an event attribute that
reached a page could not run; nothing from another origin; no plugins, no `<base>`.
Material writes a few small scripts inline in its templates (local storage helpers, the
linked content tabs, the colour palette); the templates that hold them are replaced here by
`<script src>` tags to files the site serves, which do the same. Hashing them instead would
whitelist text the theme renders per page; a file is one rule for every page.

`check_page` refuses a page that still has an inline script (a theme feature turned on
later, another plugin): the build stops instead of publishing a page the policy breaks.
"""

from __future__ import annotations

import re

from jinja2 import BaseLoader, ChoiceLoader, DictLoader

POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "worker-src 'self'",
    "connect-src 'self'",
    "style-src 'self' 'unsafe-inline'",  # the theme and tables set style attributes; no script
    "img-src 'self' data:",  # the theme's icons are data: URLs in its stylesheet
    "font-src 'self'",
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
))
META = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'

BASE_JS = "assets/clausier/theme-base.js"
CONTENT_JS = "assets/clausier/theme-content.js"
PALETTE_JS = "assets/clausier/theme-palette.js"

# What Material 9's partials/javascripts/*.html do inline, reading their settings from the tag.
SCRIPTS = {
    BASE_JS: (
        "__md_scope=new URL(document.currentScript.getAttribute(\"data-md-scope\"),location),"
        "__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),"
        "__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname+\".\"+e)),"
        "__md_set=(e,_,t=localStorage,a=__md_scope)=>{try{t.setItem(a.pathname+\".\"+e,JSON.stringify(_))}"
        "catch(e){}};\n"
    ),
    CONTENT_JS: (
        "(function(){if(document.currentScript.hasAttribute(\"data-tabs-link\")){var tabs=__md_get(\"__tabs\");"
        "if(Array.isArray(tabs))e:for(var set of document.querySelectorAll(\".tabbed-set\")){"
        "var labels=set.querySelector(\".tabbed-labels\");for(var tab of tabs)"
        "for(var label of labels.getElementsByTagName(\"label\"))if(label.innerText.trim()===tab){"
        "var input=document.getElementById(label.htmlFor);input.checked=!0;continue e}}}"
        "var target=document.getElementById(location.hash.slice(1));"
        "target&&target.name&&(target.checked=target.name.startsWith(\"__tabbed_\"))})();\n"
    ),
    PALETTE_JS: (
        "(function(){var palette=__md_get(\"__palette\");if(palette&&palette.color){"
        "if(\"(prefers-color-scheme)\"===palette.color.media){"
        "var media=matchMedia(\"(prefers-color-scheme: light)\"),input=document.querySelector(media.matches?"
        "\"[data-md-color-media='(prefers-color-scheme: light)']\":\"[data-md-color-media='(prefers-color-scheme: dark)']\");"
        "palette.color.media=input.getAttribute(\"data-md-color-media\"),"
        "palette.color.scheme=input.getAttribute(\"data-md-color-scheme\"),"
        "palette.color.primary=input.getAttribute(\"data-md-color-primary\"),"
        "palette.color.accent=input.getAttribute(\"data-md-color-accent\")}"
        "for(var[key,value]of Object.entries(palette.color))document.body.setAttribute(\"data-md-color-\"+key,value)}})();\n"
    ),
}

_OVERRIDES = {
    "partials/javascripts/base.html":
        f'<script src="{{{{ \'{BASE_JS}\' | url }}}}" data-md-scope="{{{{ config.extra.scope | d(base_url) }}}}"></script>',
    "partials/javascripts/content.html":
        f'<script src="{{{{ \'{CONTENT_JS}\' | url }}}}"'
        '{% if "content.tabs.link" in features %} data-tabs-link{% endif %}></script>',
    "partials/javascripts/palette.html": f'<script src="{{{{ \'{PALETTE_JS}\' | url }}}}"></script>',
}

_HEAD = re.compile(r"<head\b[^>]*>", re.I)
_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
_DATA_SCRIPT = re.compile(r"""\btype\s*=\s*["']?application/json\b""", re.I)
_SOURCE = re.compile(r"\bsrc\s*=", re.I)


class UnsafePage(Exception):
    """A page would break its own policy; the message says which script."""


def theme_loader(loader: BaseLoader) -> ChoiceLoader:
    """The theme's loader with the inline-script partials replaced."""
    return ChoiceLoader([DictLoader(_OVERRIDES), loader])


def with_policy(html: str, name: str) -> str:
    """The page with its policy first in `<head>`, after checking it has no inline script."""
    check_page(html, name)
    head = _HEAD.search(html)
    if head is None:
        raise UnsafePage(f"{name}: no <head> to put the Content-Security-Policy in")
    return html[: head.end()] + META + html[head.end() :]


_HTML_LANG = re.compile(r'(<html\b[^>]*?\blang=")[^"]*(")', re.I)


def with_language(html: str, language: str) -> str:
    """The page with `language` as its `<html lang>` (the theme writes the site's language)."""
    return _HTML_LANG.sub(lambda m: m.group(1) + language + m.group(2), html, count=1)


def check_page(html: str, name: str) -> None:
    for match in _SCRIPT.finditer(html):
        attributes = match.group(1)
        if not _SOURCE.search(attributes) and not _DATA_SCRIPT.search(attributes):
            start = html.count("\n", 0, match.start()) + 1
            raise UnsafePage(f"{name}:{start}: an inline script would break the handbook's "
                             "Content-Security-Policy (a theme feature that writes one cannot be used)")
