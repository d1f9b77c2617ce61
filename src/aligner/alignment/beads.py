"""Beads, alignments and the monotone search that finds them.

An alignment is a tuple of ``Bead``s. A bead pairs a run of consecutive left sentences with a run
of consecutive right sentences (either run may be empty: a 1-0 or 0-1 bead). Sentence indices are
0-based positions in the sequences passed in; beads are in order and cover every index once.

Every aligner prices a bead as a cost per bead type (``BeadPriors``) plus its own evidence: length
(``aligner.alignment.galechurch``), n-gram similarity (``…similarity``), or a lexical table and MT
(``…bitext``). ``search`` is the banded dynamic programme the length and similarity aligners share
(bitext has a vectorised one of its own, for texts of tens of thousands of sentences).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import AlignmentError

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
    """Beads with how they were found: ``method`` (``bitext``, ``bitext+mt``, ``length``, ``similarity``, or
    ``identity``: one bead per sentence, the source ↔ MT pairing of a run without a reference), its settings
    (name, value) and, for lexical methods, the sha256 prefix of the lexical table."""

    beads: tuple[Bead, ...]
    method: str
    settings: tuple[tuple[str, str], ...] = ()
    lexicon: str = ""


def identity_alignment(n: int) -> Alignment:
    """Sentence ``i`` with sentence ``i`` for ``i < n``: the source ↔ MT alignment of a run without a reference."""
    return Alignment(tuple(Bead((i,), (i,), 1.0) for i in range(n)), "identity")


@dataclass(frozen=True)
class BeadPriors:
    """The cost of each bead type, before any evidence: 1-1, null (1-0 and 0-1), merges of two (2-1, 1-2),
    of three (3-1, 1-3) and 2-2. The one place where bead types are priced."""

    one_one: float
    null: float
    merge: float
    merge3: float
    merge22: float

    def cost(self, a: int, b: int) -> float:
        if a == 1 and b == 1:
            return self.one_one
        if a == 0 or b == 0:
            return self.null
        if a == 2 and b == 2:
            return self.merge22
        if max(a, b) >= 3:
            return self.merge3
        return self.merge


def search(
    n: int,
    m: int,
    cost: Callable[[int, int, int, int], float],
    bead_types: Sequence[tuple[int, int]],
    band: int,
) -> list[tuple[int, int, int, int]]:
    """Cheapest monotone path; returns ``(i, j, a, b)`` per bead: left[i:i+a] with right[j:j+b].

    Row ``i`` considers ``j`` within ``band`` (widened by ``|n − m|``) of the diagonal, so time and memory
    grow with ``n × band``.
    """
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


def format_vecalign(alignment: Alignment) -> str:
    """vecalign's text format: one ``[i, j]:[k]:score`` line per bead (score here is a cost, 1 − confidence)."""
    lines = [
        f"[{', '.join(map(str, b.left))}]:[{', '.join(map(str, b.right))}]:{1.0 - b.score:.6f}" for b in alignment.beads
    ]
    return "\n".join(lines) + ("\n" if lines else "")
