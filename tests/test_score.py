from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aligner.align import Alignment, Bead
from aligner.score import corpus_scores, score_document
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
    mt = ["The cat sat on the mat.", "It rained.", "Markets fell on Tuesday."]
    ref = ["A cat sat on a mat.", "It was raining.", "Markets fell sharply on Tuesday."]
    alignment = Alignment(tuple(Bead((i,), (i,), 1.0) for i in range(3)), "similarity", ())
    scores = score_document(alignment, mt, ref, [0, 0, 1])
    line = corpus_scores(mt, ref)
    assert scores.beads.bleu.score == line.bleu.score
    assert scores.beads.chrf.score == line.chrf.score
    assert [p.paragraph for p in scores.per_paragraph] == [0, 1]
