"""Monotone sentence alignment by dynamic programming.

An alignment is a tuple of ``Bead``s. A bead pairs a run of consecutive left sentences with a run
of consecutive right sentences (either run may be empty: a 1-0 or 0-1 bead). Sentence indices are
0-based positions in the sequences passed in; beads are in order and cover every index once.

Two cost models:

- ``"similarity"`` (MT ↔ reference English): 1 − Dice overlap of character 4-grams and words,
  plus a small penalty per bead type. Because MT is sentence-by-sentence from the source, the MT
  ↔ reference alignment is also the source ↔ reference alignment.
- ``"length"`` (source ↔ reference without MT): Gale & Church (1993), computed in log space so
  long texts never underflow.

The search is banded around the diagonal (``band`` sentences either side, widened automatically
when the two sides differ in length), so time and memory grow with ``n × band``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .errors import AlignmentError

BEAD_TYPES: tuple[tuple[int, int], ...] = ((1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2))


@dataclass(frozen=True)
class Bead:
    """``left`` and ``right`` are 0-based sentence indices; ``score`` is a confidence in [0, 1]."""

    left: tuple[int, ...]
    right: tuple[int, ...]
    score: float

    @property
    def kind(self) -> str:
        return f"{len(self.left)}-{len(self.right)}"


@dataclass(frozen=True)
class Alignment:
    beads: tuple[Bead, ...]
    method: str  # "similarity" or "length"
    settings: tuple[tuple[str, str], ...]

    def signature(self) -> str:
        return "|".join([self.method] + [f"{k}:{v}" for k, v in self.settings])


@dataclass(frozen=True)
class SimilarityCosts:
    """Costs of the similarity model. A bead costs ``1 - dice + penalty[type]``; null beads ``null``."""

    # Tuned on planted merges/deletions in LIG runs (tests/test_align.py uses other runs).
    null: float = 0.5
    merge: float = 0.1  # 1-2 and 2-1
    merge22: float = 0.35
    balance: float = 1.0  # weight of the penalty for a merged sentence that its partner barely contains

    def penalty(self, a: int, b: int) -> float:
        if a == 1 and b == 1:
            return 0.0
        if a == 2 and b == 2:
            return self.merge22
        return self.merge


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


def _log_erfc(x: float) -> float:
    """log(erfc(x)) for x >= 0 without underflow (asymptotic series past x = 20)."""
    if x < 20.0:
        return math.log(math.erfc(x))
    return -x * x - math.log(x * math.sqrt(math.pi)) + math.log1p(-1.0 / (2 * x * x))


# Gale & Church (1993): bead priors and the variance of the length ratio.
GC_PRIOR = {(1, 1): 0.89, (1, 0): 0.0099 / 2, (0, 1): 0.0099 / 2, (2, 1): 0.089 / 2, (1, 2): 0.089 / 2, (2, 2): 0.011}
GC_VARIANCE = 6.8


def gale_church_cost(len_left: int, len_right: int, a: int, b: int, ratio: float = 1.0) -> float:
    """−log P(bead) for character lengths under Gale & Church's model (ratio = right chars per left char)."""
    prior = -math.log(GC_PRIOR.get((a, b), 1e-4))
    if len_left == 0 and len_right == 0:
        return prior
    mean = (len_left + len_right / ratio) / 2.0
    delta = (len_right - len_left * ratio) / math.sqrt(max(mean, 1e-9) * GC_VARIANCE)
    # two-tailed probability 2·(1 − Φ(|δ|)) = erfc(|δ|/√2)
    return prior - _log_erfc(abs(delta) / math.sqrt(2.0))


def _dp(
    n: int,
    m: int,
    cost: Callable[[int, int, int, int], float],
    bead_types: Sequence[tuple[int, int]],
    band: int,
) -> list[tuple[int, int, int, int]]:
    """Cheapest monotone path; returns ``(i, j, a, b)`` per bead: left[i:i+a] with right[j:j+b]."""
    width = band + abs(n - m)

    def j_range(i: int) -> range:
        centre = round(i * m / n) if n else 0
        return range(max(0, centre - width), min(m, centre + width) + 1)

    inf = math.inf
    best: list[dict[int, float]] = [dict() for _ in range(n + 1)]
    back: list[dict[int, tuple[int, int]]] = [dict() for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        row = best[i]
        for j in j_range(i):
            if i == 0 and j == 0:
                continue
            here = inf
            arg = (0, 0)
            for a, b in bead_types:
                pi, pj = i - a, j - b
                if pi < 0 or pj < 0:
                    continue
                prev = best[pi].get(pj)
                if prev is None:
                    continue
                c = prev + cost(pi, pj, a, b)
                if c < here:
                    here, arg = c, (a, b)
            if here < inf:
                row[j] = here
                back[i][j] = arg
    if m not in best[n]:
        raise AlignmentError(f"no alignment path within a band of {band} sentences; widen the band")
    path: list[tuple[int, int, int, int]] = []
    i, j = n, m
    while i or j:
        a, b = back[i][j]
        i, j = i - a, j - b
        path.append((i, j, a, b))
    path.reverse()
    return path


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
            return costs.null
        lg, rg = group(0, i, a), group(1, j, b)
        c = 1.0 - dice(lg, rg) + costs.penalty(a, b)
        # In a merge every merged sentence must be found in the other side, not just the group.
        if a > 1:
            c += costs.balance * _imbalance([containment(lf[k], rg) for k in range(i, i + a)])
        if b > 1:
            c += costs.balance * _imbalance([containment(rf[k], lg) for k in range(j, j + b)])
        return c

    path = _dp(len(left), len(right), cost, bead_types, band)
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


def align_length(
    left: Sequence[str],
    right: Sequence[str],
    *,
    ratio: float = 1.0,
    bead_types: Sequence[tuple[int, int]] = BEAD_TYPES,
    band: int = 30,
) -> Alignment:
    """Gale–Church alignment by character length. ``ratio``: right characters per left character.

    A bead's score is its posterior-like ``exp(-cost)`` relative to a perfect 1-1 bead.
    """
    ll = [len(t) for t in left]
    rl = [len(t) for t in right]

    def cost(i: int, j: int, a: int, b: int) -> float:
        return gale_church_cost(sum(ll[i : i + a]), sum(rl[j : j + b]), a, b, ratio)

    path = _dp(len(left), len(right), cost, bead_types, band)
    floor = -math.log(GC_PRIOR[(1, 1)])
    beads = [
        Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), round(math.exp(-(cost(i, j, a, b) - floor)), 4))
        for i, j, a, b in path
    ]
    return Alignment(tuple(beads), "length", (("ratio", str(ratio)), ("band", str(band))))


def format_vecalign(alignment: Alignment) -> str:
    """vecalign's text format: one ``[i, j]:[k]:score`` line per bead (score here is a cost, 1 − confidence)."""
    lines = [
        f"[{', '.join(map(str, b.left))}]:[{', '.join(map(str, b.right))}]:{1.0 - b.score:.6f}" for b in alignment.beads
    ]
    return "\n".join(lines) + ("\n" if lines else "")
