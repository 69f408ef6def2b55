"""Remote annotators: `annotator serve` in a real headless Chromium (driven over the DevTools
protocol): the page loads, a key press labels a unit, the decision is in the database, and two
tabs label at the same time under their own names.

Skips (with the reason) when Debian's ``chromium`` is not installed; ``.ci/run`` installs it.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import query

from annotator.cli import cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DATASET = "web"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0) -> str:
    """The body at ``url`` once it answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode()
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    from annotator.bench.synth import generate
    from annotator.store import open_store

    path = tmp_path / "serve.db"
    store = open_store(path, durable=False)
    generate(store, 300, dataset=DATASET, suggest_first=300)
    store.close()
    return path


@contextmanager
def serving(db: str | Path, log_path: Path, dataset: str = DATASET, *options: str) -> Iterator[str]:
    """`annotator serve --db DB [options]` on a free port of 127.0.0.1 while the block runs;
    its base URL. The server and the labelling processes it started are ended afterwards."""
    port = free_port()
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "annotator", "serve", "--db", str(db), "--dataset", dataset, "--port", str(port),
         *options],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/")
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        try:  # the session's own process group: `annotator label` children left behind
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        log.close()


@pytest.fixture
def server(db: Path, tmp_path: Path) -> Iterator[str]:
    """`annotator serve` on a free port of 127.0.0.1; its base URL."""
    with serving(db, tmp_path / "serve.log") as base:
        yield base


def decisions(db: str | Path) -> list[tuple[int, str, str]]:
    """(unit, annotator, answer) of every current decision, on either engine."""
    return [tuple(r) for r in query(db, "SELECT unit_id, annotator, answer FROM decisions"
                                        " ORDER BY annotator, unit_id")]


# ---------------------------------------------------------------------- without a browser


def test_serve_listens_on_localhost_by_default() -> None:
    serve = CliRunner().invoke(cli, ["serve", "--help"])
    assert serve.exit_code == 0
    assert "127.0.0.1" in serve.output
    from annotator.commands.serve import serve as cmd

    host = next(p for p in cmd.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code != 0 and "no database" in result.output
    assert not (tmp_path / "none.db").exists()


def test_each_name_gets_its_own_websocket_and_command(server: str) -> None:
    form = wait_http(server + "/")
    assert "<form" in form and 'name="annotator"' in form
    bad = wait_http(server + "/?annotator=" + urllib.request.quote("x; rm -rf /"))
    assert "<form" in bad and "/ws/" not in bad
    page = wait_http(server + "/?annotator=alice")
    assert "/ws/alice" in page and "textual.js" in page
    from annotator.commands.serve import label_command

    cmd = label_command("/data/my db.db", DATASET, "bob")
    assert "--annotator bob" in cmd and "'/data/my db.db'" in cmd


# ---------------------------------------------------------------------- in Chromium


class Browser:
    """Headless Chromium with its DevTools endpoint."""

    def __init__(self) -> None:
        if CHROMIUM is None:
            pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
        self.profile = tempfile.mkdtemp(prefix="annotator-chromium-")
        # Chromium keeps its singleton socket in a directory of its own under TMPDIR, which a
        # killed browser leaves behind: under the profile, it goes with it.
        tmp = Path(self.profile) / "tmp"
        tmp.mkdir()
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--remote-debugging-port=0", "--remote-allow-origins=*",
             f"--user-data-dir={self.profile}", "--window-size=1200,800", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, "TMPDIR": str(tmp)},
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                pytest.skip("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        self.port = int(port_file.read_text().split()[0])

    def new_tab(self, url: str) -> str:
        """Open ``url`` in a new tab; the tab's DevTools websocket URL."""
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?{url}", method="PUT")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())["webSocketDebuggerUrl"]

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


class Tab:
    """A minimal DevTools protocol client for one page."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        my_id = self.next_id
        await self.ws.send_json({"id": my_id, "method": method, "params": params})
        while True:
            msg = await self.ws.receive_json(timeout=30)
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    async def js(self, expression: str) -> Any:
        res = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return res.get("result", {}).get("value")

    async def wait_js(self, expression: str, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = await self.js(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}")
            await asyncio.sleep(0.2)

    async def press(self, key: str) -> None:
        """A real key press in the page's focused element (the terminal)."""
        await self.call("Input.dispatchKeyEvent", type="keyDown", key=key, text=key, unmodifiedText=key,
                        code=f"Key{key.upper()}", windowsVirtualKeyCode=ord(key.upper()))
        await self.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=f"Key{key.upper()}",
                        windowsVirtualKeyCode=ord(key.upper()))


def assigned(db: str | Path, name: str) -> int:
    """Units handed to ``name``: the app claims its first unit as it draws it."""
    return int(query(db, "SELECT COUNT(*) FROM leases WHERE annotator = ?", (name,))[0][0])


async def open_tabs(http: Any, browser: Browser, db: str | Path, pages: list[tuple[str, str]]) -> list[Tab]:
    """Open each (annotator name, page URL) in a tab of its own; return once every app shows
    its first unit."""
    tabs: list[Tab] = []
    for _, url in pages:
        ws = await http.ws_connect(browser.new_tab(url), max_msg_size=0)
        tab = Tab(ws)
        await tab.call("Runtime.enable")
        tabs.append(tab)
    for (name, _), tab in zip(pages, tabs):
        # the page has its terminal and the app's first bytes; the app has claimed a unit
        await tab.wait_js("document.body.classList.contains('-first-byte')", timeout=60)
        assert await tab.js("!!document.querySelector('.xterm-screen')"), "no terminal on the page"
        deadline = time.monotonic() + 60
        while not assigned(db, name):
            assert time.monotonic() < deadline, f"{name}'s labelling app never showed a unit"
            await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # the first unit is drawn just after it is claimed
    return tabs


async def accept_in_tab(tab: Tab, db: str | Path, name: str, timeout: float = 30.0) -> None:
    """Press 'a' in ``tab``; return once ``name`` has one more decision stored."""
    before = sum(a == name for _, a, _ in decisions(db))
    await tab.js("document.querySelector('.xterm-helper-textarea').focus()")
    await tab.press("a")
    deadline = time.monotonic() + timeout
    while sum(a == name for _, a, _ in decisions(db)) <= before:
        assert time.monotonic() < deadline, f"the key press in {name}'s tab decided nothing"
        await asyncio.sleep(0.2)


async def label_in_browser(browser: Browser, base: str, db: Path, names: list[str]) -> None:
    """Open a tab per name, wait for each app to show its first unit, press 'a' in each."""
    import aiohttp

    async with aiohttp.ClientSession() as http:
        tabs = await open_tabs(http, browser, db, [(name, f"{base}/?annotator={name}") for name in names])
        for name, tab in zip(names, tabs):
            await accept_in_tab(tab, db, name)
        for tab in tabs:
            await tab.ws.close()


@pytest.mark.browser
def test_chromium_labels_through_serve(server: str, db: Path) -> None:
    """Page loads, the key 'a' accepts the unit on screen, the decision is in the database."""
    browser = Browser()
    try:
        asyncio.run(label_in_browser(browser, server, db, ["alice"]))
    finally:
        browser.close()
    rows = decisions(db)
    assert rows == [(1, "alice", "accept")], rows


@pytest.mark.browser
@pytest.mark.slow
def test_two_annotators_label_at_once_in_chromium(server: str, db: Path) -> None:
    """Two tabs, two names, one database: each decision is stored under its own name."""
    browser = Browser()
    try:
        asyncio.run(label_in_browser(browser, server, db, ["alice", "bob"]))
    finally:
        browser.close()
    rows = decisions(db)
    assert sorted(a for _, a, _ in rows) == ["alice", "bob"], rows
    assert all(answer == "accept" for _, _, answer in rows)
    assert len({u for u, _, _ in rows}) == 2, "overlap 1: the two annotators were handed different units"
