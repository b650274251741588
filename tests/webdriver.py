"""A small W3C WebDriver client for the browser tests: real headless Chromium driven by
ChromeDriver (the Debian packages ``chromium`` and ``chromium-driver``, installed by
``.ci/setup``), over the WebDriver HTTP protocol with the standard library only.

One :class:`Browser` is one ChromeDriver process and one session; tests reuse it across
pages (a session per page would cost a browser start each). ``cdp`` reaches the Chrome
DevTools Protocol through ChromeDriver's ``goog/cdp/execute`` endpoint, which the tests
use to emulate ``prefers-color-scheme``.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C web element identifier
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--window-size=1280,900",
)


class WebDriverError(RuntimeError):
    """ChromeDriver answered with an error (its ``error`` and ``message``)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_program(*names: str) -> str | None:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """Headless Chromium under ChromeDriver: ``with Browser(chromium, driver) as b: ...``."""

    def __init__(self, chromium: str, chromedriver: str, *, javascript: bool = True) -> None:
        self.port = _free_port()
        self._profile = tempfile.TemporaryDirectory(prefix="pithgen-webdriver-")
        self._proc = subprocess.Popen(
            [chromedriver, f"--port={self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        self.session = ""
        try:
            self._wait_ready()
            options: dict[str, Any] = {
                "binary": chromium,
                "args": [*CHROMIUM_ARGS, f"--user-data-dir={self._profile.name}"],
            }
            if not javascript:
                options["prefs"] = {"profile.managed_default_content_settings.javascript": 2}
            caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}}
            self.session = self._call("POST", "/session", caps)["sessionId"]
            self._call("POST", self._s("/timeouts"), {"script": 60_000, "pageLoad": 60_000})
        except BaseException:
            self.close()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self._call("GET", "/status").get("ready"):
                    return
            except (OSError, WebDriverError):
                pass
            time.sleep(0.1)
        raise WebDriverError(f"chromedriver did not start on port {self.port}")

    def _s(self, path: str) -> str:
        return f"/session/{self.session}{path}"

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            try:
                value = json.loads(exc.read().decode("utf-8")).get("value", {})
            except ValueError:
                value = {}
            raise WebDriverError(
                f"{method} {path}: {value.get('error', exc.code)}: "
                f"{str(value.get('message', ''))[:2000]}"
            ) from None
        return answer.get("value")

    # --- what the tests use ---------------------------------------------------------

    def get(self, url: str) -> None:
        self._call("POST", self._s("/url"), {"url": url})

    @property
    def url(self) -> str:
        return str(self._call("GET", self._s("/url")))

    def run(self, script: str, *args: Any) -> Any:
        """The value of ``script`` (a function body) run in the page."""
        return self._call("POST", self._s("/execute/sync"), {"script": script, "args": list(args)})

    def run_async(self, script: str, *args: Any) -> Any:
        """Like :meth:`run`; the script calls ``arguments[arguments.length - 1](value)``."""
        return self._call("POST", self._s("/execute/async"), {"script": script, "args": list(args)})

    def find(self, css: str) -> str:
        """The WebDriver id of the first element matching ``css``."""
        found = self._call("POST", self._s("/element"), {"using": "css selector", "value": css})
        return str(found[ELEMENT])

    def click(self, css: str) -> None:
        self._call("POST", self._s(f"/element/{self.find(css)}/click"), {})

    def keys(self, css: str, text: str) -> None:
        self._call("POST", self._s(f"/element/{self.find(css)}/value"), {"text": text})

    def cdp(self, command: str, params: dict[str, Any]) -> Any:
        return self._call("POST", self._s("/goog/cdp/execute"), {"cmd": command, "params": params})

    def wait_for(self, script: str, timeout: float = 10.0) -> Any:
        """Polls ``script`` until it returns something truthy; returns that."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.run(script)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.05)

    def close(self) -> None:
        try:
            if self.session:
                self._call("DELETE", self._s(""))
        except (OSError, WebDriverError):
            pass
        finally:
            self.session = ""
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def axe_source(tests_dir: Path) -> str | None:
    """The text of axe-core as ``.ci/setup`` installs it (``tests/js/node_modules``)."""
    path = tests_dir / "js" / "node_modules" / "axe-core" / "axe.min.js"
    return path.read_text(encoding="utf-8") if path.is_file() else None
