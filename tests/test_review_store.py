"""The review store: every save a new row, conflicts kept, a versioned schema, clear refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from aligner.errors import InputError
from aligner.store import SCHEMA_VERSION, Annotation, Slot, SqliteStore, bead_key, check_annotation

OUI = Slot(0, bead_key("Oui.", "Yes."), "Oui.")


def save(store: SqliteStore, base: int, text: str, *, slot: Slot = OUI, status: str = "edited", who: str = "a") -> bool:
    return store.save("s", slot, base=base, text=text, status=status, reviewer=who, seconds=1.5).ok


def test_every_save_is_a_new_version_and_nothing_is_overwritten(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    assert save(store, 0, "Yes.") and save(store, 1, "Yes!", status="confirmed") and save(store, 2, "Yes.")
    history = store.history("s", OUI)
    assert [(v.number, v.base, v.text, v.status) for v in history] == [
        (1, 0, "Yes.", "edited"), (2, 1, "Yes!", "confirmed"), (3, 2, "Yes.", "edited")
    ]  # fmt: skip
    assert store.current("s", [OUI])[0].number == 3 and store.versions("s") == history
    assert [v.text for v in store.confirmed()] == []  # the confirmation was superseded
    assert save(store, 3, "Yes, sir.", status="confirmed")
    assert [(v.source, v.text) for v in store.confirmed()] == [("Oui.", "Yes, sir.")]


def test_a_stale_save_is_refused_and_kept(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    assert save(store, 0, "Anne's.", who="anne")
    refused = store.save("s", OUI, base=0, text="Bruno's.", status="edited", reviewer="bruno", seconds=2)
    assert not refused.ok and refused.current is not None and refused.current.text == "Anne's."
    assert [(v.reviewer, v.number, v.conflict) for v in store.history("s", OUI)] == [
        ("anne", 1, False), ("bruno", None, True)
    ]  # fmt: skip
    assert store.current("s", [OUI])[0].text == "Anne's."  # the refused row never becomes current
    assert not save(store, 5, "From the future.")  # a base that never existed is stale too


def test_the_schema_is_versioned_and_a_newer_one_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    SqliteStore(db).close()
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(
        InputError, match=rf"schema {SCHEMA_VERSION + 1} is newer than this aligner's \({SCHEMA_VERSION}\)"
    ):
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
        store.save("s", OUI, base=0, text="x", status=status, reviewer="a", seconds=seconds, reason=reason)
    assert store.history("s", OUI) == []


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
    two = Slot(2, bead_key("Poutine.", "Putin."), "Poutine.")
    store.comment("s", two, "Check the name.", "anne")
    store.comment("s", OUI, "Good.", "bruno")
    with pytest.raises(InputError, match="an empty comment"):
        store.comment("s", OUI, "  ", "bruno")
    assert [(c.bead, c.text, c.reviewer) for c in store.comments("s")] == [(2, "Check the name.", "anne"),
                                                                           (0, "Good.", "bruno")]  # fmt: skip
    store.annotate(Annotation("s", 2, 1, 0, 4, "terminology", "major", "Putin", "anne", 1.0))
    assert [(a.category, a.severity, a.start, a.end) for a in store.annotations("s")] == [
        ("terminology", "major", 0, 4)
    ]
    assert store.comments("other") == [] and store.stories() == []


# ----------------------------------------------------------------------------------------------- content keys


def test_a_review_follows_the_content_not_the_bead_number(tmp_path: Path) -> None:
    """A rerun moved "Oui." from bead 0 to bead 3 and put another sentence at bead 0: the review moves with the
    text, and bead 0's new sentence starts fresh (its history shows the old text only as an earlier run's)."""
    store = SqliteStore(tmp_path / "r.sqlite")
    assert save(store, 0, "Yes.", status="confirmed")
    moved = Slot(3, OUI.key, "Oui.")
    other = Slot(0, bead_key("Non.", "No."), "Non.")
    assert store.current("s", [other, Slot(1, "k1", "a"), Slot(2, "k2", "b"), moved]) == {3: store.history("s", OUI)[0]}
    assert store.history("s", other) == [] and [v.text for v in store.earlier("s", other)] == ["Yes."]
    assert store.earlier("s", moved) == []
    assert store.save("s", other, base=0, text="No.", status="edited", reviewer="a", seconds=1).ok  # no conflict


def test_the_same_source_with_another_reference_is_another_bead(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    assert save(store, 0, "Yes.")
    realigned = Slot(0, bead_key("Oui.", "Yes, he said."), "Oui.")
    assert realigned.key != OUI.key and store.current("s", [realigned]) == {}
    assert bead_key("Oui.", "Yes.", 1) != OUI.key  # the second "Oui." of a story is not the first


def _schema_one(path: Path) -> None:
    """A review database as aligner wrote it before content keys (schema 1), with a save on beads 0 and 1."""
    from aligner.store import MIGRATIONS

    with sqlite3.connect(path) as con:
        for statement in MIGRATIONS[0]:
            con.execute(statement)
        con.execute("PRAGMA user_version = 1")
        rows = [("s", 0, 1, 0, "Yes.", "confirmed", "", "a", 1.0, 2.0, "Oui."),
                ("s", 1, 1, 0, "Old text.", "edited", "", "a", 1.0, 3.0, "Ancien.")]  # fmt: skip
        con.executemany(
            "INSERT INTO versions (story, bead, number, base, text, status, reason, reviewer, created, seconds, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        con.execute("INSERT INTO comments (story, bead, text, reviewer, created) VALUES ('s', 0, 'Fine.', 'a', 1.0)")


def test_a_schema_one_review_is_migrated_and_keeps_what_still_matches(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    _schema_one(db)
    store = SqliteStore(db)
    now = [OUI, Slot(1, bead_key("Nouveau.", "New."), "Nouveau.")]  # bead 1's sentence changed since
    current = store.current("s", now)
    assert list(current) == [0] and current[0].text == "Yes." and current[0].key == "legacy:0"
    assert [c.text for c in store.comments("s")] == ["Fine."]
    assert save(store, 1, "Yes!")  # numbering goes on from the legacy version 1
    assert [v.number for v in store.history("s", OUI)] == [1, 2]
    assert [v.text for v in store.earlier("s", now[1])] == ["Old text."]
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reading_never_writes(tmp_path: Path) -> None:
    """A read-only store reads a current database and an old one (migrated in memory) without changing a byte."""
    db = tmp_path / "r.sqlite"
    live = SqliteStore(db)
    assert save(live, 0, "Yes.", status="confirmed")
    live.close()
    old = tmp_path / "old.sqlite"
    _schema_one(old)
    for path, expected in ((db, "Yes."), (old, "Yes.")):
        before = _sha256(path)
        store = SqliteStore.open_readonly(path)
        assert [v.text for v in store.confirmed()] == [expected]
        with pytest.raises(InputError, match=r"opened for reading only"):
            store.save("s", OUI, base=1, text="No.", status="edited", reviewer="a", seconds=1)
        store.close()
        assert _sha256(path) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"other\.sqlite: an SQLite file, but not a review database \(no review tables\)"),
        (b"just text" * 100, r"other\.sqlite: not a review database"),
    ],
)
def test_reading_refuses_what_is_not_a_review(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "other.sqlite"
    if content is None:
        with sqlite3.connect(path) as con:
            con.execute("CREATE TABLE notes (text TEXT)")
            con.execute("INSERT INTO notes VALUES ('keep me')")
    else:
        path.write_bytes(content)
    before = _sha256(path)
    with pytest.raises(InputError, match=message):
        SqliteStore.open_readonly(path)
    assert _sha256(path) == before


def test_stamps_change_exactly_when_a_story_review_does(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "r.sqlite")
    assert store.stamps() == {}
    assert save(store, 0, "Yes.")
    first = store.stamps()
    store.comment("t", OUI, "Another story.", "a")
    assert store.stamps()["s"] == first["s"] and "t" in store.stamps()
    store.annotate(Annotation("s", 0, 1, 0, 3, "fluency", "minor", "", "a", 1.0, OUI.key, "Oui."))
    assert store.stamps()["s"] != first["s"]


def test_ter_and_chrf_of_a_post_edit_are_sacrebleus() -> None:
    """HTER comes from this package's port of sacreBLEU's TER statistics: pinned here to sacreBLEU's own scores."""
    from sacrebleu.metrics.chrf import CHRF
    from sacrebleu.metrics.ter import TER

    from aligner.review.effort import chrf, hter

    pairs = [
        ("The president spoke on Tuesday.", "The president spoke on Tuesday."),
        ("The president spoke tuesday in Paris", "On Tuesday, the President spoke in Paris."),
        ("He promised reforms, reforms, reforms.", "He promised reforms."),
        ("", "Markets fell."),
        ("Les marchés ont chuté de 3,5 %.", "Markets fell 3.5%."),
    ]
    for mt, post in pairs:
        assert hter(mt, post) == round(TER().sentence_score(mt, [post]).score, 4)
        assert chrf(mt, post) == round(CHRF().sentence_score(mt, [post]).score, 4)


def test_the_glossary_is_read_again_whenever_an_entry_is_added_by_any_connection(tmp_path: Path) -> None:
    from aligner.terms import Entry

    server, other = SqliteStore(tmp_path / "r.sqlite"), SqliteStore(tmp_path / "r.sqlite")  # e.g. two servers
    assert len(server.terms()) == 0
    other.add_term(Entry("Kiev", ("Kyiv",)), "a")
    assert [(e.source, e.preferred) for e in server.terms().entries] == [("Kiev", ("Kyiv",))]
    same = server.terms()
    assert server.terms() is same  # unchanged content: not read again
    server.add_term(Entry("Kiev", ("Kyiv", "Kiïv")), "b")  # the later entry for the same term wins
    other.add_term(Entry("Moscou", (), forbidden=("Moskva",)), "a")
    assert [(e.source, e.preferred) for e in server.terms().entries] == [("Kiev", ("Kyiv", "Kiïv")), ("Moscou", ())]
    server.close()
    other.close()
