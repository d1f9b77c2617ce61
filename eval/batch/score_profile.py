"""Per-story scoring time: sacreBLEU once per group (the old way) beside summed per-bead statistics, in one invocation.

    python eval/batch/score_profile.py [--data ../shared/data] [--runs 3]   # writes eval/batch/score_profile.md

Input: 100 LIG stories of 20 sentences (the first 2,000 lines of lig-postedit-fren: French source, Google's
translations through a ``FileTranslator``, the post-edits as reference, one paragraph per story), translated and
aligned as ``run_story`` does. Only ``score_document`` is timed. Each measurement runs in a fresh process, so
that sacreBLEU's tokeniser caches start cold as they do for a batch's new text; the figure is the median of
``--runs`` runs, old and new alternating. The old way is implemented here (``old_score_document``: sacreBLEU's
``corpus_score`` for the document, the beads, each paragraph and each length bucket, ``sentence_score`` per
bead), as ``aligner.scoring.metrics`` did before; both must give identical ``DocumentScores``, and the script
fails if they do not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # eval/: machine.py, shared by the benchmarks

from machine import cpu_name

ROOT = Path(__file__).resolve().parents[2]
STORIES, LINES = 100, 20
METHODS = ("old", "summed", "new")
LABELS = {
    "old": "old: `corpus_score` per group, `sentence_score` per bead",
    "summed": "summed only: sacreBLEU's own per-segment statistics, once, summed per group",
    "new": "new: summed, chrF counted with numpy, TER port (`aligner.scoring.metrics`)",
}


def load_inputs(data: Path) -> list[tuple[Any, tuple[str, ...], list[str], list[int]]]:
    """``score_document``'s arguments for each story, built as ``run_story`` builds them (no scoring)."""
    from aligner.pipeline import align_story, translate_document
    from aligner.reading.reader import parse_text
    from aligner.translation.memory import FileTranslator

    lig = data / "lig-postedit-fren"

    def read(name: str) -> list[str]:
        return (lig / name).read_text(encoding="utf-8").split("\n")[: STORIES * LINES]

    src, mt, pe = read("src-ref-all.fr"), read("output_Google_Translator.en"), read("tgt-pe-all.en")
    translator = FileTranslator(dict(zip(src, mt)), name="Google_Translator")
    inputs = []
    for k in range(0, STORIES * LINES, LINES):
        source = parse_text("\n".join(src[k : k + LINES]), presegmented=True, lang="fr")
        reference = parse_text("\n".join(pe[k : k + LINES]), presegmented=True, lang="en")
        hyp = tuple(t.text for t in translate_document(source, translator))
        alignment = align_story(source, hyp, reference)
        inputs.append((alignment, hyp, [s.text for s in reference.sentences], [s.paragraph for s in source.sentences]))
    return inputs


# --- the old way: sacreBLEU's public API once per group ----------------------------------------------------------


def old_corpus_scores(hyps: Sequence[str], refs: Sequence[str], *, ter: bool = True, chrfpp: bool = True) -> Any:
    from sacrebleu.metrics.bleu import BLEU
    from sacrebleu.metrics.chrf import CHRF
    from sacrebleu.metrics.ter import TER

    from aligner.results import MetricScore, Scores, rounded

    metrics: dict[str, Any] = {"bleu": BLEU(), "chrf": CHRF()}
    if chrfpp:
        metrics["chrfpp"] = CHRF(word_order=2)
    if ter:
        metrics["ter"] = TER()
    out = {}
    for key, metric in metrics.items():
        s = metric.corpus_score(list(hyps), [list(refs)])
        out[key] = MetricScore(s.name, rounded(s.score), str(metric.get_signature()))
    return Scores(**out)


def old_score_document(alignment: Any, mt: Sequence[str], reference: Sequence[str], paragraph_of: Sequence[int]) -> Any:
    from sacrebleu.metrics.bleu import BLEU
    from sacrebleu.metrics.chrf import CHRF

    from aligner.results import BeadScore, BeadTexts, Bucket, DocumentScores, ParagraphScore, rounded
    from aligner.scoring.metrics import LENGTH_EDGES, worst

    texts = [BeadTexts.of(b, mt, mt, reference) for b in alignment.beads]
    pairs = [(t.mt, t.reference or "") for t in texts]
    document = old_corpus_scores([" ".join(t for t in mt if t)], [" ".join(t for t in reference if t)], ter=False)
    beads = old_corpus_scores([h for h, _ in pairs], [r for _, r in pairs])
    bleu, chrf = BLEU(effective_order=True), CHRF()
    per_bead = tuple(
        BeadScore(100.0, 100.0)
        if not h and not r
        else BeadScore(rounded(bleu.sentence_score(h, [r]).score), rounded(chrf.sentence_score(h, [r]).score))
        for h, r in pairs
    )
    groups: dict[int, list[int]] = {}
    current = paragraph_of[0] if paragraph_of else 0
    for k, bead in enumerate(alignment.beads):
        if bead.left:
            current = paragraph_of[bead.left[0]]
        groups.setdefault(current, []).append(k)
    per_paragraph = tuple(
        ParagraphScore(p, tuple(ks), old_corpus_scores([pairs[k][0] for k in ks], [pairs[k][1] for k in ks], ter=False))
        for p, ks in sorted(groups.items())
    )
    labels = ["0"] + [f"{lo}-{hi - 1}" for lo, hi in pairwise(LENGTH_EDGES)] + [f"{LENGTH_EDGES[-1]}+"]
    slots: list[list[int]] = [[] for _ in labels]
    for k, (_, ref) in enumerate(pairs):
        n = len(ref.split())
        slots[0 if n == 0 else 1 + sum(1 for e in LENGTH_EDGES[1:] if n >= e)].append(k)
    by_length = tuple(
        Bucket(
            label,
            tuple(ks),
            old_corpus_scores([pairs[k][0] for k in ks], [pairs[k][1] for k in ks], ter=False, chrfpp=False)
            if ks
            else None,
        )
        for label, ks in zip(labels, slots)
    )
    return DocumentScores(document, beads, per_bead, per_paragraph, by_length, worst(per_bead))


# --- one measurement per process ---------------------------------------------------------------------------------


def use_sacrebleu_extraction() -> None:
    """The "summed" row: the new grouping, but every metric's per-segment statistics extracted by sacreBLEU itself
    (no numpy chrF counts, no TER port), to show what summing alone buys."""
    from aligner.scoring import metrics

    def extract_chrf(metric: Any, hyps: Sequence[str], refs: Sequence[str]) -> list[list[Any]]:
        stats: list[list[Any]] = metric._extract_corpus_statistics(list(hyps), [list(refs)])
        return stats

    def extract_ter(ter: Any, hyps: Sequence[str], refs: Sequence[str]) -> list[list[Any]]:
        return extract_chrf(ter, hyps, refs)

    metrics._chrf_statistics = extract_chrf
    metrics._ter_statistics = extract_ter


def child(method: str, data: Path) -> None:
    from aligner.scoring.metrics import score_document

    inputs = load_inputs(data)
    if method == "summed":
        use_sacrebleu_extraction()
    run = old_score_document if method == "old" else score_document
    start = time.process_time()
    wall = time.perf_counter()
    results = [run(*args) for args in inputs]
    cpu, wall = time.process_time() - start, time.perf_counter() - wall
    digest = hashlib.sha256(repr(results).encode()).hexdigest()
    beads = sum(len(a[0].beads) for a in inputs)
    print(json.dumps({"cpu": cpu, "wall": wall, "digest": digest, "stories": len(inputs), "beads": beads}))


def measure(method: str, data: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", method, "--data", str(data)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"{method} run failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_suffix(".md"))
    parser.add_argument("--child", choices=METHODS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data)
        return

    import sacrebleu

    cpu = cpu_name()
    print(f"CPU: {cpu}", flush=True)
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in METHODS}
    for k in range(args.runs):
        for method in METHODS:
            runs[method].append(measure(method, args.data))
            r = runs[method][-1]
            print(f"run {k + 1}/{args.runs} {method}: {r['wall']:.2f} s wall, {r['cpu']:.2f} s CPU", flush=True)
    digests = {r["digest"] for rs in runs.values() for r in rs}
    if len(digests) != 1:
        raise SystemExit("the implementations disagree: their DocumentScores differ")
    wall = {m: statistics.median(r["wall"] for r in runs[m]) for m in METHODS}
    cpu_time = {m: statistics.median(r["cpu"] for r in runs[m]) for m in METHODS}
    stories, beads = runs["new"][0]["stories"], runs["new"][0]["beads"]
    for m in METHODS:
        print(f"{m}: {wall[m]:.2f} s wall, {cpu_time[m]:.2f} s CPU")
    print(f"ratio old/new: {wall['old'] / wall['new']:.1f}x wall, {cpu_time['old'] / cpu_time['new']:.1f}x CPU")

    table = [
        "# Per-story scoring: sacreBLEU per group vs summed per-bead statistics",
        "",
        f"`python eval/batch/score_profile.py` — {stories} LIG stories of {LINES} sentences (first "
        f"{stories * LINES:,} lines; Google MT via `FileTranslator`, post-edits as reference; {beads:,} beads), "
        "aligned as `run_story` does; only `score_document` is timed. Each run is a fresh process (sacreBLEU's "
        f"tokeniser caches cold); median of {args.runs} runs, the implementations alternating.",
        "",
        f"CPU: {cpu} ({platform.machine()}); Python {platform.python_version()}; sacreBLEU {sacrebleu.__version__}.",
        "",
        "| score_document | wall (s) | CPU (s) | per story (ms) | vs old (CPU) | runs (wall, s) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for m in METHODS:
        runs_wall = ", ".join(f"{r['wall']:.2f}" for r in runs[m])
        table.append(
            f"| {LABELS[m]} | {wall[m]:.2f} | {cpu_time[m]:.2f} | {1000 * wall[m] / stories:.0f} | "
            f"{cpu_time['old'] / cpu_time[m]:.1f}x | {runs_wall} |"
        )
    table += [
        "",
        f"Speed-up of `score_document`: **{wall['old'] / wall['new']:.1f}x** (wall), "
        f"{cpu_time['old'] / cpu_time['new']:.1f}x (CPU). Scores: identical for all three (the `DocumentScores` of "
        "every story, compared in full, in every run).",
        "",
    ]
    args.out.write_text("\n".join(table), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
