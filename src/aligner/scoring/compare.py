"""Comparing systems on one reference: corpus scores and sacreBLEU's paired bootstrap and approximate
randomisation against the first system (the baseline)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import InputError
from ..results import Comparison, SystemRow


def _metrics(names: Sequence[str], refs: Sequence[str], lowercase: bool) -> dict[str, Any]:
    from sacrebleu.metrics.bleu import BLEU
    from sacrebleu.metrics.chrf import CHRF
    from sacrebleu.metrics.ter import TER

    make: dict[str, Callable[[], Any]] = {
        "bleu": lambda: BLEU(lowercase=lowercase, references=[list(refs)]),
        "chrf": lambda: CHRF(lowercase=lowercase, references=[list(refs)]),
        "chrf++": lambda: CHRF(word_order=2, lowercase=lowercase, references=[list(refs)]),
        "ter": lambda: TER(references=[list(refs)]),
    }
    unknown = [n for n in names if n not in make]
    if unknown:
        raise InputError(f"unknown metric {unknown[0]!r}; choose from {', '.join(make)}")
    return {n: make[n]() for n in names}


def compare_systems(
    references: Sequence[str],
    systems: Sequence[tuple[str, Sequence[str]]],
    *,
    metrics: Sequence[str] = ("bleu", "chrf", "ter"),
    bs_samples: int = 1000,
    ar_trials: int = 10000,
    lowercase: bool = False,
    jobs: int = 1,
) -> Comparison:
    """Every system against the first with sacreBLEU's paired bootstrap resampling and paired approximate
    randomisation. The seed is sacreBLEU's (``$SACREBLEU_SEED``, default 12345): the same seed gives the same
    p-values as ``sacrebleu REF -i A B --paired-bs`` / ``--paired-ar``."""
    import logging

    from sacrebleu.significance import PairedTest

    if len(systems) < 2:
        raise InputError("compare needs at least two systems (the first is the baseline)")
    for name, hyps in systems:
        if len(hyps) != len(references):
            raise InputError(f"{name}: {len(hyps)} lines but the reference has {len(references)}")
    logging.getLogger("sacrebleu").setLevel(logging.ERROR)
    named: list[tuple[str, Sequence[str]]] = [(name, list(hyps)) for name, hyps in systems]
    signatures: dict[str, str] = {}
    bs_results: dict[str, list[Any]] = {}
    ar_results: dict[str, list[Any]] = {}
    for test_type, n, store in (("bs", bs_samples, bs_results), ("ar", ar_trials, ar_results)):
        if n <= 0:
            continue
        test = PairedTest(
            named, _metrics(metrics, references, lowercase), None, test_type=test_type, n_samples=n, n_jobs=jobs
        )
        sigs, scores = test()
        for metric_name, sig in sigs.items():
            signatures[f"{test_type}:{metric_name}"] = str(sig.format())
        for metric_name, results in scores.items():
            if metric_name != "System":
                store[metric_name] = list(results)
    rows = []
    for k, (name, _) in enumerate(named):
        source = bs_results or ar_results
        scores_k = {m: round(float(res[k].score), 4) for m, res in source.items()}
        bs = {
            m: {
                "mean": _r(res[k].mean),
                "ci": _r(res[k].ci),
                "p": _r(res[k].p_value),
            }
            for m, res in bs_results.items()
        }
        ar = {m: _r(res[k].p_value) for m, res in ar_results.items()}
        rows.append(SystemRow(name, scores_k, bs, ar))
    return Comparison(tuple(rows), signatures, os.environ.get("SACREBLEU_SEED", "12345"), lowercase)


def _r(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def comparison_table(c: Comparison) -> str:
    """A markdown table: one row per system, score (bootstrap mean ± 95% CI) and both p-values per metric."""
    metrics = list(c.rows[0].scores)
    head = ["system"] + [f"{m} (μ ± 95% CI)" for m in metrics] + [f"{m} p (bs / ar)" for m in metrics]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for k, row in enumerate(c.rows):
        cells = [("baseline: " if k == 0 else "") + row.name]
        for m in metrics:
            bs = row.bs.get(m, {})
            mean, ci = bs.get("mean"), bs.get("ci")
            extra = f" ({mean:.1f} ± {ci:.1f})" if mean is not None and ci is not None else ""
            cells.append(f"{row.scores[m]:.2f}{extra}")
        for m in metrics:
            if k == 0:
                cells.append("–")
                continue
            p_bs = row.bs.get(m, {}).get("p")
            p_ar = row.ar.get(m)
            cells.append(" / ".join("–" if p is None else f"{p:.4f}" for p in (p_bs, p_ar)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
