"""Benchmark of `aligner review`, in one invocation, on this machine's loopback:

1. 20 concurrent clients saving for 60 s (each on beads of its own, plus two clients sharing beads, so
   conflicts happen too): saves per second, p50 / p95 / max latency, and versions lost (answered 200 but
   not in the database afterwards: must be 0).
2. The time until a 1,000-bead story's page is usable in Chromium: from navigation start until the editor
   has selected the first bead (median of 5 loads), and the server's share (time to first byte).

    python eval/review/bench.py [--seconds 60] [--clients 20] [--out eval/review/results.md]

Uses the LIG post-editing corpus in ../shared/data (Google's MT, human post-edits as the reference).
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # eval/: machine.py, shared by the benchmarks

from machine import cpu_name

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "lig-postedit-fren"
ALIGNER = [sys.executable, "-m", "aligner.cli"]


def make_run(tmp: Path, lines: int) -> Path:
    names = ("src-ref-all.fr", "output_Google_Translator.en", "tgt-pe-all.en")
    src, mt, pe = ((DATA / n).read_text(encoding="utf-8").split("\n")[:lines] for n in names)
    for name, text in (("s.fr", src), ("s.mt", mt), ("s.en", pe)):
        (tmp / name).write_text("\n".join(text) + "\n", encoding="utf-8")
    out = tmp / f"run{lines}"
    subprocess.run([*ALIGNER, "run", str(tmp / "s.fr"), "--ref", str(tmp / "s.en"), "--translations",
                    str(tmp / "s.mt"), "--presegmented", "-o", str(out), "--quiet"], check=True)  # fmt: skip
    return out


def start_server(run: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([*ALIGNER, "review", str(run), "--port", "0"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line[line.index("http://") :].strip()


def load(url: str, story: str, seconds: float, clients: int) -> dict[str, float]:
    parsed = urlparse(url)
    origin = url.rstrip("/")
    latencies: list[float] = []
    answered: list[tuple[int, str]] = []
    conflicts = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(c: int) -> None:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as browsers do
        beads = [c * 40 + k for k in range(40)] if c < clients - 2 else [999, 998]  # the last two share beads
        version = dict.fromkeys(beads, 0)
        n = 0
        while time.monotonic() < deadline:
            bead = beads[n % len(beads)]
            text = f"client {c} save {n}"
            body = json.dumps({"base": version[bead], "text": text, "status": "edited", "seconds": 1})
            start = time.perf_counter()
            conn.request("POST", f"/api/story/{story}/bead/{bead}/save", body,
                         {"Content-Type": "application/json", "Origin": origin})  # fmt: skip
            response = conn.getresponse()
            payload = json.loads(response.read())
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if response.status == 200:
                    answered.append((bead, text))
                elif response.status == 409:
                    conflicts[0] += 1
            if response.status == 200:
                version[bead] = payload["version"]["number"]
            elif response.status == 409:
                version[bead] = payload["current"]["number"]
            n += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "saves": len(answered),
        "conflicts": conflicts[0],
        "per_second": len(answered) / took,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)],
        "max_ms": 1000 * latencies[-1],
        "answered": answered,  # type: ignore[dict-item]
    }


def lost_versions(db: Path, story: str, answered: list[tuple[int, str]]) -> tuple[int, str]:
    with sqlite3.connect(db) as con:
        stored = set(con.execute("SELECT bead, text FROM versions WHERE story = ? AND number IS NOT NULL", (story,)))
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    return len(set(answered) - stored), integrity


def page_times(url: str, story: str, loads: int = 5) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    usable, first_byte = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for _ in range(loads + 1):  # the first load warms the server's and the browser's caches; not counted
            page = browser.new_page()
            page.goto(f"{url}story/{story}", wait_until="commit")
            page.locator("tr.current").wait_for()
            ready = page.evaluate("performance.now()")
            ttfb = page.evaluate("performance.getEntriesByType('navigation')[0].responseStart")
            usable.append(ready)
            first_byte.append(ttfb)
            page.close()
        browser.close()
    return usable[1:], first_byte[1:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        run = make_run(tmp, 1000)
        story = json.loads((run / "result.json").read_text(encoding="utf-8"))["source"]["id"]
        beads = len(json.loads((run / "result.json").read_text(encoding="utf-8"))["beads"])
        proc, url = start_server(run)
        try:
            usable, ttfb = page_times(url, story)
            stats = load(url, story, args.seconds, args.clients)
        finally:
            proc.terminate()
            proc.wait(10)
        lost, integrity = lost_versions(run / "review.sqlite", story, stats.pop("answered"))  # type: ignore[arg-type]
    row = (
        f"| {stats['saves']:,.0f} | {stats['per_second']:,.0f} | {stats['conflicts']:,.0f} | {stats['p50_ms']:.1f} ms "
        f"| {stats['p95_ms']:.1f} ms | {stats['max_ms']:.0f} ms | {lost} | {integrity} |"
    )
    text = f"""# `aligner review` benchmark

Made by `python eval/review/bench.py --seconds {args.seconds:g} --clients {args.clients}` on {cpu_name()}
({platform.machine()}, {len(__import__("os").sched_getaffinity(0))} cores), server and clients on the same
machine over loopback; one uvicorn worker, SQLite in WAL mode.

## Saves under load

{args.clients} clients, each saving back to back with keep-alive for {args.seconds:g} s (the last two on the same
two beads, so some saves are refused as conflicts and stored as such).

| saves answered | saves per second | conflicts | p50 | p95 | max | versions lost | integrity_check |
|---|---|---|---|---|---|---|---|
{row}

Target: p95 under 50 ms, no version lost.

## A 1,000-bead story in Chromium

{beads} beads (1,000 LIG sentences). Time from navigation start until the editor has selected the first bead
(page parsed, styles laid out, both scripts run), 5 loads after a warm-up one:

| median | min | max | server (time to first byte, median) |
|---|---|---|---|
| {statistics.median(usable):.0f} ms | {min(usable):.0f} ms | {max(usable):.0f} ms | {statistics.median(ttfb):.0f} ms |

Target: under 1 s.
"""
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
