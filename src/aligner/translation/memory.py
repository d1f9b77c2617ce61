"""Translations that already exist: a file of another system's output, and a memory in front of any engine.

- ``FileTranslator``: existing translations looked up by source sentence, to review any other
  system's output (and to drive everything after translation with real MT).
- ``MemoTranslator``: a translation memory in front of any translator; a sentence is never
  translated twice in a run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..errors import InputError
from ..files import read_input_bytes
from ..signature import Signature
from .base import Translation, Translator


class FileTranslator:
    """Existing translations, looked up by source sentence (exact text, then whitespace-folded).

    Build one from two line-parallel files (``from_parallel``), from JSONL records with
    ``source``/``translation`` keys (``from_jsonl``), or from a mapping.
    """

    engine = "file"

    def __init__(self, table: Mapping[str, str], *, name: str) -> None:
        self._table = dict(table)
        self._folded = {_fold(k): v for k, v in table.items()}
        self.name = name

    @property
    def signature(self) -> Signature:
        return Signature(model=self.name, revision="file", engine=self.engine, normalize="none")

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        return [Translation(t) for t in self.lookup(texts)]

    def lookup(self, texts: Sequence[str]) -> list[str]:
        out: list[str] = []
        for text in texts:
            if text in self._table:
                out.append(self._table[text])
            elif _fold(text) in self._folded:
                out.append(self._folded[_fold(text)])
            else:
                short = text if len(text) <= 70 else text[:67] + "..."
                raise InputError(
                    f"{self.name}: no translation for the sentence {short!r}; the translations file must "
                    "cover every source sentence"
                )
        return out

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
    def from_jsonl(cls, path: str | Path) -> FileTranslator:
        from ..reading.reader import iter_jsonl

        table: dict[str, str] = {}
        for where, obj in iter_jsonl(path):
            if (
                not isinstance(obj, dict)
                or not isinstance(obj.get("source"), str)
                or not isinstance(obj.get("translation"), str)
            ):
                raise InputError(f'{where}: expected {{"source": "...", "translation": "..."}}')
            table[obj["source"]] = obj["translation"]
        if not table:
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


class MemoTranslator:
    """A translation memory in front of ``inner``: each distinct sentence is translated once.

    Keyed by the exact source text; valid for one engine with fixed settings (one instance).
    """

    def __init__(self, inner: Translator) -> None:
        self.inner = inner
        self._memo: dict[str, Translation] = {}
        self.hits = 0

    @property
    def signature(self) -> Signature:
        return self.inner.signature

    def translate(self, texts: Sequence[str]) -> list[Translation]:
        todo = [t for t in dict.fromkeys(texts) if t not in self._memo]
        self.hits += len(texts) - len(todo)  # sentences that cost nothing
        if todo:
            for text, result in zip(todo, self.inner.translate(todo)):
                self._memo[text] = result
        return [self._memo[t] for t in texts]


def open_translations(path: str | Path, sources: Iterable[str] | None = None) -> FileTranslator:
    """A ``FileTranslator`` for ``--translations``: JSONL by suffix, else one line per sentence."""
    p = Path(path)
    if p.suffix == ".jsonl":
        return FileTranslator.from_jsonl(p)
    if sources is None:
        raise InputError(f"{p}: a plain-text translations file needs one story; use JSONL for batches")
    return FileTranslator.positional(list(sources), p)
