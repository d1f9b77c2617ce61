"""How much of a real English translation the vocabulary shortlist lets the decoder produce.

    python eval/speed/shortlist_coverage.py > eval/speed/shortlist.md

The agreement of shortlist and full-vocabulary output can only be measured on a trained model,
and the one trained model here (models/tiny-marian-fr-en) has 162 target pieces; tests/test_fast.py
reports it (0 of 308 outputs change). This script measures the shortlist itself, with the
tokenizer of the random opus-mt-fr-en-architecture model (32,000-piece SentencePiece models,
59,514-entry vocabulary): for each French sentence of a batch, are the pieces of its human English
translation among the batch's candidates? A reference piece outside the candidates is one the
shortlist forbids; a sentence whose pieces are all inside can still be produced word for word.

Data: the TransRead gold beads (novels; never seen by the lexicon, which is built from news,
Europarl and test sets) and newstest2014 (seen by the lexicon: an optimistic figure).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def candidates_for(rules: dict[tuple[str, ...], set[str]], fixed: set[str], batch: list[list[str]]) -> set[str]:
    out = set(fixed)
    longest = max(len(k) for k in rules)
    for pieces in batch:
        for n in range(1, longest + 1):
            for i in range(len(pieces) - n + 1):
                out |= rules.get(tuple(pieces[i : i + n]), set())
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", type=Path, default=ROOT / "eval" / "artifacts" / "random-opus-mt-fr-en")
    parser.add_argument("--batch", type=int, default=8, help="sentences per batch (the CPU default at beam 4)")
    args = parser.parse_args()
    if not (args.model / "source.spm").is_file():
        print(f"shortlist_coverage: no model at {args.model}; run python models/build_random_opus.py", file=sys.stderr)
        return 2
    from aligner.typography import normalize_source

    from aligner.alignment.lexicon import Lexicon
    from aligner.scoring.gold import load_goldset
    from aligner.translation.pieces import MarianPieces
    from aligner.translation.shortlist import frequent_words_path, vmap_lines

    pieces = MarianPieces(args.model)
    start = time.perf_counter()
    lines = vmap_lines(pieces, Lexicon.load(), frequent_words_path().read_text(encoding="utf-8").split())
    built = time.perf_counter() - start
    fixed = set(lines[0].split("\t")[1].split())
    rules = {tuple(k.split(" ")): set(v.split()) for k, v in (line.split("\t") for line in lines[1:])}
    vocab = len(pieces.vocab)

    sets: dict[str, list[tuple[str, str]]] = {}
    books = load_goldset(args.data / "transread-sentalign-fren")
    sets["TransRead 1-1 beads (11 novels, unseen)"] = [
        (b.french[f[0]], b.english[e[0]]) for b in books for f, e in b.gold if len(f) == 1 and len(e) == 1
    ]
    news = args.data / "wmt-newstest-fren" / "txt" / "newstest2014"
    fr = news.with_suffix(".fr").read_text(encoding="utf-8").splitlines()
    en = news.with_suffix(".en").read_text(encoding="utf-8").splitlines()
    sets["newstest2014 (seen by the lexicon)"] = list(zip(fr, en))

    print(f"Shortlist built in {built:.1f} s: {len(rules):,} rules, fixed set {len(fixed):,} pieces, "
          f"vocabulary {vocab:,}; batches of {args.batch} consecutive sentences.\n")  # fmt: skip
    print("| data | sentences | candidates per batch (median) | share of the vocabulary | reference pieces covered "
          "| sentences fully covered |\n|---|---|---|---|---|---|")  # fmt: skip
    for name, pairs in sets.items():
        sizes, covered, total, full = [], 0, 0, 0
        for s in range(0, len(pairs), args.batch):
            chunk = pairs[s : s + args.batch]
            cands = candidates_for(rules, fixed, [pieces.pieces(normalize_source(f)) for f, _ in chunk])
            sizes.append(len(cands))
            for _, e in chunk:
                ref = [p for p in pieces.target.encode(e, out_type=str) if p in pieces.vocab]
                inside = sum(p in cands for p in ref)
                covered += inside
                total += len(ref)
                full += inside == len(ref)
        med = statistics.median(sizes)
        print(f"| {name} | {len(pairs):,} | {med:,.0f} | {med / vocab:.1%} | {covered / total:.2%} | "
              f"{full / len(pairs):.1%} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
