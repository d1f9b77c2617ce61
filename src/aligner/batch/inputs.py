"""A batch's stories, read lazily: a JSONL file (or standard input) line by line, or a folder of ``NAME.txt``
(French) with optional ``NAME.en.txt`` (English reference). Nothing is held beyond the story being handed out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import AlignerError, InputError
from ..files import is_stdio
from ..reading.reader import STORY_ID, Story, iter_jsonl_stories, read_document


@dataclass(frozen=True)
class StoryItem:
    """A story to run, or the error that stopped it from being read."""

    id: str
    story: Story | None
    error: str | None = None


def _story_files(folder: Path) -> Iterator[Path]:
    """``NAME.txt`` files of ``folder`` in name order; a listing of names, not of stories, is all that is held."""
    names = sorted(
        e.name
        for e in os.scandir(folder)
        if e.name.endswith(".txt") and not e.name.endswith(".en.txt") and not e.name.startswith(".")
    )
    yield from (folder / n for n in names)


def iter_stories(path: str | Path) -> Iterator[StoryItem]:
    """Stories from a JSONL file (``-``: standard input), or from a folder of ``NAME.txt`` with optional
    ``NAME.en.txt`` references, in input order."""
    p = Path(path)
    if is_stdio(p) or p.is_file():
        yield from (StoryItem(s.source.id, s) for s in iter_jsonl_stories(p))
        return
    if not p.exists():
        raise InputError(f"{p}: no such file or folder; give a folder of .txt stories or a .jsonl file (- for stdin)")
    found = False
    for f in _story_files(p):
        found = True
        if not STORY_ID.fullmatch(f.stem):
            yield StoryItem(f.stem, None, f"{f}: {f.stem!r} cannot be a story id (it names the story's folder and "
                            "page): rename the file with letters, digits, '.', '_' and '-' only")  # fmt: skip
            continue
        try:
            source = read_document(f, lang="fr")
            ref_path = f.with_name(f.stem + ".en.txt")
            reference = read_document(ref_path, lang="en") if ref_path.exists() else None
            yield StoryItem(source.id, Story(source, reference))
        except AlignerError as exc:
            yield StoryItem(f.stem, None, str(exc))
    if not found:
        raise InputError(f"{p}: no .txt stories in this folder (references are NAME.en.txt beside NAME.txt)")


def count_stories(path: str | Path) -> int | None:
    """How many stories ``path`` holds, counted without parsing them (None for standard input: unknown)."""
    p = Path(path)
    if is_stdio(p) or not p.exists():
        return None
    if p.is_file():
        with p.open("rb") as fh:
            return sum(1 for line in fh if line.strip())
    return sum(1 for _ in _story_files(p))
