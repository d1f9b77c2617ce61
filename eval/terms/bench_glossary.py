"""Mine the candidate entries of eval/terms/glossary-newstest2014.tsv from the WMT news test sets.

    python eval/terms/bench_glossary.py [--data ../shared/data] > /tmp/candidates.tsv

A candidate is a French name, place, institution or title (a run of capitalised words, joined by de/du/des/d'/la/
le/l'/et, or such a run followed by one lower-case adjective: "Nations unies", "Assemblée nationale") that
occurs at least ``--min-count`` times in the French of newstest2009-2014 (every origlang), at least once in a
French-original line of newstest2014, and whose English translation is consistent in the references: the
capitalised English run (joined by of/the/for/and/de) found most often in the reference sentences of the
French lines holding it, in at least ``--min-share`` of them. Printed best-supported first, one TSV line per
candidate: French, English, then the counts (together / French lines / newstest2014 French-original lines).
The glossary keeps the candidates checked by hand (results.md says which were dropped and why).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETS = ("newstest2009", "newstest2010", "newstest2011", "newstest2012", "newstest2013", "newstest2014")
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+|'", re.UNICODE)
FR_JOIN = {"de", "du", "des", "d", "la", "le", "l", "et", "'"}
EN_JOIN = {"of", "the", "for", "and", "de"}
FR_STOP_START = {"Le", "La", "Les", "L", "Un", "Une", "Des", "De", "Du", "Ce", "Cette", "Il", "Elle", "En", "Et"}
EN_STOP = {"The", "A", "An", "In", "On", "It", "He", "She", "But", "And", "This", "That", "I", "We", "They", "Mr"}


def words(text: str) -> list[str]:
    return _TOKEN.findall(text.replace("’", "'"))


def runs(tokens: list[str], join: set[str], stop: set[str], *, adjective: bool) -> set[str]:
    """Runs of capitalised tokens (not the sentence's first word unless it is seen capitalised elsewhere: the
    caller filters), joined by ``join`` words; with ``adjective``, also each run plus the lower-case word after
    it."""
    found: set[str] = set()
    i = 0
    while i < len(tokens):
        if not tokens[i][:1].isupper() or tokens[i] in stop:
            i += 1
            continue
        j = i + 1
        end = j
        while j < len(tokens):
            if tokens[j][:1].isupper():
                j += 1
                end = j
            elif tokens[j] in join and j + 1 < len(tokens) and (tokens[j + 1][:1].isupper() or tokens[j + 1] in join):
                j += 1
            else:
                break
        run = tokens[i:end]
        if len(run) <= 5:
            found.add(_text(run))
            if adjective and end < len(tokens) and tokens[end].islower() and len(tokens[end]) > 3:
                found.add(_text([*run, tokens[end]]))
        i = end
    return found


def _text(tokens: list[str]) -> str:
    return " ".join(tokens).replace(" ' ", "'")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--min-share", type=float, default=0.8)
    args = parser.parse_args()
    txt = args.data / "wmt-newstest-fren" / "txt"
    french_lines = 0
    fr_count: Counter[str] = Counter()
    together: defaultdict[str, Counter[str]] = defaultdict(Counter)
    in_test: Counter[str] = Counter()
    for name in SETS:
        fr = (txt / f"{name}.fr").read_text(encoding="utf-8").splitlines()
        en = (txt / f"{name}.en").read_text(encoding="utf-8").splitlines()
        orig = (txt / f"{name}.origlang").read_text(encoding="utf-8").splitlines()
        for f, e, o in zip(fr, en, orig):
            french_lines += 1
            f_runs = runs(words(f)[1:], FR_JOIN, FR_STOP_START, adjective=True)  # the first word is capitalised anyway
            e_runs = runs(words(e), EN_JOIN, EN_STOP, adjective=False)
            for r in f_runs:
                fr_count[r] += 1
                together[r].update(e_runs)
                if name == "newstest2014" and o == "fr":
                    in_test[r] += 1
    rows = []
    for f, n in fr_count.items():
        if n < args.min_count or not in_test[f] or not together[f]:
            continue
        e, k = together[f].most_common(1)[0]
        if k / n >= args.min_share:
            rows.append((in_test[f], k, n, f, e))
    rows.sort(key=lambda r: (-r[0], -r[1], r[3]))
    for t, k, n, f, e in rows:
        print(f"{f}\t{e}\t{k}/{n}/{t}")
    print(f"# {len(rows)} candidates from {french_lines} line pairs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
