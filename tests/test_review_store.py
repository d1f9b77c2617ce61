"""The review store: every save a new row, conflicts kept, a versioned schema, clear refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from aligner.errors import InputError
from aligner.store import SCHEMA_VERSION, Annotation, SqliteStore, check_annotation


def save(store: SqliteStore, base: int, text: str, *, bead: int = 0, status: str = "edited", who: str = "a") -> bool:
    return store.save("s", bead, base=base, text=text, status=status, reviewer=who, seconds=1.5, source="Oui.").ok


def test_every_save_is_a_new_version_and_nothing_is_overwritten(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    assert save(store, 0, "Yes.") and save(store, 1, "Yes!", status="confirmed") and save(store, 2, "Yes.")
    history = store.history("s", 0)
    assert [(v.number, v.base, v.text, v.status) for v in history] == [
        (1, 0, "Yes.", "edited"), (2, 1, "Yes!", "confirmed"), (3, 2, "Yes.", "edited")
    ]  # fmt: skip
    assert store.current("s")[0].number == 3 and store.versions("s") == history
    assert [v.text for v in store.confirmed()] == []  # the confirmation was superseded
    assert save(store, 3, "Yes, sir.", status="confirmed")
    assert [(v.source, v.text) for v in store.confirmed()] == [("Oui.", "Yes, sir.")]


def test_a_stale_save_is_refused_and_kept(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    assert save(store, 0, "Anne's.", who="anne")
    refused = store.save("s", 0, base=0, text="Bruno's.", status="edited", reviewer="bruno", seconds=2, source="Oui.")
    assert not refused.ok and refused.current is not None and refused.current.text == "Anne's."
    assert [(v.reviewer, v.number, v.conflict) for v in store.history("s", 0)] == [
        ("anne", 1, False), ("bruno", None, True)
    ]  # fmt: skip
    assert store.current("s")[0].text == "Anne's."  # the refused row never becomes current
    assert not save(store, 5, "From the future.")  # a base that never existed is stale too


def test_the_schema_is_versioned_and_a_newer_one_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    SqliteStore(db).close()
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(InputError, match=r"schema 2 is newer than this aligner's \(1\); upgrade aligner"):
        SqliteStore(db)


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("not a database at all, just some text to fill the header page" * 40)
    with pytest.raises(InputError, match=r"notes\.txt: not a review database"):
        SqliteStore(bad)


@pytest.mark.parametrize(
    ("status", "reason", "seconds", "message"),
    [
        ("done", "", 1.0, r"status 'done' is not one of new, edited, confirmed, rejected"),
        ("rejected", " ", 1.0, r"a rejected bead needs a reason"),
        ("edited", "", -1.0, r"seconds on the bead must be between 0 and 86400, got -1.0"),
    ],
)
def test_bad_saves_are_refused_before_writing(
    tmp_path: Path, status: str, reason: str, seconds: float, message: str
) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    with pytest.raises(InputError, match=message):
        store.save("s", 0, base=0, text="x", status=status, reviewer="a", seconds=seconds, source="x", reason=reason)
    assert store.history("s", 0) == []


@pytest.mark.parametrize(
    ("category", "severity", "start", "end", "message"),
    [
        ("grammar", "minor", 0, 2, r"category 'grammar' is not one of accuracy, fluency"),
        ("fluency", "fatal", 0, 2, r"severity 'fatal' is not one of minor, major, critical"),
        ("fluency", "minor", 2, 2, r"span \[2, 2\) is not inside the text \(5 characters\)"),
        ("fluency", "minor", 3, 9, r"span \[3, 9\) is not inside the text"),
    ],
)
def test_bad_annotations_are_refused(category: str, severity: str, start: int, end: int, message: str) -> None:
    a = Annotation("s", 0, 1, start, end, category, severity, "", "a", 0.0)
    with pytest.raises(InputError, match=message):
        check_annotation(a, len("Hello"))


def test_comments_and_annotations_are_kept_in_order(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    store.comment("s", 2, "Check the name.", "anne")
    store.comment("s", 0, "Good.", "bruno")
    with pytest.raises(InputError, match="an empty comment"):
        store.comment("s", 0, "  ", "bruno")
    assert [(c.bead, c.text, c.reviewer) for c in store.comments("s")] == [(2, "Check the name.", "anne"),
                                                                           (0, "Good.", "bruno")]  # fmt: skip
    store.annotate(Annotation("s", 2, 1, 0, 4, "terminology", "major", "Putin", "anne", 1.0))
    assert [(a.category, a.severity, a.start, a.end) for a in store.annotations("s")] == [
        ("terminology", "major", 0, 4)
    ]
    assert store.comments("other") == [] and store.stories() == []
