"""``pithgen serve`` reloads the open page when a rebuild changed the site.

Only while serving: every HTML page the server sends gets one line before ``</body>``,
``<script src="/__pithgen/reload.js"></script>``; the files of the site are never
changed, so what is published is exactly what was built. The script asks the server
``/__pithgen/reload?since=N`` (a long poll, over the same plain HTTP, nothing from another
host) and reloads the page when the site's generation moves on: a rebuild that wrote a
new site bumps it, and so does a change of the error shown; an unchanged rebuild does not.

While the last rebuild failed (a bad ``pithgen.toml``, a template error, a record that
fails verification), every page also gets a banner saying why (:func:`inject`'s
``error``): the server keeps serving the last good site, and the reader sees that it is
not the newest.
"""

from __future__ import annotations

import html
import json
import threading

PREFIX = "/__pithgen/"
SCRIPT_PATH = PREFIX + "reload.js"
POLL_PATH = PREFIX + "reload"
POLL_SECONDS = 25.0
TAG = b'<script src="/__pithgen/reload.js"></script>\n'

SCRIPT = b"""(function () {
  "use strict";
  var seen = null;
  function poll() {
    var req = new XMLHttpRequest();
    req.open("GET", "/__pithgen/reload?since=" + (seen === null ? -1 : seen));
    req.onload = function () {
      var now = -1;
      try { now = JSON.parse(req.responseText).generation; } catch (e) { now = seen; }
      if (seen !== null && now !== seen) { window.location.reload(); return; }
      seen = now;
      setTimeout(poll, 50);
    };
    req.onerror = function () { setTimeout(poll, 2000); };
    req.send();
  }
  poll();
})();
"""


class LiveReload:
    """The site's generation: bumped by each rebuild that wrote a new site."""

    def __init__(self) -> None:
        self._generation = 0
        self._changed = threading.Condition()

    @property
    def generation(self) -> int:
        with self._changed:
            return self._generation

    def bump(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def wait(self, since: int, timeout: float = POLL_SECONDS) -> int:
        """The generation, once it differs from ``since`` (or the timeout passed)."""
        with self._changed:
            self._changed.wait_for(lambda: self._generation != since, timeout)
            return self._generation

    def answer(self, query: str) -> bytes:
        """The JSON answer to ``/__pithgen/reload?since=N``."""
        since = -1
        for part in query.split("&"):
            name, _, value = part.partition("=")
            if name == "since" and value.lstrip("-").isdigit():
                since = int(value)
        generation = self.generation if since < 0 else self.wait(since)
        return json.dumps({"generation": generation}).encode("ascii")


BANNER_ID = "pithgen-serve-error"
_BANNER = (
    '<div id="' + BANNER_ID + '" role="alert" style="position:fixed;top:0;left:0;right:0;'
    "z-index:2147483647;margin:0;padding:.75em 1em;max-height:50vh;overflow:auto;"
    'background:#7a0000;color:#fff;font:15px/1.4 system-ui,sans-serif">'
    "<strong>pithgen serve: the last rebuild failed, so this is the last good site.</strong>"
    '<pre style="white-space:pre-wrap;margin:.5em 0 0;color:#fff;background:none;'
    'font:13px/1.4 ui-monospace,monospace">{}</pre></div>\n'
)


def banner(error: str) -> bytes:
    """The error banner: ``error`` escaped (it may quote a record's text)."""
    return _BANNER.format(html.escape(error, quote=True)).encode("utf-8")


def inject(page: bytes, error: str | None = None) -> bytes:
    """``page`` with the reload script (and the error banner, when there is an ``error``)
    before its last ``</body>`` (or at the end)."""
    added = (banner(error) if error is not None else b"") + TAG
    at = page.lower().rfind(b"</body>")
    return page + added if at < 0 else page[:at] + added + page[at:]
