"""The review server on a 1,000-story batch, before and after the event-loop work (issue 16, point 7), side by side
in one invocation on this machine's loopback.

    python eval/review/bench_index.py [--stories 1000] [--seconds 60] [--base 9efa171] [--after SRC] [--out FILE]

BEFORE is commit --base, checked out as a git worktree (/tmp/aligner-base for the default) and run with
PYTHONPATH=<worktree>/src; AFTER is this working tree's src/ as it is (uncommitted edits included, which the output
says; `--after SRC` takes another checkout's src folder instead). Each tree builds the batch with its own
`python -m aligner batch` (the result.json schema changed between them: aligner.run/2 before, aligner.run/3 after),
from the same input, kept under eval/artifacts/review-index-bench/ (git ignores it): a later invocation reruns
`aligner batch` on it, which skips the stories its tree can read and redoes the others (another schema, cut short);
`--rebuild` builds both afresh (do so when the working tree's run output may have changed). Every server gets a fresh
review database (`--db` in a temporary folder), so earlier invocations' saves never slow the index.

Input: --stories stories of 10 to 20 consecutive sentences (in paragraphs of 1 to 4) of the LIG post-editing corpus,
lines 1 to 8,681 only (8,682 to 10,881 are a held-out split), starting over at line 1 when they run out; Google's
output is the MT (`--translations`), the human post-edit the reference. The LIG reading helpers are those of
eval/batch/bench.py.

Per version, each measure on a server of its own (`aligner review BATCH --host 127.0.0.1 --port 0`):
1. `GET /` (the batch index): the first request (cold), then --repeats more (median, p95).
2. `GET /api/summary`: the same.
3. --clients clients saving versions back to back for --seconds s (`POST /api/story/ID/bead/N/save`, keep-alive),
   each on a story of its own, the last two on the same two beads of one story (so some saves are conflicts), as
   eval/review/bench.py does, while one more client reloads `GET /` in a loop: saves per second, save latency
   p50/p95/p99/max, index reloads and their latency, and versions lost (answered 200 but not in the database).
   --rounds such runs per version (3), alternating before, after, before, …, each on a fresh server and database:
   one run's p95 moves by a quarter or more between minutes on a shared 2-core machine; the percentiles are of all runs'
   saves together, and each run's p95 is listed.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import importlib.util
import json
import os
import platform
import random
import re
import shlex
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "eval" / "artifacts" / "review-index-bench"
DEFAULT_BASE = "9efa171"  # main before the review server's event-loop work
USABLE_LINES = 8_681  # LIG lines 1..8,681; 8,682..10,881 are held out
TIMEOUT = 600.0  # seconds for any one HTTP request (an index under load on the old server can take a while)


def _batch_bench() -> Any:
    """eval/batch/bench.py as a module (not importable by name: this folder has a bench.py too)."""
    spec = importlib.util.spec_from_file_location("batch_bench", ROOT / "eval" / "batch" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BB = _batch_bench()


# ----------------------------------------------------------------------------------------------- the two trees


@dataclass
class Tree:
    label: str  # "before" or "after"
    src: Path
    describe: str  # for the table's header
    key: str  # names its batch folder
    env: dict[str, str] = field(default_factory=dict)


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def base_tree(rev: str) -> Tree:
    sha = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    path = Path("/tmp/aligner-base") if rev == DEFAULT_BASE else Path(f"/tmp/aligner-base-{sha[:12]}")
    if path.exists():
        have = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True)
        if have.stdout.strip() != sha:
            raise SystemExit(f"{path} exists but is not a checkout of {rev} ({sha[:12]}); remove it or move it away")
    else:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), sha], check=True,
                       capture_output=True)  # fmt: skip
    return Tree("before", path / "src", f"before (commit {sha[:7]})", f"base-{sha[:12]}")


def after_tree(src: Path | None) -> Tree:
    """This working tree's src/ (default), or another checkout's ``src`` folder."""
    if src is None:
        head = git("rev-parse", "--short", "HEAD")
        dirty = bool(git("status", "--porcelain", "--", "src"))
        edits = " + uncommitted edits in src/" if dirty else ""
        return Tree("after", ROOT / "src", f"after (working tree: {head}{edits})", "worktree")
    src = src.resolve()
    if not (src / "aligner" / "__init__.py").is_file():
        raise SystemExit(f"--after {src}: not a src folder holding the aligner package")
    head = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    at = f", commit {head.stdout.strip()}" if head.returncode == 0 else ""
    return Tree("after", src, f"after ({src}{at})", "src-" + hashlib.sha256(str(src).encode()).hexdigest()[:10])


def environment(tree: Tree) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(tree.src),
        "HF_HUB_OFFLINE": "1",
        "ALIGNER_CACHE": str(ARTIFACTS / f"cache-{tree.key}"),
        "PYTHONUNBUFFERED": "1",
    }


# ----------------------------------------------------------------------------------------------- the batch


def write_inputs(folder: Path, count: int) -> tuple[Path, Path]:
    """``count`` LIG stories (stories.jsonl) and Google's MT of their sentences (mt.jsonl), always the same bytes."""
    src, _, pe = BB.lig(USABLE_LINES)
    rng = random.Random(16)
    folder.mkdir(parents=True, exist_ok=True)
    stories, mt = folder / "stories.jsonl", folder / "mt.jsonl"
    pos = 0
    with stories.open("w", encoding="utf-8") as fh:
        for k in range(count):
            size = rng.randint(10, 20)
            if pos + size > USABLE_LINES:
                pos = 0
            lines = list(range(pos, pos + size))
            pos += size
            paragraphs: list[list[int]] = []
            while lines:
                n = rng.randint(1, 4)
                paragraphs.append(lines[:n])
                lines = lines[n:]
            story = {
                "id": f"lig-{k:06d}",
                "paragraphs": [[src[i] for i in p] for p in paragraphs],
                "reference": [[pe[i] for i in p] for p in paragraphs],
            }
            fh.write(json.dumps(story, ensure_ascii=False) + "\n")
    BB.write_translations(mt, USABLE_LINES)
    return stories, mt


def build(tree: Tree, stories: Path, mt: Path, out: Path) -> tuple[float, bool]:
    """Run the tree's own `aligner batch` into ``out`` (resuming what is there): (seconds, whether it was fresh)."""
    fresh = not (out / "summary.json").is_file()
    cmd = [sys.executable, "-m", "aligner", "batch", str(stories), "-o", str(out), "--translations", str(mt), "--quiet"]
    print(f"[{tree.label}] {'building' if fresh else 'checking'} the batch in {out} ...", flush=True)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=tree.env, capture_output=True, text=True, cwd=tempfile.gettempdir())
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"[{tree.label}] `aligner batch` failed ({done.returncode}):\n{done.stderr}")
    print(f"[{tree.label}] batch {'built' if fresh else 'checked'} in {seconds:.1f} s", flush=True)
    return seconds, fresh


def batch_stories(out: Path) -> list[tuple[str, int]]:
    """(story id, number of beads) in the batch's order."""
    ids = [str(s["id"]) for s in json.loads((out / "summary.json").read_text(encoding="utf-8"))["stories"]]
    stories = []
    for story in ids:
        result = out / "stories" / story / "result.json"
        if result.is_file():
            stories.append((story, len(json.loads(result.read_text(encoding="utf-8"))["beads"])))
    return stories


# ----------------------------------------------------------------------------------------------- the server


class Server:
    """`aligner review BATCH --port 0` of one tree, with a database of its own; stopped on leaving."""

    def __init__(self, tree: Tree, batch: Path, tmp: Path, name: str) -> None:
        self.tree = tree
        self.out = tmp / f"{name}.out"
        self.err = tmp / f"{name}.err"
        self.cmd = [sys.executable, "-m", "aligner", "review", str(batch), "--host", "127.0.0.1", "--port", "0",
                    "--db", str(tmp / f"{name}.sqlite")]  # fmt: skip
        self.db = tmp / f"{name}.sqlite"
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.started = 0.0  # seconds until the URL was printed

    def __enter__(self) -> Server:
        begin = time.perf_counter()
        with self.out.open("wb") as out, self.err.open("wb") as err:  # files, not pipes: never blocks the server
            self.proc = subprocess.Popen(self.cmd, env=self.tree.env, stdout=out, stderr=err, cwd=tempfile.gettempdir())
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = re.search(r"http://127\.0\.0\.1:[0-9]+/", self.out.read_text(errors="replace"))
            if found:
                self.url = found.group(0)
                self.started = time.perf_counter() - begin
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        self.stop()
        raise SystemExit(
            f"[{self.tree.label}] the review server did not start ({' '.join(self.cmd)}, "
            f"PYTHONPATH={self.tree.src}).\nstdout:\n{self.out.read_text(errors='replace')}\n"
            f"stderr:\n{self.err.read_text(errors='replace')}"
        )

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)

    def connect(self) -> http.client.HTTPConnection:
        port = int(self.url.rsplit(":", 1)[1].strip("/"))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        conn.connect()
        assert conn.sock is not None
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as browsers do
        return conn


def get(conn: http.client.HTTPConnection, path: str) -> tuple[float, int]:
    """(seconds until the whole body was read, body bytes); a status other than 200 ends the benchmark."""
    start = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise SystemExit(f"GET {path}: {response.status} {body[:500]!r}")
    return elapsed, len(body)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed_gets(tree: Tree, batch: Path, tmp: Path, path: str, repeats: int) -> dict[str, float]:
    with Server(tree, batch, tmp, f"{tree.label}-get{path.replace('/', '-')}") as server:
        conn = server.connect()
        cold, size = get(conn, path)
        warm = [get(conn, path)[0] for _ in range(repeats)]
        conn.close()
        started = server.started
    print(f"[{tree.label}] GET {path}: cold {1000 * cold:,.0f} ms, warm median "
          f"{1000 * statistics.median(warm):,.0f} ms ({size:,} bytes)", flush=True)  # fmt: skip
    return {"cold": cold, "median": statistics.median(warm), "p95": pct(warm, 0.95), "bytes": size, "start": started}


def saves(server: Server, stories: list[tuple[str, int]], seconds: float, clients: int) -> dict[str, Any]:
    """``clients`` clients saving back to back, each on its own story (the last two on the same two beads of one),
    while one more client reloads the index; every loop ends at the deadline."""
    origin = server.url.rstrip("/")
    picks = [stories[round(i * (len(stories) - 1) / (clients - 2))] for i in range(clients - 1)]
    latencies: list[float] = []
    index_latencies: list[float] = []
    answered: list[tuple[str, int, str]] = []
    counts = {"conflicts": 0, "errors": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def saver(c: int) -> None:
        story, beads = picks[min(c, clients - 2)]
        own = list(range(beads)) if c < clients - 2 else [0, 1 % beads]
        version = dict.fromkeys(own, 0)
        conn = server.connect()
        n = 0
        try:
            while time.monotonic() < deadline:
                bead = own[n % len(own)]
                text = f"client {c} save {n}"
                body = json.dumps({"base": version[bead], "text": text, "status": "edited", "seconds": 1})
                start = time.perf_counter()
                conn.request("POST", f"/api/story/{story}/bead/{bead}/save", body,
                             {"Content-Type": "application/json", "Origin": origin})  # fmt: skip
                response = conn.getresponse()
                raw = response.read()
                elapsed = time.perf_counter() - start
                payload = json.loads(raw) if response.status in (200, 409) else {}
                with lock:
                    latencies.append(elapsed)
                    if response.status == 200:
                        answered.append((story, bead, text))
                    elif response.status == 409:
                        counts["conflicts"] += 1
                    else:
                        counts["errors"] += 1
                if response.status == 200:
                    version[bead] = payload["version"]["number"]
                elif response.status == 409:
                    version[bead] = payload["current"]["number"]
                n += 1
        except (OSError, http.client.HTTPException, ValueError) as exc:
            with lock:
                counts["errors"] += 1
            print(f"[{server.tree.label}] save client {c}: {exc!r}", file=sys.stderr)
        finally:
            conn.close()

    def reloader() -> None:
        conn = server.connect()
        try:
            while time.monotonic() < deadline:
                index_latencies.append(get(conn, "/")[0])
        except (OSError, http.client.HTTPException) as exc:
            print(f"[{server.tree.label}] index client: {exc!r}", file=sys.stderr)
        finally:
            conn.close()

    threads = [threading.Thread(target=saver, args=(c,), daemon=True) for c in range(clients)]
    threads.append(threading.Thread(target=reloader, daemon=True))
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + TIMEOUT)
    took = time.monotonic() - began
    if not latencies:
        raise SystemExit(f"[{server.tree.label}] no save was answered")
    return {"latencies": latencies, "index_latencies": index_latencies, "took": took, "answered": answered, **counts}


def pooled(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of several save runs of one version: percentiles over all their saves together, saves per second
    over their summed time, and each run's p95 (the spread between runs on one machine)."""
    latencies = [x for r in rounds for x in r["latencies"]]
    index = [x for r in rounds for x in r["index_latencies"]]
    saves = sum(len(r["answered"]) for r in rounds)
    return {
        "requests": len(latencies),
        "saves": saves,
        "per_second": saves / sum(r["took"] for r in rounds),
        "p50": pct(latencies, 0.50),
        "p95": pct(latencies, 0.95),
        "p99": pct(latencies, 0.99),
        "max": max(latencies),
        "round_p95": [pct(r["latencies"], 0.95) for r in rounds],
        "reloads": len(index),
        "index_median": statistics.median(index) if index else float("nan"),
        "index_p95": pct(index, 0.95) if index else float("nan"),
        "index_max": max(index) if index else float("nan"),
        "conflicts": sum(r["conflicts"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "lost": "; ".join(r["lost"] for r in rounds),
    }


def lost_versions(db: Path, answered: list[tuple[str, int, str]]) -> str:
    try:
        with sqlite3.connect(db) as con:
            stored = set(con.execute("SELECT story, bead, text FROM versions WHERE number IS NOT NULL"))
            integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        con.close()
    except sqlite3.Error as exc:
        return f"n/a ({exc})"
    return f"{len(set(answered) - stored)} (integrity_check {integrity})"


def measure(tree: Tree, batch: Path, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The index and the summary of ``tree``'s server (the save runs are made by ``save_round``)."""
    stories = batch_stories(batch)
    if len(stories) < args.clients:
        raise SystemExit(f"--stories {args.stories}: the save run needs at least --clients ({args.clients}) stories")
    index = timed_gets(tree, batch, tmp, "/", args.repeats)
    summary = timed_gets(tree, batch, tmp, "/api/summary", args.repeats)
    return {"index": index, "summary": summary, "beads": sum(b for _, b in stories), "rounds": []}


def save_round(tree: Tree, batch: Path, tmp: Path, args: argparse.Namespace, k: int) -> dict[str, Any]:
    """One save run on a fresh server with a fresh database."""
    with Server(tree, batch, tmp, f"{tree.label}-saves-{k}") as server:
        print(
            f"[{tree.label}] round {k}: {args.clients} clients saving for {args.seconds:g} s, one reloading GET / ...",
            flush=True,
        )
        load = saves(server, batch_stories(batch), args.seconds, args.clients)
    load["lost"] = lost_versions(server.db, load["answered"])
    print(f"[{tree.label}] round {k}: {len(load['answered']) / load['took']:,.0f} saves/s, "
          f"p95 {1000 * pct(load['latencies'], 0.95):,.1f} ms, {len(load['index_latencies'])} index reloads",
          flush=True)  # fmt: skip
    return load


# ----------------------------------------------------------------------------------------------- the report


def table(before: dict[str, Any], after: dict[str, Any], heads: tuple[str, str], repeats: int) -> str:
    def ms(v: float) -> str:
        return f"{1000 * v:,.1f} ms" if v < 10 else f"{1000 * v:,.0f} ms"

    rows: list[tuple[str, Any, Any, Any]] = []  # (measure, before, after, formatter)
    for name, key in (("`GET /` (index)", "index"), ("`GET /api/summary`", "summary")):
        rows += [
            (f"{name}: first request (cold)", before[key]["cold"], after[key]["cold"], ms),
            (f"{name}: median of {repeats} warm", before[key]["median"], after[key]["median"], ms),
            (f"{name}: p95 of {repeats} warm", before[key]["p95"], after[key]["p95"], ms),
            (f"{name}: response size", before[key]["bytes"], after[key]["bytes"], lambda v: f"{v:,} bytes"),
        ]
    b, a = before["load"], after["load"]
    rows += [
        ("server start (until the URL is printed)", before["index"]["start"], after["index"]["start"], ms),
        ("saves answered (200)", b["saves"], a["saves"], lambda v: f"{v:,}"),
        ("saves per second", b["per_second"], a["per_second"], lambda v: f"{v:,.0f}"),
        ("conflicts (409)", b["conflicts"], a["conflicts"], lambda v: f"{v:,}"),
        ("save latency p50", b["p50"], a["p50"], ms),
        ("save latency p95", b["p95"], a["p95"], ms),
        ("save latency p99", b["p99"], a["p99"], ms),
        ("save latency max", b["max"], a["max"], ms),
        ("save latency p95 of each round", b["round_p95"], a["round_p95"], lambda v: ", ".join(ms(x) for x in v)),
        ("index reloads during the saves", b["reloads"], a["reloads"], lambda v: f"{v:,}"),
        ("index reload latency median", b["index_median"], a["index_median"], ms),
        ("index reload latency p95", b["index_p95"], a["index_p95"], ms),
        ("index reload latency max", b["index_max"], a["index_max"], ms),
        ("other answers and client errors", b["errors"], a["errors"], lambda v: f"{v:,}"),
    ]
    lines = [f"| measure | {heads[0]} | {heads[1]} | after / before |", "|---|---|---|---|"]
    for name, x, y, fmt in rows:
        ratio = f"{y / x:.2f}×" if isinstance(x, (int, float)) and x and x == x and y == y else "–"
        lines.append(f"| {name} | {fmt(x)} | {fmt(y)} | {ratio} |")
    lines.append(f"| versions lost | {b['lost']} | {a['lost']} | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60, help="length of the save run")
    parser.add_argument("--base", default=DEFAULT_BASE, help="the commit before the server changes")
    parser.add_argument("--after", type=Path, help="the after version's src folder (default: this working tree's)")
    parser.add_argument("--rebuild", action="store_true", help="build both batches afresh instead of resuming them")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("index-results.md"))
    parser.add_argument("--repeats", type=int, default=10, help="warm requests after the cold one")
    parser.add_argument("--clients", type=int, default=20, help="saving clients (the index reloader is one more)")
    parser.add_argument("--rounds", type=int, default=3, help="save runs per version, alternating between them")
    args = parser.parse_args()
    if args.clients < 3 or min(args.repeats, args.stories, args.rounds) < 1 or not 0 < args.seconds <= 3600:
        parser.error("--clients at least 3, --repeats, --rounds and --stories at least 1, --seconds in (0, 3600]")
    command = shlex.join(["python", str(Path(__file__).resolve().relative_to(ROOT)), *sys.argv[1:]])
    load_before = os.getloadavg()
    trees = [base_tree(args.base), after_tree(args.after)]
    for tree in trees:
        tree.env = environment(tree)
    stories, mt = write_inputs(ARTIFACTS / f"input-{args.stories}", args.stories)
    digest = hashlib.sha256(stories.read_bytes() + mt.read_bytes()).hexdigest()[:10]
    results: dict[str, dict[str, Any]] = {}
    builds: dict[str, tuple[float, bool]] = {}
    batches = {tree.label: ARTIFACTS / f"batch-{args.stories}-{digest}-{tree.key}" for tree in trees}
    for tree in trees:
        if args.rebuild and batches[tree.label].is_dir():
            shutil.rmtree(batches[tree.label])
        builds[tree.label] = build(tree, stories, mt, batches[tree.label])
    with tempfile.TemporaryDirectory(prefix="aligner-review-index-") as tmp_name:
        for tree in trees:
            results[tree.label] = measure(tree, batches[tree.label], Path(tmp_name), args)
        for k in range(1, args.rounds + 1):  # alternating, so that a slower minute of the machine hits both
            for tree in trees:
                results[tree.label]["rounds"].append(save_round(tree, batches[tree.label], Path(tmp_name), args, k))
    for found in results.values():
        found["load"] = pooled(found.pop("rounds"))
    before, after = results["before"], results["after"]
    heads = (trees[0].describe, trees[1].describe)
    built = "; ".join(
        f"{label}: {'built' if fresh else 'already built, checked'} in {s:.1f} s"
        for label, (s, fresh) in builds.items()
    )
    text = f"""# `aligner review` on a {args.stories:,}-story batch: before and after the event-loop work

Made by `{command}` on {datetime.now().astimezone().isoformat(timespec="minutes")}, {BB.cpu()}, {platform.machine()},
Python {platform.python_version()}; load average {load_before[0]:.2f} when it started. Servers and clients on the same
machine over loopback, one version at a time, each measure on a fresh server with a fresh review database.

The batch: {args.stories:,} stories of 10 to 20 LIG sentences (lines 1 to 8,681 only), Google's MT as the
translations, the human post-edits as references; {before["beads"]:,} beads before, {after["beads"]:,} after, each
built by its own tree's `aligner batch` ({built}).

{table(before, after, heads, args.repeats)}

Cold: the first request to a server just started; warm: {args.repeats} more on the same connection, one at a time.
Saves: {args.clients} clients saving back to back with keep-alive for {args.seconds:g} s, each on the beads of a
story of its own (the last two on the same two beads of one story, so some saves are conflicts), while one more
client reloads `GET /` in a loop; {args.rounds} such runs per version, alternating before and after, each on a fresh
server with a fresh database; latencies are over all of a version's runs together.
Versions lost: saves answered 200 but not in the database afterwards (must be 0).
"""
    args.out.write_text(text, encoding="utf-8")
    print()
    print(text)


if __name__ == "__main__":
    main()
