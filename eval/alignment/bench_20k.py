"""The 20,000 × 20,000-sentence alignment benchmark: time and peak memory, ours beside the baseline.

    python eval/alignment/bench_20k.py [--data ../shared/data] [--sentences 20000] > eval/alignment/bench_20k.md

The document is real news text: the first N lines of the WMT newstest sets (French and English,
sentence-parallel) with planted structure so that the search meets every bead type: every 50th
pair merged on the French side (2-1), every 50th (offset 25) on the English side (1-2), every
200th French and English sentence deleted (1-0 / 0-1). Each method runs in a fresh process; the
table gives wall time, peak RSS and strict/lax F1 against the planted alignment. Note: the lexical
table was trained on data that includes these newstest sets, so the F1 figures here are a sanity
check, not a quality measure (TransRead is that: eval/alignment/transread.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # eval/: machine.py, shared by the benchmarks

from machine import cpu_name


def build(data: Path, n: int) -> tuple[list[str], list[str], list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    txt = data / "wmt-newstest-fren" / "txt"
    fr_all: list[str] = []
    en_all: list[str] = []
    for fr in sorted(txt.glob("*.fr")):
        f = fr.read_text(encoding="utf-8").splitlines()
        e = fr.with_suffix(".en").read_text(encoding="utf-8").splitlines()
        fr_all += f
        en_all += e
    pairs = [(f, e) for f, e in zip(fr_all, en_all) if f.strip() and e.strip()]
    fr_out: list[str] = []
    en_out: list[str] = []
    gold = []
    k = 0
    while len(fr_out) < n and len(en_out) < n and k + 1 < len(pairs):
        f, e = pairs[k]
        if k % 200 == 100:  # French sentence with no English
            gold.append(((len(fr_out),), ()))
            fr_out.append(f)
        elif k % 200 == 150:  # English sentence with no French
            gold.append(((), (len(en_out),)))
            en_out.append(e)
        elif k % 50 == 10:  # two French sentences, one English
            f2, e2 = pairs[k + 1]
            gold.append(((len(fr_out), len(fr_out) + 1), (len(en_out),)))
            fr_out += [f, f2]
            en_out.append(e + " " + e2)
            k += 1
        elif k % 50 == 35:  # one French sentence, two English
            f2, e2 = pairs[k + 1]
            gold.append(((len(fr_out),), (len(en_out), len(en_out) + 1)))
            fr_out.append(f + " " + f2)
            en_out += [e, e2]
            k += 1
        else:
            gold.append(((len(fr_out),), (len(en_out),)))
            fr_out.append(f)
            en_out.append(e)
        k += 1
    return fr_out, en_out, gold


def child(method: str, workdir: Path) -> None:
    from aligner.alignment.bitext import align_bitext, load_lexicon
    from aligner.alignment.galechurch import align_length
    from aligner.scoring.gold import score_alignments

    fr = (workdir / "fr.txt").read_text(encoding="utf-8").split("\n")
    en = (workdir / "en.txt").read_text(encoding="utf-8").split("\n")
    gold = [(tuple(a), tuple(b)) for a, b in json.loads((workdir / "gold.json").read_text())]
    if method == "bitext":
        load_lexicon()  # loading the 2 MB table is not part of the search
    start = time.perf_counter()
    alignment = align_bitext(fr, en) if method == "bitext" else align_length(fr, en)
    seconds = time.perf_counter() - start
    s = score_alignments([(gold, [(b.left, b.right) for b in alignment.beads])])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss, "strict": s.f1_strict, "lax": s.f1_lax}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    parser.add_argument("--sentences", type=int, default=20000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, default=Path(__file__).resolve().parents[1] / "artifacts" / "bench20k")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.workdir)
        return 0
    fr, en, gold = build(args.data, args.sentences)
    args.workdir.mkdir(parents=True, exist_ok=True)
    (args.workdir / "fr.txt").write_text("\n".join(fr), encoding="utf-8")
    (args.workdir / "en.txt").write_text("\n".join(en), encoding="utf-8")
    (args.workdir / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    machine = f"{cpu_name()} ({platform.machine()}), {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"{len(fr):,} French × {len(en):,} English sentences ({len(gold):,} gold beads), {machine}.\n")
    print("| method | seconds | peak RSS (MB) | strict F1 | lax F1 |\n|---|---|---|---|---|")
    for method, label in (("length", "baseline: Gale–Church, length only (`align_length`)"),
                          ("bitext", "ours: `align_bitext` (lexical LLR + length, coarse-to-fine band)")):  # fmt: skip
        out = subprocess.run(
            [sys.executable, __file__, "--child", method, "--workdir", str(args.workdir)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        r = json.loads(out.stdout)
        print(f"| {label} | {r['seconds']:.1f} | {r['rss_mb']:.0f} | {r['strict']:.4f} | {r['lax']:.4f} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
