"""Rebuild src/aligner/data/english-lm.npz: the English trigram counts of the risk model's fluency features.

    python models/build_english_lm.py [--data ../shared/data]

English side of every corpus of the lexical table (``build_lexicon.corpora``) EXCEPT the LIG post-edits and the WMT
newstest2009, newstest2010 and newssyscomb2009 sets: the risk model is fitted on LIG lines 1–8,681 (newstest2009)
and measured on lines 8,682–10,881 (newstest2010), and a language model that had read their post-edits or
references would score those MT words as fluent because it had seen them corrected. The gold alignment books
(transread) are not used either. Words are the risk model's word units, lower-cased
(``aligner.quality.features.word_spans``); Europarl's Moses escapes are undone first. The same data gives a
byte-identical file.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from build_lexicon import corpora

from aligner.quality.features import word_spans
from aligner.quality.fluency import LM_FILE, NgramLM

EXCLUDED = ("lig-postedit-fren/", "newstest2009", "newstest2010", "newssyscomb2009")
ROOT = Path(__file__).resolve().parents[1]


def sentences(files: list[Path]) -> Iterator[list[str]]:
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            text = html.unescape(line)  # Europarl's &apos; &quot; (no other file has entities that matter)
            units = [text[a:b].lower() for a, b in word_spans(text)]
            if units:
                yield units


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "aligner" / "data" / LM_FILE)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"build_english_lm: no data folder at {args.data}; pass --data", file=sys.stderr)
        return 2
    files = [en for _, _, en in corpora(args.data) if not any(x in str(en.relative_to(args.data)) for x in EXCLUDED)]
    start = time.perf_counter()
    lm = NgramLM.train(sentences(files))
    tmp = args.out.with_name(args.out.name + ".part.npz")
    lm.save(tmp)
    tmp.replace(args.out)
    meta = {
        "built_by": "models/build_english_lm.py",
        "method": "trigram counts; interpolated absolute discounting (D = 0.75) with Kneser-Ney unigrams at load",
        "words": "aligner.quality.features.word_spans units, lower-cased, <s> <s> … </s>",
        "trigrams": len(lm),
        "vocabulary": len(lm.vocab),
        "files": [
            {"file": str(p.relative_to(args.data)), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in files
        ],
        "excluded": [*list(EXCLUDED), "transread-sentalign-fren (never read)"],
        "sha256": hashlib.sha256(args.out.read_bytes()).hexdigest(),
    }
    args.out.with_name("english-lm.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(lm)} trigrams, {len(lm.vocab)} words, {args.out.stat().st_size / 1e6:.1f} MB, "
          f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
