"""A review server in a thread of the test process, on 127.0.0.1 and a free port (uvicorn, as `aligner review` runs
it), and Chromium through Playwright."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from aligner.review.server import LOOPBACK, Review, create_app, open_site, reports_for
from aligner.store import SqliteStore

CHROMIUM = Path("/usr/bin/chromium")


@contextmanager
def running(
    root: Path,
    *,
    db: Path | None = None,
    token: str | None = None,
    reviewer: str = "tester",
    memory: Any = None,
    glossary: Any = None,
    reports: list[Any] | None = None,
) -> Iterator[tuple[str, Review]]:
    """(base URL, review) of a server for ``root`` (``glossary``: the merged ``--glossary`` files), stopped on
    exit. With ``reports`` (a list), the index and the summary come from a report worker process, as in `aligner
    review`, and the list gets its ``Reports``."""
    import uvicorn

    store = SqliteStore(db or root / "review.sqlite")
    review = Review(open_site(root), store, reviewer, memory, glossary)
    worker = reports_for(review) if reports is not None else None
    if reports is not None:
        reports.append(worker)
    app = create_app(review, token=token, allowed_hosts=LOOPBACK, reports=worker)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the review server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/", review
    finally:
        server.should_exit = True
        thread.join(10)
        if worker is not None:
            worker.close()
        store.close()


def chromium() -> Any:
    """Playwright's sync API driving Debian's Chromium (skips where either is missing)."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    return playwright.sync_playwright()


def launch(p: Any) -> Any:
    return p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
