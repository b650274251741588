"""``pithgen serve`` reloads the open page when a rebuild changed the site.

Only while serving: every HTML page the server sends gets one line before ``</body>``,
``<script src="/__pithgen/reload.js"></script>``; the files of the site are never
changed, so what is published is exactly what was built. The script asks the server
``/__pithgen/reload?since=N`` (a long poll, over the same plain HTTP, nothing from another
host) and reloads the page when the site's generation moves on: a rebuild that wrote a
new site bumps it; a failed or unchanged rebuild does not.
"""

from __future__ import annotations

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


def inject(html: bytes) -> bytes:
    """``html`` with the reload script before its last ``</body>`` (or at the end)."""
    at = html.lower().rfind(b"</body>")
    return html + TAG if at < 0 else html[:at] + TAG + html[at:]
