"""Tune the bitext aligner's costs on three TransRead books by coordinate descent; the other eight are held out.

    python eval/alignment/tune.py [--data ../shared/data]  > eval/alignment/tuning.md

The tuning books are the first three in alphabetical order (a rule fixed before looking at any
score). The objective is micro strict F1 + lax F1 on those books. The result is printed as markdown;
the chosen values are then written into ``aligner.alignment.bitext.BitextCosts`` by hand and checked by
``aligner eval-align`` on all eleven books.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from aligner.alignment.bitext import BitextCosts, align_bitext, load_lexicon
from aligner.scoring.gold import evaluate_aligner, load_goldset

GRID = {
    "mix": [0.2, 0.3, 0.5, 0.7],
    "null": [3.0, 4.5, 6.0, 8.0, 10.0],
    "merge": [1.0, 1.75, 2.5, 3.5, 5.0],
    "merge3": [3.0, 5.0, 7.0, 9.0],
    "merge22": [3.0, 5.0, 7.0, 9.0],
    "length": [0.0, 0.5, 1.0, 2.0],
    "balance": [0.0, 1.0, 2.0, 3.0, 5.0],
    "straddle": [0.0, 1.5, 3.0, 6.0],
    "identity": [0.2, 0.5, 1.0],
    "prefix": [0.0, 0.1, 0.2, 0.4],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    gold = args.data / "transread-sentalign-fren"
    books = load_goldset(gold)
    tune = books[:3]
    lexicon = load_lexicon()

    def objective(costs: BitextCosts, which: list) -> tuple[float, float]:  # type: ignore[type-arg]
        def run(b):  # type: ignore[no-untyped-def]
            return align_bitext(b.french, b.english, french_paragraphs=b.french_paragraphs,
                                english_paragraphs=b.english_paragraphs, lexicon=lexicon, costs=costs)  # fmt: skip

        micro = evaluate_aligner(which, run).micro
        return micro.f1_strict, micro.f1_lax

    costs = BitextCosts()
    start = objective(costs, tune)
    print(f"Tuning books: {', '.join(b.name for b in tune)}. Start (defaults before tuning): "
          f"strict {start[0]:.4f}, lax {start[1]:.4f}.\n")  # fmt: skip
    print("| round | parameter | value | strict F1 | lax F1 |\n|---|---|---|---|---|")
    best = sum(start)
    for rnd in range(1, args.rounds + 1):
        for name, values in GRID.items():
            for value in values:
                trial = dataclasses.replace(costs, **{name: value})
                s, lax = objective(trial, tune)
                if s + lax > best + 1e-9:
                    best, costs = s + lax, trial
                    print(f"| {rnd} | {name} | {value:g} | {s:.4f} | {lax:.4f} |")
                    sys.stdout.flush()
    held = objective(costs, books[3:])
    everything = objective(costs, books)
    print(f"\nChosen: `{', '.join(f'{k}={v}' for k, v in costs.settings())}`\n")
    print(f"Held-out 8 books: strict {held[0]:.4f}, lax {held[1]:.4f}. All 11: strict {everything[0]:.4f}, "
          f"lax {everything[1]:.4f}.")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
