"""How often the human reference of newstest2014 uses the glossary's required English, and what matching costs.

    python eval/terms/reference_use.py [--data ../shared/data] > eval/terms/reference-use.md

Every French sentence of newstest2014 fr-en (3,003, every origlang) is matched against the 84-entry
``glossary-newstest2014.tsv`` with ``aligner.terms.find_terms``; each occurrence found is checked in the sentence's
reference with ``target_used`` (the same rule the QA ``term`` flag applies to an MT). The occurrences whose
reference does not use the required English are listed, so that a reader can tell the reference's own wording from
a false match. Matching time: the first of 3 passes over all sentences (the glossary's index built before timing, its
lemma lookups not yet cached) and their median.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # eval/: machine.py, shared by the benchmarks

from machine import cpu_name

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    from aligner.terms import find_terms, load_glossary, target_used

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    txt = args.data / "wmt-newstest-fren" / "txt"
    fr = (txt / "newstest2014.fr").read_text(encoding="utf-8").splitlines()
    en = (txt / "newstest2014.en").read_text(encoding="utf-8").splitlines()
    assert len(fr) == len(en)
    glossary = load_glossary(ROOT / "eval" / "terms" / "glossary-newstest2014.tsv")
    find_terms(glossary, fr[0])  # builds the index outside the timing
    times, found = [], []
    for _ in range(3):
        start = time.perf_counter()
        found = [find_terms(glossary, line) for line in fr]
        times.append(time.perf_counter() - start)
    occurrences = [(k, m) for k, matches in enumerate(found) for m in matches]
    misses = [(k, m) for k, m in occurrences if not target_used(m.entry, en[k])]
    ms = 1000 * statistics.median(times) / len(fr)
    print("# The newstest2014 reference against the terminology glossary\n")
    print(f"Made by `python eval/terms/reference_use.py` on {cpu_name()}, Python {platform.python_version()}.\n")
    print(f"- {len(fr):,} French sentences, {len(glossary)} entries, {len(occurrences)} term occurrences found")
    print(f"- the reference uses the required English for {len(occurrences) - len(misses)} of them")
    first = 1000 * times[0] / len(fr)
    print(f"- matching: {first:.2f} ms a sentence on the first pass (lemma lookups not yet cached), {ms:.2f} ms")
    print("  (median of 3 passes)\n")
    print("The occurrences whose reference does not use the required English:\n")
    print("| line | French found | required English | reference |\n|---:|---|---|---|")
    for k, m in misses:
        ref = en[k].replace("|", "\\|")
        print(f"| {k + 1} | {fr[k][m.start : m.end]} | {' / '.join(m.entry.targets)} | {ref} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
