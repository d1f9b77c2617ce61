"""The scoring harness: standard test sets through sacreBLEU, system comparison with significance, COMET.

Test sets come from sacreBLEU's own dataset API (``sacrebleu.dataset.DATASETS``), so a filled
``$SACREBLEU`` cache works with no network, and the segments, references and ``--origlang``
subsets are exactly the ones ``sacrebleu -t NAME -l PAIR`` uses. Files are read as the sacrebleu
CLI reads them (universal newlines, trailing whitespace stripped), so the same file gives the same
scores.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .reader import decode, read_bytes
from .score import BeadScore, Bucket, Scores, corpus_scores, length_buckets, sentence_scores, worst


def read_lines(path: str | Path) -> list[str]:
    """A line-per-segment file as the sacrebleu CLI reads it: universal newlines, each line ``rstrip()``-ed."""
    text = decode(read_bytes(path), path).replace("\r\n", "\n").replace("\r", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    return [line.rstrip() for line in text.split("\n")] if text else []


@dataclass(frozen=True)
class TestSet:
    """One sacreBLEU test set and language pair, optionally restricted to documents of one original language."""

    __test__ = False  # not a pytest class

    name: str
    langpair: str
    origlang: str | None
    sources: tuple[str, ...]
    references: tuple[str, ...]
    docids: tuple[str, ...]
    kept: tuple[int, ...]  # indices into the full test set of the segments above
    full_size: int

    def documents(self) -> list[tuple[str, list[int]]]:
        """(docid, positions in this subset) in order of first appearance."""
        out: dict[str, list[int]] = {}
        for k, d in enumerate(self.docids):
            out.setdefault(d, []).append(k)
        return list(out.items())

    def head(self, n_docs: int) -> TestSet:
        """The first ``n_docs`` documents only (a quick check; scores are then not comparable to published ones)."""
        positions = sorted(k for _, ks in self.documents()[:n_docs] for k in ks)
        return TestSet(
            self.name,
            self.langpair,
            self.origlang,
            tuple(self.sources[k] for k in positions),
            tuple(self.references[k] for k in positions),
            tuple(self.docids[k] for k in positions),
            tuple(self.kept[k] for k in positions),
            self.full_size,
        )


def load_testset(name: str, langpair: str, origlang: str | None = None) -> TestSet:
    """Sources, references and document ids of a sacreBLEU test set, from its cache (``$SACREBLEU``) or the web."""
    from sacrebleu.dataset import DATASETS
    from sacrebleu.utils import filter_subset

    if name not in DATASETS:
        near = sorted(d for d in DATASETS if d.startswith(name[:4]))[:12]
        raise InputError(f"sacreBLEU knows no test set {name!r}" + (f"; similar: {', '.join(near)}" if near else ""))
    dataset = DATASETS[name]
    if langpair not in dataset.langpairs:
        pairs = ", ".join(sorted(p for p in dataset.langpairs if "-" in p))
        raise InputError(f"test set {name} has no language pair {langpair!r}; it has: {pairs}")
    cache = os.environ.get("SACREBLEU", "~/.sacrebleu")
    try:
        files = dict(zip(dataset.fieldnames(langpair), dataset.get_files(langpair)))  # type: ignore[no-untyped-call]
        columns = {key: read_lines(path) for key, path in files.items()}
    except (SystemExit, Exception) as exc:  # sacreBLEU exits or raises when the download fails
        raise InputError(
            f"cannot get test set {name} {langpair} from the sacreBLEU cache {cache} and the download failed "
            f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); on an offline machine point "
            "SACREBLEU at a filled cache folder"
        ) from None
    n = len(columns["src"])
    refs = columns.get("ref") or next(v for k, v in columns.items() if k.startswith("ref"))
    docids = columns.get("docid") or [f"{name}-{i}" for i in range(n)]
    kept: list[int] = list(range(n))
    if origlang is not None:
        try:
            (kept,) = filter_subset([kept], name, langpair, origlang)  # type: ignore[no-untyped-call]
        except Exception as exc:
            raise InputError(f"--origlang {origlang}: {exc}") from None
        if not kept:
            raise InputError(f"test set {name} {langpair} has no document with origlang={origlang}")
    return TestSet(
        name,
        langpair,
        origlang,
        tuple(columns["src"][i] for i in kept),
        tuple(refs[i] for i in kept),
        tuple(docids[i] for i in kept),
        tuple(kept),
        n,
    )


def select_hypotheses(testset: TestSet, lines: Sequence[str], path: str | Path) -> list[str]:
    """A system's lines for ``testset``: a file covering the full set (filtered as sacreBLEU filters it) or exactly
    the selected subset."""
    if len(lines) == testset.full_size:
        return [lines[i] for i in testset.kept]
    if len(lines) == len(testset.kept):
        return list(lines)
    subset = f" (or {len(testset.kept)}, the selected segments)" if len(testset.kept) < testset.full_size else ""
    raise InputError(
        f"{path}: {len(lines)} lines, but {testset.name} {testset.langpair} has {testset.full_size}{subset}; "
        "give one translation per test-set segment, in order"
    )


def translate_testset(
    testset: TestSet, translate: Callable[[list[str]], list[str]], on_document: Callable[[int], None] | None = None
) -> list[str]:
    """Translate document by document (one call per document id), keeping segment order."""
    out: list[str] = [""] * len(testset.sources)
    for _, positions in testset.documents():
        for k, text in zip(positions, translate([testset.sources[k] for k in positions])):
            out[k] = text
        if on_document is not None:
            on_document(len(positions))
    return out


@dataclass(frozen=True)
class EvalResult:
    testset: TestSet
    system: str  # file name or model id
    hypotheses: tuple[str, ...]
    corpus: Scores
    per_document: tuple[tuple[str, Scores], ...]
    per_segment: tuple[BeadScore, ...]
    by_length: tuple[Bucket, ...]
    worst_segments: tuple[int, ...]
    ours: Mapping[str, str]
    comet: float | None = None
    notes: tuple[str, ...] = field(default=())


def evaluate(
    testset: TestSet,
    hypotheses: Sequence[str],
    *,
    system: str,
    ours: Mapping[str, str],
    comet_checkpoint: str | Path | None = None,
    want_comet: bool = False,
) -> EvalResult:
    """Corpus BLEU, chrF, chrF++ and TER exactly as ``sacrebleu -t``; per document, per length bucket, worst
    segments; COMET when asked for and a local checkpoint is given."""
    refs = list(testset.references)
    hyps = list(hypotheses)
    corpus = corpus_scores(hyps, refs)
    per_document = tuple(
        (doc, corpus_scores([hyps[k] for k in ks], [refs[k] for k in ks], ter=False, chrfpp=False))
        for doc, ks in testset.documents()
    )
    per_segment = tuple(BeadScore(*sentence_scores(h, r)) for h, r in zip(hyps, refs))
    notes: list[str] = []
    comet = None
    if want_comet:
        comet, why = comet_score(testset.sources, hyps, refs, comet_checkpoint)
        if why:
            notes.append(why)
    return EvalResult(
        testset,
        system,
        tuple(hyps),
        corpus,
        per_document,
        per_segment,
        length_buckets(list(zip(hyps, refs))),
        worst(per_segment),
        dict(ours),
        comet,
        tuple(notes),
    )


def comet_score(
    sources: Sequence[str], hyps: Sequence[str], refs: Sequence[str], checkpoint: str | Path | None
) -> tuple[float | None, str]:
    """System-level COMET (×100) from a local checkpoint; never downloads. Returns (score, "") or (None, why not).

    unbabel-comet 2.2.7 (the current release) pins transformers<5, so it usually cannot live in aligner's
    environment: then its ``comet-score`` command, installed in an environment of its own (``pipx install
    unbabel-comet``) and found on PATH, is run on the same files.
    """
    if checkpoint is None:
        return None, (
            "COMET skipped: no checkpoint given; pass --comet-model PATH to a local unbabel-comet checkpoint "
            "(…/checkpoints/model.ckpt); aligner never downloads one"
        )
    path = Path(checkpoint)
    if not path.is_file() or path.suffix != ".ckpt":
        return None, f"COMET skipped: {path} is not a checkpoint file (…/checkpoints/model.ckpt)"
    try:
        from comet import load_from_checkpoint  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return _comet_cli(sources, hyps, refs, path)
    try:
        model = load_from_checkpoint(str(path), reload_hparams=False)
        data = [{"src": s, "mt": h, "ref": r} for s, h, r in zip(sources, hyps, refs)]
        out = model.predict(data, batch_size=16, gpus=0, progress_bar=False)
    except Exception as exc:
        return None, f"COMET skipped: {path} could not be used ({str(exc).splitlines()[0] if str(exc) else exc!r})"
    return float(out.system_score) * 100, ""


def _comet_cli(
    sources: Sequence[str], hyps: Sequence[str], refs: Sequence[str], checkpoint: Path
) -> tuple[float | None, str]:
    import re
    import shutil
    import subprocess
    import tempfile

    exe = shutil.which("comet-score")
    if exe is None:
        return None, (
            "COMET skipped: unbabel-comet is not installed; it needs transformers<5, so install it apart "
            "(pipx install unbabel-comet) to put comet-score on PATH"
        )
    with tempfile.TemporaryDirectory(prefix="aligner-comet-") as tmp:
        files = {}
        for name, lines in (("src", sources), ("hyp", hyps), ("ref", refs)):
            files[name] = Path(tmp) / f"{name}.txt"
            files[name].write_text("".join(line.replace("\n", " ") + "\n" for line in lines), encoding="utf-8")
        cmd = [exe, "-s", str(files["src"]), "-t", str(files["hyp"]), "-r", str(files["ref"]), "--model",
               str(checkpoint), "--gpus", "0", "--only_system", "--quiet"]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True)
    found = re.findall(r"\tscore: (-?[0-9.]+)", proc.stdout)
    if proc.returncode != 0 or not found:
        last = (proc.stderr.strip().splitlines() or ["no score printed"])[-1]
        return None, f"COMET skipped: comet-score failed on {checkpoint} ({last})"
    return float(found[-1]) * 100, ""


def eval_json(r: EvalResult) -> dict[str, Any]:
    """The ``result.json`` of ``aligner eval`` (schema ``aligner.eval/1``)."""
    from .score import with_ours

    def signed(scores: Scores) -> dict[str, Any]:
        out = scores.as_dict()
        for metric in out.values():
            metric["signature"] = with_ours(str(metric["signature"]), r.ours)
        return out

    return {
        "schema": "aligner.eval/1",
        "test_set": r.testset.name,
        "langpair": r.testset.langpair,
        "origlang": r.testset.origlang,
        "segments": len(r.hypotheses),
        "system": r.system,
        "signature": dict(r.ours),
        "scores": signed(r.corpus),
        "comet": None if r.comet is None else round(r.comet, 4),
        "notes": list(r.notes),
        "documents": [{"docid": d, **signed(s)} for d, s in r.per_document],
        "by_length": [
            {"reference_words": b.label, "segments": len(b.segments), **(signed(b.scores) if b.scores else {})}
            for b in r.by_length
        ],
        "worst_segments": [
            {
                "segment": k,
                "docid": r.testset.docids[k],
                "source": r.testset.sources[k],
                "mt": r.hypotheses[k],
                "reference": r.testset.references[k],
                "bleu": round(r.per_segment[k].bleu, 4),
                "chrf": round(r.per_segment[k].chrf, 4),
            }
            for k in r.worst_segments
        ],
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # a | inside a markdown table cell must be escaped


def eval_markdown(r: EvalResult, command: str) -> str:
    """A markdown report of one evaluation: every score with its full signature, so runs can be diffed."""
    from .score import with_ours

    t = r.testset
    subset = f", origlang={t.origlang}" if t.origlang else ""
    lines = [
        f"# {t.name} {t.langpair}{subset}: {r.system}",
        "",
        f"{len(r.hypotheses)} segments in {len(r.per_document)} documents. Made by:",
        "",
        f"    {command}",
        "",
        "| metric | score | signature |",
        "|---|---|---|",
    ]
    lines += [f"| {m.name} | {m.score:.2f} | `{_cell(with_ours(m.signature, r.ours))}` |" for m in r.corpus.metrics]
    if r.comet is not None:
        lines.append(f"| COMET | {r.comet:.2f} | local checkpoint |")
    lines += [f"\n{note}" for note in r.notes]
    lines += ["", "## By reference length (words)", "", "| words | segments | BLEU | chrF |", "|---|---|---|---|"]
    for b in r.by_length:
        if b.scores is not None:
            lines.append(f"| {b.label} | {len(b.segments)} | {b.scores.bleu.score:.2f} | {b.scores.chrf.score:.2f} |")
    ranked = sorted(r.per_document, key=lambda d: d[1].chrf.score)
    lines += ["", "## Documents, lowest chrF first (10)", "", "| docid | BLEU | chrF |", "|---|---|---|"]
    lines += [f"| {d} | {s.bleu.score:.2f} | {s.chrf.score:.2f} |" for d, s in ranked[:10]]
    lines += ["", "## Worst segments (sentence chrF)", "", "| # | docid | chrF | MT | reference |", "|---|" * 5]
    for k in r.worst_segments:
        cells = [str(k), t.docids[k], f"{r.per_segment[k].chrf:.1f}", r.hypotheses[k], t.references[k]]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class SystemRow:
    name: str
    scores: dict[str, float]  # metric name → corpus score
    bs: dict[str, dict[str, float | None]]  # metric name → {mean, ci, p} from paired bootstrap
    ar: dict[str, float | None]  # metric name → p-value from approximate randomisation (None for the baseline)


@dataclass(frozen=True)
class Comparison:
    rows: tuple[SystemRow, ...]
    signatures: dict[str, str]  # "bs:BLEU" / "ar:BLEU" → sacreBLEU signature of that test
    seed: str
    lowercase: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": "aligner.compare/1",
            "baseline": self.rows[0].name,
            "seed": self.seed,
            "lowercase": self.lowercase,
            "systems": [{"name": r.name, "scores": r.scores, "paired_bs": r.bs, "paired_ar": r.ar} for r in self.rows],
            "signatures": self.signatures,
        }


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
