"""`pithgen serve`: a real HTTP server on loopback, 404 page, rebuild on change."""

from __future__ import annotations

import contextlib
import html
import http.client
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SIGNED_AT, make_paper
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirModifiedEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)

from pithgen.keys import write_key_pair
from pithgen.mint import mint_jsonl
from pithgen.watch import Rebuilder as _Rebuilder

FIXTURES = Path(__file__).parent / "fixtures"
TIMEOUT = 30.0


class Server:
    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        # Both streams, one queue: messages go to stderr, build summaries to stdout.
        streams = [s for s in (proc.stderr, proc.stdout) if s is not None]
        self.readers = [
            threading.Thread(target=lambda s=s: [self.lines.put(x) for x in s], daemon=True)
            for s in streams
        ]
        for reader in self.readers:
            reader.start()
        self.base = ""

    def wait_for(self, pattern: str) -> re.Match[str]:
        deadline = time.monotonic() + TIMEOUT
        for line in self.seen:
            if m := re.search(pattern, line):
                return m
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.proc.poll() is None, f"server exited: {self.seen}"
                continue
            self.seen.append(line)
            if m := re.search(pattern, line):
                return m
        raise AssertionError(f"no line matching {pattern!r} in {self.seen}")

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def poll(self, path: str, status: int) -> bytes:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            code, body = self.get(path)
            if code == status:
                return body
            time.sleep(0.2)
        raise AssertionError(f"{path} never answered {status}; log: {self.seen}")


@contextlib.contextmanager
def running(args: list[str], cwd: Path, *, watching: bool = True) -> Iterator[Server]:
    """``pithgen serve ARGS --port 0`` run from ``cwd``, stopped with Ctrl-C afterwards."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pithgen", "serve", *args, "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )
    srv = Server(proc)
    try:
        match = srv.wait_for(r"at (http://127\.0\.0\.1:\d+/\S*) ")
        srv.base = match.group(1)
        if watching:
            srv.wait_for(r"^Watching ")
        yield srv
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for reader in srv.readers:
            reader.join(timeout=5)
        for stream in (proc.stderr, proc.stdout):
            if stream is not None:
                stream.close()
        # Ctrl-C is a normal way to stop; and nothing may have crashed meanwhile (a watcher
        # thread dying prints a traceback but leaves the server up).
        assert proc.returncode == 0, srv.seen
        assert not any("Traceback" in line for line in srv.seen), srv.seen


@pytest.fixture
def server(tmp_path: Path, signing_key: Any) -> Iterator[Server]:
    records = tmp_path / "records"
    records.mkdir()
    (records / "seed.json").write_bytes((FIXTURES / "seed-record-4FP6Z27B.json").read_bytes())
    _, public = write_key_pair(signing_key, tmp_path / "keys")
    args = ["--records", str(records), "--out", str(tmp_path / "site"), "--trust-key", str(public)]
    with running(args, tmp_path) as srv:
        yield srv


def test_serves_the_built_site_and_its_404_page(server: Server) -> None:
    status, body = server.get("index.html")
    assert status == 200 and b"Collaborative Deep Learning" in body
    status, body = server.get("pith/4FP6Z27B6DFNJRYZBSXH3XON27/")
    assert status == 200 and b"pith:2018:4FP6Z27B6DFNJRYZBSXH3XON27" in body
    status, body = server.get("pith/4FP6Z27B6DFNJRYZBSXH3XON27.json")
    assert status == 200
    assert body == (FIXTURES / "seed-record-4FP6Z27B.json").read_bytes()
    status, body = server.get("no/such/page.html")
    assert status == 404 and b"<h1>Not found</h1>" in body


def test_a_new_record_is_published_and_a_bad_one_keeps_the_last_site(
    server: Server, tmp_path: Path, mint: Any
) -> None:
    doc = mint(arxiv_id="2201.00042", title="Served after a rebuild")
    suffix = doc["pith_number"].rsplit(":", 1)[1]
    (tmp_path / "records" / "new.json").write_text(json.dumps(doc), encoding="utf-8")
    body = server.poll(f"pith/{suffix}/index.html", 200)
    assert b"Served after a rebuild" in body

    bad = dict(doc, paper=dict(doc["paper"], title="Tampered after signing"))
    (tmp_path / "records" / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    server.wait_for(r"Not built: 1 of 3 input document\(s\) failed")
    status, body = server.get(f"pith/{suffix}/index.html")
    assert status == 200 and b"Served after a rebuild" in body


def _drain(server: Server, seconds: float) -> None:
    """Collect every line the server writes during ``seconds``."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            server.seen.append(server.lines.get(timeout=min(left, 0.2)))
        except queue.Empty:
            assert server.proc.poll() is None, f"server exited: {server.seen}"


def _built(server: Server) -> int:
    """Builds finished: written, or found up to date (a touched record is read and hashed
    again, and found the same)."""
    return sum(1 for line in server.seen if line.startswith(("Built ", "Up to date")))


def test_output_folder_inside_the_watched_records_folder_rebuilds_once(tmp_path: Path) -> None:
    """The build's staging folders (``.site.pithgen-*``, ``.site.old-*``) appear beside the
    output folder, here inside the watched records folder: they must not trigger rebuilds."""
    folder = tmp_path / "sv"
    folder.mkdir()
    record = folder / "a.json"
    record.write_bytes((FIXTURES / "seed-record-4FP6Z27B.json").read_bytes())
    with running(["--records", ".", "--out", "site"], folder) as server:
        _drain(server, 1.0)  # let any events of the first build settle
        assert _built(server) == 1, server.seen
        os.utime(record)  # touch
        deadline = time.monotonic() + TIMEOUT
        while _built(server) < 2 and time.monotonic() < deadline:
            _drain(server, 0.2)
        assert _built(server) == 2, server.seen
        _drain(server, 3.0)
        assert _built(server) == 2, server.seen
        status, body = server.get("pith/4FP6Z27B6DFNJRYZBSXH3XON27/")
        assert status == 200 and b"pith:2018:4FP6Z27B6DFNJRYZBSXH3XON27" in body
    assert sorted(p.name for p in folder.iterdir()) == [".pithgen-cache", "a.json", "site"]


@pytest.mark.parametrize(
    ("src", "dest", "relevant"),
    [
        ("r/a.json", "", True),
        ("r/sub/a.json", "", True),
        ("r/.site.pithgen-x1/pith/A/index.html", "", False),
        ("r/.site.old-x2/index.html", "", False),
        ("r/.a.json.swp", "", False),
        ("r/.git/index", "", False),
        ("r/sub/.hidden/a.json", "", False),
        ("r/site/index.html", "", False),
        ("r/site", "", False),
        ("r/.site.pithgen-x1", "r/site", False),  # the build's own swap
        ("r/site", "r/.site.old-x2", False),
        ("r/.a.json.tmp", "r/a.json", True),  # an editor's atomic save
        ("r/a.json", "r/.trash/a.json", True),  # a record moved away
        (b"r/b\xff.json", "", True),
        (".hidden-root/a.json", "", True),  # the watched folder itself may be dotted
        (".hidden-root/.x/a.json", "", False),
    ],
)
def test_rebuilder_ignores_staging_and_hidden_paths(
    tmp_path: Path, src: str | bytes, dest: str | bytes, relevant: bool
) -> None:

    def under(rel: str | bytes) -> str | bytes:
        if not rel:
            return rel
        if isinstance(rel, bytes):
            return os.fsencode(tmp_path) + b"/" + rel
        return str(tmp_path / rel)

    handler = _Rebuilder(
        lambda: None,
        ignore=[tmp_path / "r" / "site"],
        roots=[tmp_path / "r", tmp_path / ".hidden-root"],
    )
    event = FileMovedEvent(under(src), under(dest)) if dest else FileModifiedEvent(under(src))
    handler.on_any_event(event)
    assert handler.pending.is_set() is relevant


@pytest.mark.parametrize(
    ("event", "relevant"),
    [
        (FileCreatedEvent("r/a.json"), True),
        (FileDeletedEvent("r/a.json"), True),
        (FileClosedEvent("r/a.json"), True),
        (DirCreatedEvent("r/sub"), True),
        (DirDeletedEvent("r/sub"), True),
        (FileOpenedEvent("r/a.json"), False),  # the build reading the records
        (FileClosedNoWriteEvent("r/a.json"), False),
        (DirModifiedEvent("r"), False),  # an entry changed: that entry has its own event
        (DirModifiedEvent("r/sub"), False),
    ],
)
def test_rebuilder_ignores_events_that_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, event: FileSystemEvent, relevant: bool
) -> None:

    monkeypatch.chdir(tmp_path)
    handler = _Rebuilder(lambda: None, ignore=[Path("r/site")], roots=[Path("r")])
    handler.on_any_event(event)
    assert handler.pending.is_set() is relevant


@pytest.mark.parametrize(
    ("event", "relevant"),
    [
        (FileModifiedEvent("r/a.json"), True),
        (FileCreatedEvent("r/sub/b.JSONL"), True),
        (FileModifiedEvent("r/serve.log"), False),  # e.g. `pithgen serve > serve.log` here
        (FileCreatedEvent("r/notes.txt~"), False),
        (DirCreatedEvent("r/sub"), True),
        (FileModifiedEvent("t/record.html"), True),  # templates: every file matters
    ],
)
def test_in_the_records_folder_only_record_files_trigger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, event: FileSystemEvent, relevant: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    handler = _Rebuilder(
        lambda: None, ignore=[Path("r/site")], roots=[Path("r"), Path("t")], records=[Path("r")]
    )
    handler.on_any_event(event)
    assert handler.pending.is_set() is relevant


def test_the_output_folder_is_never_watched(tmp_path: Path) -> None:
    """A folder holding the output folder is watched flat, its other subfolders fully."""
    from pithgen.watch import schedule_tree

    for rel in ("site/pith", "more/deep", ".git/objects"):
        (tmp_path / rel).mkdir(parents=True)
    scheduled: list[tuple[str, bool]] = []

    class Recorder:
        def schedule(self, handler: object, path: str, recursive: bool) -> None:
            scheduled.append((os.path.relpath(path, tmp_path), recursive))

    flat = schedule_tree(Recorder(), FileSystemEventHandler(), tmp_path, [tmp_path / "site"])
    assert scheduled == [(".", False), ("more", True)]
    assert flat == [tmp_path]


def test_open_pages_reload_after_a_rebuild_and_the_site_files_stay_as_built(
    server: Server, tmp_path: Path, mint: Any
) -> None:
    """Pages served carry the reload script (the files do not); the long poll answers
    a new generation after a rebuild that wrote a new site, and only then."""
    status, page = server.get("pith/4FP6Z27B6DFNJRYZBSXH3XON27/")
    tag = b'<script src="/__pithgen/reload.js"></script>'
    assert status == 200 and tag in page and page.index(tag) < page.rindex(b"</body>")
    on_disk = (
        tmp_path / "site" / "pith" / "4FP6Z27B6DFNJRYZBSXH3XON27" / "index.html"
    ).read_bytes()
    assert tag not in on_disk and page.replace(tag + b"\n", b"") == on_disk
    status, body = server.get("no/such/page.html")
    assert status == 404 and tag in body
    status, script = server.get("__pithgen/reload.js")
    assert status == 200 and b"/__pithgen/reload?since=" in script and b"http" not in script
    status, body = server.get("__pithgen/reload")
    assert json.loads(body) == {"generation": 0}
    # a long poll returns once the generation moves on: a rebuild that wrote a site
    answers: list[bytes] = []
    waiter = threading.Thread(
        target=lambda: answers.append(server.get("__pithgen/reload?since=0")[1]), daemon=True
    )
    waiter.start()
    doc = mint(arxiv_id="2201.00077", title="Reloaded")
    (tmp_path / "records" / "new.json").write_text(json.dumps(doc), encoding="utf-8")
    waiter.join(timeout=TIMEOUT)
    assert answers and json.loads(answers[0]) == {"generation": 1}
    os.utime(tmp_path / "records" / "new.json")  # nothing changed: no reload
    server.wait_for(r"^Up to date")
    assert json.loads(server.get("__pithgen/reload")[1]) == {"generation": 1}


# --- the configuration, read afresh ------------------------------------------------------


def _banner(body: bytes) -> str | None:
    """The text of serve's error banner in a page, or None."""
    m = re.search(rb'<div id="pithgen-serve-error".*?<pre[^>]*>(.*?)</pre>', body, re.S)
    return html.unescape(m.group(1).decode("utf-8")) if m else None


def _title(body: bytes) -> str:
    m = re.search(rb"<title>([^<]*)</title>", body)
    assert m, body[:300]
    return m.group(1).decode("utf-8")


def _generation(server: Server) -> int:
    return int(json.loads(server.get("__pithgen/reload")[1])["generation"])


@pytest.mark.parametrize("where", ["./pithgen.toml", "--config"])
def test_editing_the_configuration_takes_effect_and_a_bad_edit_keeps_the_last_site(
    tmp_path: Path, signing_key: Any, mint: Any, where: str
) -> None:
    """Title and trusted keys come from the configuration as it is now; a bad edit (TOML
    that does not parse, a template override that matches nothing) keeps the last good
    site and says why in the terminal and on every page; the fix clears it."""
    records = tmp_path / "records"
    records.mkdir()
    (records / "seed.json").write_bytes((FIXTURES / "seed-record-4FP6Z27B.json").read_bytes())
    write_key_pair(signing_key, tmp_path / "keys")
    cfg = tmp_path / ("pithgen.toml" if where == "./pithgen.toml" else "conf/site.toml")
    cfg.parent.mkdir(exist_ok=True)
    up = "" if where == "./pithgen.toml" else "../"
    good = f'[site]\ntitle = "{{title}}"\n[build]\nrecords = "{up}records"\nout = "{up}site"\n'
    cfg.write_text(good.format(title="One"), encoding="utf-8")
    args = [] if where == "./pithgen.toml" else ["--config", str(cfg)]
    with running(args, tmp_path) as server:
        assert _title(server.get("index.html")[1]).startswith("One")
        # a new title and a newly trusted key, then a record only that key verifies
        trusted = f'trust_keys = ["{up}keys/test-key-1.json"]\n'
        cfg.write_text(good.format(title="Two") + trusted, encoding="utf-8")
        deadline = time.monotonic() + TIMEOUT
        while not _title(server.get("index.html")[1]).startswith("Two"):
            assert time.monotonic() < deadline, server.seen
            time.sleep(0.2)
        doc = mint(arxiv_id="2201.00099", title="Signed by the newly trusted key")
        suffix = doc["pith_number"].rsplit(":", 1)[1]
        (records / "new.json").write_text(json.dumps(doc), encoding="utf-8")
        assert b"Signed by the newly trusted key" in server.poll(f"pith/{suffix}/", 200)

        before = _generation(server)
        cfg.write_text("[site\n", encoding="utf-8")
        server.wait_for(rf"^pithgen: rebuild failed: {re.escape(str(cfg))}: cannot read TOML")
        server.wait_for(r"^pithgen: still serving the last good site")
        status, page = server.get(f"pith/{suffix}/")
        assert status == 200 and b"Signed by the newly trusted key" in page
        banner = _banner(page)
        assert banner is not None and banner.startswith(f"pithgen: error: {cfg}: cannot read")
        assert _generation(server) > before  # open pages reload and show it
        on_disk = (tmp_path / "site" / "pith" / suffix / "index.html").read_bytes()
        assert b"pithgen-serve-error" not in on_disk  # never in the site's files
        status, missing = server.get("no/such/page")
        assert status == 404 and _banner(missing) == banner

        cfg.write_text(good.format(title="Three") + trusted, encoding="utf-8")
        deadline = time.monotonic() + TIMEOUT
        while _banner(page := server.get("index.html")[1]) is not None:
            assert time.monotonic() < deadline, server.seen
            time.sleep(0.2)
        assert _title(page).startswith("Three")

        stray = tmp_path / "templates" / "recrod.html"
        stray.parent.mkdir()
        stray.write_text("{{ misspelt }}", encoding="utf-8")
        cfg.write_text(
            good.format(title="Four") + trusted + f'templates = "{up}templates"\n',
            encoding="utf-8",
        )
        server.wait_for(r"recrod\.html matches no template of pithgen \(did you mean record")
        deadline = time.monotonic() + TIMEOUT
        while (banner := _banner(server.get("index.html")[1])) is None:
            assert time.monotonic() < deadline, server.seen
            time.sleep(0.2)
        assert "recrod.html matches no template of pithgen" in banner


def test_a_log_written_beside_pithgen_toml_starts_no_build(tmp_path: Path) -> None:
    """The configuration's folder is watched for that file only."""
    records = tmp_path / "records"
    records.mkdir()
    (records / "seed.json").write_bytes((FIXTURES / "seed-record-4FP6Z27B.json").read_bytes())
    (tmp_path / "pithgen.toml").write_text('[site]\ntitle = "T"\n', encoding="utf-8")
    with running([], tmp_path) as server:
        _drain(server, 1.0)
        assert _built(server) == 1, server.seen
        for n in range(5):
            (tmp_path / "serve.log").write_text(f"line {n}\n", encoding="utf-8")
            time.sleep(0.1)
        _drain(server, 2.0)
        assert _built(server) == 1, server.seen
        (tmp_path / "pithgen.toml").write_text('[site]\ntitle = "U"\n', encoding="utf-8")
        deadline = time.monotonic() + TIMEOUT
        while _built(server) < 2 and time.monotonic() < deadline:
            _drain(server, 0.2)
        assert _built(server) == 2, server.seen


# --- the site as it will be published -----------------------------------------------------


def _no_redirect(url: str) -> tuple[int, str | None]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request("GET", parts.path)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


def test_with_a_base_url_the_site_is_served_at_its_path_and_the_404_page_works(
    tmp_path: Path,
) -> None:
    records = tmp_path / "records"
    records.mkdir()
    (records / "seed.json").write_bytes((FIXTURES / "seed-record-4FP6Z27B.json").read_bytes())
    args = ["--base-url", "https://example.org/REPO/", "--no-watch"]
    with running(args, tmp_path, watching=False) as server:
        origin = server.base.removesuffix("REPO/")
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/REPO/", server.base), server.base
        assert _no_redirect(origin) == (302, "/REPO/")
        assert _no_redirect(origin + "REPO") == (302, "/REPO/")
        status, home = server.get("")
        assert status == 200 and b"Collaborative Deep Learning" in home
        status, page = server.get("no/such/page")
        assert status == 404 and b"<h1>Not found</h1>" in page
        links = re.findall(rb'(?:href|src)="(/[^"]*)"', page)
        assert len(links) >= 5 and all(link.startswith(b"/REPO/") for link in links), links
        for link in links:  # style sheet, scripts, icon, resolver, search...
            with urllib.request.urlopen(origin + link.decode()[1:].split("?")[0]) as answer:
                assert answer.status == 200, link
        status, elsewhere = urllib_get(origin + "elsewhere/")
        assert status == 404 and b"<h1>Not found</h1>" in elsewhere
        # The 404 page's script hands an identifier path to the resolver, in a browser.
        from test_browser import chromium, dump_dom

        dom = dump_dom(chromium(), server.base + "pith/4fp6z27b6dfn/")
        canonical = (
            'rel="canonical" href="https://example.org/REPO/pith/4FP6Z27B6DFNJRYZBSXH3XON27/"'
        )
        assert canonical in dom, dom[:2000]


def urllib_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_a_port_in_use_is_reported_before_building(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    (records / "seed.json").write_bytes((FIXTURES / "seed-record-4FP6Z27B.json").read_bytes())
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "pithgen", "serve", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (
        f"pithgen: error: port {port} on 127.0.0.1 is already in use (another pithgen "
        "serve?): pass another --port, or --port 0 for a free one\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records"]  # nothing was built


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_a_rebuild_keeps_the_last_site_and_leaves_nothing_behind(
    tmp_path: Path, signing_key: Any
) -> None:
    """Ctrl-C while ``serve`` rebuilds (pass 2 writing pages): the server stops (0), the
    site is the last good one byte for byte, and no staging folder or lock is left."""
    records = tmp_path / "records"
    records.mkdir()
    _, public = write_key_pair(signing_key, tmp_path / "keys")
    papers = [make_paper(arxiv_id=f"2101.{n:05d}", title=f"Paper {n}") for n in range(1, 1501)]
    lines = mint_jsonl(papers, signing_key, signed_at=SIGNED_AT)
    (records / "many.jsonl").write_text("".join(f"{x}\n" for x in lines), encoding="utf-8")
    args = ["--records", "records", "--out", "site", "--trust-key", str(public), "--no-cache"]
    site = tmp_path / "site"
    with running(args, tmp_path) as server:
        before = {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
        os.utime(records / "many.jsonl")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            staged = [p for p in tmp_path.glob(".site.pithgen-*") if "-work-" not in p.name]
            if any((p / "pith").is_dir() for p in staged):
                break
            time.sleep(0.005)
        else:
            raise AssertionError(f"the rebuild never wrote pages: {server.seen}")
    # running() sent Ctrl-C and checked the exit status (0) and that nothing crashed
    assert {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys", "records", "site"]
