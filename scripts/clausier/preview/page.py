"""The preview's page: the agreement's own HTML, its findings above it, and a script that only
reloads.

The page holds the rendered text itself (what `clausier build --to html` writes, the same
bytes from the same renderer); the script never fetches text to put into it. It asks the
server whether the version it was served with is still the newest (one long request at a time)
and reloads the page when it is not. The contract's own policy allows no script at all: the
preview's policy adds exactly one, this file from this server, and the connection it waits on.
"""

from __future__ import annotations

import hashlib
import html

from ..htmlsafety import CONTENT_SECURITY_POLICY, CSP_META

SCRIPT_PATH = "/_preview/reload.js"
CHANGES_PATH = "/_preview/changes"
FINDINGS_ID = "clausier-preview-findings"
POLICY = CONTENT_SECURITY_POLICY.replace("default-src 'none';", "default-src 'none'; script-src 'self'; connect-src 'self';")
_META = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}" />'

# Waits for a version other than its own, then reloads; a dropped connection (the preview
# stopped, a laptop asleep) is asked again a second later. No text is ever read into the page.
RELOAD_SCRIPT = """\
(function (tag) {
  var version = tag.getAttribute("data-version");
  function wait() {
    fetch("%s?after=" + encodeURIComponent(version), {cache: "no-store"})
      .then(function (answer) { return answer.ok ? answer.text() : Promise.reject(answer.status); })
      .then(function (newest) { if (newest.trim() !== version) { location.reload(); } else { wait(); } })
      .catch(function () { setTimeout(wait, 1000); });
  }
  wait();
})(document.currentScript);
""" % CHANGES_PATH

# Stuck to the top of the window: a reload keeps the reader where they were in the text, far
# below the top of the page, and the findings must still be in sight.
# Named by its text: the browser keeps it across reloads (one request less each time) and never
# runs an older one.
SCRIPT_URL = f"{SCRIPT_PATH}?{hashlib.sha256(RELOAD_SCRIPT.encode()).hexdigest()[:12]}"

_PANEL = ("position:sticky;top:0;z-index:10;max-height:40vh;overflow:auto;margin:0 0 1.5em;padding:.8em 1.2em;"
          "border:2px solid #b3261e;background:#fdecea;color:#410e0b;font:14px/1.45 ui-monospace,monospace;"
          "white-space:pre-wrap")
_EMPTY = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n{meta}\n<title>{title}</title>\n"
          "</head>\n<body>\n<p>No rendering yet: fix the findings above and save.</p>\n</body>\n</html>\n")


def compose(rendered: bytes | None, findings: list[str], version: int, title: str) -> bytes:
    """The page for `version`: the last good rendering (None: there was none yet), the current
    findings above it (each line as `clausier check` prints it: path:line:col, escaped)."""
    text = rendered.decode("utf-8") if rendered is not None else _EMPTY.format(meta=CSP_META, title=html.escape(title))
    text = text.replace(CSP_META, _META, 1) if CSP_META in text else text.replace("<head>", "<head>\n" + _META, 1)
    if findings:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in findings)
        note = "Showing the last good rendering." if rendered is not None else ""
        panel = (f'<section id="{FINDINGS_ID}" role="alert" style="{_PANEL}"><strong>This edit does not build.'
                 f'</strong> {note}<ul style="margin:.5em 0 0;padding-left:1.2em">{items}</ul></section>\n')
        text = _after_body_tag(text, panel)
    tag = f'<script src="{SCRIPT_URL}" data-version="{int(version)}"></script>\n'
    end = text.rfind("</body>")
    text = text[:end] + tag + text[end:] if end != -1 else text + tag
    return text.encode("utf-8")


def _after_body_tag(text: str, insert: str) -> str:
    start = text.find("<body")
    end = text.find(">", start) + 1 if start != -1 else 0
    return text[:end] + "\n" + insert + text[end:]
