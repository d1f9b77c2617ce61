"""Where translators' work is kept: every version of every bead, comments and error annotations.

Nothing is ever overwritten. Version 0 of a bead is the MT (not stored); every save adds a row with
the text, the status (``new``, ``edited``, ``confirmed``, ``rejected``), the reviewer, the time and the
seconds spent on the bead, and the version it started from. A save that started from a version that
is no longer the current one is stored too, as a ``conflict`` row that is not current, and refused:
two reviewers never lose each other's work.

``ReviewStore`` is the interface the server, the exports and the translation memory use;
``SqliteStore`` implements it on the standard library's ``sqlite3`` in WAL mode (one file, default
``review.sqlite`` in the reviewed directory). A server database can implement the same interface.
SQLite is used through one writer connection with explicit ``BEGIN IMMEDIATE`` transactions, serialised
by a lock in the process (concurrent writers otherwise wait in SQLite's busy handler, tens of ms);
an answered save is committed, and a commit in WAL mode survives the process being killed.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..errors import InputError

STATUSES = ("new", "edited", "confirmed", "rejected")
CATEGORIES = ("accuracy", "fluency", "terminology", "style", "locale convention")
SEVERITIES = ("minor", "major", "critical")
SCHEMA_VERSION = 1

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
)


@dataclass(frozen=True)
class Version:
    """One save of one bead. ``number`` is None for a refused (conflicting) save."""

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

    @property
    def conflict(self) -> bool:
        return self.number is None


@dataclass(frozen=True)
class Comment:
    story: str
    bead: int
    text: str
    reviewer: str
    created: float


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
        bead: int,
        *,
        base: int,
        text: str,
        status: str,
        reviewer: str,
        seconds: float,
        source: str,
        reason: str = "",
    ) -> Saved: ...

    def current(self, story: str) -> dict[int, Version]: ...

    def history(self, story: str, bead: int) -> list[Version]: ...

    def versions(self, story: str) -> list[Version]: ...

    def comment(self, story: str, bead: int, text: str, reviewer: str) -> Comment: ...

    def comments(self, story: str) -> list[Comment]: ...

    def annotate(self, annotation: Annotation) -> Annotation: ...

    def annotations(self, story: str) -> list[Annotation]: ...

    def stories(self) -> list[str]: ...

    def confirmed(self) -> Iterator[Version]: ...

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


_VERSION_COLUMNS = "story, bead, number, base, text, status, reason, reviewer, created, seconds, source"


class SqliteStore:
    """``ReviewStore`` in one SQLite file (WAL). Safe to share between threads of one process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # in WAL, a commit survives a killed process
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a review database ({exc}); give another --db") from None
        self._lock = threading.Lock()

    def _migrate(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")  # the version is read under the write lock: two servers never both migrate
        try:
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise InputError(
                    f"{self.path}: review database schema {version} is newer than this aligner's "
                    f"({SCHEMA_VERSION}); upgrade aligner"
                )
            for k in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[k]:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {k + 1}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")  # a failed commit (disk full) rolls back too: no transaction left open
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _read(self, sql: str, args: Sequence[object]) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def save(
        self,
        story: str,
        bead: int,
        *,
        base: int,
        text: str,
        status: str,
        reviewer: str,
        seconds: float,
        source: str,
        reason: str = "",
    ) -> Saved:
        check_save(status, reason, seconds)
        now = time.time()
        with self._write() as db:
            row = db.execute(
                f"SELECT {_VERSION_COLUMNS} FROM versions WHERE story = ? AND bead = ? AND number IS NOT NULL "
                "ORDER BY number DESC LIMIT 1",
                (story, bead),
            ).fetchone()
            current = _version(row) if row else None
            head = current.number if current is not None and current.number is not None else 0
            number = head + 1 if base == head else None
            db.execute(
                f"INSERT INTO versions ({_VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (story, bead, number, base, text, status, reason, reviewer, now, seconds, source),
            )
        saved = Version(story, bead, number, base, text, status, reason, reviewer, now, seconds, source)
        return Saved(True, saved) if number is not None else Saved(False, None, current)

    def current(self, story: str) -> dict[int, Version]:
        rows = self._read(
            f"SELECT {_VERSION_COLUMNS} FROM versions v WHERE story = ? AND number = "
            "(SELECT MAX(number) FROM versions w WHERE w.story = v.story AND w.bead = v.bead)",
            (story,),
        )
        return {int(r[1]): _version(r) for r in rows}

    def history(self, story: str, bead: int) -> list[Version]:
        rows = self._read(
            f"SELECT {_VERSION_COLUMNS} FROM versions WHERE story = ? AND bead = ? ORDER BY id", (story, bead)
        )
        return [_version(r) for r in rows]

    def versions(self, story: str) -> list[Version]:
        """Every save of every bead of ``story``, refused ones included, oldest first."""
        rows = self._read(f"SELECT {_VERSION_COLUMNS} FROM versions WHERE story = ? ORDER BY id", (story,))
        return [_version(r) for r in rows]

    def comment(self, story: str, bead: int, text: str, reviewer: str) -> Comment:
        if not text.strip():
            raise InputError("an empty comment")
        now = time.time()
        with self._write() as db:
            db.execute(
                "INSERT INTO comments (story, bead, text, reviewer, created) VALUES (?, ?, ?, ?, ?)",
                (story, bead, text, reviewer, now),
            )
        return Comment(story, bead, text, reviewer, now)

    def comments(self, story: str) -> list[Comment]:
        rows = self._read(
            "SELECT story, bead, text, reviewer, created FROM comments WHERE story = ? ORDER BY id", (story,)
        )
        return [Comment(*r) for r in rows]

    def annotate(self, annotation: Annotation) -> Annotation:
        a = annotation
        with self._write() as db:
            db.execute(
                'INSERT INTO annotations (story, bead, version, start, "end", category, severity, note, reviewer, '
                "created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (a.story, a.bead, a.version, a.start, a.end, a.category, a.severity, a.note, a.reviewer, a.created),
            )
        return a

    def annotations(self, story: str) -> list[Annotation]:
        rows = self._read(
            'SELECT story, bead, version, start, "end", category, severity, note, reviewer, created FROM annotations '
            "WHERE story = ? ORDER BY id",
            (story,),
        )
        return [Annotation(*r) for r in rows]

    def stories(self) -> list[str]:
        return [r[0] for r in self._read("SELECT DISTINCT story FROM versions ORDER BY story", ())]

    def confirmed(self) -> Iterator[Version]:
        """The current version of every bead whose current status is ``confirmed`` (the translation memory)."""
        rows = self._read(
            f"SELECT {_VERSION_COLUMNS} FROM versions v WHERE status = 'confirmed' AND number = "
            "(SELECT MAX(number) FROM versions w WHERE w.story = v.story AND w.bead = v.bead) ORDER BY id",
            (),
        )
        yield from (_version(r) for r in rows)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _version(row: Sequence[Any]) -> Version:
    return Version(*row)
