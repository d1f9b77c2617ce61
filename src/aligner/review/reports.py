"""The batch index and the effort summary, computed in a process of their own.

Why a process: the index of a 1,000-story batch is a second or two of pure Python (the HTER of every bead saved
since the last reload, the desk queue, a 400 KB page). In the server's process it holds the GIL that whole time, and
every save waiting on SQLite or on the network then waits for it again after each call: with one client reloading the
index in a loop, 20 clients' save p95 went from 70 to 151 ms (eval/review/index-results.md). A thread cannot avoid
that; another interpreter can. The worker opens the same directory and the same review database (read-only: the
server's process stays the one writer; SQLite's WAL lets the worker read every committed save), keeps its own caches
warm between requests, and runs at a lower priority than the server, so that on a busy machine a save goes first.

One worker, started with the server, in a ``spawn`` context (no copy of the server's threads or sockets). When it
dies (or cannot open the review), the request it was running is answered by the server's own thread pool, as without
a worker, and the next request starts another.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AlignerError
from ..terms import Glossary

NICENESS = 5  # the worker's priority below the server's: an index may wait, a save should not


@dataclass(frozen=True)
class Recipe:
    """What a worker needs to open the same review (the server's ``Review`` holds open connections and locks, which
    cannot cross into another process)."""

    root: Path
    db: Path
    reviewer: str
    glossary: Glossary | None


_review: Any = None  # the worker process's Review, opened by _open


def _open(recipe: Recipe) -> None:
    global _review
    from ..store import SqliteStore
    from .server import Review, open_site

    if hasattr(os, "nice"):
        os.nice(NICENESS)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a server killed outright never shuts its pool down: leave with it, not as an orphan
        threading.Thread(target=_leave_with, args=(parent.sentinel,), daemon=True).start()
    _review = Review(open_site(recipe.root), SqliteStore.open_readonly(recipe.db), recipe.reviewer, None,
                     glossary=recipe.glossary)  # fmt: skip


def _leave_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])  # ready when the parent process has ended
    os._exit(0)


def _ready() -> bool:
    return _review is not None


def _index() -> str:
    from .server import index_html

    return index_html(_review)


def _summary() -> dict[str, Any]:
    from .server import summary_json

    return summary_json(_review)


class WorkerGone(AlignerError):
    """The report worker died while computing an answer, or could not open the review."""


class Reports:
    """The index and the summary of one review, asked of a worker process (see the module's docstring)."""

    def __init__(self, recipe: Recipe) -> None:
        self.recipe = recipe
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the worker now (it imports the package and opens the review while the server starts)."""
        self._executor().submit(_ready)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(1, mp_context=context, initializer=_open, initargs=(self.recipe,))
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    async def _run(self, fn: Any) -> Any:
        pool = self._executor()
        try:
            return await asyncio.wrap_future(pool.submit(fn))
        except BrokenProcessPool:
            self._discard(pool)
            raise WorkerGone("the report worker stopped") from None

    def pid(self, timeout: float = 60) -> int:
        """The worker's process id (started if need be)."""
        pid: int = self._executor().submit(os.getpid).result(timeout)
        return pid

    async def index_html(self) -> str:
        html: str = await self._run(_index)
        return html

    async def summary_json(self) -> dict[str, Any]:
        data: dict[str, Any] = await self._run(_summary)
        return data

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
