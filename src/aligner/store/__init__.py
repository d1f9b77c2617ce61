"""Where translators' work is kept: every version of every bead, comments and error annotations, keyed by content.

A saved version belongs to a bead's *content*, not to its number: its ``key`` is a digest of the bead's source
text and the reference it was aligned with (``bead_key``), so after a story is rerun an unchanged sentence keeps
its review and a changed one starts fresh, whatever number the bead has now. The bead's number at the time of the
save (``bead``) and the run it was made on (``run``, the run's identity digest) are kept beside it, to show a
version as carried over from an earlier run. Rows written before keys existed (schema 1) have the key
``legacy:N`` (N the bead number then) and belong to bead N of a run only while its source text is still the one
they were saved on (``Slot.owns``).

The review's glossary (schema 3) is kept here too: ``add_term`` adds an entry, ``terms`` gives the glossary, a
later entry for the same French term replacing an earlier one (the rows stay).

Nothing is ever overwritten. Version 0 of a bead is the MT (not stored); every save adds a row with the text,
the status (``new``, ``edited``, ``confirmed``, ``rejected``), the reviewer, the time and the seconds spent on
the bead, the version it started from, and the QA flags of the saved text. A save that started from a version
that is no longer the current one is stored too, as a ``conflict`` row that is not current, and refused: two
reviewers never lose each other's work.

``ReviewStore`` is the interface the server, the exports and the translation memory use; ``SqliteStore``
implements it on the standard library's ``sqlite3`` in WAL mode (one file, default ``review.sqlite`` in the
reviewed directory). ``SqliteStore.open_readonly`` opens one for reading only (a ``mode=ro`` URI: the file is
never written, an older schema is migrated in a copy in memory). SQLite is used through one writer connection
with explicit ``BEGIN IMMEDIATE`` transactions, serialised by a lock in the process (concurrent writers otherwise
wait in SQLite's busy handler, tens of ms); an answered save is committed, and a commit in WAL mode survives the
process being killed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import InputError

if TYPE_CHECKING:
    from ..terms import Entry, Glossary

STATUSES = ("new", "edited", "confirmed", "rejected")
CATEGORIES = ("accuracy", "fluency", "terminology", "style", "locale convention")
SEVERITIES = ("minor", "major", "critical")
SCHEMA_VERSION = 3
LEGACY = "legacy:"

# migrations[k] takes a database from schema version k to k + 1
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            story TEXT NOT NULL, bead INTEGER NOT NULL,
            number INTEGER,              -- 1, 2, … for accepted saves; NULL for a refused (conflict) save
            base INTEGER NOT NULL,       -- the version the reviewer started from (0 = the MT)
            text TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
            reviewer TEXT NOT NULL, created REAL NOT NULL, seconds REAL NOT NULL,
            source TEXT NOT NULL,        -- the bead's French, for the translation memory
            UNIQUE (story, bead, number))""",
        "CREATE INDEX versions_by_bead ON versions (story, bead, id)",
        """CREATE TABLE comments (
            id INTEGER PRIMARY KEY, story TEXT NOT NULL, bead INTEGER NOT NULL,
            text TEXT NOT NULL, reviewer TEXT NOT NULL, created REAL NOT NULL)""",
        """CREATE TABLE annotations (
            id INTEGER PRIMARY KEY, story TEXT NOT NULL, bead INTEGER NOT NULL, version INTEGER NOT NULL,
            start INTEGER NOT NULL, "end" INTEGER NOT NULL, category TEXT NOT NULL, severity TEXT NOT NULL,
            note TEXT NOT NULL, reviewer TEXT NOT NULL, created REAL NOT NULL)""",
    ),
    (  # 1 → 2: content keys; a version's run and flags; comments and annotations keyed the same way
        """CREATE TABLE versions2 (
            id INTEGER PRIMARY KEY,
            story TEXT NOT NULL,
            key TEXT NOT NULL,           -- bead_key(source, reference, occurrence), or legacy:N for schema-1 rows
            bead INTEGER NOT NULL,       -- the bead's number in the run it was saved on
            run TEXT NOT NULL,           -- that run's identity digest ('' when unknown)
            number INTEGER, base INTEGER NOT NULL,
            text TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
            reviewer TEXT NOT NULL, created REAL NOT NULL, seconds REAL NOT NULL,
            source TEXT NOT NULL,
            flags TEXT,                  -- JSON [[code, severity, reason], …] of the saved text; NULL: not checked
            UNIQUE (story, key, number))""",
        """INSERT INTO versions2 (id, story, key, bead, run, number, base, text, status, reason, reviewer, created,
            seconds, source, flags)
            SELECT id, story, 'legacy:' || bead, bead, '', number, base, text, status, reason, reviewer, created,
            seconds, source, NULL FROM versions""",
        "DROP TABLE versions",
        "ALTER TABLE versions2 RENAME TO versions",
        "CREATE INDEX versions_by_key ON versions (story, key, number)",
        "ALTER TABLE comments ADD COLUMN key TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE comments ADD COLUMN source TEXT NOT NULL DEFAULT ''",
        "UPDATE comments SET key = 'legacy:' || bead",
        "ALTER TABLE annotations ADD COLUMN key TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE annotations ADD COLUMN source TEXT NOT NULL DEFAULT ''",
        "UPDATE annotations SET key = 'legacy:' || bead",
    ),
    (  # 2 → 3: the review's glossary (entries added from the page; aligner terms export writes them out)
        """CREATE TABLE glossary (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,        -- the French term
            preferred TEXT NOT NULL,     -- JSON lists of English terms
            admitted TEXT NOT NULL, forbidden TEXT NOT NULL,
            case_sensitive INTEGER NOT NULL, note TEXT NOT NULL,
            reviewer TEXT NOT NULL, created REAL NOT NULL)""",
    ),
)

FlagRow = tuple[str, str, str]  # (code, severity, reason): the QA flags of a saved text, as plain data


def bead_key(source: str, reference: str | None, occurrence: int = 0) -> str:
    """The content key of a bead: its source text, the reference text it was aligned with (None in a run without a
    reference) and, for beads whose texts repeat within a story, which repeat it is (0-based). 32 hex digits."""
    data = json.dumps([source, reference, occurrence], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Slot:
    """Bead ``bead`` (0-based) of the current run, as the store knows it: its content ``key`` and source text."""

    bead: int
    key: str
    source: str

    def owns(self, key: str, source: str) -> bool:
        """Whether a row (its ``key``, and its ``source``: ``""`` for a schema-1 comment, which did not keep it)
        belongs to this bead."""
        if key == self.key:
            return True
        return key == f"{LEGACY}{self.bead}" and source in ("", self.source)


@dataclass(frozen=True)
class Version:
    """One save of one bead. ``number`` is None for a refused (conflicting) save; ``flags`` None when the text was
    never checked (saved before flags were kept)."""

    story: str
    bead: int
    number: int | None
    base: int
    text: str
    status: str
    reason: str
    reviewer: str
    created: float
    seconds: float
    source: str
    key: str = ""
    run: str = ""
    flags: tuple[FlagRow, ...] | None = None

    @property
    def conflict(self) -> bool:
        return self.number is None

    def to_json(self) -> dict[str, Any]:
        return {
            "story": self.story,
            "bead": self.bead,
            "number": self.number,
            "base": self.base,
            "text": self.text,
            "status": self.status,
            "reason": self.reason,
            "reviewer": self.reviewer,
            "created": self.created,
            "seconds": self.seconds,
            "source": self.source,
            "key": self.key,
            "run": self.run,
            "conflict": self.conflict,
            "flags": None if self.flags is None else [list(f) for f in self.flags],
        }


@dataclass(frozen=True)
class Comment:
    story: str
    bead: int
    text: str
    reviewer: str
    created: float
    key: str = ""
    source: str = ""


@dataclass(frozen=True)
class Annotation:
    """An error span in a version's text: ``[start, end)`` character offsets, a category and a severity."""

    story: str
    bead: int
    version: int
    start: int
    end: int
    category: str
    severity: str
    note: str
    reviewer: str
    created: float
    key: str = ""
    source: str = ""


@dataclass(frozen=True)
class Group:
    """The saves of one content (``key``, and ``source``: a schema-1 key is shared by the texts saved at one bead
    number) in a story: their seconds summed, refused saves included, and the latest accepted one (None when every
    save was refused)."""

    key: str
    source: str
    seconds: float
    latest: Version | None


@dataclass(frozen=True)
class Saved:
    """The answer to a save: ``version`` is the new current version; on a conflict, ``current`` is the version
    that had been saved meanwhile (the caller's text is stored as a refused row)."""

    ok: bool
    version: Version | None = None
    current: Version | None = None


class ReviewStore(Protocol):
    def save(
        self,
        story: str,
        slot: Slot,
        *,
        base: int,
        text: str,
        status: str,
        reviewer: str,
        seconds: float,
        reason: str = "",
        run: str = "",
        flags: Sequence[FlagRow] | None = None,
    ) -> Saved: ...

    def current(self, story: str, slots: Sequence[Slot]) -> dict[int, Version]: ...

    def history(self, story: str, slot: Slot) -> list[Version]: ...

    def earlier(self, story: str, slot: Slot) -> list[Version]: ...

    def versions(self, story: str) -> list[Version]: ...

    def groups(self, story: str) -> list[Group]: ...

    def comment(self, story: str, slot: Slot, text: str, reviewer: str) -> Comment: ...

    def comments(self, story: str) -> list[Comment]: ...

    def annotate(self, annotation: Annotation) -> Annotation: ...

    def annotations(self, story: str) -> list[Annotation]: ...

    def stories(self) -> list[str]: ...

    def stamps(self) -> dict[str, tuple[int, int, int]]: ...

    def confirmed(self) -> Iterator[Version]: ...

    def add_term(self, entry: Entry, reviewer: str) -> None: ...

    def terms(self) -> Glossary: ...

    def close(self) -> None: ...


def check_save(status: str, reason: str, seconds: float) -> None:
    if status not in STATUSES:
        raise InputError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if status == "rejected" and not reason.strip():
        raise InputError("a rejected bead needs a reason")
    if not 0 <= seconds < 86_400:
        raise InputError(f"seconds on the bead must be between 0 and 86400, got {seconds}")


def check_annotation(a: Annotation, text_length: int) -> None:
    if a.category not in CATEGORIES:
        raise InputError(f"category {a.category!r} is not one of {', '.join(CATEGORIES)}")
    if a.severity not in SEVERITIES:
        raise InputError(f"severity {a.severity!r} is not one of {', '.join(SEVERITIES)}")
    if not 0 <= a.start < a.end <= text_length:
        raise InputError(f"span [{a.start}, {a.end}) is not inside the text ({text_length} characters)")


def of_slots(slots: Sequence[Slot], rows: Iterable[Any]) -> dict[int, list[Any]]:
    """Rows (versions, comments, annotations: anything with ``key`` and ``source``) by the bead of ``slots`` they
    belong to, in their order; rows of no bead of this run (an earlier run's other text) are left out."""
    by_key = {s.key: s.bead for s in slots}
    out: dict[int, list[Any]] = {}
    for row in rows:
        bead = by_key.get(row.key)
        if bead is None and row.key.startswith(LEGACY):
            n = int(row.key[len(LEGACY) :])
            bead = n if n < len(slots) and slots[n].owns(row.key, row.source) else None
        if bead is not None:
            out.setdefault(bead, []).append(row)
    return out


def _latest(versions: Iterable[Version]) -> Version | None:
    numbered = [v for v in versions if v.number is not None]
    return max(numbered, key=lambda v: v.number or 0) if numbered else None


_VERSION_COLUMNS = (
    "story, bead, number, base, text, status, reason, reviewer, created, seconds, source, key, run, flags"
)


# A save: the bead's head (the highest accepted number under its key, or under its schema-1 key with its source, as
# ``SqliteStore._head`` reads it) and the new row, numbered head + 1 when the save was based on the head and NULL (a
# conflict, kept) when not; RETURNING gives the number back.
_SAVE = f"""
WITH head (number) AS (SELECT max(
    coalesce((SELECT max(number) FROM versions WHERE story = ? AND key = ?), 0),
    coalesce((SELECT max(number) FROM versions WHERE story = ? AND key = ? AND source = ?), 0)))
INSERT INTO versions ({_VERSION_COLUMNS})
SELECT ?, ?, CASE WHEN ? = head.number THEN head.number + 1 END, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM head
RETURNING number"""


class SqliteStore:
    """``ReviewStore`` in one SQLite file (WAL). Safe to share between threads of one process: writes go through one
    connection, one at a time; each thread reads through a connection of its own (WAL readers never wait for the
    writer or for each other), so a summary reading a story's history never holds up a save."""

    def __init__(self, path: str | Path, *, _connection: sqlite3.Connection | None = None) -> None:
        self.path = Path(path)
        self.readonly = _connection is not None
        self._lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._glossary: tuple[tuple[Any, ...], Glossary] | None = None  # (stamp, glossary) of the last terms()
        if _connection is not None:
            self._db = _connection
            return
        if sqlite3.sqlite_version_info < (3, 35):  # a save is one INSERT … RETURNING (_SAVE)
            raise InputError(
                f"{self.path}: saving a review needs SQLite 3.35 or newer; this Python has {sqlite3.sqlite_version} "
                "(use a Python built with a newer SQLite)"
            )
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # in WAL, a commit survives a killed process
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate(self._db)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a review database ({exc}); give another --db") from None

    @classmethod
    def open_readonly(cls, path: str | Path) -> SqliteStore:
        """The review database at ``path``, for reading only: opened through a ``mode=ro`` URI, so the file is
        never written (a database of an older schema is copied into memory and migrated there). A file that is not
        a review database is refused with ``InputError``, untouched."""
        p = Path(path)
        if not p.is_file():
            raise InputError(f"{p}: no such review database")
        try:
            db = sqlite3.connect(
                p.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise InputError(
                f"{p}: not a review database ({exc}); give a review.sqlite written by `aligner review`"
            ) from None
        if version < 1 or not {"versions", "comments", "annotations"} <= tables:
            db.close()
            raise InputError(
                f"{p}: an SQLite file, but not a review database (no review tables); give a review.sqlite written by "
                "`aligner review`, or a TMX file"
            )
        if version > SCHEMA_VERSION:
            db.close()
            raise InputError(
                f"{p}: review database schema {version} is newer than this aligner's ({SCHEMA_VERSION}); "
                "upgrade aligner"
            )
        if version < SCHEMA_VERSION:  # migrate a copy: reading never writes
            memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            db.backup(memory)
            db.close()
            cls._migrate(memory, p)
            db = memory
        return cls(p, _connection=db)

    @staticmethod
    def _migrate(db: sqlite3.Connection, path: Path | None = None) -> None:
        db.execute("BEGIN IMMEDIATE")  # the version is read under the write lock: two servers never both migrate
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise InputError(
                    f"{path or 'the database'}: review database schema {version} is newer than this aligner's "
                    f"({SCHEMA_VERSION}); upgrade aligner"
                )
            for k in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[k]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {k + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _refuse_writes(self) -> None:
        if self.readonly:
            raise InputError(f"{self.path}: opened for reading only")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self._refuse_writes()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")  # a failed commit (disk full) rolls back too: no transaction left open
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _reader(self) -> sqlite3.Connection | None:
        """This thread's reading connection (None for a store opened read-only: its one connection is shared)."""
        if self.readonly:
            return None
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
            db.execute("PRAGMA query_only=ON")
            with self._lock:
                self._readers.append(db)
            self._local.db = db
        return db

    def _read(self, sql: str, args: Sequence[object]) -> list[Any]:
        db = self._reader()
        if db is not None:
            return db.execute(sql, args).fetchall()
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _head(self, db: sqlite3.Connection, story: str, slot: Slot) -> Version | None:
        """The latest accepted version of the bead of ``slot``: two indexed look-ups (its key; the schema-1 key of its
        number, with its source), whatever the number of saves."""
        head = f"SELECT {_VERSION_COLUMNS} FROM versions WHERE story = ? AND key = ? AND number IS NOT NULL"
        rows = [
            db.execute(head + " ORDER BY number DESC LIMIT 1", (story, slot.key)).fetchone(),
            db.execute(
                head + " AND source = ? ORDER BY number DESC LIMIT 1", (story, f"{LEGACY}{slot.bead}", slot.source)
            ).fetchone(),
        ]
        found = [_version(r) for r in rows if r is not None]
        return max(found, key=lambda v: v.number or 0) if found else None

    def _slot_versions(self, db: sqlite3.Connection, story: str, slot: Slot) -> list[Version]:
        rows = db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM versions WHERE story = ? AND key IN (?, ?) ORDER BY id",
            (story, slot.key, f"{LEGACY}{slot.bead}"),
        ).fetchall()
        return [v for v in map(_version, rows) if slot.owns(v.key, v.source)]

    def save(
        self,
        story: str,
        slot: Slot,
        *,
        base: int,
        text: str,
        status: str,
        reviewer: str,
        seconds: float,
        reason: str = "",
        run: str = "",
        flags: Sequence[FlagRow] | None = None,
    ) -> Saved:
        check_save(status, reason, seconds)
        self._refuse_writes()
        now = time.time()
        stored_flags = None if flags is None else json.dumps([list(f) for f in flags], ensure_ascii=False)
        # One statement, so one transaction that SQLite runs under its write lock from the first read: the head is
        # read and the version numbered inside it. Not BEGIN, two SELECTs, INSERT and COMMIT: each of those calls
        # lets go of the GIL and waits to take it back (up to the switch interval) while this lock is held, so under
        # load every save queued behind the others' waits (measured in eval/review/index-results.md).
        with self._lock:
            numbered = self._db.execute(
                _SAVE,
                (story, slot.key, story, f"{LEGACY}{slot.bead}", slot.source,
                 story, slot.bead, base, base, text, status, reason, reviewer, now, seconds, slot.source, slot.key, run,
                 stored_flags),
            ).fetchall()  # fmt: skip
        number = numbered[0][0]
        kept = None if flags is None else tuple((c, s, r) for c, s, r in flags)
        saved = Version(story, slot.bead, number, base, text, status, reason, reviewer, now, seconds, slot.source,
                        slot.key, run, kept)  # fmt: skip
        if number is not None:
            return Saved(True, saved)
        reader = self._reader()  # a writable store: every thread has a reading connection of its own
        assert reader is not None
        return Saved(False, None, self._head(reader, story, slot))

    def current(self, story: str, slots: Sequence[Slot]) -> dict[int, Version]:
        """The current (latest accepted) version of each bead of ``slots`` that has one, by bead number."""
        out: dict[int, Version] = {}
        for bead, groups in of_slots(slots, self.groups(story)).items():
            latest = _latest(g.latest for g in groups if g.latest is not None)
            if latest is not None:
                out[bead] = latest
        return out

    def history(self, story: str, slot: Slot) -> list[Version]:
        """Every save of the bead of ``slot`` (its content), refused ones included, oldest first."""
        db = self._reader()
        if db is not None:
            return self._slot_versions(db, story, slot)
        with self._lock:
            return self._slot_versions(self._db, story, slot)

    def earlier(self, story: str, slot: Slot) -> list[Version]:
        """Saves made on bead number ``slot.bead`` of an earlier run whose text was another: kept, never counted."""
        rows = self._read(
            f"SELECT {_VERSION_COLUMNS} FROM versions WHERE story = ? AND bead = ? ORDER BY id", (story, slot.bead)
        )
        return [v for v in map(_version, rows) if not slot.owns(v.key, v.source)]

    def versions(self, story: str) -> list[Version]:
        """Every save of every bead of ``story`` (of any run), refused ones included, oldest first."""
        rows = self._read(f"SELECT {_VERSION_COLUMNS} FROM versions WHERE story = ? ORDER BY id", (story,))
        return [_version(r) for r in rows]

    def groups(self, story: str) -> list[Group]:
        """The story's saves grouped by content, in one query (a window over the groups): what a summary needs,
        without reading every version."""
        rows = self._read(
            f"SELECT {_VERSION_COLUMNS}, total, rank FROM (SELECT {_VERSION_COLUMNS}, "
            "SUM(seconds) OVER (PARTITION BY key, source) AS total, "
            "ROW_NUMBER() OVER (PARTITION BY key, source ORDER BY number IS NULL, number DESC) AS rank "
            "FROM versions WHERE story = ?) WHERE rank = 1 ORDER BY key, source",
            (story,),
        )
        out = []
        for row in rows:
            v = _version(row[:14])
            out.append(Group(v.key, v.source, float(row[14]), v if v.number is not None else None))
        return out

    def comment(self, story: str, slot: Slot, text: str, reviewer: str) -> Comment:
        if not text.strip():
            raise InputError("an empty comment")
        now = time.time()
        with self._write() as db:
            db.execute(
                "INSERT INTO comments (story, bead, text, reviewer, created, key, source) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (story, slot.bead, text, reviewer, now, slot.key, slot.source),
            )
        return Comment(story, slot.bead, text, reviewer, now, slot.key, slot.source)

    def comments(self, story: str) -> list[Comment]:
        rows = self._read(
            "SELECT story, bead, text, reviewer, created, key, source FROM comments WHERE story = ? ORDER BY id",
            (story,),
        )
        return [Comment(*r) for r in rows]

    def annotate(self, annotation: Annotation) -> Annotation:
        a = annotation
        with self._write() as db:
            db.execute(
                'INSERT INTO annotations (story, bead, version, start, "end", category, severity, note, reviewer, '
                "created, key, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (a.story, a.bead, a.version, a.start, a.end, a.category, a.severity, a.note, a.reviewer, a.created,
                 a.key, a.source),
            )  # fmt: skip
        return a

    def annotations(self, story: str) -> list[Annotation]:
        rows = self._read(
            'SELECT story, bead, version, start, "end", category, severity, note, reviewer, created, key, source '
            "FROM annotations WHERE story = ? ORDER BY id",
            (story,),
        )
        return [Annotation(*r) for r in rows]

    def stories(self) -> list[str]:
        return [r[0] for r in self._read("SELECT DISTINCT story FROM versions ORDER BY story", ())]

    def stamps(self) -> dict[str, tuple[int, int, int]]:
        """Per story, the last row ids of its versions, comments and annotations: a story's review changed exactly
        when its stamp did (rows are only ever added), so summaries can be cached by it."""
        out: dict[str, list[int]] = {}
        for k, table in enumerate(("versions", "comments", "annotations")):
            for story, last in self._read(f"SELECT story, MAX(id) FROM {table} GROUP BY story", ()):
                out.setdefault(story, [0, 0, 0])[k] = int(last)
        return {story: (v[0], v[1], v[2]) for story, v in out.items()}

    def confirmed(self) -> Iterator[Version]:
        """The current version of every bead (content key) whose current status is ``confirmed`` (the translation
        memory)."""
        rows = self._read(
            f"SELECT {_VERSION_COLUMNS} FROM versions v WHERE status = 'confirmed' AND number = "
            "(SELECT MAX(number) FROM versions w WHERE w.story = v.story AND w.key = v.key) ORDER BY id",
            (),
        )
        yield from (_version(r) for r in rows)

    def add_term(self, entry: Entry, reviewer: str) -> None:
        """Add ``entry`` to the review's glossary (a later entry for the same French term replaces it in ``terms``)."""
        if not entry.source.strip() or not (entry.preferred or entry.forbidden):
            raise InputError("a glossary entry needs a French term and an English one (preferred or forbidden)")
        with self._write() as db:
            db.execute(
                "INSERT INTO glossary (source, preferred, admitted, forbidden, case_sensitive, note, reviewer, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (entry.source, json.dumps(entry.preferred, ensure_ascii=False),
                 json.dumps(entry.admitted, ensure_ascii=False), json.dumps(entry.forbidden, ensure_ascii=False),
                 int(entry.case_sensitive), entry.note, reviewer, time.time()),
            )  # fmt: skip

    def terms(self) -> Glossary:
        """The review's glossary, entries in the order first added; its digest is of its content."""
        from ..terms import Entry, Glossary

        # entries are only ever added: the last id and the count name the content, and cost one indexed look-up
        # where reading every entry costs a save (which reads the glossary) time in proportion to its size
        stamp = tuple(self._read("SELECT max(id), count(*) FROM glossary", ())[0])
        known = self._glossary
        if known is not None and known[0] == stamp:
            return known[1]
        rows = self._read(
            "SELECT source, preferred, admitted, forbidden, case_sensitive, note FROM glossary ORDER BY id", ()
        )
        entries = [
            Entry(src, tuple(json.loads(p)), tuple(json.loads(a)), tuple(json.loads(f)), bool(cs), note)
            for src, p, a, f, cs, note in rows
        ]
        latest: dict[tuple[str, bool], Entry] = {}  # one entry per French term: the latest, in first-added order
        for e in entries:
            latest[(e.source if e.case_sensitive else e.source.casefold(), e.case_sensitive)] = e
        glossary = Glossary.of(latest.values(), self.path.name)
        self._glossary = (stamp, glossary)  # read after the stamp: at worst a newer content, read again next time
        return glossary

    def close(self) -> None:
        with self._lock:
            for db in self._readers:
                db.close()
            self._readers.clear()
            self._db.close()


def _version(row: Sequence[Any]) -> Version:
    flags = None if row[13] is None else tuple((str(c), str(s), str(r)) for c, s, r in json.loads(row[13]))
    story, bead, number, base, text, status, reason, reviewer, created, seconds, source, key, run = row[:13]
    return Version(story, bead, number, base, text, status, reason, reviewer, created, seconds, source, key, run, flags)
