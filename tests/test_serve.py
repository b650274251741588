"""`pithgen serve`: a real HTTP server on loopback, 404 page, rebuild on change."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pithgen.keys import write_key_pair

FIXTURES = Path(__file__).parent / "fixtures"
TIMEOUT = 30.0


class Server:
    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stderr is not None
        stream = proc.stderr
        self.reader = threading.Thread(
            target=lambda: [self.lines.put(x) for x in stream], daemon=True
        )
        self.reader.start()
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


@pytest.fixture
def server(tmp_path: Path, signing_key: Any) -> Iterator[Server]:
    records = tmp_path / "records"
    records.mkdir()
    (records / "seed.json").write_bytes((FIXTURES / "seed-record-4FP6Z27B.json").read_bytes())
    _, public = write_key_pair(signing_key, tmp_path / "keys")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pithgen",
            "serve",
            "--records",
            str(records),
            "--out",
            str(tmp_path / "site"),
            "--trust-key",
            str(public),
            "--port",
            "0",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    srv = Server(proc)
    try:
        match = srv.wait_for(r"at (http://127\.0\.0\.1:\d+/)")
        srv.base = match.group(1)
        srv.wait_for(r"^Watching ")
        yield srv
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        srv.reader.join(timeout=5)
        assert proc.returncode == 0, srv.seen  # Ctrl-C is a normal way to stop
        assert proc.stderr is not None
        proc.stderr.close()


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
