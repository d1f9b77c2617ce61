"""Translations that already exist: a file of another system's output, and a memory in front of any engine.

- ``FileTranslator``: existing translations looked up by source sentence, to review any other
  system's output (and to drive everything after translation with real MT).
- ``TranslationMemory`` / ``MemoryTranslator``: confirmed post-edits (a review database or a TMX file) used
  instead of the MT where the source matches exactly.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import shutil
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import InputError
from ..files import read_input_bytes
from ..signature import Signature
from .base import Translation, Translator, glossary_of


class FileTranslator:
    """Existing translations, looked up by source sentence (exact text, then whitespace-folded).

    Build one from two line-parallel files (``from_parallel``), from JSONL records with
    ``source``/``translation`` keys (``from_jsonl``: indexed on disk, so a file of any size costs a bounded
    amount of memory), from an index made before (``open_index``, how batch workers share one), or from a
    mapping.
    """

    engine = "file"

    def __init__(self, table: Mapping[str, str] | TranslationIndex, *, name: str) -> None:
        self._table = table if isinstance(table, TranslationIndex) else _DictTable(table)
        self.name = name

    @property
    def index(self) -> TranslationIndex | None:
        """The on-disk index behind a JSONL file's translations (None for a table in memory)."""
        return self._table if isinstance(self._table, TranslationIndex) else None

    @property
    def signature(self) -> Signature:
        """``revision`` is ``file-`` and the first 16 hex digits of the translations' sha256: a translations file
        edited in place is other settings, so a batch redoes its stories instead of keeping the old English."""
        return Signature(model=self.name, revision=f"file-{self._table.digest[:16]}", engine=self.engine,
                         normalize="none")  # fmt: skip

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        return [Translation(t) for t in self.lookup(texts)]

    def lookup(self, texts: Sequence[str]) -> list[str]:
        out: list[str] = []
        for text in texts:
            found = self._table.get(text)
            if found is None:
                short = text if len(text) <= 70 else text[:67] + "..."
                raise InputError(
                    f"{self.name}: no translation for the sentence {short!r}; the translations file must "
                    "cover every source sentence"
                )
            out.append(found)
        return out

    @classmethod
    def open_index(cls, path: str | Path) -> FileTranslator:
        """Translations indexed before (``from_jsonl``), named after the file they came from."""
        index = TranslationIndex(Path(path))
        return cls(index, name=index.name)

    @classmethod
    def from_parallel(cls, source_file: str | Path, translation_file: str | Path) -> FileTranslator:
        from ..reading.reader import decode

        src = decode(read_input_bytes(source_file), source_file).rstrip("\n").split("\n")
        mt = decode(read_input_bytes(translation_file), translation_file).rstrip("\n").split("\n")
        if len(src) != len(mt):
            raise InputError(
                f"{translation_file}: {len(mt)} lines but {source_file} has {len(src)}; the files must be line-parallel"
            )
        return cls(dict(zip(src, mt)), name=str(translation_file))

    @classmethod
    def from_jsonl(cls, path: str | Path, *, index: str | Path | None = None) -> FileTranslator:
        """Translations from JSONL records ``{"source": ..., "translation": ...}`` (a later record for the same
        source wins), indexed into the SQLite file ``index`` (default: a temporary one, removed at exit)."""
        from ..reading.reader import iter_jsonl

        def records() -> Iterator[tuple[str, str]]:
            for where, obj in iter_jsonl(path):
                if (
                    not isinstance(obj, dict)
                    or not isinstance(obj.get("source"), str)
                    or not isinstance(obj.get("translation"), str)
                ):
                    raise InputError(f'{where}: expected {{"source": "...", "translation": "..."}}')
                yield obj["source"], obj["translation"]

        table = TranslationIndex.build(records(), Path(index) if index is not None else None, name=str(path))
        if not len(table):
            raise InputError(f"{path}: no translations in the file")
        return cls(table, name=str(path))

    @classmethod
    def positional(cls, sources: Sequence[str], translation_file: str | Path) -> FileTranslator:
        """Line ``i`` of ``translation_file`` translates ``sources[i]`` (one line per sentence)."""
        from ..reading.reader import decode

        lines = decode(read_input_bytes(translation_file), translation_file).rstrip("\n").split("\n")
        if len(lines) != len(sources):
            raise InputError(
                f"{translation_file}: {len(lines)} lines but the story has {len(sources)} sentences to translate; "
                "give one line per source sentence (see `aligner run --help`), or a JSONL of source/translation pairs"
            )
        return cls(dict(zip(sources, lines)), name=str(translation_file))


def _fold(text: str) -> str:
    return " ".join(text.split())


def _record(source: str, translation: str) -> bytes:
    """A record as the translations' digest counts it (sha256 over the records in order: what the translations
    are, whatever file held them)."""
    return json.dumps([source, translation], ensure_ascii=False).encode("utf-8") + b"\n"


def _digest(records: Iterable[tuple[str, str]]) -> str:
    h = hashlib.sha256()
    for source, translation in records:
        h.update(_record(source, translation))
    return h.hexdigest()


class _DictTable:
    def __init__(self, table: Mapping[str, str]) -> None:
        self._exact = dict(table)
        self._folded = {_fold(k): v for k, v in table.items()}
        self.digest = _digest(self._exact.items())

    def get(self, text: str) -> str | None:
        found = self._exact.get(text)
        return found if found is not None else self._folded.get(_fold(text))


class TranslationIndex:
    """Translations by source text in an SQLite file: a batch's existing translations stay on disk, with a
    bounded cache of recent lookups in memory, however many there are. Read-only once built; several
    processes may share one."""

    CACHE = 4_096  # recent lookups (a story's repeats, a desk's boilerplate); the rest is one SQLite read away

    def __init__(self, path: Path) -> None:
        import sqlite3

        self.path = path
        try:
            uri = f"file:{quote(str(path))}?mode=ro"  # a path with #, ? or % stays a path
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._count = int(self._db.execute("SELECT COUNT(*) FROM t").fetchone()[0])
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            self.name, self.digest = str(meta["name"]), str(meta["digest"])
        except (sqlite3.DatabaseError, TypeError, KeyError) as exc:
            raise InputError(f"{path}: not a translations index ({exc})") from None
        self._cache: OrderedDict[str, str | None] = OrderedDict()

    def __len__(self) -> int:
        return self._count

    def __getstate__(self) -> dict[str, Any]:  # a worker process reopens the file
        return {"path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"])  # type: ignore[misc]

    @classmethod
    def build(cls, records: Iterable[tuple[str, str]], path: Path | None = None, *, name: str) -> TranslationIndex:
        import sqlite3
        import tempfile

        if path is None:
            folder = Path(tempfile.mkdtemp(prefix="aligner-translations-"))
            atexit.register(shutil.rmtree, folder, True)
            path = folder / "translations.sqlite"
        path.unlink(missing_ok=True)
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("CREATE TABLE t (source TEXT PRIMARY KEY, folded TEXT NOT NULL, translation TEXT NOT NULL)")
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('name', ?)", (name,))
        h = hashlib.sha256()

        def hashed() -> Iterator[tuple[str, str, str]]:
            for source, translation in records:
                h.update(_record(source, translation))
                yield source, _fold(source), translation

        db.executemany("INSERT OR REPLACE INTO t VALUES (?, ?, ?)", hashed())
        db.execute("INSERT INTO meta VALUES ('digest', ?)", (h.hexdigest(),))
        db.execute("CREATE INDEX t_folded ON t (folded)")
        db.commit()
        db.close()
        return cls(path)

    def get(self, text: str) -> str | None:
        if text in self._cache:
            self._cache.move_to_end(text)
            return self._cache[text]
        row = self._db.execute("SELECT translation FROM t WHERE source = ?", (text,)).fetchone()
        if row is None:  # whitespace-folded, the latest record first (as a later record wins)
            row = self._db.execute(
                "SELECT translation FROM t WHERE folded = ? ORDER BY rowid DESC LIMIT 1", (_fold(text),)
            ).fetchone()
        found: str | None = None if row is None else str(row[0])
        self._cache[text] = found
        if len(self._cache) > self.CACHE:
            self._cache.popitem(last=False)
        return found


def open_translations(path: str | Path, sources: Iterable[str] | None = None) -> FileTranslator:
    """A ``FileTranslator`` for ``--translations``: JSONL by suffix, an index made from one (SQLite), else one line
    per sentence."""
    p = Path(path)
    if p.is_file() and p.open("rb").read(16).startswith(b"SQLite format 3"):
        return FileTranslator.open_index(p)
    if p.suffix == ".jsonl":
        return FileTranslator.from_jsonl(p)
    if sources is None:
        raise InputError(f"{p}: a plain-text translations file needs one story; use JSONL for batches")
    return FileTranslator.positional(list(sources), p)


def memory_key(text: str) -> str:
    """A source sentence as a translation memory compares it: typography normalised (Moses, as for the model),
    spaces folded."""
    from ..reading.typography import normalize_source

    return " ".join(normalize_source(text).split())


class TranslationMemory:
    """Confirmed translations by source text, from a review database (``aligner review``'s SQLite file) or a TMX
    file (what every CAT tool's memory exports). ``exact`` finds a match after normalising spaces and
    typography; ``suggest`` the close ones (rapidfuzz's ``fuzz.ratio`` ≥ ``cutoff``, 0–100)."""

    def __init__(self, pairs: Iterable[tuple[str, str]], *, name: str) -> None:
        self.name = name
        self._exact: dict[str, str] = {}
        for source, target in pairs:
            if source.strip() and target.strip():
                self._exact[memory_key(source)] = target  # a later confirmation wins
        self._sources = list(self._exact)

    def __len__(self) -> int:
        return len(self._exact)

    @classmethod
    def open(cls, path: str | Path) -> TranslationMemory:
        p = Path(path)
        if not p.is_file():
            raise InputError(f"{p}: no such translation memory; give a review database or a TMX file")
        with p.open("rb") as fh:
            head = fh.read(16)
        if head.startswith(b"SQLite format 3"):  # a review database, read only: a memory is never written to
            from ..store import SqliteStore

            store = SqliteStore.open_readonly(p)
            try:
                pairs = [(v.source, v.text) for v in store.confirmed()]
            finally:
                store.close()
            return cls(pairs, name=p.name)
        return cls(_tmx_pairs(p), name=p.name)

    def sources(self) -> list[str]:
        return list(self._sources)

    def exact(self, text: str) -> str | None:
        return self._exact.get(memory_key(text))

    def suggest(self, text: str, *, cutoff: float = 80.0, limit: int = 3) -> list[tuple[str, str, float]]:
        """(memory source, its translation, similarity 0–100) of the closest entries at or above ``cutoff``."""
        from rapidfuzz import fuzz, process

        found = process.extract(memory_key(text), self._sources, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit)
        return [(s, self._exact[s], float(score)) for s, score, _ in found]


def _tmx_pairs(path: Path) -> list[tuple[str, str]]:
    from lxml import etree
    from translate.storage import tmx

    try:
        store = tmx.tmxfile.parsestring(path.read_bytes())
    except (etree.LxmlError, AssertionError, ValueError) as exc:  # lxml's parse errors; translate-toolkit asserts
        # that the root element is <tmx>
        raise InputError(
            f"{path}: not a TMX file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
        ) from None
    return [(str(u.source), str(u.target)) for u in store.units if u.source and u.target]


class MemoryTranslator:
    """A translation memory in front of ``inner``: an exact match is used instead of the MT, marked
    ``origin="memory"``; only the other sentences reach ``inner``."""

    def __init__(self, inner: Translator, memory: TranslationMemory) -> None:
        self.inner = inner
        self.memory = memory
        self.glossary = glossary_of(inner)  # the MT obeys it; the QA checks the memory's matches against it too

    @property
    def signature(self) -> Signature:
        from dataclasses import replace

        return replace(self.inner.signature, memory=f"{self.memory.name}#{len(self.memory)}")

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        found = [self.memory.exact(t) if t.strip() else None for t in texts]
        todo = [t for t, hit in zip(texts, found) if hit is None]
        made = iter(self.inner.translate(todo) if todo else [])
        return [Translation(hit, origin="memory") if hit is not None else next(made) for hit in found]
