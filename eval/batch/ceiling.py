"""How much faster two processes can be than one on this machine, beside what `--workers 2` reaches.

    python eval/batch/ceiling.py      # writes eval/batch/ceiling.md

In one invocation: (1) a pure-Python CPU loop, one copy alone, then two copies at once (the machine's own
ceiling for two processes of Python work; a VM's two vCPUs may share a physical core, or be throttled);
(2) `aligner batch` with existing translations on 300 LIG stories of 20 sentences, one process then
`--workers 2`. Each timed as a whole.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench  # this folder's benchmark: its input writers and helpers

LOOP = "s = 0\nfor i in range(30_000_000):\n    s += i * i\n"


def loops(copies: int) -> float:
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", LOOP]) for _ in range(copies)]
    for p in procs:
        if p.wait() != 0:
            raise SystemExit("the CPU loop failed")
    return time.perf_counter() - start


def main() -> None:
    out = Path(__file__).with_name("ceiling.md")
    tmp = Path(tempfile.mkdtemp(prefix="aligner-ceiling-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ALIGNER_CACHE": str(tmp / "cache"),
           "PYTHONPATH": str(bench.ROOT / "src")}  # fmt: skip
    one, two = loops(1), loops(2)
    bench.write_stories(tmp / "s.jsonl", 300, 20)
    bench.write_translations(tmp / "mt.jsonl", bench.LIG_LINES)
    cmd = [sys.executable, "-m", "aligner.cli", "batch", str(tmp / "s.jsonl"), "--translations", str(tmp / "mt.jsonl"),
           "--quiet"]  # fmt: skip
    bench.run([*cmd, "-o", str(tmp / "warm")], env)  # the lexicon parsed and cached once, outside the timings
    seq, _ = bench.run([*cmd, "-o", str(tmp / "o1")], env)
    par, _ = bench.run([*cmd, "-o", str(tmp / "o2"), "--workers", "2"], env)
    text = f"""# Two processes against one on this machine

Made by `python eval/batch/ceiling.py` on {bench.cpu()}, one invocation.

| work | one | two at once / `--workers 2` | two against one (work per second) |
|---|---|---|---|
| pure-Python CPU loop (one copy; two copies at once) | {one:.2f} s | {two:.2f} s | {2 * one / two:.2f}× |
| `aligner batch`, 300 LIG stories of 20 sentences, with MT | {seq:.2f} s | {par:.2f} s | {seq / par:.2f}× |

The first row is the most two processes of plain Python work get here; `--workers 2` runs Python work
(reading, alignment, scoring, QA, the report) in two processes, with the driver a third, mostly idle.
"""
    out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
