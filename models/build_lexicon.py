"""Rebuild src/aligner/data/lexicon-fr-en.tsv.gz: IBM Model 1 p(en|fr) on the French–English data in ../shared/data.

    python models/build_lexicon.py [--data ../shared/data] [--out src/aligner/data/lexicon-fr-en.tsv.gz]

The gold alignment books (transread-sentalign-fren) are never used: they are what the aligner is
evaluated on. Sentences longer than 80 tokens on either side are skipped (IBM-1 learns little from
them and they dominate the cost). The same data gives a byte-identical file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

from aligner.alignment.lexicon import tokens, train_lexicon

# (name, French file, English file) relative to the data folder; line-parallel.
CORPORA = [
    ("europarl-v7 sample 20k", "europarl-v7-sample20k-tok/europarl-v7.sample20k.tok.fr",
     "europarl-v7-sample20k-tok/europarl-v7.sample20k.tok.en"),
    ("LIG news post-edits (source, post-edit)", "lig-postedit-fren/src-ref-all.fr", "lig-postedit-fren/tgt-pe-all.en"),
    ("multi30k train", "multi30k-task1-fren/train.fr", "multi30k-task1-fren/train.en"),
    ("newsdiscusstest2015", "newsdiscusstest2015-fren/newsdiscusstest2015.fr",
     "newsdiscusstest2015-fren/newsdiscusstest2015.en"),
    ("tatoeba test", "tatoeba-test-fra-eng/tatoeba-test-v2021-08-07.fr",
     "tatoeba-test-fra-eng/tatoeba-test-v2021-08-07.en"),
    ("tico19 test", "tico19-test-fren/tico19-test.fr", "tico19-test-fren/tico19-test.en"),
    ("flores200 devtest", "flores200-devtest-fren/devtest.fr", "flores200-devtest-fren/devtest.en"),
    ("ntrex128 (newstest2019 en→fr)", "ntrex128-newstest2019-enfr/newstest2019-ref.fr",
     "ntrex128-newstest2019-enfr/newstest2019-src.en"),
]  # fmt: skip
NEWSTEST = "wmt-newstest-fren/txt"
MAX_TOKENS = 80


def corpora(data: Path) -> list[tuple[str, Path, Path]]:
    out = [(name, data / fr, data / en) for name, fr, en in CORPORA]
    for fr in sorted((data / NEWSTEST).glob("*.fr")):
        out.append((f"WMT {fr.stem}", fr, fr.with_suffix(".en")))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "src" / "aligner" / "data" / "lexicon-fr-en.tsv.gz",
    )
    parser.add_argument("--iterations", type=int, default=5)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"build_lexicon: no data folder at {args.data}; pass --data", file=sys.stderr)
        return 2
    fr_all: list[list[str]] = []
    en_all: list[list[str]] = []
    provenance = []
    for name, fr_path, en_path in corpora(args.data):
        fr_lines = fr_path.read_text(encoding="utf-8").splitlines()
        en_lines = en_path.read_text(encoding="utf-8").splitlines()
        if len(fr_lines) != len(en_lines):
            print(f"build_lexicon: {fr_path} and {en_path} differ in length; skipped", file=sys.stderr)
            continue
        used = 0
        for f, e in zip(fr_lines, en_lines):
            ft, et = tokens(f), tokens(e)
            if ft and et and len(ft) <= MAX_TOKENS and len(et) <= MAX_TOKENS:
                fr_all.append(ft)
                en_all.append(et)
                used += 1
        provenance.append(
            {
                "corpus": name,
                "files": [str(fr_path.relative_to(args.data)), str(en_path.relative_to(args.data))],
                "sha256": [hashlib.sha256(p.read_bytes()).hexdigest() for p in (fr_path, en_path)],
                "pairs_used": used,
            }
        )
    start = time.perf_counter()
    lexicon = train_lexicon(fr_all, en_all, iterations=args.iterations, source="build_lexicon.py")
    seconds = time.perf_counter() - start
    header = [
        "French-English lexical table, IBM Model 1 p(en|fr), built by models/build_lexicon.py",
        f"{len(fr_all)} sentence pairs, {args.iterations} EM iterations; provenance in lexicon-fr-en.json",
        "columns: fr  en  p(en|fr)",
    ]
    lexicon.save(args.out, header)
    meta = {
        "built_by": "models/build_lexicon.py",
        "method": "IBM Model 1 p(en|fr), NULL word, uniform start",
        "iterations": args.iterations,
        "max_tokens": MAX_TOKENS,
        "kept": "pairs with p(en|fr) >= 0.02 among the top 8 translations of a French word seen at least twice",
        "sentence_pairs": len(fr_all),
        "entries": len(lexicon),
        "french_words": len(lexicon.table),
        "corpora": provenance,
        "not_used": "transread-sentalign-fren (the alignment gold set)",
    }
    args.out.with_name("lexicon-fr-en.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    size = args.out.stat().st_size
    print(f"{args.out}: {len(lexicon)} entries, {len(lexicon.table)} French words, {size / 1e6:.1f} MB; "
          f"{len(fr_all)} pairs trained in {seconds:.0f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
