"""The figures behind the README's "known weak spot: very short beads", from the training lines only.

    python eval/quality/short_beads.py > eval/quality/short-beads.md      # ≈40 s with the features fit.py cached

Uses LIG lines 1–8,681 only (the held-out lines 8,682–10,881 are loaded with the corpus, never used). Per
training line: its Moses tokens.
In the newstest2009 block (the training lines with a WMT reference, one bead per sentence as ``fit.py`` sees them):
the share of words the post-editors changed in beads under 5 MT words and in beads whose MT equals the reference
word for word (lower-cased, Moses-tokenised both), and the cross-validated risk the shipped reference model's
settings give them (``fit.cv_bead`` with the chosen settings of ``cv.json``: the same folds, the same synthetic and
news-commentary rows as the fit). Last, the shipped model's risk of a few one-bead runs made by
hand: the seed story's header translated exactly as the reference has it, and a one-word bead with and without a
reference.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dataset
import fit
import lig

HERE = Path(__file__).resolve().parent


def one_bead_risk(french: str, mt: str, reference: str | None) -> float:
    """The shipped model's risk of a one-bead run made by hand."""
    from aligner.alignment.beads import Alignment, Bead
    from aligner.quality import RiskEstimator
    from aligner.reading.reader import parse_text
    from aligner.results import RunResult
    from aligner.signature import Signature
    from aligner.translation import Translation

    src = parse_text(french, doc_id="s", presegmented=True)
    ref = parse_text(reference, doc_id="s", lang="en", presegmented=True) if reference is not None else None
    method = "bitext" if ref is not None else "identity"
    run = RunResult(
        src,
        (Translation(mt),),
        ref,
        Alignment((Bead((0,), (0,), 0.9),), method),
        None,
        Signature(model="hand", align=method),
        ((),),
    )
    return RiskEstimator.load().assess(run).risk[0]


def main() -> int:
    from sacremoses import MosesTokenizer

    dataset.use_clean_lexicon()
    corpus = lig.load()
    train = [corpus.lines[n] for n in lig.TRAIN]
    tokens = [ln.mt_words for ln in train]
    short_lines = sum(t <= 4 for t in tokens)

    signals = ("source", "reference")
    chosen = next(
        r["bead"]["chosen"]
        for r in json.loads((HERE / "cv.json").read_text())["reports"]
        if tuple(r["signals"]) == signals
    )
    stories = fit.training_stories(corpus, reference=True)
    broken = dataset.add_synthetic(corpus, fit.training_stories(corpus, reference=False))
    rows = dataset.rows_for(corpus, stories, reference=True, seconds=("none",), tag="train")["none"]
    fake = [s for s in broken if s.reference]
    syn = dataset.rows_for(corpus, fake, reference=True, seconds=("none",), tag="synth")["none"]
    plain = dataset.rows_for(
        corpus, fit.training_stories(corpus, reference=False), reference=False, seconds=("none",), tag="train"
    )["none"]
    extra = fit.widen(fit.keep_stories(plain, "nc-"), rows.bead_names)
    syn_from, _ = fit.made_from(syn)
    oof = fit.cv_bead(rows, chosen, extra, fit.widen(syn, rows.bead_names), syn_from)
    assert all(n in lig.TRAIN for lines in rows.bead_lines for n in lines)

    tok = MosesTokenizer(lang="en")

    def same(lines: tuple[int, ...]) -> bool:
        mt = " ".join(corpus.lines[n].mt_tok for n in lines).split()
        ref = " ".join(" ".join(tok.tokenize(corpus.lines[n].ref.lower(), escape=False)) for n in lines).split()
        return bool(mt) and mt == ref

    def group(keep: list[int]) -> tuple[int, float, float]:
        edits = sum(rows.bead_edits[k] for k in keep)
        words = sum(rows.bead_words[k] for k in keep)
        return len(keep), edits / max(words, 1), sum(float(oof[k]) for k in keep) / max(len(keep), 1)

    beads = [k for k in range(len(rows.bead_x)) if rows.bead_words[k] > 0]
    everything = group(beads)
    short = group([k for k in beads if rows.bead_words[k] < 5])
    exact = group([k for k in beads if same(rows.bead_lines[k])])
    print("# Very short beads: the figures behind the README's weak spot\n")
    print("Made by `python eval/quality/short_beads.py` from LIG lines 1–8,681 only (no held-out line used).\n")
    print(
        f"- training lines: {len(train):,}, {sum(tokens) / len(tokens):.1f} Moses tokens of MT on average; "
        f"{short_lines} have 4 or fewer"
    )
    print(
        f"- newstest2009 block, {everything[0]:,} beads with MT words: {100 * everything[1]:.1f} % of the words "
        f"changed; cross-validated risk (settings {chosen}) {everything[2]:.2f} on average"
    )
    print(
        f"- beads under 5 MT words: {short[0]}, {100 * short[1]:.1f} % of their words changed, cross-validated "
        f"risk {short[2]:.2f} on average"
    )
    print(
        f"- beads whose MT equals the reference word for word: {exact[0]}, {100 * exact[1]:.1f} % of their words "
        f"changed, cross-validated risk {exact[2]:.2f} on average"
    )
    print("\nThe shipped model on one-bead runs made by hand:\n")
    print("| French | MT | reference | risk |\n|---|---|---|---:|")
    for french, mt, reference in (
        ("CE QU’IL FAUT SAVOIR:", "WHAT TO KNOW:", "WHAT TO KNOW:"),  # the seed story's header
        ("Peut-être", "perhaps", None),
        ("Peut-être", "perhaps", "Maybe"),
        ("Peut-être", "perhaps", "Perhaps"),
    ):
        risk = one_bead_risk(french, mt, reference)
        print(f"| {french} | {mt} | {reference if reference is not None else '(none)'} | {risk:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
