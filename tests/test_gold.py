"""Gold alignments: the TransRead folder layout, vecalign's strict and lax precision/recall, and the results table.

Every expected score below is counted by hand from the beads (see the comments), not read off the code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from aligner.alignment.beads import Alignment, Bead
from aligner.errors import InputError
from aligner.results import AlignmentEvaluation, Counts
from aligner.scoring.gold import (
    BeadPair,
    Book,
    evaluate_aligner,
    load_book,
    load_goldset,
    results_table,
    score_alignments,
)


def write_book(
    folder: Path,
    name: str,
    fr: Sequence[str],
    en: Sequence[str],
    links: Sequence[str],
    fr_ids: Sequence[str] | None = None,
    en_ids: Sequence[str] | None = None,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.fr").write_text("\n".join(fr) + "\n", encoding="utf-8")
    (folder / f"{name}.en").write_text("\n".join(en) + "\n", encoding="utf-8")
    (folder / f"{name}.links.tsv").write_text("\n".join(links) + "\n", encoding="utf-8")
    if fr_ids is not None:
        (folder / f"{name}.fr.ids").write_text("\n".join(fr_ids) + "\n", encoding="utf-8")
    if en_ids is not None:
        (folder / f"{name}.en.ids").write_text("\n".join(en_ids) + "\n", encoding="utf-8")


FR = ["Il pleut.", "Le chat dort.", "Il rêve.", "Une phrase en trop."]
EN = ["It is raining.", "The cat sleeps and dreams.", "An added sentence."]
# links are "English ids<TAB>French ids"; either side may be empty
LINKS = ["0\t0", "1\t1,2", "\t3", "2\t"]


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    folder = tmp_path / "gold"
    write_book(folder, "B", FR, EN, LINKS, fr_ids=["0.0", "1.0", "1.1", "2.0"], en_ids=["0.0", "1.0", "1.1"])
    write_book(folder, "A", ["Un."], ["One."], ["0\t0"])
    return folder


def test_load_book(gold: Path) -> None:
    book = load_book(gold, "B")
    assert book == Book(
        "B",
        tuple(FR),
        tuple(EN),
        (0, 1, 1, 2),
        (0, 1, 1),
        # (French ids, English ids): the columns are swapped on the way in
        (((0,), (0,)), ((1, 2), (1,)), ((3,), ()), ((), (2,))),
    )


def test_load_book_without_ids_files_has_no_paragraphs(gold: Path) -> None:
    book = load_book(gold, "A")
    assert book.french_paragraphs is None and book.english_paragraphs is None
    assert book.gold == (((0,), (0,)),)


def test_load_book_skips_blank_link_lines_and_spaces_in_ids(tmp_path: Path) -> None:
    write_book(tmp_path, "C", ["a", "b", "c"], ["x", "y"], ["0\t0", "", "1 \t 1, 2"])
    assert load_book(tmp_path, "C").gold == (((0,), (0,)), ((1, 2), (1,)))


def test_load_goldset_all_books_sorted(gold: Path) -> None:
    assert [b.name for b in load_goldset(gold)] == ["A", "B"]


def test_load_goldset_chosen_books_in_the_given_order(gold: Path) -> None:
    assert [b.name for b in load_goldset(str(gold), ["B", "A"])] == ["B", "A"]


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere: no such folder of gold alignments"):
        load_goldset(tmp_path / "nowhere")


def test_folder_without_links_files(tmp_path: Path) -> None:
    (tmp_path / "B.fr").write_text("Un.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no B\.links\.tsv files \(TransRead layout: B\.fr, B\.en, B\.links\.tsv\)"):
        load_goldset(tmp_path)


def test_unknown_book(gold: Path) -> None:
    with pytest.raises(InputError, match=r"no book 'Z'; books: A, B$"):
        load_goldset(gold, ["A", "Z"])


@pytest.mark.parametrize(
    ("side", "ids", "message"),
    [
        ("fr", ["0.0", "1.0", "1.1"], r"B\.fr\.ids: 3 ids for 4 sentences"),
        ("en", ["0.0", "1.0", "1.1", "2.0"], r"B\.en\.ids: 4 ids for 3 sentences"),
        ("fr", ["0.0", "1.0", "x.1", "2.0"], r"B\.fr\.ids: ids must look like <paragraph>\.<n>"),
        ("en", ["0.0", "", "1.1"], r"B\.en\.ids: ids must look like <paragraph>\.<n>"),
    ],
)
def test_bad_ids_files(tmp_path: Path, side: str, ids: list[str], message: str) -> None:
    write_book(tmp_path, "B", FR, EN, LINKS, **{f"{side}_ids": ids})
    with pytest.raises(InputError, match=message):
        load_goldset(tmp_path)


@pytest.mark.parametrize(
    ("line", "bad"),
    [
        ("0\ta", "'a'"),  # French side
        ("1;2\t0", "'1;2'"),  # English side, wrong separator
        ("0\t1.5", "'1.5'"),
    ],
)
def test_bad_link_field(tmp_path: Path, line: str, bad: str) -> None:
    write_book(tmp_path, "B", FR, EN, ["0\t0", line])
    with pytest.raises(InputError, match=rf"B\.links\.tsv:2: expected comma-separated sentence numbers, got {bad}"):
        load_goldset(tmp_path)


def p(left: Sequence[int], right: Sequence[int]) -> BeadPair:
    return (tuple(left), tuple(right))


SAME = [p([0], [0]), p([1], [1])]
MERGE_GOLD = [p([0], [0]), p([1, 2], [1])]
SPLIT_TEST = [p([0], [0]), p([1], [1]), p([2], [])]


@pytest.mark.parametrize(
    ("gold", "test", "precision", "recall", "scores"),
    [
        # nothing at all: every ratio is 0, not a division by zero
        ([], [], Counts(), Counts(), (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)),
        (SAME, SAME, Counts(2, 0, 2, 0), Counts(2, 0, 2, 0), (1.0, 1.0, 1.0, 1.0, 1.0, 1.0)),
        # the 2-1 gold bead found as 1-1 + 1-0: (1)-(1) is a lax hit (1's gold partners meet {1}), (2)-() a lax
        # miss (nothing on its right). Recall: gold's (1,2)-(1) against the test's non-null beads: lax hit only.
        # P strict 1/3, R strict 1/2 → F1 0.4; P lax 2/3, R lax 1 → F1 0.8
        (MERGE_GOLD, SPLIT_TEST, Counts(1, 2, 2, 1), Counts(1, 1, 2, 0), (1 / 3, 1 / 2, 0.4, 2 / 3, 1.0, 0.8)),
        # the same null bead on both sides is a strict hit for precision; recall ignores null beads
        ([p([0], [0]), p([1], [])], [p([0], [0]), p([1], [])], Counts(2, 0, 2, 0), Counts(1, 0, 1, 0),
         (1.0, 1.0, 1.0, 1.0, 1.0, 1.0)),
        # a deletion the gold does not have: a precision miss (strict and lax), recall untouched
        ([p([0], [0]), p([1], [1])], [p([0], [0]), p([1], []), p([], [1])], Counts(1, 2, 1, 2), Counts(1, 1, 1, 1),
         (1 / 3, 1 / 2, 0.4, 1 / 3, 1 / 2, 0.4)),
        # a crossed pairing: no overlap with the gold partners, so not even lax
        ([p([0], [0]), p([1], [1])], [p([0], [1]), p([1], [0])], Counts(0, 2, 0, 2), Counts(0, 2, 0, 2),
         (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)),
        # empty-on-both-sides beads are ignored everywhere
        ([*SAME, p([], [])], [*SAME, p([], [])], Counts(2, 0, 2, 0), Counts(2, 0, 2, 0), (1.0,) * 6),
    ],
)  # fmt: skip
def test_score_alignments(
    gold: list[BeadPair],
    test: list[BeadPair],
    precision: Counts,
    recall: Counts,
    scores: tuple[float, float, float, float, float, float],
) -> None:
    s = score_alignments([(gold, test)])
    assert s.precision_counts == precision
    assert s.recall_counts == recall
    got = (s.precision_strict, s.recall_strict, s.f1_strict, s.precision_lax, s.recall_lax, s.f1_lax)
    assert got == pytest.approx(scores)


def test_documents_are_micro_averaged() -> None:
    """Counts are added before dividing: 2/2 and 1/3 make 3/5, not the mean of 1 and 1/3."""
    s = score_alignments([(SAME, SAME), (MERGE_GOLD, SPLIT_TEST)])
    assert s.precision_counts == Counts(3, 2, 4, 1)
    assert s.precision_strict == pytest.approx(3 / 5)
    assert s.recall_strict == pytest.approx(3 / 4)
    assert s.precision_lax == pytest.approx(4 / 5)


def test_evaluate_aligner(gold: Path) -> None:
    books = load_goldset(gold)
    seen: list[str] = []

    def one_to_one(book: Book) -> Alignment:
        """Pairs sentence i with sentence i and leaves the rest null."""
        seen.append(book.name)
        n, m = len(book.french), len(book.english)
        beads = [Bead((i,), (i,), 1.0) for i in range(min(n, m))]
        beads += [Bead((i,), (), 0.0) for i in range(m, n)] + [Bead((), (j,), 0.0) for j in range(n, m)]
        return Alignment(tuple(beads), "diagonal", (("width", "3"),), "0123456789abcdef")

    evaluation = evaluate_aligner(books, one_to_one, gold="transread", tuned_on=["A"])
    assert seen == ["A", "B"]
    assert evaluation.gold == "transread" and evaluation.tuned_on == ("A",)
    assert evaluation.signature.align == "diagonal"
    assert evaluation.signature.align_settings == (("width", "3"),)
    assert evaluation.signature.lexicon == "0123456789abcdef"
    a, b = evaluation.books
    assert (a.book, b.book) == ("A", "B")
    assert a.scores.precision_counts == Counts(1, 0, 1, 0)
    # B, test (0)(0) (1)(1) (2)(2) (3)() against gold (0)(0) (1,2)(1) (3)() ()(2): (0)(0) and the null (3)() are
    # strict hits; (1)(1) is a lax hit (1's gold partner is 1); (2)(2) misses (2's gold partner is 1, not 2)
    assert b.scores.precision_counts == Counts(2, 2, 3, 1)
    # recall, gold's non-null beads against the test's: (0)(0) hit, (1,2)(1) lax hit (1 faces 1 in the test)
    assert b.scores.recall_counts == Counts(1, 1, 2, 0)
    assert evaluation.micro.precision_counts == Counts(3, 2, 4, 1)
    assert a.seconds >= 0 and b.seconds >= 0


def test_evaluation_json_round_trip(gold: Path) -> None:
    books = load_goldset(gold)
    evaluation = evaluate_aligner(
        books, lambda book: Alignment((Bead((0,), (0,), 1.0),), "first"), gold="g", tuned_on=["B"]
    )
    data = json.loads(json.dumps(evaluation.to_json()))  # through real JSON text
    assert data["schema"] == "aligner.eval-align/2"
    assert data["method"] == "first"
    assert AlignmentEvaluation.from_json(data) == evaluation


def test_evaluation_from_json_refuses_another_schema() -> None:
    with pytest.raises(InputError, match=r"schema 'aligner.eval-align/1' is not aligner\.eval-align/2"):
        AlignmentEvaluation.from_json({"schema": "aligner.eval-align/1"})


def test_results_table(gold: Path) -> None:
    books = load_goldset(gold)
    evaluation = evaluate_aligner(books, lambda book: Alignment((Bead((0,), (0,), 1.0),), "first"), tuned_on=["B"])
    lines = results_table(evaluation).splitlines()
    assert lines[0] == "| book | P strict | R strict | F1 strict | P lax | R lax | F1 lax | seconds |"
    assert lines[1] == "|---" * 8 + "|"
    # A: its one gold bead found → all 1. B: the one test bead (0)(0) is right → P 1; the gold's non-null beads
    # are (0)(0) and (1,2)(1), one found → R 1/2, F1 2/3. Micro: P 2/2, R 2/3, F1 0.8
    assert lines[2].startswith("| A | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | ")
    assert lines[3].startswith("| B † | 1.000 | 0.500 | 0.667 | 1.000 | 0.500 | 0.667 | ")  # tuning book marked
    assert lines[4].startswith("| **micro, 2 books** | 1.000 | 0.667 | 0.800 | 1.000 | 0.667 | 0.800 | ")
    # the books not tuned on alone: A only, all 1 (B's miss must not leak into it)
    assert lines[5].startswith("| **micro, 1 book not tuned on** | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | ")
    assert len(lines) == 6
    assert all(line.count("|") == 9 for line in lines)  # every row has the header's 8 columns
    untuned = evaluate_aligner(books, lambda book: Alignment((Bead((0,), (0,), 1.0),), "first"))
    assert len(results_table(untuned).splitlines()) == 5  # nothing tuned on: no second micro row
