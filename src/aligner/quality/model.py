"""The fitted risk model: gradient-boosted trees stored as plain JSON and evaluated with numpy.

``eval/quality/fit.py`` fits it (scikit-learn's ``HistGradientBoosting*`` on LIG lines 1–8,681 only) and writes
``aligner/data/risk-model.json.gz`` (JSON, gzip with mtime 0): for each set of signals (``source`` alone, with a
``reference``, with a ``second-opinion``, both), a bead model (regression: the share of the bead's MT words a
post-editor changes) and a word model (classification: the word is changed), each with its feature names and trees,
its cross-validated figures, the word threshold chosen by cross-validation, and the training provenance (data lines,
features, library versions, date). ``checks`` holds a few rows with scikit-learn's own predictions, which
``tests/test_quality.py`` compares with this evaluator's.

A run uses the sub-model with the most signals that are all at hand: a model fitted without glass-box features
stays valid when they are computed (they are recorded, not used), and one fitted with a reference is never asked
to score a run without one.

Tree layout (one per boosting round, as scikit-learn's predictor nodes): ``feature[n]`` (-1 for a leaf),
``threshold[n]`` (go left when ``x <= threshold``), ``left[n]``, ``right[n]``, ``value[n]`` (the leaf's
contribution, learning rate included), ``missing_left[n]`` (where a missing value, NaN, goes: the reference models
were also fitted on lines without a reference, their reference features missing); the prediction is
``baseline + Σ value``, through a logistic function for a classifier. Slots a node does not use are written as 0
(a leaf's threshold, children and missing direction; an inner node's value): they are never read, and the file is a
third of the size.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelError

MODEL_FILE = "risk-model.json.gz"
MODEL_SCHEMA = "aligner.risk-model/1"


@dataclass(frozen=True)
class Trees:
    """Boosted trees over ``features``; ``classifier``: a logistic output (else the raw sum)."""

    features: tuple[str, ...]
    baseline: float
    classifier: bool
    arrays: Any  # numpy arrays of shape (trees, nodes): feature, threshold, left, right, value, missing_left
    depth: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trees:
        import numpy as np

        trees = data["trees"]
        size = max((len(t["feature"]) for t in trees), default=1)
        shape = (max(len(trees), 1), size)
        feature = np.full(shape, -1, np.int64)
        threshold = np.zeros(shape)
        left = np.zeros(shape, np.int64)
        right = np.zeros(shape, np.int64)
        value = np.zeros(shape)
        missing_left = np.zeros(shape, bool)
        for k, t in enumerate(trees):
            n = len(t["feature"])
            feature[k, :n] = t["feature"]
            threshold[k, :n] = t["threshold"]
            left[k, :n] = t["left"]
            right[k, :n] = t["right"]
            value[k, :n] = t["value"]
            missing_left[k, :n] = t.get("missing_left", [False] * n)
        if not trees:
            value[:] = 0.0
        return cls(
            tuple(data["features"]),
            float(data["baseline"]),
            data["kind"] == "classifier",
            (feature, threshold, left, right, value, missing_left),
            int(data.get("depth", size)),
        )

    def predict(self, rows: Any) -> Any:
        """Predictions for ``rows`` (shape (n, len(features))): a probability for a classifier.

        Every (row, tree) pair walks down its tree one level per step; only the pairs not yet at a leaf are worked
        on (trees are 7 to 21 levels deep at most, most paths far shorter). Nodes are numbered across all trees
        (tree × nodes per tree + node), so that each step is a few flat gathers."""
        import numpy as np

        x = np.asarray(rows, dtype=float).reshape(-1, len(self.features))
        feature, threshold, left, right, value, missing_left = self.arrays
        n, (t, m) = x.shape[0], feature.shape
        base = (np.arange(t) * m)[:, None]
        feature, threshold, value, missing_left = (a.ravel() for a in (feature, threshold, value, missing_left))
        left, right = (left + base).ravel(), (right + base).ravel()
        flat = x.ravel()
        nan = bool(np.isnan(flat).any())
        node = np.tile(base.ravel(), n)  # each pair at its tree's root
        offset = np.repeat(np.arange(n) * x.shape[1], t)  # where each pair's row starts in ``flat``
        active = np.arange(n * t)
        for _ in range(self.depth + 1):
            at = node[active]
            f = feature[at]
            inner = f >= 0
            if not inner.all():
                active, at, f = active[inner], at[inner], f[inner]
            if not active.size:
                break
            xv = flat[offset[active] + f]
            go_left = xv <= threshold[at]
            if nan:
                go_left |= np.isnan(xv) & missing_left[at]
            node[active] = np.where(go_left, left[at], right[at])
        raw = self.baseline + value[node].reshape(n, t).sum(axis=1)
        return 1.0 / (1.0 + np.exp(-raw)) if self.classifier else raw


@dataclass(frozen=True)
class SubModel:
    """The bead and word models fitted for one set of ``signals``."""

    signals: frozenset[str]
    bead: Trees
    word: Trees
    threshold: float  # word probability from which a word counts as needing an edit


@dataclass(frozen=True)
class RiskModel:
    """The fitted models, by the signals they need, with the file's short id and provenance."""

    id: str
    models: tuple[SubModel, ...]
    provenance: Mapping[str, Any]
    checks: tuple[Mapping[str, Any], ...] = ()

    def pick(self, signals: Sequence[str]) -> SubModel:
        """The sub-model with the most signals among those whose signals are all in ``signals``."""
        have = set(signals)
        usable = [m for m in self.models if m.signals <= have]
        if not usable:
            raise ModelError(f"the risk model {self.id} has no sub-model for the signals {', '.join(signals)}")
        return max(usable, key=lambda m: len(m.signals))

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, digest: str = "") -> RiskModel:
        if data.get("schema") != MODEL_SCHEMA:
            raise ModelError(
                f"risk model: schema {data.get('schema')!r} is not {MODEL_SCHEMA}; refit it with eval/quality/fit.py"
            )
        models = tuple(
            SubModel(
                frozenset(m["signals"]), Trees.from_json(m["bead"]), Trees.from_json(m["word"]), float(m["threshold"])
            )
            for m in data["models"]
        )
        return cls(
            f"{data['name']}-{digest[:8]}" if digest else str(data["name"]),
            models,
            data["provenance"],
            tuple(data.get("checks", ())),
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> RiskModel:
        """The model at ``path`` (default: the one shipped in the package; JSON, gzipped when the name ends in
        ``.gz``); its id ends with the first 8 hex digits of the sha256 of its JSON, so that the signature names the
        exact model."""
        from ..files import data_file

        p = Path(path) if path is not None else data_file(MODEL_FILE)
        try:
            raw = p.read_bytes()
            if p.suffix == ".gz":
                raw = gzip.decompress(raw)
            data = json.loads(raw)
        except (OSError, EOFError, ValueError) as exc:
            raise ModelError(f"risk model {p}: cannot be read ({exc}); refit it with eval/quality/fit.py") from None
        return cls.from_json(data, digest=hashlib.sha256(raw).hexdigest())
