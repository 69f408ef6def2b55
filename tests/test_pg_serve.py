"""Several `annotator serve` machines on one PostgreSQL database behind one proxy: three
`serve` processes, a round-robin reverse proxy in front of them (each page, file and websocket
to the next machine, no sticky sessions), headless Chromium labelling through the proxy with
each tab's session on another machine, and a server restart (``pg_ctl restart -m fast``)
half-way through. Every decision stored before the restart is still there, the labelling
processes connect again by themselves and go on, and on an overlap-1 dataset no unit was ever
handed to two annotators.

Uses the browser helpers of test_robust_serve.py and a cluster of its own (it restarts the
server); skips with one line without PostgreSQL or Chromium.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from conftest import query
from test_pg_restart import cluster  # noqa: F401 - the module's own cluster (restarted below)
from test_robust_serve import Browser, accept_in_tab, decisions, free_port, open_tabs, serving

pytestmark = pytest.mark.postgresql

DATASET = "pgserve-team"
NAMES = ["alice", "bob", "carol"]
#: decisions each annotator makes before the restart, and after it
BEFORE, AFTER = 2, 2


@pytest.fixture
def team_db(cluster) -> Iterator[str]:  # noqa: F811
    """A fresh database with an overlap-1 dataset of 120 units."""
    from annotator.bench.synth import generate
    from annotator.store import open_store

    name = cluster.create_database()
    url = cluster.url(name)
    store = open_store(url, durable=False)
    generate(store, 120, dataset=DATASET, suggest_first=120)
    store.close()
    yield url
    cluster.drop_database(name)


def label_processes() -> list[str]:
    """Command lines of the `annotator label` processes of this test's dataset."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        text = " ".join(a.decode(errors="replace") for a in args)
        if " label " in text and f"--dataset {DATASET}" in text and not text.startswith("/bin/sh"):
            found.append(text)
    return found


def test_serve_hands_a_postgres_url_to_its_sessions_through_the_environment() -> None:
    from annotator.commands.serve import label_command

    assert "--db" not in label_command(None, DATASET, "bob")
    assert "--db /data/x.db" in label_command("/data/x.db", DATASET, "bob")


def units_held_twice(db: str) -> list[tuple[int, int]]:
    """Units that two annotators hold at once (a live lease or a decision each)."""
    return [tuple(r) for r in query(
        db, "SELECT unit_id, COUNT(DISTINCT annotator) FROM (SELECT unit_id, annotator FROM decisions"
            " UNION SELECT unit_id, annotator FROM leases WHERE expires > ?) h"
            " GROUP BY unit_id HAVING COUNT(DISTINCT annotator) > 1", (time.time(),))]


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "content-length", "content-encoding",
              "proxy-connection", "te", "trailer"}


class RoundRobinProxy:
    """A reverse proxy on 127.0.0.1: each request to the next backend in turn, websockets
    taking turns of their own (so the n-th tab's session runs on the n-th machine)."""

    def __init__(self, port: int, backends: list[str]) -> None:
        self.port = port
        self.backends = backends
        self._http = itertools.cycle(backends)
        self._ws = itertools.cycle(backends)
        self.websockets: list[str] = []  # the backend of each websocket, in order
        self._runner: Any = None
        self._client: Any = None

    async def start(self) -> None:
        import aiohttp
        from aiohttp import web

        self._client = aiohttp.ClientSession(auto_decompress=True)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def handle(self, request: Any) -> Any:
        from aiohttp import web

        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        if request.headers.get("Upgrade", "").lower() == "websocket":
            backend = next(self._ws)
            self.websockets.append(backend)
            return await self._websocket(request, backend)
        backend = next(self._http)
        async with self._client.request(request.method, backend + request.path_qs, headers=headers,
                                        data=await request.read(), allow_redirects=False) as r:
            body = await r.read()
            return web.Response(body=body, status=r.status,
                                headers={k: v for k, v in r.headers.items() if k.lower() not in HOP_BY_HOP})

    async def _websocket(self, request: Any, backend: str) -> Any:
        import aiohttp
        from aiohttp import web

        outer = web.WebSocketResponse()
        await outer.prepare(request)
        async with self._client.ws_connect("ws" + backend[4:] + request.path_qs, max_msg_size=0) as inner:
            async def pump(src: Any, dst: Any) -> None:
                async for msg in src:
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        await dst.send_str(msg.data)
                    elif msg.type == aiohttp.WSMsgType.BINARY:
                        await dst.send_bytes(msg.data)
                    else:
                        break

            pumps = [asyncio.ensure_future(pump(outer, inner)), asyncio.ensure_future(pump(inner, outer))]
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            for task in pumps:
                task.cancel()
        await outer.close()
        return outer


@pytest.mark.browser
@pytest.mark.slow
def test_three_serve_processes_label_one_database_through_a_restart(cluster, team_db: str,  # noqa: F811
                                                                     tmp_path: Path) -> None:
    browser = Browser()
    proxy_port = free_port()
    public = f"http://127.0.0.1:{proxy_port}"
    with ExitStack() as stack:
        stack.callback(browser.close)
        bases = [stack.enter_context(serving(team_db, tmp_path / f"serve-{n}.log", DATASET, "--public-url", public))
                 for n in NAMES]

        async def label() -> list[tuple[int, str, str]]:
            proxy = RoundRobinProxy(proxy_port, bases)
            await proxy.start()
            try:
                return await label_through(proxy)
            finally:
                await proxy.close()

        async def label_through(proxy: RoundRobinProxy) -> list[tuple[int, str, str]]:
            import aiohttp

            async with aiohttp.ClientSession() as http:
                tabs = await open_tabs(http, browser, team_db, [(n, f"{public}/?annotator={n}") for n in NAMES])
                assert sorted(proxy.websockets) == sorted(bases), "each tab's session runs on a machine of its own"
                sessions = label_processes()
                assert len(sessions) == len(NAMES) and not any("postgresql://" in c for c in sessions), sessions
                for _ in range(BEFORE):
                    for name, tab in zip(NAMES, tabs):
                        await accept_in_tab(tab, team_db, name)
                before = decisions(team_db)
                assert units_held_twice(team_db) == []
                await asyncio.to_thread(cluster.restart)
                for _ in range(AFTER):  # the labelling processes connect again by themselves
                    for name, tab in zip(NAMES, tabs):
                        await accept_in_tab(tab, team_db, name, timeout=60)
                assert units_held_twice(team_db) == []
                for tab in tabs:
                    await tab.ws.close()
                return before

        before = asyncio.run(label())
    rows = decisions(team_db)
    assert set(before) <= set(rows), "a decision stored before the restart is gone"
    for name in NAMES:
        assert [a for _, who, a in rows if who == name] == ["accept"] * (BEFORE + AFTER), rows
    assert len({u for u, _, _ in rows}) == len(rows) == len(NAMES) * (BEFORE + AFTER), "a unit went to two annotators"
    assert query(team_db, "SELECT COUNT(*) FROM annotations") == [(len(rows),)], "a decision was stored twice"
    logs = "".join((tmp_path / f"serve-{n}.log").read_text(errors="replace") for n in NAMES)
    assert "Traceback" not in logs, logs[-2000:]
