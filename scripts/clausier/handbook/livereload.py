"""`mkdocs serve`'s live reload under the handbook's policy: its script as a file, not inline.

The server writes its reload script inline into every page it serves, with the build's epoch
and a request id, and the policy (theme.py) blocks inline scripts: pages would stop reloading
when a clause changes. While serving, the plugin publishes the same script as a file of the
site and has the server insert a `<script src>` that carries the two numbers as attributes.
MkDocs 1.6 names the parts used here with a leading underscore; with another MkDocs that lacks
them, pages are served as they are (still under the policy: they just do not reload).
"""

from __future__ import annotations

import html
import time

from mkdocs import livereload

SCRIPT = "assets/clausier/livereload.js"
_CALL = "livereload(${epoch}, ${request_id});"


def reload_script() -> str | None:
    """The server's reload function, called with the numbers its own tag carries."""
    template = getattr(livereload, "_SCRIPT_TEMPLATE_STR", None)
    if not isinstance(template, str) or _CALL not in template:
        return None
    return (template[: template.rindex(_CALL)]
            + ";(function(s){livereload(+s.getAttribute(\"data-epoch\"),+s.getAttribute(\"data-request-id\"))})"
              "(document.currentScript);\n")


def serve_reload_from_file(server) -> bool:
    """Have `server` insert a tag for SCRIPT instead of an inline script; False if it cannot."""
    if reload_script() is None or not callable(getattr(server, "_inject_js_into_html", None)):
        return False
    source = html.escape(getattr(server, "mount_path", "/") + SCRIPT)
    stamp = getattr(livereload, "_timestamp", lambda: round(time.monotonic() * 1000))

    def inject(content: bytes, epoch: int) -> bytes:
        end = content.rfind(b"</body>")
        end = len(content) if end == -1 else end
        tag = f'<script src="{source}" data-epoch="{int(epoch)}" data-request-id="{int(stamp())}"></script>'
        return content[:end] + tag.encode() + content[end:]

    server._inject_js_into_html = inject
    return True
