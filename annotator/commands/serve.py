"""`annotator serve`: the labelling UI in a web browser, one `annotator label` process per tab.

Built on textual-serve: each browser session gets its own ``annotator label`` subprocess
(Textual's web driver) speaking to the page over a websocket. The annotator's name comes from
the address (``/?annotator=alice``) or, when it is missing, from a small form asking for it;
it is part of the websocket path (``/ws/alice``) so every tab labels under its own name, and
several annotators can work at once on the same database (the store is made for that).

It listens on 127.0.0.1 unless ``--host`` says otherwise: the safe way for remote annotators is
an SSH tunnel (``ssh -L 8000:127.0.0.1:8000 server``), not an open port.
"""

from __future__ import annotations

import html
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from annotator.cli import db_option
from annotator.errors import UserError

#: Names an annotator may use in the browser (they end up in a command line and the database).
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")

NAME_FORM = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>annotator: who is labelling?</title>
<style>body{{background:#0c181f;color:#eee;font-family:monospace;display:flex;height:100vh;
align-items:center;justify-content:center}}input,button{{font:inherit;padding:.4em}}</style></head>
<body><form method="get" action="{action}">
<p>Label dataset <b>{dataset}</b> as:</p>
<p><input id="annotator" name="annotator" autofocus required pattern="[A-Za-z0-9][A-Za-z0-9_.@\\-]{{0,63}}"
 placeholder="your name"> <button type="submit">Start</button></p>
<p style="color:#f88">{error}</p></form></body></html>
"""


def label_command(db_path: str | None, dataset: str | None, annotator: str) -> str:
    """The shell command one browser session runs (``db_path`` None: the database named by
    ``$ANNOTATOR_DB``, which the session inherits from the server)."""
    args = [sys.executable, "-m", "annotator", "label", *(["--db", db_path] if db_path else []),
            "--annotator", annotator]
    if dataset:
        args += ["--dataset", dataset]
    return " ".join(shlex.quote(a) for a in args)


def make_server(db_path: str | None, dataset: str | None, host: str, port: int, public_url: str | None = None) -> Any:
    """A textual-serve ``Server`` that starts ``annotator label`` under each visitor's name."""
    import aiohttp_jinja2
    from aiohttp import web
    from textual_serve.server import Server, log

    class LabelServer(Server):
        """One labelling process per browser tab, under the name the tab was opened with."""

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.router.add_get("/ws/{annotator}", self.handle_named_websocket)
            return app

        def _base(self, request: web.Request) -> str:
            """Where the browser reached us (kept through SSH tunnels and proxies)."""
            if public_url:
                return public_url.rstrip("/")
            return f"{request.scheme}://{request.host}"

        async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
            name = request.query.get("annotator", "").strip()
            if not NAME.match(name):
                error = "" if not name else "Use letters, digits, and . _ @ - (at most 64)."
                return web.Response(
                    text=NAME_FORM.format(action="/", dataset=html.escape(dataset or "(newest)"),
                                          error=html.escape(error)),
                    content_type="text/html",
                )
            base = self._base(request)
            ws_base = ("wss:" if base.startswith("https:") else "ws:") + base.split(":", 1)[1]
            context = {
                "font_size": _int(request.query.get("fontsize", "16"), 16),
                "app_websocket_url": f"{ws_base}/ws/{name}",
                "config": {"static": {"url": f"{base}/static/"}},
                "application": {"name": f"annotator · {name}"},
            }
            return aiohttp_jinja2.render_template("app_index.html", request, context)

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            raise web.HTTPNotFound(text="open /?annotator=NAME")

        async def handle_named_websocket(self, request: web.Request) -> web.WebSocketResponse:
            """textual-serve's websocket handler, with this tab's own command (no shared state)."""
            import asyncio

            from textual_serve.app_service import AppService

            name = request.match_info["annotator"]
            if not NAME.match(name):
                raise web.HTTPBadRequest(text="bad annotator name")
            websocket = web.WebSocketResponse(heartbeat=15)
            width = _int(request.query.get("width", "80"), 80)
            height = _int(request.query.get("height", "24"), 24)
            service: AppService | None = None
            try:
                await websocket.prepare(request)
                service = AppService(
                    label_command(db_path, dataset, name), write_bytes=websocket.send_bytes,
                    write_str=websocket.send_str, close=websocket.close,
                    download_manager=self.download_manager, debug=self.debug,
                )
                await service.start(width, height)
                try:
                    await self._process_messages(websocket, service)
                finally:
                    await service.stop()
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:  # one broken session must not stop the server
                log.exception(error)
            finally:
                if service is not None:
                    await service.stop()
            return websocket

    shown = db_path or "$ANNOTATOR_DB"
    server = LabelServer(f"annotator label --db {shown} --annotator <name from the browser>", host=host,
                         port=port, title="annotator", public_url=public_url)
    return server


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


@click.command("serve")
@db_option
@click.option("--dataset", default=None, help="Dataset to label (default: the most recently created).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Keep 127.0.0.1 and use an SSH tunnel for remote annotators.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--public-url", default=None, help="The address browsers use, when behind a proxy (e.g. https://host/annotate).")
def serve(db_path: str, dataset: str | None, host: str, port: int, public_url: str | None) -> None:
    """Serve the labelling UI to web browsers: open http://HOST:PORT/?annotator=NAME.

    Every tab runs its own labelling session under its own name (asked for when the address
    has none); many annotators can label the same database at once. Remote annotators: run
    `ssh -L 8000:127.0.0.1:8000 SERVER` and open http://127.0.0.1:8000/ on their machine.
    """
    import os

    from annotator.store import open_store
    from annotator.store.dialect import database_missing, display_url, is_postgres
    from annotator.tui.session import resolve_dataset

    if database_missing(db_path):
        raise UserError(f"{db_path}: no database here yet; run `annotator import FILE --db {db_path}` first")
    store = open_store(db_path, create=False)
    try:
        ds = resolve_dataset(store, dataset)
    finally:
        store.close()
    if is_postgres(db_path):
        # the labelling processes find the server in their environment: a password in the URL
        # never shows in a command line (`ps`)
        os.environ["ANNOTATOR_DB"] = db_path
        target, shown = None, display_url(db_path)
    else:
        target, shown = str(Path(db_path).resolve()), db_path
    click.echo(f"Labelling dataset {ds.name!r} of {shown} at http://{host}:{port}/?annotator=NAME", err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Warning: listening on {host}: anyone who can reach this port can label (and read) the data.",
                   err=True)
    make_server(target, ds.name, host, port, public_url).serve()
