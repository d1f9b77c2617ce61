"""What quoting each desk-queue bead's MT costs the review index, side by side in one invocation.

    python eval/review/bench_queue.py [--stories 1000] [--base 5043cc0] [--rounds 3] [--out FILE]

BEFORE is commit --base (main before the queue quoted its beads' MT), AFTER this working tree; both serve the same
batch (their result.json schema is the same), built once by AFTER's `aligner batch` from the input of
``bench_index.py`` (--stories LIG stories of lines 1–8,681, Google's MT, the post-edits as references; risk on, so
the batch has a desk queue of up to 1,000 beads). Per round and version, alternating: a fresh `aligner review` server
with a fresh database, `GET /` once cold (the first request: the quotes read their stories' result.json) and
--repeats times warm (the quotes cached). Reuses bench_index.py's trees, batch builder and timed requests.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # eval/: machine.py, shared by the benchmarks

import bench_index as BI
from machine import cpu_name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--base", default="5043cc0", help="the commit before the queue quoted its beads")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5, help="warm requests after the cold one")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("queue-results.md"))
    args = parser.parse_args()
    before, after = BI.base_tree(args.base), BI.after_tree(None)
    for tree in (before, after):
        tree.env = BI.environment(tree)
    folder = BI.ARTIFACTS / f"queue-{args.stories}"
    stories, mt = BI.write_inputs(folder, args.stories)
    batch = folder / "batch"
    BI.build(after, stories, mt, batch)
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.rounds):
            for tree in (before, after) if k % 2 == 0 else (after, before):
                run = Path(tmp) / f"{tree.label}-{k}"
                run.mkdir()
                runs[tree.label].append(BI.timed_gets(tree, batch, run, "/", args.repeats))

    def ms(label: str, key: str) -> float:
        return 1000 * statistics.median(r[key] for r in runs[label])

    rows = [
        ("`GET /` cold (first request), median of rounds", "cold"),
        ("`GET /` warm, median of rounds' medians", "median"),
        ("`GET /` warm, median of rounds' p95", "p95"),
    ]
    beads = sum(n for _, n in BI.batch_stories(batch))
    lines = [
        "# The desk queue's quotes: what they cost the review index",
        "",
        f"Made by `python eval/review/bench_queue.py --stories {args.stories} --rounds {args.rounds} --repeats "
        f"{args.repeats}` on {datetime.now(timezone.utc):%Y-%m-%dT%H:%M}+00:00, {cpu_name()} ({os.cpu_count()} "
        f"cores), Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f} at the end. "
        f"Batch: {args.stories:,} LIG stories, {beads:,} beads; server and client on this machine's loopback, "
        "each round on fresh servers and databases, the versions alternating.",
        "",
        f"| measure | {before.describe} | {after.describe} | after / before |",
        "|---|---:|---:|---:|",
    ]
    for name, key in rows:
        b, a = ms("before", key), ms("after", key)
        lines.append(f"| {name} | {b:,.1f} ms | {a:,.1f} ms | {a / b:.2f}× |")
    size_b, size_a = runs["before"][0]["bytes"], runs["after"][0]["bytes"]
    lines.append(f"| response size | {size_b:,.0f} bytes | {size_a:,.0f} bytes | {size_a / size_b:.2f}× |")
    lines.append("")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
