"""Runs and features of LIG stories, and the measures the issue asks for; shared by fit.py and evaluate.py.

Every run goes through the tool's own code: a story is parsed from the batch JSONL form (``parse_story``, one
paragraph of pre-segmented sentences), translated by a ``FileTranslator`` holding the detokenised Moses output
(what ``--translations`` does), aligned, scored and flagged by ``run_story``, and its features come from
``aligner.quality.story_features``, all with the held-out-clean lexical table (``lexicon_heldout.py``).
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lexicon_heldout
import lig

ROOT = lig.ROOT
FEATURE_CACHE = lig.ARTIFACTS / "features"
SECONDS = {"none": None, "google": "google", "bing": "bing"}


def use_clean_lexicon() -> Path:
    """Build (once) and select the lexical table that saw no LIG line and no newstest2009/2010 segment."""
    path = lexicon_heldout.OUT
    if not path.exists():
        lexicon_heldout.build(path)
    os.environ["ALIGNER_LEXICON"] = str(path)
    return path


def story_json(corpus: lig.Corpus, story: lig.Story, *, reference: bool) -> dict[str, Any]:
    """The story as a line of batch JSONL (what ``aligner batch`` reads)."""
    lines = [corpus.lines[n] for n in story.lines]
    obj: dict[str, Any] = {"id": story.id, "paragraphs": [[x.fr for x in lines]]}
    if reference and story.reference:
        obj["reference"] = [[x.ref for x in lines]]
    return obj


def run(corpus: lig.Corpus, story: lig.Story, *, reference: bool) -> Any:
    """``run_story`` on one story with the Moses output as existing translations."""
    from aligner.pipeline import run_story
    from aligner.reading.reader import parse_story
    from aligner.translation.memory import FileTranslator

    parsed = parse_story(story_json(corpus, story, reference=reference), story.id)
    translator = FileTranslator({corpus.lines[n].fr: corpus.lines[n].mt for n in story.lines}, name="moses")
    return run_story(parsed.source, translator, parsed.reference)


def sentence_lines(corpus: lig.Corpus, story: lig.Story, result: Any) -> list[int]:
    """The LIG line of each source sentence of ``result`` (sentence ``i`` ↔ ``story.lines[i]``; checked)."""
    assert len(result.source.sentences) == len(story.lines), story.id
    for s, n in zip(result.source.sentences, story.lines):
        assert " ".join(s.text.split()) == " ".join(corpus.lines[n].fr.split()), (story.id, n)
    return list(story.lines)


def token_spans(text: str, moses_tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of Moses tokens in their detokenised text (characters are kept by the detokeniser, only
    spaces differ); a token not found in order gets an empty span at the cursor."""
    spans = []
    at = 0
    for tok in moses_tokens:
        k = text.find(tok, at)
        if k < 0 or text[at:k].strip():
            spans.append((at, at))
            continue
        spans.append((k, k + len(tok)))
        at = k + len(tok)
    return spans


def unit_labels(text: str, units: Sequence[tuple[int, int]], line: lig.Line) -> list[bool]:
    """A word unit is BAD when a BAD Moses token overlaps it."""
    toks = line.mt_tok.split()
    spans = token_spans(text, toks)
    out = []
    for a, b in units:
        out.append(any(bad and s < b and a < e for (s, e), bad in zip(spans, line.bad)))
    return out


@dataclass
class Rows:
    """Feature rows of many stories for one setting (reference or not, which second opinion)."""

    bead_names: tuple[str, ...]
    bead_x: list[tuple[float, ...]]
    bead_edits: list[int]  # TER edits of the bead's LIG lines
    bead_words: list[int]  # Moses tokens of the bead's MT
    bead_pe_words: list[int]
    bead_story: list[str]
    bead_lines: list[tuple[int, ...]]
    word_names: tuple[str, ...]
    word_x: list[tuple[float, ...]]
    word_bad: list[bool]
    word_bead: list[int]  # index into the bead rows
    word_line: list[int]
    word_span: list[tuple[int, int]]
    bead_copy: list[int] = field(default_factory=list)  # which stacked part a row came from (fit.stack)
    word_copy: list[int] = field(default_factory=list)
    copy_names: list[str] = field(default_factory=list)


def _fingerprint() -> str:
    """What the cached rows depend on: the feature code, the corpus, the lexicon, and the code that makes rows."""
    import inspect

    import aligner.quality.features as features
    import aligner.quality.fluency as fluency
    from aligner.files import data_file

    digest = hashlib.sha256()
    for path in (Path(features.__file__), Path(fluency.__file__), data_file(fluency.LM_FILE), Path(lig.__file__),
                 lexicon_heldout.OUT):  # fmt: skip
        digest.update(path.read_bytes())
    for fn in (story_json, run, token_spans, unit_labels, rows_for, add_synthetic):
        digest.update(inspect.getsource(fn).encode())
    return digest.hexdigest()[:16]


def rows_for(
    corpus: lig.Corpus, stories: Iterable[lig.Story], *, reference: bool, seconds: Sequence[str], tag: str
) -> dict[str, Rows]:
    """Feature rows (cached under eval/artifacts/quality/features/) of ``stories`` run with or without their
    reference, per second opinion in ``seconds`` (``none``, ``google``, ``bing``): each story is run once."""
    from aligner.quality import resources, story_features, word_spans

    stories = list(stories)
    caches = {
        second: FEATURE_CACHE / f"{tag}-{'ref' if reference else 'noref'}-{second}-{_fingerprint()}.pkl"
        for second in seconds
    }
    if all(c.exists() for c in caches.values()):
        return {second: pickle.loads(c.read_bytes()) for second, c in caches.items()}
    res = resources()
    outs = {second: Rows((), [], [], [], [], [], [], (), [], [], [], [], []) for second in seconds}
    for story in stories:
        result = run(corpus, story, reference=reference)
        numbers = sentence_lines(corpus, story, result)
        labels = [
            unit_labels(text, spans, corpus.lines[n])
            for text, spans, n in zip(result.mt, [tuple(word_spans(t)) for t in result.mt], numbers)
        ]
        for second, out in outs.items():
            other = None if second == "none" else [getattr(corpus.lines[n], second) for n in numbers]
            feats = story_features(result, res, second=other)
            if not out.bead_names:
                out.bead_names, out.word_names = feats.beads.names, feats.words.names
            assert feats.beads.names == out.bead_names and feats.words.names == out.word_names, story.id
            base = len(out.bead_x)
            for k, bead in enumerate(result.beads):
                bead_lines = tuple(numbers[i] for i in bead.left)
                out.bead_x.append(feats.beads.rows[k])
                out.bead_edits.append(sum(corpus.lines[n].edits for n in bead_lines))
                out.bead_words.append(sum(corpus.lines[n].mt_words for n in bead_lines))
                out.bead_pe_words.append(sum(corpus.lines[n].pe_words for n in bead_lines))
                out.bead_story.append(story.id)
                out.bead_lines.append(bead_lines)
            n_row = 0
            for i, spans in enumerate(feats.spans):
                for j, span in enumerate(spans):
                    out.word_x.append(feats.words.rows[n_row])
                    out.word_bad.append(labels[i][j])
                    out.word_bead.append(base + feats.word_bead[n_row])
                    out.word_line.append(numbers[i])
                    out.word_span.append(span)
                    n_row += 1
    FEATURE_CACHE.mkdir(parents=True, exist_ok=True)
    for second, out in outs.items():
        caches[second].write_bytes(pickle.dumps(out))
    return outs


# --- synthetic beads ---------------------------------------------------------------------------------------------

SYNTHETIC = 1_000_000  # a synthetic line's number: this + the training line it was made from


def origin(n: int) -> int:
    """The LIG line a (synthetic) line number stands for."""
    return n - SYNTHETIC if n > SYNTHETIC else n


def add_synthetic(corpus: lig.Corpus, stories: Sequence[lig.Story], *, every: int = 4) -> list[lig.Story]:
    """Variants of every ``every``-th of ``stories`` in which every third sentence's MT is broken in a way LIG never
    shows but a broken MT model does: the French copied unchanged, or the MT of a sentence of another story. Their
    truth is that every word must change (share 1, all BAD). Added to ``corpus.lines``; the stories returned.

    Without them the model has never seen MT that is not English at all, and a copy of the source got a risk
    hardly above a good translation's (0.22 against 0.16): the trees do not extrapolate."""
    from dataclasses import replace

    from sacremoses import MosesTokenizer

    tokenizer = MosesTokenizer(lang="fr")
    chosen = list(stories)[::every]
    out = []
    for k, story in enumerate(chosen):
        donor = chosen[(k + 1) % len(chosen)].lines
        lines = []
        for j, n in enumerate(story.lines):
            line = corpus.lines[n]
            if j % 3 == 0:
                if j % 6 == 0:  # the French copied
                    mt_tok = " ".join(tokenizer.tokenize(line.fr, escape=False)).lower()
                    mt = line.fr
                else:  # another story's sentence
                    other = corpus.lines[donor[j % len(donor)]]
                    mt_tok, mt = other.mt_tok, other.mt
                words = len(mt_tok.split())
                corpus.lines[SYNTHETIC + n] = replace(line, n=SYNTHETIC + n, mt=mt, mt_tok=mt_tok, edits=words,
                                                      bad=[True] * words)  # fmt: skip
                lines.append(SYNTHETIC + n)
            else:
                lines.append(n)
        out.append(lig.Story(f"syn-{story.id}", lines, story.reference, story.block))
    return out


# --- measures --------------------------------------------------------------------------------------------------------


def caught_curve(
    scores: Sequence[float], edits: Sequence[float], words: Sequence[float]
) -> tuple[list[float], list[float]]:
    """Reviewing units from the highest score down: (share of MT words read, share of edits caught) after each unit,
    starting at (0, 0). Ties keep input order."""
    order = sorted(range(len(scores)), key=lambda k: -scores[k])
    total_w, total_e = float(sum(words)), float(sum(edits))
    xs, ys = [0.0], [0.0]
    w = e = 0.0
    for k in order:
        w += words[k]
        e += edits[k]
        xs.append(w / total_w)
        ys.append(e / total_e)
    return xs, ys


def caught_at(budget: float, scores: Sequence[float], edits: Sequence[float], words: Sequence[float]) -> float:
    """Share of all edits caught when the riskiest units are read up to ``budget`` of the MT words (the unit that
    crosses the budget is read in part, in proportion)."""
    xs, ys = caught_curve(scores, edits, words)
    for k in range(1, len(xs)):
        if xs[k] >= budget:
            span = xs[k] - xs[k - 1]
            part = (budget - xs[k - 1]) / span if span > 0 else 1.0
            return ys[k - 1] + part * (ys[k] - ys[k - 1])
    return 1.0


def pearson(a: Sequence[float], b: Sequence[float]) -> float:
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    va = math.sqrt(sum((x - ma) ** 2 for x in a))
    vb = math.sqrt(sum((y - mb) ** 2 for y in b))
    return cov / (va * vb) if va and vb else 0.0


def ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda k: values[k])
    out = [0.0] * len(values)
    k = 0
    while k < len(order):
        j = k
        while j + 1 < len(order) and values[order[j + 1]] == values[order[k]]:
            j += 1
        for m in range(k, j + 1):
            out[order[m]] = (k + j) / 2.0
        k = j + 1
    return out


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    return pearson(ranks(a), ranks(b))


def f1_mcc(pred: Sequence[bool], gold: Sequence[bool]) -> dict[str, float]:
    tp = int(sum(bool(p) and bool(g) for p, g in zip(pred, gold)))
    fp = int(sum(bool(p) and not g for p, g in zip(pred, gold)))
    fn = int(sum(bool(g) and not p for p, g in zip(pred, gold)))
    tn = len(gold) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    f1_ok_p = tn / (tn + fn) if tn + fn else 0.0
    f1_ok_r = tn / (tn + fp) if tn + fp else 0.0
    f1_ok = 2 * f1_ok_p * f1_ok_r / (f1_ok_p + f1_ok_r) if f1_ok_p + f1_ok_r else 0.0
    denom = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    mcc = (tp * tn - fp * fn) / denom if denom else 0.0
    return {"f1_bad": f1, "precision_bad": precision, "recall_bad": recall, "f1_ok": f1_ok, "mcc": mcc}
