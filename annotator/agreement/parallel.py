"""Adding up :class:`~annotator.agreement.sums.DatasetSums` over chunks, in one process or
several: the chunks of each range of units are read in a thread ahead of the counting, each
range in a forked process of its own, and the sums merged (in any order: they are whole
numbers). No store here: callers hand in ``chunks_of(lo, hi)``, which yields
(decisions, units) chunks of one range through a connection of its own.
"""

from __future__ import annotations

import pickle
import queue
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

from annotator.agreement.sums import DatasetSums

Chunks = Callable[[int, int], Iterator[tuple[Any, Any]]]


class WorkerFailed(RuntimeError):
    """A worker process died or failed: the caller may measure in this process instead."""


class MissingColumns(Exception):
    """A chunk's decisions lack their packed columns (None): read them another way."""


def read_ahead(chunks: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """The items of ``chunks``, produced in a thread of their own up to ``depth`` ahead (the
    generator runs, and is closed, in that thread)."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def run() -> None:
        try:
            for item in chunks:
                while not stop.is_set():
                    try:
                        q.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            q.put(("end", None))
        except BaseException as e:  # handed to the consumer
            q.put(("error", e))
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=run, name="agreement-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let the reader see the stop and close its generator
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()


def sums_of(chunks: Iterable[tuple[Any, Any]], names: list[str], layer: str,
            labels: Collection[str] | None) -> DatasetSums:
    """The sums of ``chunks``; :class:`MissingColumns` for a chunk whose decisions are None."""
    sums = DatasetSums(names, layer, labels)
    for decisions, units in chunks:
        if decisions is None:
            raise MissingColumns("decisions without their packed columns")
        sums.add(decisions, units)
    return sums


def _child(send: Any, chunks_of: Chunks, lo: int, hi: int, names: list[str], layer: str,
           labels: Collection[str] | None) -> None:
    """A worker process: the sums of units ``lo`` to ``hi``, pickled down ``send``."""
    try:
        out: tuple[str, Any] = ("ok", sums_of(read_ahead(chunks_of(lo, hi)), names, layer, labels))
    except MissingColumns as e:
        out = ("missing", str(e))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which raises it
        out = ("error", (type(e).__name__, str(e), e if isinstance(e, ValueError) else None))
    send.send_bytes(pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    send.close()


def ranges_sums(ranges: list[tuple[int, int]], chunks_of: Chunks, names: list[str], layer: str = "entities",
                labels: Collection[str] | None = None, processes: int = 1) -> DatasetSums:
    """The sums over the unit-id ``ranges``: the first range here, each other one in a forked
    process when ``processes`` > 1 (SQLite reads and numpy's counting then run on every core,
    which threads of one process do not), all merged."""
    if processes <= 1 or len(ranges) <= 1:
        total = DatasetSums(names, layer, labels)
        for lo, hi in ranges:
            total.merge(sums_of(read_ahead(chunks_of(lo, hi)), names, layer, labels))
        return total
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    workers = []
    try:
        for lo, hi in ranges[1:]:
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(send, chunks_of, lo, hi, names, layer, labels),
                               name="agreement-worker", daemon=True)
            proc.start()
            send.close()
            workers.append((proc, recv))
        total = sums_of(read_ahead(chunks_of(*ranges[0])), names, layer, labels)
        for proc, recv in workers:
            try:
                kind, payload = pickle.loads(recv.recv_bytes())
            except EOFError:
                proc.join(timeout=5)
                raise WorkerFailed(f"an agreement worker died (exit code {proc.exitcode})") from None
            if kind == "missing":
                raise MissingColumns(payload)
            if kind == "error":
                name, message, error = payload
                if error is not None:
                    raise error
                raise WorkerFailed(f"{name}: {message}")
            total.merge(payload)
    finally:
        for proc, recv in workers:
            recv.close()
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
    return total
