"""The scoring harness: standard test sets through sacreBLEU, system comparison with significance, COMET.

Test sets come from sacreBLEU's own dataset API (``sacrebleu.dataset.DATASETS``), so a filled
``$SACREBLEU`` cache works with no network, and the segments, references and ``--origlang``
subsets are exactly the ones ``sacrebleu -t NAME -l PAIR`` uses. Files are read as the sacrebleu
CLI reads them (universal newlines, trailing whitespace stripped), so the same file gives the same
scores.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..reading.reader import read_lines
from ..results import EvalResult, SegmentResult, rounded
from ..signature import Signature, score_signature
from .comet import comet_score
from .metrics import corpus_scores, length_buckets, sentence_scores, worst


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


def evaluate(
    testset: TestSet,
    hypotheses: Sequence[str],
    *,
    system: str,
    signature: Signature,
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
    per_segment = tuple(sentence_scores(h, r) for h, r in zip(hyps, refs))
    worst_segments = tuple(
        SegmentResult(
            k, testset.docids[k], testset.sources[k], hyps[k], refs[k], per_segment[k].bleu, per_segment[k].chrf
        )
        for k in worst(per_segment)
    )
    notes: list[str] = []
    comet = None
    if want_comet:
        comet, why = comet_score(testset.sources, hyps, refs, comet_checkpoint)
        if why:
            notes.append(why)
    return EvalResult(
        testset.name,
        testset.langpair,
        testset.origlang,
        len(hyps),
        system,
        signature,
        corpus,
        per_document,
        length_buckets(list(zip(hyps, refs))),
        worst_segments,
        None if comet is None else rounded(comet),
        tuple(notes),
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # a | inside a markdown table cell must be escaped


def eval_markdown(r: EvalResult, command: str) -> str:
    """A markdown report of one evaluation: every score with its full signature, so runs can be diffed."""
    subset = f", origlang={r.origlang}" if r.origlang else ""
    lines = [
        f"# {r.test_set} {r.langpair}{subset}: {r.system}",
        "",
        f"{r.segments} segments in {len(r.documents)} documents. Made by:",
        "",
        f"    {command}",
        "",
        "| metric | score | signature |",
        "|---|---|---|",
    ]
    lines += [
        f"| {m.name} | {m.score:.2f} | `{_cell(score_signature(m.signature, r.signature))}` |" for m in r.corpus.metrics
    ]
    if r.comet is not None:
        lines.append(f"| COMET | {r.comet:.2f} | local checkpoint |")
    lines += [f"\n{note}" for note in r.notes]
    lines += ["", "## By reference length (words)", "", "| words | segments | BLEU | chrF |", "|---|---|---|---|"]
    for b in r.by_length:
        if b.scores is not None:
            lines.append(f"| {b.label} | {len(b.segments)} | {b.scores.bleu.score:.2f} | {b.scores.chrf.score:.2f} |")
    ranked = sorted(r.documents, key=lambda d: d[1].chrf.score)
    lines += ["", "## Documents, lowest chrF first (10)", "", "| docid | BLEU | chrF |", "|---|---|---|"]
    lines += [f"| {d} | {s.bleu.score:.2f} | {s.chrf.score:.2f} |" for d, s in ranked[:10]]
    lines += ["", "## Worst segments (sentence chrF)", "", "| # | docid | chrF | MT | reference |", "|---|" * 5]
    for w in r.worst:
        cells = [str(w.segment), w.docid, f"{w.chrf:.1f}", w.mt, w.reference]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
