"""Gold sentence alignments: gold sets in TransRead's layout, and vecalign's strict and lax scoring.

A gold set is a folder of books ``B``: ``B.fr`` and ``B.en`` (one sentence per line), optional
``B.fr.ids`` / ``B.en.ids`` (``<paragraph>.<n>`` per sentence) and ``B.links.tsv`` (one gold bead per
line: comma-separated 0-based English indices, a tab, comma-separated French indices; either side
may be empty).

Scores are precision, recall and F1 as vecalign's ``score.py`` defines them.

Beads are compared as ``(left ids, right ids)`` pairs of tuples. Precision counts every system bead
(a null bead is right only if the gold has the same null bead); recall is computed with the roles
swapped after dropping null beads from both sides. Several documents are micro-averaged by adding
their counts. A lax hit is a bead whose right side meets the gold partners of its left side.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..alignment.beads import Alignment
from ..errors import InputError
from ..reading.reader import read_lines
from ..results import AlignmentEvaluation, AlignScores, BookResult, Counts
from ..signature import Signature

BeadPair = tuple[tuple[int, ...], tuple[int, ...]]


def _hits(gold: Iterable[BeadPair], test: Iterable[BeadPair]) -> Counts:
    gold_set = {(tuple(a), tuple(b)) for a, b in gold if a or b}
    test_set = {(tuple(a), tuple(b)) for a, b in test if a or b}
    partners: dict[int, set[int]] = defaultdict(set)
    for left, right in gold_set:
        for i in left:
            partners[i].update(right)
    sh = sm = lh = lm = 0
    for left, right in test_set:
        if (left, right) in gold_set:
            sh += 1
            lh += 1
            continue
        sm += 1
        facing: set[int] = set()
        for i in left:
            facing |= partners[i]
        if facing & set(right):
            lh += 1
        else:
            lm += 1
    return Counts(sh, sm, lh, lm)


def counts(gold: Sequence[BeadPair], test: Sequence[BeadPair]) -> tuple[Counts, Counts]:
    """(precision counts, recall counts) for one document."""
    p = _hits(gold, test)
    r = _hits([b for b in test if b[0] and b[1]], [b for b in gold if b[0] and b[1]])
    return p, r


def score_alignments(pairs: Iterable[tuple[Sequence[BeadPair], Sequence[BeadPair]]]) -> AlignScores:
    """Micro-averaged scores over ``(gold, test)`` documents."""
    pc, rc = Counts(), Counts()
    for gold, test in pairs:
        p, r = counts(gold, test)
        pc, rc = pc + p, rc + r
    return AlignScores(pc, rc)


@dataclass(frozen=True)
class Book:
    name: str
    french: tuple[str, ...]
    english: tuple[str, ...]
    french_paragraphs: tuple[int, ...] | None
    english_paragraphs: tuple[int, ...] | None
    gold: tuple[BeadPair, ...]  # (French ids, English ids)


def _paragraphs(path: Path, n: int) -> tuple[int, ...] | None:
    if not path.is_file():
        return None
    ids = read_lines(path)
    if len(ids) != n:
        raise InputError(f"{path}: {len(ids)} ids for {n} sentences")
    try:
        return tuple(int(i.split(".")[0]) for i in ids)
    except ValueError:
        raise InputError(f"{path}: ids must look like <paragraph>.<n>") from None


def _ids(field: str, where: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in field.split(",") if x.strip())
    except ValueError:
        raise InputError(f"{where}: expected comma-separated sentence numbers, got {field!r}") from None


def load_book(folder: Path, name: str) -> Book:
    french = tuple(read_lines(folder / f"{name}.fr"))
    english = tuple(read_lines(folder / f"{name}.en"))
    gold = []
    links = folder / f"{name}.links.tsv"
    for k, line in enumerate(read_lines(links), 1):
        if not line.strip():
            continue
        en, _, fr = line.partition("\t")
        gold.append((_ids(fr, f"{links}:{k}"), _ids(en, f"{links}:{k}")))
    return Book(
        name,
        french,
        english,
        _paragraphs(folder / f"{name}.fr.ids", len(french)),
        _paragraphs(folder / f"{name}.en.ids", len(english)),
        tuple(gold),
    )


def load_goldset(folder: str | Path, names: Sequence[str] | None = None) -> list[Book]:
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder of gold alignments")
    available = sorted(p.name[: -len(".links.tsv")] for p in folder.glob("*.links.tsv"))
    if not available:
        raise InputError(f"{folder}: no B.links.tsv files (TransRead layout: B.fr, B.en, B.links.tsv)")
    chosen = list(names) if names else available
    missing = [b for b in chosen if b not in available]
    if missing:
        raise InputError(f"{folder}: no book {missing[0]!r}; books: {', '.join(available)}")
    return [load_book(folder, b) for b in chosen]


def evaluate_aligner(
    books: Sequence[Book], align: Callable[[Book], Alignment], *, gold: str = "", tuned_on: Sequence[str] = ()
) -> AlignmentEvaluation:
    """Per-book and micro-averaged vecalign strict/lax P/R/F1 of ``align`` on ``books``."""
    results = []
    pairs = []
    signature = Signature()
    for book in books:
        start = time.perf_counter()
        alignment = align(book)
        seconds = round(time.perf_counter() - start, 3)
        test = [(b.left, b.right) for b in alignment.beads]
        results.append(BookResult(book.name, score_alignments([(book.gold, test)]), seconds))
        pairs.append((book.gold, test))
        signature = Signature().with_alignment(alignment.method, alignment.settings, alignment.lexicon)
    return AlignmentEvaluation(gold, signature, tuple(results), score_alignments(pairs), tuple(tuned_on))


def _row(name: str, s: AlignScores, extra: str = "") -> str:
    return (
        f"| {name} | {s.precision_strict:.3f} | {s.recall_strict:.3f} | {s.f1_strict:.3f} | "
        f"{s.precision_lax:.3f} | {s.recall_lax:.3f} | {s.f1_lax:.3f} |{extra}"
    )


def results_table(evaluation: AlignmentEvaluation) -> str:
    """Markdown: one row per book (tuning books marked †), then the micro average over all of them, and, when some
    books were tuned on, over the others alone (the figure that says how the costs do on books they never saw)."""
    books, tuned_on = evaluation.books, evaluation.tuned_on
    head = "| book | P strict | R strict | F1 strict | P lax | R lax | F1 lax | seconds |\n" + "|---" * 8 + "|"
    rows = [_row(r.book + (" †" if r.book in tuned_on else ""), r.scores, f" {r.seconds:.2f} |") for r in books]
    rows.append(_row(f"**micro, {len(books)} books**", evaluation.micro, f" {sum(r.seconds for r in books):.2f} |"))
    held_out = [r for r in books if r.book not in tuned_on]
    if tuned_on and held_out:
        unseen = AlignScores(
            sum((r.scores.precision_counts for r in held_out), Counts()),
            sum((r.scores.recall_counts for r in held_out), Counts()),
        )
        seconds = sum(r.seconds for r in held_out)
        name = f"**micro, {len(held_out)} book{'s' if len(held_out) > 1 else ''} not tuned on**"
        rows.append(_row(name, unseen, f" {seconds:.2f} |"))
    return head + "\n" + "\n".join(rows) + "\n"
