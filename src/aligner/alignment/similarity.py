"""Alignment of two English texts (MT sentences with reference sentences) by n-gram similarity.

A bead costs ``1 − Dice`` of its sides' lower-cased words and character 4-grams, plus its type's
prior; a merge also pays when one of its merged sentences is barely found in the other side. Because
MT is sentence-by-sentence from the source, the MT ↔ reference alignment is also the source ↔
reference alignment (``aligner align --method similarity``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .beads import BEAD_TYPES, Alignment, Bead, BeadPriors, search


@dataclass(frozen=True)
class SimilarityCosts:
    """Costs of the similarity model. A bead costs ``1 - dice + penalty[type]``; null beads ``null``."""

    # Tuned on planted merges/deletions in LIG runs (tests/test_align.py uses other runs).
    null: float = 0.5
    merge: float = 0.1  # 1-2 and 2-1
    merge22: float = 0.35
    balance: float = 1.0  # weight of the penalty for a merged sentence that its partner barely contains

    def priors(self) -> BeadPriors:
        return BeadPriors(one_one=0.0, null=self.null, merge=self.merge, merge3=self.merge, merge22=self.merge22)


_WORD = re.compile(r"\w+", re.UNICODE)


def features(text: str) -> Counter[str]:
    """Lower-cased words and character 4-grams (with spaces folded) of one sentence."""
    low = " ".join(text.lower().split())
    grams: Counter[str] = Counter(_WORD.findall(low))
    padded = f" {low} "
    grams.update("#" + padded[i : i + 4] for i in range(max(0, len(padded) - 3)))
    return grams


def dice(a: Counter[str], b: Counter[str]) -> float:
    """2·|a ∩ b| / (|a| + |b|) over multisets; 0 when both are empty."""
    total = a.total() + b.total()
    if not total:
        return 0.0
    small, large = (a, b) if len(a) < len(b) else (b, a)
    common = sum(min(c, large[g]) for g, c in small.items() if g in large)
    return 2.0 * common / total


def containment(part: Counter[str], whole: Counter[str]) -> float:
    """Share of ``part``'s n-grams found in ``whole`` (0 for an empty part)."""
    total = part.total()
    if not total:
        return 0.0
    return sum(min(c, whole[g]) for g, c in part.items() if g in whole) / total


def _imbalance(shares: Sequence[float]) -> float:
    """0 when every merged sentence is as well covered as the best one; up to 1 when one is not at all."""
    top = max(shares)
    return 0.0 if top <= 0 else 1.0 - min(shares) / top


def align_similarity(
    left: Sequence[str],
    right: Sequence[str],
    *,
    costs: SimilarityCosts | None = None,
    bead_types: Sequence[tuple[int, int]] = BEAD_TYPES,
    band: int = 30,
) -> Alignment:
    """Align two English texts (MT sentences with reference sentences) by n-gram similarity.

    A matched bead's score is its Dice similarity; a null bead's score is 1 minus the best
    similarity its sentence has with any single sentence facing it nearby (how sure we are it
    has no counterpart).
    """
    costs = costs or SimilarityCosts()
    priors = costs.priors()
    lf = [features(t) for t in left]
    rf = [features(t) for t in right]
    group_cache: dict[tuple[int, int, int], Counter[str]] = {}

    def group(side: int, start: int, size: int) -> Counter[str]:
        feats = lf if side == 0 else rf
        if size == 1:
            return feats[start]
        key = (side, start, size)
        if key not in group_cache:
            total: Counter[str] = Counter()
            for k in range(start, start + size):
                total.update(feats[k])
            group_cache[key] = total
        return group_cache[key]

    def cost(i: int, j: int, a: int, b: int) -> float:
        if a == 0 or b == 0:
            return priors.cost(a, b)
        lg, rg = group(0, i, a), group(1, j, b)
        c = 1.0 - dice(lg, rg) + priors.cost(a, b)
        # In a merge every merged sentence must be found in the other side, not just the group.
        if a > 1:
            c += costs.balance * _imbalance([containment(lf[k], rg) for k in range(i, i + a)])
        if b > 1:
            c += costs.balance * _imbalance([containment(rf[k], lg) for k in range(j, j + b)])
        return c

    path = search(len(left), len(right), cost, bead_types, band)
    beads = []
    for i, j, a, b in path:
        if a and b:
            score = dice(group(0, i, a), group(1, j, b))
        elif a:
            near = [dice(lf[i], rf[k]) for k in range(max(0, j - 2), min(len(right), j + 2))]
            score = 1.0 - max(near, default=0.0)
        else:
            near = [dice(lf[k], rf[j]) for k in range(max(0, i - 2), min(len(left), i + 2))]
            score = 1.0 - max(near, default=0.0)
        beads.append(Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), round(score, 4)))
    settings = (
        ("null", str(costs.null)),
        ("merge", str(costs.merge)),
        ("balance", str(costs.balance)),
        ("band", str(band)),
    )
    return Alignment(tuple(beads), "similarity", settings)
