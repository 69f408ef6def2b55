"""Several `annotator serve` machines on one PostgreSQL database: three `serve` processes,
headless Chromium labelling through each, a server restart (``pg_ctl restart -m fast``) half-way
through. Every key press that stored a decision before the restart is still there, the
labelling processes connect again by themselves and go on, and on an overlap-1 dataset no
unit was ever handed to two annotators.

Uses the browser helpers of test_robust_serve.py and a cluster of its own (it restarts the
server); skips with one line without PostgreSQL or Chromium.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from conftest import query
from test_pg_restart import cluster  # noqa: F401 - the module's own cluster (restarted below)
from test_robust_serve import Browser, accept_in_tab, decisions, open_tabs, serving

pytestmark = [pytest.mark.postgresql, pytest.mark.browser, pytest.mark.slow]

DATASET = "team"
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


def units_held_twice(db: str) -> list[tuple[int, int]]:
    """Units that two annotators hold at once (a live lease or a decision each)."""
    return [tuple(r) for r in query(
        db, "SELECT unit_id, COUNT(DISTINCT annotator) FROM (SELECT unit_id, annotator FROM decisions"
            " UNION SELECT unit_id, annotator FROM leases WHERE expires > ?) h"
            " GROUP BY unit_id HAVING COUNT(DISTINCT annotator) > 1", (time.time(),))]


def test_three_serve_processes_label_one_database_through_a_restart(cluster, team_db: str,  # noqa: F811
                                                                     tmp_path: Path) -> None:
    browser = Browser()
    with ExitStack() as stack:
        stack.callback(browser.close)
        bases = [stack.enter_context(serving(team_db, tmp_path / f"serve-{n}.log", DATASET)) for n in NAMES]

        async def label() -> list[tuple[int, str, str]]:
            import aiohttp

            async with aiohttp.ClientSession() as http:
                tabs = await open_tabs(http, browser, team_db,
                                       [(n, f"{base}/?annotator={n}") for n, base in zip(NAMES, bases)])
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
