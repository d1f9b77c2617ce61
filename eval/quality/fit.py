"""Fit the risk model on LIG lines 1–8,681 ONLY and write src/aligner/data/risk-model.json.gz.

    pip install scikit-learn && python eval/quality/fit.py        # ≈25 min on 2 cores (2 min of it features, cached)

Held-out rule: LIG lines 8,682–10,881 (the newstest2010 block, which holds the 881-line word-level test split) are
never read here: no training, no tuning, no feature or threshold choice on them. Every choice below (hyper-parameters
of each model, the word threshold) is made by 5-fold cross-validation over stories of lines 1–8,681, grouped by
story so that no story is on both sides of a fold. ``evaluate.py`` then measures the written model once on the
held-out lines.

Per set of signals (source alone; + reference; + second opinion; + both) two models are fitted with scikit-learn's
histogram gradient boosting, then exported as plain trees (``aligner.quality.model``):

- bead model: regression of the share of the bead's MT words a post-editor changed (TER edits of the Moses output
  against the post-edit / Moses tokens, capped at 1), weighted by the bead's MT words; the model is chosen by the
  share of all edits caught when the riskiest beads are read up to 20 % of the MT words (cross-validated);
- word model: classification of each MT word unit as changed (BAD), with the bead's cross-validated risk as a
  feature; the threshold maximises cross-validated F1 of the BAD class.

Rows with a second opinion are doubled: once with Google's output, once with Bing's, so that the model learns
agreement with *another* system, not Google's habits. The reference models are cross-validated on the newstest2009
block (the only training lines with a reference: 111 WMT documents); whether their bead model also trains on the
news-commentary lines (reference features missing, NaN, which the trees route) is one of the choices made by
cross-validation. The other models train and are cross-validated on all 8,681 lines.

Every fold and every final fit also trains on synthetic beads made from training lines (``dataset.add_synthetic``:
the French copied as MT, or another story's sentence, every word to change); they are never in a test fold, so the
cross-validated figures are on real post-edits only. A synthetic story keeps two thirds of its story's real beads
unchanged, so a fold trains only on the synthetic stories made from its own training stories: with all of them, a
quarter of the test stories had most of their beads in training too (caught@20 of the reference model 27.5 % with
that leak, 26.2 % without it, for the same trees).
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

# scikit-learn's OpenMP threads spin while they wait: on a 2-core machine shared with other jobs a fit of 7,000 rows
# took 15 s instead of 0.35 s with one thread
os.environ.setdefault("OMP_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dataset
import lig

OUT = lig.ROOT / "src" / "aligner" / "data" / "risk-model.json.gz"
CV_OUT = lig.ROOT / "eval" / "quality" / "cv.json"
NAME = "lig1"
FOLDS = 5
BEAD_GRID = [
    {"learning_rate": 0.02, "max_iter": 500, "max_leaf_nodes": 3, "min_samples_leaf": 100, "l2_regularization": 1.0},
    {"learning_rate": 0.05, "max_iter": 200, "max_leaf_nodes": 8, "min_samples_leaf": 40, "l2_regularization": 1.0},
    {"learning_rate": 0.05, "max_iter": 400, "max_leaf_nodes": 8, "min_samples_leaf": 40, "l2_regularization": 1.0},
    {"learning_rate": 0.05, "max_iter": 200, "max_leaf_nodes": 16, "min_samples_leaf": 80, "l2_regularization": 1.0},
    {"learning_rate": 0.03, "max_iter": 300, "max_leaf_nodes": 4, "min_samples_leaf": 40, "l2_regularization": 1.0},
    {"learning_rate": 0.1, "max_iter": 100, "max_leaf_nodes": 8, "min_samples_leaf": 40, "l2_regularization": 1.0},
]
WORD_GRID = [
    {"learning_rate": 0.1, "max_iter": 200, "max_leaf_nodes": 31, "min_samples_leaf": 100, "l2_regularization": 1.0},
    {"learning_rate": 0.1, "max_iter": 400, "max_leaf_nodes": 31, "min_samples_leaf": 100, "l2_regularization": 1.0},
    {"learning_rate": 0.1, "max_iter": 200, "max_leaf_nodes": 63, "min_samples_leaf": 200, "l2_regularization": 1.0},
]
CONFIGS = {  # signals → (reference?, second opinions whose rows are stacked)
    ("source",): (False, ("none",)),
    ("source", "second-opinion"): (False, ("google", "bing")),
    ("source", "reference"): (True, ("none",)),
    ("source", "reference", "second-opinion"): (True, ("google", "bing")),
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def training_stories(corpus: lig.Corpus, *, reference: bool) -> list[lig.Story]:
    out = []
    for s in corpus.stories:
        inside = [n in lig.TRAIN for n in s.lines]
        assert all(inside) or not any(inside), f"{s.id} mixes training and held-out lines"
        if all(inside) and (s.reference or not reference):
            out.append(s)
    assert all(n in lig.TRAIN for s in out for n in s.lines)
    return out


def stack(parts: list[dataset.Rows]) -> dataset.Rows:
    out = dataset.Rows(parts[0].bead_names, [], [], [], [], [], [], parts[0].word_names, [], [], [], [], [])
    for p in parts:
        assert p.bead_names == out.bead_names and p.word_names == out.word_names
        base = len(out.bead_x)
        out.bead_x += p.bead_x
        out.bead_edits += p.bead_edits
        out.bead_words += p.bead_words
        out.bead_pe_words += p.bead_pe_words
        out.bead_story += p.bead_story
        out.bead_lines += p.bead_lines
        out.word_x += p.word_x
        out.word_bad += p.word_bad
        out.word_bead += [base + b for b in p.word_bead]
        out.word_line += p.word_line
        out.word_span += p.word_span
        out.word_copy += [len(out.copy_names)] * len(p.word_x)
        out.bead_copy += [len(out.copy_names)] * len(p.bead_x)
        out.copy_names.append(f"copy{len(out.copy_names)}")
    return out


def keep_stories(rows: dataset.Rows, prefix: str) -> dataset.Rows:
    """The bead rows of stories whose id starts with ``prefix`` (word rows are not needed for the union)."""
    keep = [k for k, s in enumerate(rows.bead_story) if s.startswith(prefix)]
    return dataset.Rows(
        rows.bead_names,
        [rows.bead_x[k] for k in keep],
        [rows.bead_edits[k] for k in keep],
        [rows.bead_words[k] for k in keep],
        [rows.bead_pe_words[k] for k in keep],
        [rows.bead_story[k] for k in keep],
        [rows.bead_lines[k] for k in keep],
        rows.word_names,
        [],
        [],
        [],
        [],
        [],
    )


def export_trees(model: Any, names: tuple[str, ...], *, classifier: bool) -> dict[str, Any]:
    trees = []
    depth = 0
    for predictors in model._predictors:
        (predictor,) = predictors
        nodes = predictor.nodes
        feature = [(-1 if leaf else int(f)) for f, leaf in zip(nodes["feature_idx"], nodes["is_leaf"])]
        depth = max(depth, int(nodes["depth"].max()))
        inner = [f >= 0 for f in feature]
        # a slot the evaluator never reads is 0 (a leaf's split, an inner node's value): a third of the file
        trees.append(
            {
                "feature": feature,
                "threshold": [float(t) if i else 0 for t, i in zip(nodes["num_threshold"], inner)],
                "left": [int(v) if i else 0 for v, i in zip(nodes["left"], inner)],
                "right": [int(v) if i else 0 for v, i in zip(nodes["right"], inner)],
                "value": [0 if i else float(v) for v, i in zip(nodes["value"], inner)],
                "missing_left": [int(v) if i else 0 for v, i in zip(nodes["missing_go_to_left"], inner)],
            }
        )
    baseline = float(model._baseline_prediction.ravel()[0])
    return {
        "kind": "classifier" if classifier else "regressor",
        "features": list(names),
        "baseline": baseline,
        "depth": depth,
        "trees": trees,
    }


def write_model(data: dict[str, Any], path: Path) -> None:
    """The model as compact JSON, gzipped with mtime 0 (the same fit gives a byte-identical file)."""
    raw = (json.dumps(data, separators=(",", ":")) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))


def bead_target(rows: dataset.Rows) -> tuple[Any, Any, Any]:
    import numpy as np

    words = np.asarray(rows.bead_words, float)
    edits = np.asarray(rows.bead_edits, float)
    keep = words > 0
    y = np.minimum(1.0, edits / np.maximum(words, 1))
    return y, words, keep


def widen(extra: dataset.Rows, names: tuple[str, ...]) -> tuple[Any, Any, Any]:
    """``extra``'s bead rows with MT words, as rows over ``names`` (features it lacks are NaN), their target and
    weight: news-commentary lines, which have no reference, as training rows for the reference models."""
    import numpy as np

    y, w, keep = bead_target(extra)
    have = {n: j for j, n in enumerate(extra.bead_names)}
    x = np.asarray(extra.bead_x, float)[keep]
    out = np.full((len(x), len(names)), np.nan)
    for j, n in enumerate(names):
        if n in have:
            out[:, j] = x[:, have[n]]
    return out, y[keep], w[keep]


def _split(params: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    p = dict(params)
    return p, bool(p.pop("union", False))


Extra = tuple[Any, Any, Any]  # feature rows, targets, weights of rows that are only ever trained on


def made_from(synthetic: dataset.Rows) -> tuple[Any, Any]:
    """The training story each synthetic bead with MT words (the rows of ``widen``) and each synthetic word row was
    made from (``dataset.add_synthetic`` names a story ``syn-`` + its story's id)."""
    import numpy as np

    story = np.asarray([s.removeprefix("syn-") for s in synthetic.bead_story], dtype=object)
    _, _, keep = bead_target(synthetic)
    return story[keep], story[np.asarray(synthetic.word_bead, int)] if synthetic.word_bead else story[:0]


def _outside(always: Extra | None, origin: Any, test_stories: Any) -> Extra | None:
    """The ``always`` rows not made from a test story (``origin``: the story each row was made from)."""
    import numpy as np

    if always is None or origin is None:
        return always
    keep = ~np.isin(origin, test_stories)
    return always[0][keep], always[1][keep], always[2][keep]


def _join(x: Any, y: Any, w: Any, *more: Extra | None) -> Extra:
    import numpy as np

    for m in more:
        if m is not None:
            x, y, w = np.vstack([x, m[0]]), np.concatenate([y, m[1]]), np.concatenate([w, m[2]])
    return x, y, w


def cv_bead(
    rows: dataset.Rows,
    params: dict[str, Any],
    extra: Extra | None = None,
    always: Extra | None = None,
    origin: Any = None,
) -> Any:
    """Out-of-fold bead predictions (NaN for beads without MT words). With ``params["union"]``, every fold also
    trains on the ``extra`` rows (stories that are never in a test fold: news commentary without a reference); every
    fold trains on the ``always`` rows (synthetic beads: ``dataset.add_synthetic``), which are never tested, except
    those made from one of the fold's test stories (``origin[k]``: the story row ``k`` was made from)."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.model_selection import GroupKFold

    params, union = _split(params)
    x = np.asarray(rows.bead_x, float)
    y, w, keep = bead_target(rows)
    groups = np.asarray(rows.bead_story)
    oof = np.full(len(y), np.nan)
    idx = np.nonzero(keep)[0]
    for train, test in GroupKFold(FOLDS).split(idx, groups=groups[idx]):
        fold_always = _outside(always, origin, np.unique(groups[idx[test]]))
        xt, yt, wt = _join(x[idx[train]], y[idx[train]], w[idx[train]], extra if union else None, fold_always)
        model = HistGradientBoostingRegressor(early_stopping=False, random_state=0, **params)
        model.fit(xt, yt, sample_weight=wt)
        oof[idx[test]] = model.predict(x[idx[test]])
    return oof


def bead_measures(rows: dataset.Rows, scores: Any) -> dict[str, float]:
    """Caught at 10/20/30 % and correlations, averaged over the stacked copies (Google, Bing) when there are two."""
    import numpy as np

    out: dict[str, list[float]] = {}
    copies = np.asarray(rows.bead_copy)
    for c in sorted(set(rows.bead_copy)):
        sel = [k for k in np.nonzero(copies == c)[0] if rows.bead_words[k] > 0]
        s = [float(scores[k]) for k in sel]
        e = [rows.bead_edits[k] for k in sel]
        w = [rows.bead_words[k] for k in sel]
        hter = [rows.bead_edits[k] / max(rows.bead_pe_words[k], 1) for k in sel]
        for budget in (0.1, 0.2, 0.3):
            out.setdefault(f"caught@{int(budget * 100)}", []).append(dataset.caught_at(budget, s, e, w))
        out.setdefault("pearson_hter", []).append(dataset.pearson(s, hter))
        out.setdefault("spearman_hter", []).append(dataset.spearman(s, hter))
    return {k: round(sum(v) / len(v), 4) for k, v in out.items()}


def word_matrix(rows: dataset.Rows, bead_risk: Any) -> Any:
    import numpy as np

    x = np.asarray(rows.word_x, float)
    j = rows.word_names.index("b_risk")
    x[:, j] = np.nan_to_num(np.asarray(bead_risk)[np.asarray(rows.word_bead)], nan=1.0)
    return x


def cv_word(rows: dataset.Rows, x: Any, params: dict[str, Any], always: Extra | None = None, origin: Any = None) -> Any:
    """Out-of-fold word probabilities; the ``always`` rows as in ``cv_bead``."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import GroupKFold

    y = np.asarray(rows.word_bad, int)
    groups = np.asarray(rows.bead_story)[np.asarray(rows.word_bead)]
    oof = np.zeros(len(y))
    for train, test in GroupKFold(FOLDS).split(x, groups=groups):
        model = HistGradientBoostingClassifier(early_stopping=False, random_state=0, **params)
        xt, yt, _ = _join(x[train], y[train], np.ones(len(train)), _outside(always, origin, np.unique(groups[test])))
        model.fit(xt, yt)
        oof[test] = model.predict_proba(x[test])[:, 1]
    return oof


def best_threshold(probs: Any, gold: Any) -> tuple[float, dict[str, float]]:
    """The threshold (0.05 … 0.95 by 0.01) with the highest F1 of the BAD class, and the measures there."""
    import numpy as np

    probs, gold = np.asarray(probs), np.asarray(gold, bool)
    best_t, best_f1 = 0.5, -1.0
    for t in [k / 100 for k in range(5, 96)]:
        pred = probs >= t
        tp = int((pred & gold).sum())
        f1 = 2 * tp / (int(pred.sum()) + int(gold.sum())) if tp else 0.0
        if f1 > best_f1:
            best_t, best_f1 = t, f1
    m = dataset.f1_mcc(list(probs >= best_t), list(gold))
    return best_t, {k: round(v, 4) for k, v in m.items()}


def synthetic_words(synthetic: dataset.Rows, names: tuple[str, ...]) -> Extra:
    """The synthetic beads' word rows, their bead risk set to their truth (every word must change)."""
    import numpy as np

    x = np.asarray(synthetic.word_x, float).reshape(-1, len(names))
    j = names.index("b_risk")
    y, _, _ = bead_target(synthetic)
    x[:, j] = y[np.asarray(synthetic.word_bead, int)] if len(x) else x[:, j]
    return x, np.asarray(synthetic.word_bad, int), np.ones(len(x))


def fit_signals(
    signals: tuple[str, ...],
    rows: dataset.Rows,
    extra: dataset.Rows | None = None,
    synthetic: dataset.Rows | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    report: dict[str, Any] = {"signals": list(signals), "beads": len(rows.bead_x), "words": len(rows.word_x)}
    wide = widen(extra, rows.bead_names) if extra is not None else None
    syn = widen(synthetic, rows.bead_names) if synthetic is not None else None
    syn_words = synthetic_words(synthetic, rows.word_names) if synthetic is not None else None
    syn_from, syn_words_from = made_from(synthetic) if synthetic is not None else (None, None)
    if syn is not None:
        report["synthetic_beads"] = len(syn[0])
    grid = BEAD_GRID + ([{**p, "union": True} for p in BEAD_GRID] if wide is not None else [])
    if wide is not None:
        report["union_rows"] = len(wide[0])
    # bead model: hyper-parameters (and, for a reference model, whether to add the lines without a reference) by
    # the cross-validated share of edits caught at 20 %
    trials = []
    for params in grid:
        oof = cv_bead(rows, params, wide, syn, syn_from)
        trials.append((bead_measures(rows, oof), params, oof))
        log(f"  bead {params} → {trials[-1][0]}")
    measures, bead_params, oof = max(trials, key=lambda t: (t[0]["caught@20"], t[0]["pearson_hter"]))
    report["bead"] = {"chosen": bead_params, "cv": measures, "grid": [{"params": p, "cv": m} for m, p, _ in trials]}
    # the reference-based and agreement baselines, on the same rows (for results.md)
    names = rows.bead_names
    baselines = {}
    for name, sign in (("ref_chrf", -1), ("so_chrf", -1), ("lex_en_cov", -1), ("ibm1", -1)):
        if name in names:
            col = [sign * r[names.index(name)] for r in rows.bead_x]
            baselines[f"sort by {'low ' if sign < 0 else ''}{name}"] = bead_measures(rows, col)
    oracle = [rows.bead_edits[k] / max(rows.bead_words[k], 1) for k in range(len(rows.bead_x))]
    baselines["oracle (true share of words edited)"] = bead_measures(rows, oracle)
    report["bead_baselines"] = baselines
    # word model, on the beads' out-of-fold risk
    x = word_matrix(rows, oof)
    y = np.asarray(rows.word_bad, int)
    word_trials = []
    for params in WORD_GRID:
        probs = cv_word(rows, x, params, syn_words, syn_words_from)
        threshold, m = best_threshold(probs, y)
        word_trials.append((m, threshold, params))
        log(f"  word {params} → t={threshold} {m}")
    m, threshold, word_params = max(word_trials, key=lambda t: (t[0]["f1_bad"], t[0]["mcc"]))
    report["word"] = {
        "chosen": word_params,
        "threshold": threshold,
        "cv": m,
        "grid": [{"params": p, "threshold": t, "cv": mm} for mm, t, p in word_trials],
        "bad_share": round(float(y.mean()), 4),
    }
    # final fits on every training row
    xb = np.asarray(rows.bead_x, float)
    yb, wb, keep = bead_target(rows)
    fit_params, union = _split(bead_params)
    xt, yt, wt = _join(xb[keep], yb[keep], wb[keep], wide if union else None, syn)
    bead = HistGradientBoostingRegressor(early_stopping=False, random_state=0, **fit_params)
    bead.fit(xt, yt, sample_weight=wt)
    word = HistGradientBoostingClassifier(early_stopping=False, random_state=0, **word_params)
    xw, yw, _ = _join(x, y, np.ones(len(y)), syn_words)
    word.fit(xw, yw)
    model = {
        "signals": list(signals),
        "bead": export_trees(bead, rows.bead_names, classifier=False),
        "word": export_trees(word, rows.word_names, classifier=True),
        "threshold": threshold,
        "params": {"bead": bead_params, "word": word_params},
        "cv": {"bead": measures, "word": m},
    }
    checks = {
        "signals": list(signals),
        "bead_rows": xb[:5].tolist(),
        "bead_expected": bead.predict(xb[:5]).tolist(),
        "word_rows": x[:5].tolist(),
        "word_expected": word.predict_proba(x[:5])[:, 1].tolist(),
    }
    return model | {"_checks": checks}, report


def main() -> int:
    import numpy
    import sklearn

    from aligner.files import data_file
    from aligner.quality import LM_FILE

    lexicon = dataset.use_clean_lexicon()
    corpus = lig.load()
    log(f"corpus: {len(corpus.lines)} lines, {len(corpus.stories)} stories; training = lines 1–8,681 only")
    rows: dict[tuple[str, ...], dataset.Rows] = {}
    extras: dict[tuple[str, ...], dataset.Rows] = {}
    synthetic: dict[tuple[str, ...], dataset.Rows] = {}
    nc: dict[str, dataset.Rows] = {}
    broken = dataset.add_synthetic(corpus, training_stories(corpus, reference=False))
    for reference in (False, True):
        stories = training_stories(corpus, reference=reference)
        fake = [s for s in broken if s.reference or not reference]
        by_fake = dataset.rows_for(corpus, fake, reference=reference, seconds=("none", "google", "bing"), tag="synth")
        log(f"features: {len(stories)} training stories, reference={reference}")
        by_second = dataset.rows_for(
            corpus, stories, reference=reference, seconds=("none", "google", "bing"), tag="train"
        )
        if not reference:
            nc = {second: keep_stories(r, "nc-") for second, r in by_second.items()}
        for signals, (ref, seconds) in CONFIGS.items():
            if ref == reference:
                rows[signals] = stack([by_second[s] for s in seconds])
                synthetic[signals] = stack([by_fake[s] for s in seconds])
            if ref and reference:
                extras[signals] = stack([nc[s] for s in seconds])
    assert all(n in lig.TRAIN for r in rows.values() for n in r.word_line), "a held-out line reached the fit"
    assert all(dataset.origin(n) in lig.TRAIN for r in synthetic.values() for n in r.word_line)
    models, reports, checks = [], [], []
    for signals, r in rows.items():
        log(f"fitting {signals}: {len(r.bead_x)} beads, {len(r.word_x)} words")
        model, report = fit_signals(signals, r, extras.get(signals), synthetic[signals])
        checks.append(model.pop("_checks"))
        models.append(model)
        reports.append(report)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    data = {
        "schema": "aligner.risk-model/1",
        "name": NAME,
        "provenance": {
            "fitted_by": "eval/quality/fit.py",
            "date": now,
            "data": "LIG post-edit corpus (getalp/WCE-LIG input_data), lines 1-8,681 only (news commentary 1-6,156 "
            "in stories of 20 lines without reference; WMT newstest2009 block 6,157-8,681 as its 111 WMT "
            "documents, with the WMT English reference); lines 8,682-10,881 held out",
            "training_lines": [1, 8681],
            "heldout_lines": [8682, 10881],
            "mt": "LIG Moses output, detokenised with sacremoses",
            "second_opinion": "rows doubled: Google's output, then Bing's",
            "synthetic": "every 3rd sentence of every 4th training story made a copy of the French or another "
            "story's MT (share 1, all BAD): trained on, never tested",
            "target": "bead: TER edits of the Moses output against the lower-cased Moses-tokenised post-edit / "
            "Moses tokens of the MT (capped at 1); word: a word unit overlapping a Moses token that TER edits "
            "(substituted, deleted or shifted)",
            "lexicon": {
                "file": "eval/quality/lexicon_heldout.py (no LIG, no newstest2009/2010, no newssyscomb2009)",
                "sha256": hashlib.sha256(lexicon.read_bytes()).hexdigest(),
            },
            "english_lm": {
                "file": "models/build_english_lm.py (no LIG, no newstest2009/2010, no newssyscomb2009)",
                "sha256": hashlib.sha256(data_file(LM_FILE).read_bytes()).hexdigest(),
            },
            "selection": f"{FOLDS}-fold cross-validation grouped by story, inside lines 1-8,681",
            "libraries": {
                "scikit-learn": sklearn.__version__,
                "numpy": numpy.__version__,
                "python": platform.python_version(),
            },
        },
        "models": models,
        "checks": checks,
    }
    write_model(data, OUT)
    CV_OUT.write_text(json.dumps({"date": now, "reports": reports}, indent=1) + "\n", encoding="utf-8")
    log(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB) and {CV_OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
