"""Glass-box signals on the project's tiny Marian checkpoint (``aligner.quality.glassbox``, the front end's ``score``
and ``nbest``): both engines give the same token log-probabilities, the model prefers its own output to a scrambled
one, n-best lists are what beam search keeps. The real opus-mt weights are not at hand, so these signals are tested
mechanically only (issue 17, point 6). Each test names the mutation it catches."""

from __future__ import annotations

from typing import Any

import pytest

from aligner.errors import ModelError
from aligner.quality.glassbox import GlassBox, glassbox_signals
from aligner.translation import make_translator, texts_of
from aligner.translation.frontend import MarianTranslator
from conftest import TINY_MODEL

pytest.importorskip("ctranslate2")

ENGINES = ("ctranslate2", "transformers")


def engine(name: str, **options: Any) -> MarianTranslator:
    translator = make_translator(
        name, model=str(TINY_MODEL), typography=False, compute_type="float32", shortlist=False, **options
    )
    assert isinstance(translator, MarianTranslator) and isinstance(translator, GlassBox)
    return translator


@pytest.fixture(scope="module")
def sources() -> list[str]:
    return (TINY_MODEL / "train.fr").read_text(encoding="utf-8").splitlines()[:24]


@pytest.fixture(scope="module")
def greedy(sources: list[str]) -> list[str]:
    return texts_of(engine("ctranslate2", beam=1).translate(sources))


def test_both_engines_give_the_same_log_probabilities(sources: list[str], greedy: list[str]) -> None:
    # mutation: transformers' labels not shifted (each log-probability read one position off), </s> left out on one
    # engine, or the softmax skipped (raw logits)
    ct, hf = engine("ctranslate2", beam=1), engine("transformers", beam=1)
    a, b = ct.score(sources, greedy), hf.score(sources, greedy)
    for lp_a, lp_b, target in zip(a, b, greedy):
        assert len(lp_a) == len(ct.pieces.target_pieces(target)) + 1  # every piece and </s>
        assert len(lp_b) == len(lp_a)
        assert all(v <= 0.0 for v in lp_a)
        assert lp_a == pytest.approx(lp_b, abs=1e-3)


@pytest.mark.parametrize("name", ENGINES)
def test_the_model_prefers_its_own_output(name: str, sources: list[str], greedy: list[str]) -> None:
    # mutation: targets scored against the wrong source (batch order lost), or log-probabilities of another token
    translator = engine(name, beam=1)
    scrambled = [" ".join(reversed(t.split())) for t in greedy]
    mismatched = greedy[1:] + greedy[:1]
    own, rev, other = (translator.score(sources, t) for t in (greedy, scrambled, mismatched))

    def mean(lps: list[list[float]]) -> float:
        return sum(sum(lp) / len(lp) for lp in lps) / len(lps)

    assert mean(own) > mean(rev) + 0.5
    assert mean(own) > mean(other) + 0.5
    # greedy search takes the likeliest first piece (the translation made in one piece, not split into clauses):
    # no other text starts likelier
    whole = [t.chunks == 1 for t in translator.translate(sources)]
    assert sum(whole) >= len(sources) // 2
    for one, lp_own, lp_rev, lp_other in zip(whole, own, rev, other):
        if one:
            assert lp_own[0] >= max(lp_rev[0], lp_other[0]) - 1e-4


@pytest.mark.parametrize("name", ENGINES)
def test_nbest_lists_are_beam_search_hypotheses(name: str, sources: list[str]) -> None:
    # mutation: n-best rows of one source handed to another (transformers returns them flat), or fewer than n kept
    translator = engine(name, beam=3)
    best = texts_of(translator.translate(sources))
    lists = translator.nbest(sources, 3)
    assert [len(hyps) for hyps in lists] == [3] * len(sources)
    assert [hyps[0] for hyps in lists] == best
    assert all(len(set(hyps)) > 1 for hyps in lists[:5])


def test_glassbox_signals_leave_the_translation_out_of_its_alternatives(sources: list[str], greedy: list[str]) -> None:
    # mutation: the MT itself counted as an n-best alternative (agreement then looks perfect)
    translator = engine("ctranslate2", beam=1)
    signals = glassbox_signals(translator, sources[:6], greedy[:6], nbest=3)
    assert [len(s.logprobs) for s in signals] == [len(lp) for lp in translator.score(sources[:6], greedy[:6])]
    assert all(t not in s.nbest for s, t in zip(signals, greedy))
    assert all(1 <= len(s.nbest) <= 3 for s in signals)
    assert all(s.nbest == () for s in glassbox_signals(translator, sources[:2], greedy[:2], nbest=1))


def test_glassbox_errors_say_what_is_wrong(sources: list[str]) -> None:
    # mutation: a short target list silently zipped away, or a zero-size n-best asked of the engine
    translator = engine("ctranslate2", beam=1)
    with pytest.raises(ValueError, match="2 sources but 1 targets"):
        translator.score(sources[:2], ["x"])
    with pytest.raises(ModelError, match="n-best size must be at least 1, got 0"):
        translator.nbest(sources[:1], 0)
