"""Gold sentence-alignment sets in TransRead's layout, and running an aligner over them.

A set is a folder of books ``B``: ``B.fr`` and ``B.en`` (one sentence per line), optional
``B.fr.ids`` / ``B.en.ids`` (``<paragraph>.<n>`` per sentence) and ``B.links.tsv`` (one gold bead per
line: comma-separated 0-based English indices, a tab, comma-separated French indices; either side
may be empty).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .align import Alignment
from .align_eval import AlignScores, BeadPair, score_alignments
from .errors import InputError
from .evaluate import read_lines


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


@dataclass(frozen=True)
class BookResult:
    book: str
    scores: AlignScores
    seconds: float
    signature: str


def evaluate_aligner(books: Sequence[Book], align: Callable[[Book], Alignment]) -> tuple[list[BookResult], AlignScores]:
    """Per-book and micro-averaged vecalign strict/lax P/R/F1."""
    results = []
    pairs = []
    for book in books:
        start = time.perf_counter()
        alignment = align(book)
        seconds = time.perf_counter() - start
        test = [(b.left, b.right) for b in alignment.beads]
        results.append(BookResult(book.name, score_alignments([(book.gold, test)]), seconds, alignment.signature()))
        pairs.append((book.gold, test))
    return results, score_alignments(pairs)


def _row(name: str, s: AlignScores, extra: str = "") -> str:
    return (
        f"| {name} | {s.precision_strict:.3f} | {s.recall_strict:.3f} | {s.f1_strict:.3f} | "
        f"{s.precision_lax:.3f} | {s.recall_lax:.3f} | {s.f1_lax:.3f} |{extra}"
    )


def results_table(results: Sequence[BookResult], micro: AlignScores, *, tuned_on: Sequence[str] = ()) -> str:
    """Markdown: one row per book (tuning books marked †), then the micro average over all of them."""
    head = "| book | P strict | R strict | F1 strict | P lax | R lax | F1 lax | seconds |\n" + "|---" * 8 + "|"
    rows = [_row(r.book + (" †" if r.book in tuned_on else ""), r.scores, f" {r.seconds:.2f} |") for r in results]
    rows.append(_row(f"**micro, {len(results)} books**", micro, f" {sum(r.seconds for r in results):.2f} |"))
    return head + "\n" + "\n".join(rows) + "\n"
