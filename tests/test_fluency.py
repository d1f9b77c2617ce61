"""The English trigram model behind the risk model's fluency features (``aligner.quality.fluency``): a proper
probability distribution, exact counts, a file that loads as it was saved, the shipped file's provenance, and the
features it gives a bead and its words. Each test names the mutation it catches."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest

from aligner.alignment.beads import Alignment, Bead
from aligner.files import data_file
from aligner.quality import NgramLM, Resources, english_lm, english_ranks, resources, story_features
from aligner.quality.fluency import DISCOUNT
from aligner.reading.reader import parse_text
from aligner.results import RunResult
from aligner.signature import Signature
from aligner.translation import Translation

CORPUS = [
    "the cat sleeps .".split(),
    "the cat eats .".split(),
    "the dog sleeps on the mat .".split(),
    "a dog eats the cat food .".split(),
    "the cat sleeps .".split(),
]


@pytest.fixture(scope="module")
def small() -> NgramLM:
    return NgramLM.train(CORPUS)


def p(lm: NgramLM, a: str, b: str, w: str) -> float:
    """p(w | a b): the third word's probability after the two before it."""
    return math.exp(lm.score([a, b, w])[2][0])


@pytest.mark.parametrize(("a", "b"), [("the", "cat"), ("cat", "sleeps"), ("on", "the"), ("dog", "cat"), ("zz", "yy")])
def test_every_context_gives_a_distribution_that_sums_to_one(small: NgramLM, a: str, b: str) -> None:
    # mutation: the back-off weight without the discount (D · types / count), or the unigram without its uniform
    # share: the sum is then not 1
    candidates = [*small.vocab, "never-seen-word"]
    assert sum(p(small, a, b, w) for w in candidates) == pytest.approx(1.0, abs=1e-9)


# Counted by hand from CORPUS: 12 words with <s> and </s> (ids 0-11, 13 with the unknown word), 19 bigram types.
SIZE, BIGRAM_TYPES = 13, 19


def test_an_unknown_context_falls_back_to_kneser_ney_unigrams(small: NgramLM) -> None:
    # p(w) = 0.9 · (distinct words before w) / (bigram types) + 0.1 / 13; "cat" follows only "the", "sleeps" follows
    # "cat" and "dog"
    # mutation: continuation counts keyed on the word after instead of the word before ("cat" is followed by three
    # words), or raw frequencies instead of continuation counts ("cat" occurs four times)
    assert p(small, "zz", "yy", "cat") == pytest.approx(0.9 * 1 / BIGRAM_TYPES + 0.1 / SIZE, rel=1e-12)
    assert p(small, "zz", "yy", "sleeps") == pytest.approx(0.9 * 2 / BIGRAM_TYPES + 0.1 / SIZE, rel=1e-12)


def test_counts_are_exact_and_discounted(small: NgramLM) -> None:
    # "the cat" is followed 4 times by 3 words ("sleeps" twice, "eats", "food"), and so is "cat":
    # p(sleeps | the cat) = (2 - D) / 4 + D · 3/4 · p(sleeps | cat), p(sleeps | cat) = (2 - D) / 4 + D · 3/4 · p(sleeps)
    # mutation: contexts counted by their types instead of their occurrences, or the discount applied twice
    d = DISCOUNT
    p1 = 0.9 * 2 / BIGRAM_TYPES + 0.1 / SIZE
    p2 = (2 - d) / 4 + d * 3 / 4 * p1
    assert p(small, "the", "cat", "sleeps") == pytest.approx((2 - d) / 4 + d * 3 / 4 * p2, rel=1e-12)
    assert p(small, "the", "cat", "sleeps") > p(small, "the", "cat", "eats") > p(small, "the", "cat", "mat")
    # mutation: trigram keys built in another order (c, b, a): "cat the" was never seen, "the cat" was
    scored = small.score(["the", "cat", "sleeps"])
    # <s> the, the cat, cat sleeps: seen; sleeps </s>: never (the corpus always has "." before the end)
    assert [s2 for _, s2, _ in scored] == [True, True, True, False]
    assert [s3 for _, _, s3 in scored] == [True, True, True, False]
    assert small.score(["the", "cat", "sleeps", "."])[-1][1:] == (True, True)
    backwards = small.score(["cat", "the"])
    assert [s2 for _, s2, _ in backwards] == [False, False, False]


def test_case_does_not_matter(small: NgramLM) -> None:
    # mutation: units looked up without lower-casing (a cased MarianMT output would read as unknown words)
    assert small.score(["The", "Cat"]) == small.score(["the", "cat"])


def test_a_saved_model_loads_the_same(small: NgramLM, tmp_path: Path) -> None:
    # mutation: keys saved as differences but not summed back on load, or counts truncated to a narrower type
    path = tmp_path / "lm.npz"
    small.save(path)
    again = NgramLM.load(path)
    assert again.vocab == small.vocab
    for sentence in [*CORPUS, ["a", "cat", "on", "the", "food"]]:
        assert again.score(sentence) == small.score(sentence)


def test_large_counts_survive_the_file(tmp_path: Path) -> None:
    # mutation: counts saved as 16-bit integers (70,000 wraps to 4,464)
    lm = NgramLM.train([["yes"]] * 70_000 + [["no"]])
    lm.save(tmp_path / "big.npz")
    again = NgramLM.load(tmp_path / "big.npz")
    assert sorted(again.counts.tolist()) == sorted(lm.counts.tolist()) and max(lm.counts) == 70_000
    assert again.score(["yes"]) == lm.score(["yes"])


def test_a_model_needs_sentences() -> None:
    # mutation: an empty model accepted, then failing on its first lookup with an index error
    with pytest.raises(ValueError, match="at least one sentence"):
        NgramLM.train([])


def test_the_shipped_model_read_no_lig_line_and_no_evaluated_newstest() -> None:
    # mutation: the builder's exclusions dropped: the risk model's fluency features would have read the post-edits
    # of the lines it is fitted and measured on
    meta = json.loads(data_file("english-lm.json").read_text(encoding="utf-8"))
    files = [f["file"] for f in meta["files"]]
    assert files and not [f for f in files if "lig" in f or "newstest2009" in f or "newstest2010" in f]
    assert not [f for f in files if "syscomb" in f or "transread" in f]
    # the provenance is that of the shipped file, not of an older build
    assert hashlib.sha256(data_file("english-lm.npz").read_bytes()).hexdigest() == meta["sha256"]
    lm = english_lm()
    assert len(lm) == meta["trigrams"] and len(lm.vocab) == meta["vocabulary"]


def one_bead(mt: str) -> RunResult:
    src = parse_text("Le gouvernement a annoncé mardi une réforme.", doc_id="s", presegmented=True)
    alignment = Alignment((Bead((0,), (), 0.0),), "identity")
    return RunResult(src, (Translation(mt),), None, alignment, None, Signature(model="hand"), ((),))


def test_word_salad_reads_less_fluent_than_english() -> None:
    # mutation: the fluency features computed on the source, or on the units in another order
    fluent = "The government announced a reform on Tuesday."
    salad = "Reform a on the announced Tuesday government."
    rows: dict[str, dict[str, float]] = {}
    word_rows: dict[str, list[dict[str, float]]] = {}
    for name, mt in (("fluent", fluent), ("salad", salad)):
        feats = story_features(one_bead(mt), resources())
        rows[name] = dict(zip(feats.beads.names, feats.beads.rows[0]))
        word_rows[name] = [dict(zip(feats.words.names, r)) for r in feats.words.rows]
    assert rows["salad"]["lm_mean"] < rows["fluent"]["lm_mean"] - 1.0
    assert rows["salad"]["lm_unseen2"] > rows["fluent"]["lm_unseen2"]
    assert rows["fluent"]["lm_unseen2"] == 0.0  # every bigram of that sentence is common English
    # per word: its own score and the next one's (the last word's next is the end of the sentence)
    # mutation: the word features shifted by one (the score of the word before, or r_* equal to w_*)
    units = ["Reform", "a", "on", "the", "announced", "Tuesday", "government", "."]
    scored = english_lm().score(units)
    words = word_rows["salad"]
    assert len(words) == len(units) == len(scored) - 1
    for j, w in enumerate(words):
        assert (w["w_lm"], w["w_seen2"], w["w_seen3"]) == (scored[j][0], float(scored[j][1]), float(scored[j][2]))
        assert (w["r_lm"], w["r_seen2"]) == (scored[j + 1][0], float(scored[j + 1][1]))
    assert len({w["w_lm"] for w in words}) > 4


def test_without_a_language_model_the_fluency_features_are_missing() -> None:
    # mutation: a missing model scored as 0 (perfectly fluent) instead of missing, which the trees route apart
    feats = story_features(one_bead("The government announced a reform."), Resources({}, english_ranks()))
    row = dict(zip(feats.beads.names, feats.beads.rows[0]))
    assert all(math.isnan(row[n]) for n in ("lm_mean", "lm_min", "lm_q25", "lm_unseen2", "lm_unseen3"))
    assert all(math.isnan(dict(zip(feats.words.names, r))["w_lm"]) for r in feats.words.rows)
