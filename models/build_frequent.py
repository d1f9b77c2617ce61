"""Rebuild src/aligner/data/english-frequent.txt: the 5,000 most frequent English words of the lexicon's corpora.

    python models/build_frequent.py [--data ../shared/data]

The vocabulary shortlist (``aligner.shortlist``) always allows these words' pieces. Words are
``aligner.lexicon.tokens`` (lower-cased); ties are broken alphabetically, so the same data gives
the same file.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from build_lexicon import corpora

from aligner.alignment.lexicon import tokens

KEEP = 5000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "src" / "aligner" / "data" / "english-frequent.txt",
    )
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"build_frequent: no data folder at {args.data}; pass --data", file=sys.stderr)
        return 2
    counts: Counter[str] = Counter()
    for _, _, en_path in corpora(args.data):
        for line in en_path.read_text(encoding="utf-8").splitlines():
            counts.update(tokens(line))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:KEEP]
    args.out.write_text("".join(f"{w}\n" for w, _ in ranked), encoding="utf-8")
    print(f"{args.out}: {len(ranked)} words from {sum(counts.values())} tokens", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
