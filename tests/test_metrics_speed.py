"""Scores from summed statistics are sacreBLEU's scores, to the last digit.

``aligner.scoring.metrics`` extracts each metric's statistics once per bead and scores every group (all beads,
paragraphs, length buckets, single beads) from sums of them; chrF's n-grams are counted with numpy and TER's edit
distance is a port of sacreBLEU's. Every expected value here comes from sacreBLEU itself: its public
``corpus_score``/``sentence_score`` called per group as the code did before (``expected_document``), or its own
statistics, never from the module under test. The sacreBLEU internals the module relies on are pinned by
``test_sacrebleu_internals_we_rely_on``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from sacrebleu.metrics import lib_ter
from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.chrf import CHRF
from sacrebleu.metrics.ter import TER

from aligner.alignment.beads import Alignment, Bead
from aligner.pipeline import run_story
from aligner.reading.reader import parse_text
from aligner.results import BeadScore, Bucket, DocumentScores, MetricScore, ParagraphScore, Scores, rounded
from aligner.scoring.metrics import _metrics, _SegmentStatistics, corpus_scores, length_buckets, score_document
from aligner.scoring.statistics import _ngram_statistics, _translation_edit_rate
from aligner.scoring.statistics import chrf_statistics as _chrf_statistics
from aligner.scoring.statistics import ter_statistics as _ter_statistics
from aligner.translation.memory import FileTranslator
from conftest import DATA, needs_shared

LIG = DATA / "lig-postedit-fren"

# --- the straightforward way: sacreBLEU's public API, once per group -------------------------------------------


def expected_scores(hyps: Sequence[str], refs: Sequence[str], *, ter: bool, chrfpp: bool) -> Scores:
    metrics: dict[str, Any] = {"bleu": BLEU(), "chrf": CHRF()}
    if chrfpp:
        metrics["chrfpp"] = CHRF(word_order=2)
    if ter:
        metrics["ter"] = TER()
    out = {}
    for key, metric in metrics.items():
        s = metric.corpus_score(list(hyps), [list(refs)])
        out[key] = MetricScore(s.name, rounded(s.score), str(metric.get_signature()))
    return Scores(**out)


def expected_document(
    alignment: Alignment, mt: Sequence[str], reference: Sequence[str], paragraph_of: Sequence[int]
) -> DocumentScores:
    hyps = [" ".join(mt[i] for i in b.left) for b in alignment.beads]
    refs = [" ".join(reference[j] for j in b.right) for b in alignment.beads]
    document = expected_scores(
        [" ".join(t for t in mt if t)], [" ".join(t for t in reference if t)], ter=False, chrfpp=True
    )
    beads = expected_scores(hyps, refs, ter=True, chrfpp=True)
    sentence_bleu, sentence_chrf = BLEU(effective_order=True), CHRF()
    per_bead = tuple(
        BeadScore(100.0, 100.0)
        if not h and not r
        else BeadScore(
            rounded(sentence_bleu.sentence_score(h, [r]).score), rounded(sentence_chrf.sentence_score(h, [r]).score)
        )
        for h, r in zip(hyps, refs)
    )
    paragraphs: dict[int, list[int]] = {}
    current = paragraph_of[0] if paragraph_of else 0
    for k, bead in enumerate(alignment.beads):
        current = paragraph_of[bead.left[0]] if bead.left else current
        paragraphs.setdefault(current, []).append(k)
    per_paragraph = tuple(
        ParagraphScore(
            p, tuple(ks), expected_scores([hyps[k] for k in ks], [refs[k] for k in ks], ter=False, chrfpp=True)
        )
        for p, ks in sorted(paragraphs.items())
    )
    edges = (1, 10, 20, 30, 40)
    labels = ["0", "1-9", "10-19", "20-29", "30-39", "40+"]
    slots: list[list[int]] = [[] for _ in labels]
    for k, r in enumerate(refs):
        n = len(r.split())
        slots[0 if n == 0 else max(i + 1 for i, e in enumerate(edges) if n >= e)].append(k)
    by_length = tuple(
        Bucket(
            label,
            tuple(ks),
            expected_scores([hyps[k] for k in ks], [refs[k] for k in ks], ter=False, chrfpp=False) if ks else None,
        )
        for label, ks in zip(labels, slots)
    )
    worst = tuple(sorted(range(len(per_bead)), key=lambda k: (per_bead[k].chrf, per_bead[k].bleu, k))[:10])
    return DocumentScores(document, beads, per_bead, per_paragraph, by_length, worst)


def assert_same_document(ours: DocumentScores, expected: DocumentScores) -> None:
    """Field by field first, so that a failure names the group."""
    assert ours.document == expected.document
    assert ours.beads == expected.beads
    for k, (a, b) in enumerate(zip(ours.per_bead, expected.per_bead, strict=True)):
        assert a == b, f"bead {k}"
    for a_par, b_par in zip(ours.per_paragraph, expected.per_paragraph, strict=True):
        assert a_par == b_par, f"paragraph {b_par.paragraph}"
    for a_bucket, b_bucket in zip(ours.by_length, expected.by_length, strict=True):
        assert a_bucket == b_bucket, f"bucket {b_bucket.label}"
    assert ours == expected


# --- hand-made documents, always run -----------------------------------------------------------------------------

MT = [
    "The minister spoke on Tuesday.",
    "She left at noon, said her spokesman.",
    "",  # the engine returned nothing
    "Prices rose by 3% in March .",
    "An invented sentence that nobody wrote, with many extra words in it to reach a long bucket of forty words or "
    "more so that the last length bucket is not empty and has something to score for once in this test.",
    "Kosovo goes a little unnoticed.",
    "It rained.",  # under 4 tokens: sentence BLEU's effective order matters
    "Yes.",
]
REFERENCE = [
    "A reference sentence the MT dropped.",
    "The minister spoke on Tuesday and she left at noon.",
    "Prices rose 3% in March.",
    "Kosovo has gone somewhat unnoticed.",
    "AN EXTRA LINE IN CAPITALS.",
    "It rained hard today.",
    "Yes.",
]
HAND_MADE = {
    "one to one": (
        Alignment(
            (
                *(Bead((i,), (i,), 1.0) for i in range(5)),
                Bead((5,), (), 0.3),
                Bead((6,), (5,), 0.9),
                Bead((7,), (6,), 1.0),
            ),
            "test",
        ),
        [0, 0, 1, 1, 2, 2, 3, 3],
    ),
    "empty sides everywhere": (
        Alignment(
            (
                Bead((), (0,), 0.5),  # reference only, before any MT: paragraph of the first MT sentence
                Bead((0, 1), (1,), 0.9),  # 2-1
                Bead((2,), (), 0.5),  # empty MT, no reference: both sides empty
                Bead((3,), (2,), 0.9),
                Bead((4,), (), 0.2),  # MT only
                Bead((5,), (3, 4), 0.6),  # 1-2
                Bead((6, 7), (5, 6), 0.6),  # 2-2
            ),
            "test",
        ),
        [0, 0, 1, 1, 2, 2, 3, 3],
    ),
    "one paragraph, reference-only beads at both ends": (
        Alignment(
            (
                Bead((), (0,), 0.5),
                Bead((0, 1, 2), (1,), 0.7),
                Bead((3, 4, 5), (2, 3), 0.7),
                Bead((6,), (4,), 0.7),
                Bead((7,), (5,), 0.7),
                Bead((), (6,), 0.5),
            ),
            "test",
        ),
        [3] * 8,
    ),
    "everything unaligned": (
        Alignment(tuple(Bead((i,), (), 0.1) for i in range(8)) + tuple(Bead((), (j,), 0.1) for j in range(7)), "test"),
        list(range(8)),
    ),
}


@pytest.mark.parametrize("name", list(HAND_MADE))
def test_hand_made_document_scores_as_sacrebleu_per_group(name: str) -> None:
    alignment, paragraph_of = HAND_MADE[name]
    ours = score_document(alignment, MT, REFERENCE, paragraph_of)
    assert_same_document(ours, expected_document(alignment, MT, REFERENCE, paragraph_of))


@pytest.mark.parametrize(
    ("hyps", "refs"),
    [
        (["The cat sat on the mat."], ["The cat sat on the mat."]),
        (["", "It rained ."], ["Nothing here.", ""]),
        ([""], [""]),
        (["Un mot.", "  trailing spaces  ", "ALL CAPS SHOUTING"], ["A word.", "trailing spaces", "all caps shouting"]),
    ],
)
@pytest.mark.parametrize("lowercase", [False, True])
@pytest.mark.parametrize(("ter", "chrfpp"), [(True, True), (False, True), (True, False), (False, False)])
def test_corpus_scores_are_sacrebleu_corpus_scores(
    hyps: list[str], refs: list[str], lowercase: bool, ter: bool, chrfpp: bool
) -> None:
    metrics: dict[str, Any] = {"bleu": BLEU(lowercase=lowercase), "chrf": CHRF(lowercase=lowercase)}
    if chrfpp:
        metrics["chrfpp"] = CHRF(word_order=2, lowercase=lowercase)
    if ter:
        metrics["ter"] = TER()
    expected = {}
    for key, metric in metrics.items():
        s = metric.corpus_score(hyps, [refs])
        expected[key] = MetricScore(s.name, rounded(s.score), str(metric.get_signature()))
    assert corpus_scores(hyps, refs, ter=ter, chrfpp=chrfpp, lowercase=lowercase) == Scores(**expected)


def test_length_buckets_are_sacrebleu_corpus_scores_per_bucket() -> None:
    pairs = [*zip(MT, REFERENCE), ("Extra MT.", ""), ("", "")]
    expected = expected_document(
        Alignment(tuple(Bead((k,), (k,), 1.0) for k in range(len(pairs))), "identity"),
        [h for h, _ in pairs],
        [r for _, r in pairs],
        [0] * len(pairs),
    ).by_length
    assert length_buckets(pairs) == expected
    assert length_buckets([]) == tuple(Bucket(b.label, (), None) for b in expected)


def test_corpus_scores_keep_sacrebleus_errors() -> None:
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        corpus_scores(["a", "b"], ["a"])
    with pytest.raises(TypeError, match="Each element of `hyps` should be a string"):
        corpus_scores([1], ["a"])  # type: ignore[list-item]


# --- the sacreBLEU internals the module relies on ----------------------------------------------------------------

PAIRS = [
    ("The minister spoke on Tuesday.", "The minister spoke on Tuesday and she left at noon."),
    ("", "A reference sentence the MT dropped."),
    ("An extra sentence nobody wrote.", ""),
    ("", ""),
    ("Prices rose by 3% in March .", "Prices rose 3% in March."),
    ("(Reuters) - « Quotes » and punctuation!", "(Reuters) — “quotes” and punctuation !"),
]


def test_sacrebleu_internals_we_rely_on() -> None:
    """If a sacreBLEU release changes any of these, the summed scores may no longer be its scores."""
    hyps, refs = [h for h, _ in PAIRS], [r for _, r in PAIRS]
    # corpus_score is the aggregate of _extract_corpus_statistics; a group's score the aggregate of its segments'
    for metric in (BLEU(), CHRF(), CHRF(word_order=2), TER(), BLEU(lowercase=True), CHRF(lowercase=True)):
        stats = metric._extract_corpus_statistics(hyps, [refs])
        assert len(stats) == len(PAIRS)
        assert metric._aggregate_and_compute(stats).score == metric.corpus_score(hyps, [refs]).score
        assert metric._aggregate_and_compute(stats[1:4]).score == metric.corpus_score(hyps[1:4], [refs[1:4]]).score
    # sentence scores are the single segment's statistics (sentence BLEU: with effective order)
    plain_bleu, sentence_bleu, chrf = BLEU(), BLEU(effective_order=True), CHRF()
    for h, r in PAIRS:
        [bleu_stats] = plain_bleu._extract_corpus_statistics([h], [[r]])
        assert sentence_bleu._aggregate_and_compute([bleu_stats]).score == sentence_bleu.sentence_score(h, [r]).score
        [chrf_stats] = chrf._extract_corpus_statistics([h], [[r]])
        assert chrf._aggregate_and_compute([chrf_stats]).score == chrf.sentence_score(h, [r]).score
    # chrF's statistics are the first 3 * char_order numbers of chrF++'s
    assert [s[: 3 * CHRF.CHAR_ORDER] for s in CHRF(word_order=2)._extract_corpus_statistics(hyps, [refs])] == (
        CHRF()._extract_corpus_statistics(hyps, [refs])
    )
    # our chrF counts are chrF's
    for metric in (CHRF(), CHRF(word_order=2), CHRF(lowercase=True), CHRF(word_order=2, whitespace=True)):
        assert _chrf_statistics(metric, hyps, refs) == metric._extract_corpus_statistics(hyps, [refs])
    # our TER statistics are TER's, types included ([int edits, float reference length])
    ours, theirs = _ter_statistics(TER(), hyps, refs), TER()._extract_corpus_statistics(hyps, [refs])
    assert ours == theirs
    assert [tuple(type(x) for x in s) for s in ours] == [tuple(type(x) for x in s) for s in theirs]
    # the signatures are those of a metric that has scored one reference per segment
    for lowercase in (False, True):
        for key, metric in (
            ("bleu", BLEU(lowercase=lowercase)),
            ("chrf", CHRF(lowercase=lowercase)),
            ("chrfpp", CHRF(word_order=2, lowercase=lowercase)),
            ("ter", TER()),
        ):
            metric.corpus_score(hyps, [refs])
            assert _metrics(lowercase).signatures[key] == str(metric.get_signature())
    # the TER constants and helpers the port takes from lib_ter
    for name in ("_MAX_SHIFT_SIZE", "_MAX_SHIFT_DIST", "_BEAM_WIDTH", "_MAX_CACHE_SIZE", "_MAX_SHIFT_CANDIDATES"):
        assert isinstance(getattr(lib_ter, name), int)
    flip_trace: Any = lib_ter._flip_trace  # untyped
    assert flip_trace("id s") == "di s"
    assert lib_ter._perform_shift(["a", "b", "c", "d"], 0, 1, 3) == ["b", "c", "a", "d"]


# --- chrF: numpy counts against sacreBLEU's Counters -------------------------------------------------------------

HOSTILE = [
    ("", ""),
    ("a", ""),
    ("", "a"),
    ("   \t\n ", "x"),
    ("ab", "abc"),
    ("aaaaaaa", "aaa"),  # repeated n-grams: clipped counts
    ("(hi) !! ?? « guillemets » -- 'quoted'", "(hi)!! ??«guillemets» — “quoted”"),
    ("Ça a été créé à Zürich, ÉTÉ 2007.", "ça a été créé à zurich, été 2007."),
    ("e\u0301 vs \u00e9, ﬁ ligature, ß ẞ", "\u00e9 vs e\u0301, fi ligature, ss SS"),  # no normalisation
    ("emoji 👍🏽 and 🇫🇷 flags", "emoji 👍 and 🇫🇷 flag"),
    ("lone \ud800 surrogate", "lone \udfff surrogate"),
    ("a b c d e f g", "g f e d c b a"),
    ("Kosovo goes a little unnoticed.", "Kosovo has gone somewhat unnoticed."),
]


@pytest.mark.parametrize(
    "make",
    [
        CHRF,
        lambda: CHRF(word_order=2),
        lambda: CHRF(lowercase=True),
        lambda: CHRF(word_order=2, lowercase=True),
        lambda: CHRF(whitespace=True),
        lambda: CHRF(char_order=4, word_order=3),
    ],
)
def test_chrf_counts_match_sacrebleu_on_hostile_text(make: Any) -> None:
    metric = make()
    hyps, refs = [h for h, _ in HOSTILE], [r for _, r in HOSTILE]
    assert _chrf_statistics(metric, hyps, refs) == metric._extract_corpus_statistics(hyps, [refs])
    assert _chrf_statistics(metric, [], []) == []


@pytest.mark.parametrize(("characters", "how"), [(1000, "in chunks of 9 segments"), (1500, "by sacreBLEU")])
def test_chrf_counts_with_a_large_alphabet(characters: int, how: str) -> None:
    """Keys are segment and n-gram in base (alphabet + 1) in an int64: past 9 segments for 1,000 characters they
    are counted in chunks; past 1,448 characters one segment's 6-grams do not fit and sacreBLEU counts."""
    rng = random.Random(characters)
    alphabet = [chr(0x4E00 + k) for k in range(characters)]

    def text(letters: list[str]) -> str:
        return "".join(rng.choice(letters) + (" " if rng.random() < 0.2 else "") for _ in range(rng.randint(0, 60)))

    hyps = [text(alphabet) for _ in range(30)]
    refs = [text(alphabet[:40]) for _ in range(30)]
    refs[3] = hyps[3]
    for metric in (CHRF(), CHRF(word_order=2)):
        assert _chrf_statistics(metric, hyps, refs) == metric._extract_corpus_statistics(hyps, [refs])
    fits = (2**63 - 1) // (characters + 1) ** 6
    assert (fits == 9) if how.startswith("in chunks") else (fits == 0)
    ids = np.arange(1, 7, dtype=np.int64)
    assert (_ngram_statistics(ids, [6], ids, [6], characters + 1, 6) is None) == (fits == 0)


@needs_shared
@pytest.mark.slow
@pytest.mark.parametrize("system", ["output_Google_Translator.en", "output_Bing_Translator.en", "tgt-mt-all.en"])
def test_chrf_counts_match_sacrebleu_on_real_mt(system: str) -> None:
    """All 10,881 lines as segments, and 20-line stories joined as single segments (the document score)."""
    _, mt, pe = lig_lines(system)
    docs = (
        [" ".join(mt[k : k + 20]) for k in range(0, 10881, 20)],
        [" ".join(pe[k : k + 20]) for k in range(0, 10881, 20)],
    )
    for hyps, refs in ((mt, pe), docs):
        for metric in (CHRF(word_order=2), CHRF()) if system.startswith("output_Google") else (CHRF(word_order=2),):
            ours, theirs = _chrf_statistics(metric, hyps, refs), metric._extract_corpus_statistics(hyps, [refs])
            assert [k for k, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b] == []


# --- TER: the port against sacreBLEU's lib_ter ---------------------------------------------------------------------


def near_misses(seed: int, n: int) -> list[tuple[list[str], list[str]]]:
    """Generated hypothesis/reference word lists: few distinct words (many shift candidates), moved blocks, drops,
    insertions, long sentences (the beam cuts in) and very unequal lengths (the beam widens)."""
    rng = random.Random(seed)
    vocab = "the a of to in Kosovo said minister , . on for with that it".split()
    cases: list[tuple[list[str], list[str]]] = []
    for _ in range(n):
        ref = [rng.choice(vocab) for _ in range(rng.choice([1, 3, 8, 20, 35, 60, 90]))]
        hyp = list(ref)
        for _ in range(rng.randint(0, 6)):
            op = rng.random()
            if op < 0.35 and len(hyp) > 2:  # move a block
                start = rng.randrange(len(hyp) - 1)
                length = rng.randint(1, min(12, len(hyp) - start))
                block, rest = hyp[start : start + length], hyp[:start] + hyp[start + length :]
                at = rng.randrange(len(rest) + 1)
                hyp = rest[:at] + block + rest[at:]
            elif op < 0.6 and hyp:
                del hyp[rng.randrange(len(hyp))]
            elif op < 0.85:
                hyp.insert(rng.randrange(len(hyp) + 1), rng.choice(vocab))
            elif hyp:
                hyp[rng.randrange(len(hyp))] = rng.choice(vocab)
        cases.append((hyp, ref))
    return cases


EDGE_CASES = {
    "empty hypothesis": ([], "a b c".split()),
    "empty reference": ("a b c".split(), []),
    "both empty": ([], []),
    "identical": ("a b c d".split(), "a b c d".split()),
    "beam widens (ratio > 50)": (["a"], ["b", "a"] * 40),
    "beam widens, two words": (["x", "a"], ["a", "b", "c"] * 40),
    "beam cuts in (120 words, block moved)": (
        [f"w{i}" for i in range(60, 120)] + [f"w{i}" for i in range(60)],
        [f"w{i}" for i in range(120)],
    ),
    "hypothesis much longer": (["a", "b", "c"] * 30, ["c", "a"]),
    "shift candidate limit": ("a b a b b a a b".split() * 12, "b a b a a b b a".split() * 12),
    # a word moved 50 positions may be shifted back, one moved 51 may not (_MAX_SHIFT_DIST)
    "shift at the distance limit": (
        [f"w{i}" for i in range(1, 51)] + ["w0"] + [f"w{i}" for i in range(51, 60)],
        [f"w{i}" for i in range(60)],
    ),
    "shift past the distance limit": (
        [f"w{i}" for i in range(1, 52)] + ["w0"] + [f"w{i}" for i in range(52, 60)],
        [f"w{i}" for i in range(60)],
    ),
}


def sacrebleu_checked_candidates(words_hyp: list[str], words_ref: list[str]) -> int:
    """How many shift candidates sacreBLEU's own search evaluates (its loop, its classes)."""
    distance = lib_ter.BeamEditDistance(words_ref)
    checked = 0
    while True:
        delta, shifted, checked = lib_ter._shift(words_hyp, words_ref, distance, checked)
        if checked >= lib_ter._MAX_SHIFT_CANDIDATES or delta <= 0:
            return checked
        words_hyp = shifted


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_ter_port_matches_sacrebleu_on_edge_cases(name: str) -> None:
    hyp, ref = EDGE_CASES[name]
    assert _translation_edit_rate(hyp, ref) == lib_ter.translation_edit_rate(hyp, ref)


def test_edge_cases_reach_the_candidate_limit() -> None:
    hyp, ref = EDGE_CASES["shift candidate limit"]
    assert sacrebleu_checked_candidates(hyp, ref) >= lib_ter._MAX_SHIFT_CANDIDATES


@pytest.mark.parametrize(("seed", "n"), [(0, 40), *(pytest.param(s, 150, marks=pytest.mark.slow) for s in range(1, 5))])
def test_ter_port_matches_sacrebleu_on_near_misses(seed: int, n: int) -> None:
    cases = near_misses(seed, n)
    ours = [_translation_edit_rate(h, r) for h, r in cases]
    theirs = [lib_ter.translation_edit_rate(h, r) for h, r in cases]
    assert [k for k, (a, b) in enumerate(zip(ours, theirs)) if a != b] == []
    assert sum(1 for a in theirs if a[0] > 0) > n * 2 // 3  # most cases do need edits


# --- real MT and post-edits (../shared) --------------------------------------------------------------------------


def lig_lines(system: str = "output_Google_Translator.en") -> tuple[list[str], list[str], list[str]]:
    def read(name: str) -> list[str]:
        return (LIG / name).read_text(encoding="utf-8").split("\n")[:10881]

    return read("src-ref-all.fr"), read(system), read("tgt-pe-all.en")


@needs_shared
@pytest.mark.slow
@pytest.mark.parametrize(
    ("system", "lines"),
    [("output_Google_Translator.en", 10881), ("output_Bing_Translator.en", 3000), ("tgt-mt-all.en", 3000)],
)
def test_ter_port_matches_sacrebleu_on_real_mt(system: str, lines: int) -> None:
    _, mt, pe = lig_lines(system)
    ours = _ter_statistics(TER(), mt[:lines], pe[:lines])
    theirs = TER()._extract_corpus_statistics(mt[:lines], [pe[:lines]])
    assert [k for k, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b] == []


@needs_shared
def test_group_scores_equal_sacrebleu_unrounded() -> None:
    """Every metric, any group of segments (empty sides included): the very float ``corpus_score`` computes."""
    _, mt, pe = lig_lines()
    hyps, refs = mt[:300], pe[:300]
    for k in range(0, 300, 17):
        hyps[k] = ""  # MT-only and reference-only segments, as unaligned beads give
        refs[k + 5] = ""
    hyps[40] = refs[40] = ""
    stats = _SegmentStatistics.extract(hyps, refs, chrfpp=True, ter=True)
    rng = random.Random(7)
    groups = [list(range(300)), list(range(0, 300, 17)), [40], [5, 22], list(range(120, 140))]
    groups += [sorted(rng.sample(range(300), rng.randint(1, 60))) for _ in range(20)]
    makers: dict[str, Any] = {"bleu": BLEU, "chrf": CHRF, "chrfpp": lambda: CHRF(word_order=2), "ter": TER}
    for ks in groups:
        for key, make in makers.items():
            theirs = make().corpus_score([hyps[k] for k in ks], [[refs[k] for k in ks]]).score
            ours = stats.score(key, ks).score
            assert ours == pytest.approx(theirs, abs=1e-9, rel=0), (key, ks)
            assert ours == theirs, (key, ks)  # same statistics summed in the same order: not even a rounding apart


def lig_stories(count: int, *, spread: int) -> list[tuple[str, str, list[str], list[str]]]:
    """``count`` stories of 20 consecutive LIG lines, ``spread`` lines apart: (French text, English text, MT
    lines, reference lines), paragraphs of 5 lines. Planted in the references: a dropped line (MT-only bead), two
    lines merged (2-1), a line from elsewhere in the corpus (reference-only bead); every third story's MT has one
    empty translation."""
    src, mt, pe = lig_lines()
    stories = []
    for s in range(count):
        k = s * spread
        fr, en, hyp = src[k : k + 20], pe[k : k + 20], mt[k : k + 20]
        merged = (s * 3 + 1) % 18
        en = [*en[:merged], en[merged] + " " + en[merged + 1], *en[merged + 2 :]]
        del en[(s * 7) % len(en)]
        en.insert((s * 11) % len(en), pe[(k + 5000) % 10800])
        if s % 3 == 0:
            hyp = [*hyp[:4], "", *hyp[5:]]

        def paragraphs(lines: list[str]) -> str:
            return "\n\n".join("\n".join(lines[i : i + 5]) for i in range(0, len(lines), 5))

        stories.append((paragraphs(fr), paragraphs(en), hyp, en))
    return stories


@needs_shared
@pytest.mark.slow
def test_aligned_lig_stories_score_as_sacrebleu_per_group() -> None:
    """60 real stories through ``run_story`` (bitext alignment of MT with post-edits) score exactly as before."""
    kinds: set[str] = set()
    for fr_text, en_text, hyp, _ in lig_stories(60, spread=180):
        source = parse_text(fr_text, presegmented=True, lang="fr")
        translator = FileTranslator(dict(zip((s.text for s in source.sentences), hyp)), name="google")
        reference = parse_text(en_text, presegmented=True, lang="en")
        result = run_story(source, translator, reference)
        assert result.scores is not None
        reference_lines = [s.text for s in reference.sentences]
        paragraph_of = [s.paragraph for s in source.sentences]
        expected = expected_document(result.alignment, result.mt, reference_lines, paragraph_of)
        assert_same_document(result.scores, expected)
        kinds |= {b.kind for b in result.alignment.beads}
    assert {"1-0", "0-1", "1-1"} <= kinds and kinds & {"2-1", "1-2"}, kinds  # the planted beads were found


@needs_shared
@pytest.mark.slow
def test_lig_stories_with_planted_beads_score_as_sacrebleu_per_group() -> None:
    """50 stories with a planted alignment: 1-0 and 0-1 beads in every story, merges both ways, and beads that
    pair the wrong sentences once the planted shapes drift (long TER shift searches)."""
    for s, (_, _, hyp, en) in enumerate(lig_stories(50, spread=210)):
        left, right = list(range(len(hyp))), list(range(len(en)))
        beads: list[Bead] = []
        while left or right:
            shape = [(1, 1), (1, 0), (1, 1), (0, 1), (2, 1), (1, 1), (1, 2), (2, 2)][(len(beads) + s) % 8]
            a, b = min(shape[0], len(left)), min(shape[1], len(right))
            if a == b == 0:
                a, b = min(1, len(left)), min(1, len(right))
            beads.append(Bead(tuple(left[:a]), tuple(right[:b]), 1.0))
            left, right = left[a:], right[b:]
        alignment = Alignment(tuple(beads), "planted")
        paragraph_of = [i // 5 for i in range(len(hyp))]
        ours = score_document(alignment, hyp, en, paragraph_of)
        assert_same_document(ours, expected_document(alignment, hyp, en, paragraph_of))


def test_bucket_labels_match_the_reference_implementation() -> None:
    """``expected_document`` hard-codes the bucket edges; keep it honest."""
    from aligner.scoring.metrics import LENGTH_EDGES

    assert LENGTH_EDGES == (1, 10, 20, 30, 40)
    assert [f"{lo}-{hi - 1}" for lo, hi in pairwise(LENGTH_EDGES)] == ["1-9", "10-19", "20-29", "30-39"]


def test_edit_scores_of_many_pairs_are_sacrebleus_sentence_scores_of_each() -> None:
    """Scored together (one statistics pass), each pair keeps its own sentence TER and chrF: nothing of one segment
    leaks into another's counts, and two empty texts stay (0, 100) wherever they sit in the list."""
    from aligner.scoring.metrics import edit_scores_of

    pairs = [
        ("The president spoke on Monday.", "The president spoke on Monday."),
        ("", ""),
        ("Markets fell sharply after the vote.", "Markets dropped sharply after the vote in parliament."),
        ("Il pleut.", "It is raining."),
        ("   ", ""),
        ("a a a a b b b", "b b b a a a a"),
        ("The president spoke on Monday.", "The president spoke on Monday."),  # a repeat scores the same
        ("Nothing here", ""),
    ]
    expected = []
    for hyp, ref in pairs:
        if not hyp.strip() and not ref.strip():
            expected.append((0.0, 100.0))
        else:
            expected.append(
                (rounded(TER().sentence_score(hyp, [ref]).score), rounded(CHRF().sentence_score(hyp, [ref]).score))
            )
    assert edit_scores_of(pairs) == expected
    assert edit_scores_of([]) == []
