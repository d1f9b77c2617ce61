from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from aligner.alignment.beads import Alignment, format_vecalign
from aligner.alignment.galechurch import PRIORS, align_length, length_cost
from aligner.alignment.similarity import align_similarity
from aligner.scoring.gold import score_alignments
from conftest import DATA, needs_shared

A = "The cat sat on the mat in the garden this morning."
B = "It was happy and purred for a long time."
C = "Then it rained all day long in the little town."
D = "A final sentence closes the short story here."
X = "Stock markets in Asia fell sharply on Tuesday after the report."


BeadPairs = list[tuple[tuple[int, ...], tuple[int, ...]]]


def pairs(alignment: Alignment) -> BeadPairs:
    return [(b.left, b.right) for b in alignment.beads]


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ([], [], []),
        ([A], [], [((0,), ())]),
        ([], [A], [((), (0,))]),
        ([A], [A], [((0,), (0,))]),
        ([A, B, C, D], [A, B, C, D], [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,))]),
        ([A, B, C, D], [A + " " + B, C, D], [((0, 1), (0,)), ((2,), (1,)), ((3,), (2,))]),  # 2-1
        ([A + " " + B, C, D], [A, B, C, D], [((0,), (0, 1)), ((1,), (2,)), ((2,), (3,))]),  # 1-2
        ([A, B, C, D], [A, B, X, C, D], [((0,), (0,)), ((1,), (1,)), ((), (2,)), ((2,), (3,)), ((3,), (4,))]),  # 0-1
        ([A, X, B, C, D], [A, B, C, D], [((0,), (0,)), ((1,), ()), ((2,), (1,)), ((3,), (2,)), ((4,), (3,))]),  # 1-0
    ],
)
def test_similarity_bead_types(left: list[str], right: list[str], expected: BeadPairs) -> None:
    assert pairs(align_similarity(left, right)) == expected


def test_two_to_two() -> None:
    # The sentence boundary falls in different places: no 1-1 pairing explains either side.
    left = ["The minister spoke on Monday.", "She said the plan announced last week would cut costs by half."]
    right = ["The minister spoke on Monday and said the plan announced last week", "would cut costs by half."]
    assert pairs(align_similarity(left, right)) == [((0, 1), (0, 1))]


def test_confidence_is_high_for_good_beads_and_low_for_bad() -> None:
    a = align_similarity([A, B], [A, "Completely different words appear in this one."])
    assert pairs(a) == [((0,), (0,)), ((1,), (1,))]
    assert a.beads[0].score > 0.95  # the same sentence
    assert a.beads[1].score < 0.2  # paired only because nothing else is left: shares almost no n-gram
    near = align_similarity([A, B], [A, "It was happy and it purred for quite a long time."])
    assert 0.5 < near.beads[1].score < 0.95  # a paraphrase sits between the two


def test_gale_church_bead_types_and_no_underflow() -> None:
    left = ["x" * 50, "y" * 30, "z" * 30, "w" * 80]
    right = ["x" * 52, "y" * 61, "w" * 79]
    assert pairs(align_length(left, right)) == [((0,), (0,)), ((1, 2), (1,)), ((3,), (2,))]
    huge = float(length_cost(10, 100_000))
    assert huge > 1000 and huge != float("inf")
    assert float(length_cost(0, 0)) == pytest.approx(0.0, abs=1e-6) and PRIORS.cost(1, 1) < PRIORS.cost(
        2, 1
    ) < PRIORS.cost(1, 0)


def test_long_texts_align_with_a_band() -> None:
    rng = random.Random(1)
    words = "the of and a to in is was for on that with as by at from".split()
    left = [" ".join(rng.choice(words) for _ in range(rng.randint(5, 25))) + f" item{i}." for i in range(600)]
    right = list(left)
    del right[300]
    a = align_similarity(left, right, band=10)
    assert ((300,), ()) in pairs(a)
    assert len(a.beads) == 600


def test_vecalign_format() -> None:
    a = align_similarity([A, B, X], [A + " " + B])
    lines = format_vecalign(a).splitlines()
    assert lines[0].startswith("[0, 1]:[0]:")
    assert lines[1].startswith("[2]:[]:")


def test_null_bead_scoring_rules() -> None:
    gold = [((0,), (0,)), ((1,), ()), ((2,), (1,))]
    # a system null bead is right only if the gold has it; recall ignores gold null beads
    exact = score_alignments([(gold, gold)])
    assert exact.f1_strict == 1.0 and exact.recall_counts.strict_hit == 2
    merged = [((0,), (0,)), ((1, 2), (1,))]
    s = score_alignments([(gold, merged)])
    assert s.precision_counts.strict_hit == 1 and s.precision_counts.strict_miss == 1
    assert s.recall_counts.strict_hit == 1 and s.recall_counts.strict_miss == 1
    assert s.precision_counts.lax_hit == 2  # (1,2)→(1) meets gold 2→1
    wrong_null = [((0,), (0,)), ((1,), (1,)), ((2,), ())]
    w = score_alignments([(gold, wrong_null)])
    assert w.precision_counts.strict_hit == 1 and w.precision_counts.lax_miss == 2


def planted_runs(seed: int, runs: int = 50, size: int = 20) -> Iterator[tuple[list[str], list[str], BeadPairs, int]]:
    """50 runs of 20 consecutive LIG lines: Google MT vs post-edit, with the reference changed by
    merging 3 adjacent sentence pairs and deleting 2 sentences. Yields (mt, reference, gold beads, first line)."""
    lig = DATA / "lig-postedit-fren"
    mt = (lig / "output_Google_Translator.en").read_text(encoding="utf-8").split("\n")
    pe = (lig / "tgt-pe-all.en").read_text(encoding="utf-8").split("\n")
    rng = random.Random(seed)
    for _ in range(runs):
        start = rng.randrange(0, 10881 - size)
        m, p = mt[start : start + size], pe[start : start + size]
        positions = list(range(size - 1))
        rng.shuffle(positions)
        merges: set[int] = set()
        for k in positions:
            if len(merges) < 3 and not {k - 1, k, k + 1} & merges:
                merges.add(k)
        taken = merges | {k + 1 for k in merges}
        deletions = set(rng.sample([k for k in range(size) if k not in taken], 2))
        ref: list[str] = []
        gold: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
        k = 0
        while k < size:
            if k in deletions:
                gold.append(((k,), ()))
                k += 1
            elif k in merges:
                gold.append(((k, k + 1), (len(ref),)))
                ref.append(p[k] + " " + p[k + 1])
                k += 2
            else:
                gold.append(((k,), (len(ref),)))
                ref.append(p[k])
                k += 1
        yield m, ref, gold, start


@needs_shared
@pytest.mark.slow
def test_alignment_recovers_planted_merges_and_deletions_on_lig() -> None:
    # The costs were tuned on other runs (seed 7); these runs are held out.
    results = [(gold, pairs(align_similarity(m, ref))) for m, ref, gold, _ in planted_runs(seed=2026)]
    scores = score_alignments(results)
    print(f"planted LIG: strict F1 {scores.f1_strict:.4f}, lax F1 {scores.f1_lax:.4f}")
    assert scores.f1_strict >= 0.95
