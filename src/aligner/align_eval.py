"""Alignment quality: strict and lax precision, recall and F1 as vecalign's ``score.py`` defines them.

Beads are compared as ``(left ids, right ids)`` pairs of tuples. Precision counts every system bead
(a null bead is right only if the gold has the same null bead); recall is computed with the roles
swapped after dropping null beads from both sides. Several documents are micro-averaged by adding
their counts. A lax hit is a bead whose right side meets the gold partners of its left side.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BeadPair = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True)
class Counts:
    strict_hit: int = 0
    strict_miss: int = 0
    lax_hit: int = 0
    lax_miss: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.strict_hit + other.strict_hit,
            self.strict_miss + other.strict_miss,
            self.lax_hit + other.lax_hit,
            self.lax_miss + other.lax_miss,
        )


def _hits(gold: Iterable[BeadPair], test: Iterable[BeadPair]) -> Counts:
    gold_set = {(tuple(a), tuple(b)) for a, b in gold if a or b}
    test_set = {(tuple(a), tuple(b)) for a, b in test if a or b}
    partners: dict[int, set[int]] = defaultdict(set)
    for left, right in gold_set:
        for i in left:
            partners[i].update(right)
    sh = sm = lh = lm = 0
    for left, right in test_set:
        if (left, right) in gold_set:
            sh += 1
            lh += 1
            continue
        sm += 1
        facing: set[int] = set()
        for i in left:
            facing |= partners[i]
        if facing & set(right):
            lh += 1
        else:
            lm += 1
    return Counts(sh, sm, lh, lm)


@dataclass(frozen=True)
class AlignScores:
    precision_strict: float
    recall_strict: float
    f1_strict: float
    precision_lax: float
    recall_lax: float
    f1_lax: float
    precision_counts: Counts
    recall_counts: Counts


def _ratio(hit: int, miss: int) -> float:
    return hit / (hit + miss) if hit + miss else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def counts(gold: Sequence[BeadPair], test: Sequence[BeadPair]) -> tuple[Counts, Counts]:
    """(precision counts, recall counts) for one document."""
    p = _hits(gold, test)
    r = _hits([b for b in test if b[0] and b[1]], [b for b in gold if b[0] and b[1]])
    return p, r


def score_alignments(pairs: Iterable[tuple[Sequence[BeadPair], Sequence[BeadPair]]]) -> AlignScores:
    """Micro-averaged scores over ``(gold, test)`` documents."""
    pc, rc = Counts(), Counts()
    for gold, test in pairs:
        p, r = counts(gold, test)
        pc, rc = pc + p, rc + r
    ps, rs = _ratio(pc.strict_hit, pc.strict_miss), _ratio(rc.strict_hit, rc.strict_miss)
    pl, rl = _ratio(pc.lax_hit, pc.lax_miss), _ratio(rc.lax_hit, rc.lax_miss)
    return AlignScores(ps, rs, _f1(ps, rs), pl, rl, _f1(pl, rl), pc, rc)
