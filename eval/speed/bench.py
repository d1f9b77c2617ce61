"""Translation speed on opus-mt-fr-en's architecture: peers and aligner side by side, in one invocation.

    python models/build_random_opus.py          # once: the random-weight model (eval/artifacts/, ~300 MB)
    python eval/speed/bench.py > eval/speed/results.md

200 news sentences (the first 200 of newstest2014, French). Engine rows force every sentence to
48 output tokens (transformers ``min_new_tokens = max_new_tokens = 48``, CTranslate2
``min_decoding_length = max_decoding_length = 48``) and time generation only, model loaded. Each
row runs in a fresh process with 2 threads; the figure is the median of ``--runs`` runs (the
one-sentence-at-a-time row: one run on the first 50 sentences, it is that slow); peak RSS is the
process's. The ``aligner translate`` rows run the command as a user does, default engine and
settings, with ``--max-new-tokens 48 --threads 2``: a random model rarely emits ``</s>``, so nearly
every sentence gets its 48 pieces. They count the pieces the command reports generating and give
two rates: over the whole command's wall time (start-up, model load, segmentation, I/O,
reassembly) and over its translation alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORCED = 48
ROWS = [
    # (key, label, beam)
    ("hf-fp32-single", "transformers fp32, one sentence at a time", 1),
    ("hf-fp32-b16", "transformers fp32, batch 16 sorted by length", 1),
    ("hf-fp32-b16", "transformers fp32, batch 16 sorted by length", 4),
    ("hf-bf16-b16", "transformers bf16, batch 16", 1),
    ("hf-int8-b16", "transformers + torch.ao dynamic int8, batch 16", 1),
    ("hf-int8-b16", "transformers + torch.ao dynamic int8, batch 16", 4),
    ("ct2-float32-b16", "CTranslate2 float32, batch 16", 1),
    ("ct2-float32-b16", "CTranslate2 float32, batch 16", 4),
    ("ct2-int8-b16", "CTranslate2 int8, batch 16", 1),
    ("ct2-int8-b16", "CTranslate2 int8, batch 16", 4),
    ("e2e", "**aligner translate**, default settings, end to end", 1),
    ("e2e", "**aligner translate**, default settings, end to end", 4),
    ("e2e --no-shortlist", "aligner translate --no-shortlist, end to end", 4),
]


def sentences(data: Path, n: int) -> list[str]:
    lines = (data / "wmt-newstest-fren" / "txt" / "newstest2014.fr").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()][:n]


def engine_child(key: str, beam: int, model: str, texts: list[str], runs: int) -> dict[str, float]:
    # CTranslate2 rows tokenize with aligner.translation.pieces (the same pieces as MarianTokenizer): no torch in
    # their process, so their peak RSS is CTranslate2's own
    from aligner.translation.pieces import MarianPieces

    pieces = MarianPieces(model)
    order = sorted(range(len(texts)), key=lambda i: len(pieces.encode(texts[i])), reverse=True)
    batches = [[texts[i] for i in order[s : s + 16]] for s in range(0, len(order), 16)]
    if key == "hf-fp32-single":
        batches = [[t] for t in texts]
    if key.startswith("hf"):
        import torch
        from transformers import MarianMTModel, MarianTokenizer

        torch.set_num_threads(2)
        tok = MarianTokenizer.from_pretrained(model)
        m = MarianMTModel.from_pretrained(model).eval()
        if key.startswith("hf-bf16"):
            m = m.to(torch.bfloat16)
        if key.startswith("hf-int8"):
            m = torch.ao.quantization.quantize_dynamic(m, {torch.nn.Linear}, dtype=torch.qint8)

        def run() -> int:
            produced = 0
            for b in batches:
                enc = tok(b, return_tensors="pt", padding=True)
                with torch.inference_mode():
                    out = m.generate(
                        **enc, num_beams=beam, min_new_tokens=FORCED, max_new_tokens=FORCED, do_sample=False
                    )
                produced += (out.shape[1] - 1) * out.shape[0]
            return produced
    else:
        import ctranslate2

        from aligner.translation.convert import cached_conversion
        from aligner.translation.models import ResolvedModel

        compute = key.split("-")[1]
        folder = cached_conversion(ResolvedModel(Path(model), model, "local"), compute)
        tr = ctranslate2.Translator(str(folder), device="cpu", compute_type=compute, inter_threads=1, intra_threads=2)
        tokenized = [[pieces.encode(t) for t in b] for b in batches]

        def run() -> int:
            produced = 0
            for b in tokenized:
                res = tr.translate_batch(b, beam_size=beam, max_batch_size=16, min_decoding_length=FORCED,
                                         max_decoding_length=FORCED)  # fmt: skip
                produced += sum(len(r.hypotheses[0]) for r in res)
            return produced

    times = []
    produced = 0
    for _ in range(runs):
        start = time.perf_counter()
        produced = run()
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    return {"tokens": produced, "seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def e2e(extra: list[str], beam: int, model: str, texts: list[str], runs: int, work: Path) -> dict[str, float]:
    """``aligner translate`` as a user runs it (default engine and settings), capped at 48 new pieces."""
    source = work / "bench.fr"
    source.write_text("\n".join(texts) + "\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "aligner.cli", "translate", str(source), "--presegmented", "--model", model,
           "--beam", str(beam), "--max-new-tokens", str(FORCED), "--threads", "2", "-o", str(work / "bench.en"),
           *extra]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)  # warm-up: conversion cache, file cache
    walls, inner, tokens, rss = [], [], 0, 0.0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        if status:
            raise RuntimeError(err.strip().splitlines()[-1])
        rss = max(rss, usage.ru_maxrss / 1024)
        # "aligner: 200 sentences, 9,400 target pieces in 15.6 s (601 pieces/s)"
        stats = re.search(r"([\d,]+) target pieces in ([\d.]+) s", err.replace("\r", "\n"))
        assert stats, err
        tokens = int(stats.group(1).replace(",", ""))
        inner.append(float(stats.group(2)))
    return {"tokens": tokens, "seconds": statistics.median(walls), "inner": statistics.median(inner), "rss_mb": rss}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", default=str(ROOT / "eval" / "artifacts" / "random-opus-mt-fr-en"))
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--beam", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    texts = sentences(args.data, args.sentences)
    if args.child:
        n_runs = 1 if args.child == "hf-fp32-single" else args.runs
        chosen = texts[:50] if args.child == "hf-fp32-single" else texts
        print(json.dumps(engine_child(args.child, args.beam, args.model, chosen, n_runs)))
        return 0
    if not Path(args.model, "model.safetensors").is_file():
        print(f"bench: no model at {args.model}; run python models/build_random_opus.py first", file=sys.stderr)
        return 2
    from aligner.translation.pieces import MarianPieces

    tokenizer = MarianPieces(args.model)
    pieces = sum(len(tokenizer.pieces(t)) for t in texts)
    work = ROOT / "eval" / "artifacts" / "speed"
    work.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, 2 threads per engine"
    print(f"{len(texts)} sentences of newstest2014 (fr), {pieces:,} source pieces; random-weight model with "
          f"opus-mt-fr-en's architecture; {machine}.\n")  # fmt: skip
    print("| engine | beam | output tokens | seconds | tokens/s | tokens/s, translation only | peak RSS (MB) |")
    print("|---|---|---|---|---|---|---|")
    for key, label, beam in ROWS:
        if key.startswith("e2e"):
            try:
                r = e2e(key.split()[1:], beam, args.model, texts, args.runs, work)
            except RuntimeError as exc:
                print(f"| {label} | {beam} | failed: {exc} | | | | |")
                continue
        else:
            out = subprocess.run(
                [sys.executable, __file__, "--child", key, "--beam", str(beam), "--model", args.model, "--data",
                 str(args.data), "--sentences", str(args.sentences), "--runs", str(args.runs)],
                capture_output=True, text=True,
            )  # fmt: skip
            if out.returncode:
                print(f"| {label} | {beam} | failed: {out.stderr.strip().splitlines()[-1]} | | | | |")
                continue
            r = json.loads(out.stdout)
        rate = r["tokens"] / r["seconds"]
        inner = f"{r['tokens'] / r['inner']:,.0f}" if "inner" in r else "–"
        print(
            f"| {label} | {beam} | {r['tokens']:,} | {r['seconds']:.1f} | {rate:,.0f} | {inner} | {r['rss_mb']:.0f} |"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
