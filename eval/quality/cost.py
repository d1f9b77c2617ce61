"""What the risk estimate costs per story, as a share of the run's time.

    python eval/quality/cost.py > eval/quality/cost.md

Stories: the first 30 WMT newstest2009 documents of the LIG training block (lines 6,157 on; never the held-out
lines), with their WMT reference. For each story ``run_story`` runs without risk (translate, align, score, flag),
then ``assess_run`` adds the risk, timed apart, in three settings:

- existing translations (LIG's Moses output through ``--translations``): the run itself is cheap, so the share is
  the largest the risk can take;
- the project's tiny MarianMT model on CTranslate2 (beam 4): a real decoding path, though a far smaller model than
  opus-mt-fr-en (which decodes ~20× slower per sentence, eval/speed/results.md), so the share is again an upper
  bound;
- the same with ``--glass-box`` (token log-probabilities through ``score_batch`` and a 4-best list).

Each setting twice, the second pass timed (the first loads the lexicon, the model and warms caches); medians of
per-story shares, and totals.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dataset
import lig

STORIES = 30


def main() -> int:
    from aligner.pipeline import RiskOptions, assess_run, run_story
    from aligner.quality import RiskEstimator
    from aligner.reading.reader import parse_story
    from aligner.translation import make_translator
    from aligner.translation.memory import FileTranslator

    dataset.use_clean_lexicon()
    corpus = lig.load()
    stories = [s for s in corpus.stories if s.block == "newstest2009"][:STORIES]
    assert all(n in lig.TRAIN for s in stories for n in s.lines)
    parsed = [parse_story(dataset.story_json(corpus, s, reference=True), s.id) for s in stories]
    from aligner.quality import english_lm

    english_lm.cache_clear()
    t0 = time.perf_counter()
    english_lm()
    lm_load = time.perf_counter() - t0
    estimator = RiskEstimator.load()
    # the same model without the English trigram model: its fluency features are then missing (NaN), so this row
    # measures what the fluency features cost, not a risk anyone should use
    no_lm = RiskEstimator(estimator.model, replace(estimator.resources, lm=None))
    tiny = make_translator(model=str(lig.ROOT / "models" / "tiny-marian-fr-en"), beam=4)
    settings = {
        "existing translations (Moses), no second opinion, fluency features off": (None, False, False, no_lm),
        "existing translations (Moses), no second opinion": (None, False, False, estimator),
        "existing translations (Moses), --second-opinion Google": (None, True, False, estimator),
        "tiny MarianMT, CTranslate2 beam 4": (tiny, False, False, estimator),
        "tiny MarianMT, CTranslate2 beam 4, --glass-box": (tiny, False, True, estimator),
    }
    print("# Cost of the risk estimate per story\n")
    print(
        f"`python eval/quality/cost.py` on {os.cpu_count()} cores; {len(stories)} WMT newstest2009 stories of the "
        f"training block ({sum(len(s.lines) for s in stories)} sentences) with their reference. Times in seconds, "
        "second of two passes.\n"
    )
    print("| setting | run without risk | risk | risk share of the run | median share per story |")
    print("|---|---:|---:|---:|---:|")
    for name, (model, second, glass, risk) in settings.items():
        for attempt in range(2):
            base_t, risk_t, shares = 0.0, 0.0, []
            for s, story in zip(stories, parsed):
                table = {corpus.lines[n].fr: corpus.lines[n].mt for n in s.lines}
                translator = model if model is not None else FileTranslator(table, name="moses")
                other = None
                if second:
                    other = FileTranslator({corpus.lines[n].fr: corpus.lines[n].google for n in s.lines}, name="google")
                options = RiskOptions(risk, other, glassbox=glass)
                t0 = time.perf_counter()
                result = run_story(story.source, translator, story.reference)
                t1 = time.perf_counter()
                assess_run(result, translator, options)
                t2 = time.perf_counter()
                base_t += t1 - t0
                risk_t += t2 - t1
                shares.append((t2 - t1) / (t2 - t0))
            if attempt == 1:
                print(
                    f"| {name} | {base_t:.2f} | {risk_t:.2f} | {100 * risk_t / (base_t + risk_t):.1f} % | "
                    f"{100 * statistics.median(shares):.1f} % |"
                )
    words = sum(corpus.lines[n].mt_words for s in stories for n in s.lines)
    pieces = round(1.3 * words)  # SentencePiece pieces per English word on news, roughly
    decode = pieces / 413.0  # opus-mt-fr-en's architecture, beam 4, end to end on this machine (eval/speed/results.md)
    print(
        f"\nLoading the English trigram model of the fluency features (`english-lm.npz`, 0.86 M trigrams) takes "
        f"{lm_load:.2f} s, once per process (a batch worker loads it once); the first two rows, measured side by "
        "side, give what scoring every MT word with it adds to each story."
    )
    print(
        "\nThe second opinion's own translation is not counted for existing translations (a file lookup); with "
        "`--second-opinion-model` it costs a second decoding of the story, as much as the first."
    )
    print(
        f"\nWith the real model the run is dominated by decoding: these stories' {words:,} MT words are about "
        f"{pieces:,} target pieces, which opus-mt-fr-en's architecture decodes in about {decode:.0f} s at beam 4 "
        "(413 pieces/s end to end, `eval/speed/results.md`); the risk's share of such a run is then the risk's seconds "
        f"above over {decode:.0f} s plus the run's own. `--glass-box` adds a forced-decoding pass (`score_batch`, "
        "cheap) and a 4-best beam search (about one more decoding of the story)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
