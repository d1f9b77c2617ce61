from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aligner.alignment.beads import Alignment, Bead
from aligner.scoring.metrics import corpus_scores, score_document, sentence_scores
from conftest import ALIGNER, DATA, cli_env, needs_shared


def sacrebleu_cli(hyp: str, ref: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sacrebleu", ref, "-i", hyp, "-m", "bleu", "chrf", "ter", "-b", "-w", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


@needs_shared
@pytest.mark.slow
def test_score_matches_the_sacrebleu_cli_on_real_mt() -> None:
    hyp = DATA / "lig-postedit-fren" / "output_Google_Translator.en"
    ref = DATA / "lig-postedit-fren" / "tgt-pe-all.en"
    reference_run = sacrebleu_cli(str(hyp), str(ref))  # both run at once: TER on 10,881 lines is slow
    proc = subprocess.run(
        [*ALIGNER, "score", "--hyp", str(hyp), "--ref", str(ref), "--json"],
        env=cli_env(),
        capture_output=True,
        text=True,
    )
    out, _ = reference_run.communicate()
    expected = dict(zip(("BLEU", "chrF2", "TER"), (float(v) for v in json.loads(out))))
    assert proc.returncode == 0, proc.stderr
    ours = json.loads(proc.stdout)
    assert round(ours["bleu"]["score"], 4) == pytest.approx(expected["BLEU"], abs=1e-4)
    assert round(ours["chrf"]["score"], 4) == pytest.approx(expected["chrF2"], abs=1e-4)
    assert round(ours["ter"]["score"], 4) == pytest.approx(expected["TER"], abs=1e-4)
    assert ours["bleu"]["signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:")


def test_unaligned_sentences_count_against_the_mt() -> None:
    mt = ["The cat sat on the mat.", "An invented sentence nobody wrote."]
    ref = ["The cat sat on the mat.", "A reference sentence the MT dropped."]
    alignment = Alignment((Bead((0,), (0,), 1.0), Bead((1,), (), 0.9), Bead((), (1,), 0.9)), "similarity", ())
    scores = score_document(alignment, mt, ref, [0, 0])
    assert len(scores.per_bead) == 3
    assert scores.per_bead[0].bleu == pytest.approx(100.0)
    assert scores.per_bead[1].bleu == 0.0 and scores.per_bead[2].bleu == 0.0
    perfect = corpus_scores(["The cat sat on the mat."], ["The cat sat on the mat."])
    assert scores.beads.bleu.score < perfect.bleu.score
    assert scores.beads.chrf.score < perfect.chrf.score


def test_bead_scores_equal_line_scores_when_segmentations_match() -> None:
    """Identity beads must score exactly as the lines do. The expected numbers are sacreBLEU's own, computed here
    line by line with its classes, not through our bead code; a bead built from the wrong sentence (an off-by-one
    in the joining) or a paragraph grouping that drops a bead changes them."""
    from sacrebleu.metrics.bleu import BLEU
    from sacrebleu.metrics.chrf import CHRF

    mt = ["The cat sat on the mat.", "It rained.", "Markets fell on Tuesday."]
    ref = ["A cat sat on a mat.", "It was raining.", "Markets fell sharply on Tuesday."]
    alignment = Alignment(tuple(Bead((i,), (i,), 1.0) for i in range(3)), "identity", ())
    scores = score_document(alignment, mt, ref, [0, 0, 1])
    assert scores.beads.bleu.score == round(BLEU().corpus_score(mt, [ref]).score, 4)
    assert scores.beads.chrf.score == round(CHRF().corpus_score(mt, [ref]).score, 4)
    # per bead: sentence scores of the bead's own pair, in bead order
    bleu1 = BLEU(effective_order=True)
    assert [b.bleu for b in scores.per_bead] == [round(bleu1.sentence_score(h, [r]).score, 4) for h, r in zip(mt, ref)]
    assert len({b.chrf for b in scores.per_bead}) == 3  # three different pairs, three different scores
    # paragraphs: beads 0-1 in paragraph 0, bead 2 in paragraph 1, each scored on its own lines only
    assert [(p.paragraph, p.beads) for p in scores.per_paragraph] == [(0, (0, 1)), (1, (2,))]
    assert scores.per_paragraph[1].scores.chrf.score == round(CHRF().corpus_score(mt[2:], [ref[2:]]).score, 4)
    # a shifted pairing is a different computation: the identity result is not what any alignment gives
    shifted = Alignment((Bead((0,), (1,), 1.0), Bead((1,), (0,), 1.0), Bead((2,), (2,), 1.0)), "test", ())
    assert score_document(shifted, mt, ref, [0, 0, 1]).beads.chrf.score < scores.beads.chrf.score


def test_merged_bead_scores_the_joined_sentences() -> None:
    mt = ["The minister spoke.", "She left at noon."]
    ref = ["The minister spoke and she left at noon."]
    merged = Alignment((Bead((0, 1), (0,), 1.0),), "test", ())
    scores = score_document(merged, mt, ref, [0, 0])
    expected = sentence_scores("The minister spoke. She left at noon.", ref[0])
    assert scores.per_bead == (expected,)
