"""Gale & Church (1993): sentence alignment by character length, and its length cost used by every aligner.

The length cost of a bead is ``−log P(|δ|)`` with ``δ = (r − l·ratio) / √(s² · mean)`` (``l``, ``r``
character counts, ``mean = (l + r/ratio) / 2``, at least 1, ``s² = 6.8``), the two-tailed probability
``erfc(|δ|/√2)`` computed in log space so that long texts never underflow. The bitext aligner adds the
same cost to its lexical evidence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .beads import BEAD_TYPES, Alignment, Bead, BeadPriors, search

VARIANCE = 6.8

# Gale & Church's bead probabilities, as costs −log P(type); they had no 3-1 beads (1e-4 stands in)
PRIORS = BeadPriors(
    one_one=-math.log(0.89),
    null=-math.log(0.0099 / 2),
    merge=-math.log(0.089 / 2),
    merge3=-math.log(1e-4),
    merge22=-math.log(0.011),
)

_ERFC = (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196,
         1.00002368, -1.26551223)  # fmt: skip


def log_erfc(x: Any) -> Any:
    """log erfc(x) for x ≥ 0 (array or float), without underflow (Numerical Recipes' erfcc, relative error
    < 1.2e-7)."""
    import numpy as np

    t = 1.0 / (1.0 + 0.5 * x)
    poly = np.zeros_like(t)
    for c in _ERFC:
        poly = poly * t + c
    return np.log(t) - x * x + poly


def length_cost(left_chars: Any, right_chars: Any, ratio: float = 1.0) -> Any:
    """−log P(length difference) of beads with these character counts (arrays broadcast; floats work too)."""
    import numpy as np

    left = np.asarray(left_chars, dtype=np.float64)
    right = np.asarray(right_chars, dtype=np.float64)
    mean = np.maximum((left + right / ratio) / 2.0, 1.0)
    delta = np.abs(right - left * ratio) / np.sqrt(mean * VARIANCE)
    return -log_erfc(delta / math.sqrt(2.0))


def align_length(
    left: Sequence[str],
    right: Sequence[str],
    *,
    ratio: float = 1.0,
    bead_types: Sequence[tuple[int, int]] = BEAD_TYPES,
    band: int = 30,
    priors: BeadPriors = PRIORS,
) -> Alignment:
    """Gale–Church alignment by character length. ``ratio``: right characters per left character.

    A bead's score is ``exp(−cost)`` relative to a perfect 1-1 bead.
    """
    import numpy as np

    n, m = len(left), len(right)
    lc = np.concatenate([[0.0], np.cumsum([float(len(t)) for t in left])])
    rc = np.concatenate([[0.0], np.cumsum([float(len(t)) for t in right])])
    # Every cost the search can ask for, computed at once: rows i, columns j = lo[i] + k around the diagonal
    # (the search's band plus the widest bead); a cell outside it is computed on its own.
    reach = band + abs(n - m) + max(max(a, b) for a, b in bead_types)
    rows = np.arange(n + 1)
    lo = (np.round(rows * m / n) if n else np.zeros(n + 1)).astype(np.int64) - reach
    cols = (lo[:, None] + np.arange(2 * reach + 1)[None, :]).clip(0, m)
    tables = {}
    for a, b in bead_types:
        lens_l = lc[np.minimum(rows + a, n)] - lc
        lens_r = rc[np.minimum(np.arange(m + 1) + b, m)] - rc
        tables[a, b] = priors.cost(a, b) + length_cost(lens_l[:, None], lens_r[cols], ratio)

    def cost(i: int, j: int, a: int, b: int) -> float:
        k = j - int(lo[i])
        if 0 <= k <= 2 * reach:
            return float(tables[a, b][i, k])
        chars_l, chars_r = lc[min(i + a, n)] - lc[i], rc[min(j + b, m)] - rc[j]
        return priors.cost(a, b) + float(length_cost(chars_l, chars_r, ratio))

    path = search(n, m, cost, bead_types, band)
    beads = [
        Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), round(math.exp(-(cost(i, j, a, b) - priors.one_one)), 4))
        for i, j, a, b in path
    ]
    return Alignment(tuple(beads), "length", (("ratio", f"{ratio:g}"), ("band", str(band))))
