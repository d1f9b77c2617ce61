"""A batch's stories, read lazily: a JSONL file (or standard input) line by line (story records, or ninjs items), or a
folder of stories and news items (``NAME.txt``, ``NAME.json``, ``NAME.xml``: plain text, ninjs, NewsML-G2 or NITF,
told apart by content) with optional English references beside them (``NAME.en.txt``, ``NAME.en.json``,
``NAME.en.xml``). Nothing is held beyond the story being handed out."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import AlignerError, InputError
from ..feeds import Item, parse_source, read_source
from ..files import is_stdio
from ..reading.reader import STORY_ID, Story, iter_jsonl, parse_story

SUFFIXES = (".txt", ".json", ".xml")  # a story in plain text, or a news item


@dataclass(frozen=True)
class StoryItem:
    """A story to run, or the error that stopped it from being read."""

    id: str
    story: Story | None
    error: str | None = None
    item: Item | None = None  # a news item's original: the run writes the translated item beside translation.txt


def _is_story(name: str) -> bool:
    stem, dot, suffix = name.rpartition(".")
    return bool(dot) and f".{suffix}" in SUFFIXES and not stem.endswith(".en") and not name.startswith(".")


def _story_files(folder: Path) -> Iterator[Path]:
    """The stories and items of ``folder`` in name order; a listing of names, not of stories, is all that is held."""
    yield from (folder / n for n in sorted(e.name for e in os.scandir(folder) if _is_story(e.name)))


def _reference(f: Path) -> Path | None:
    """``NAME.en.txt``, ``NAME.en.json`` or ``NAME.en.xml`` beside ``f``: the first that exists."""
    for suffix in SUFFIXES:
        candidate = f.with_name(f"{f.stem}.en{suffix}")
        if candidate.exists():
            return candidate
    return None


def _jsonl(path: Path) -> Iterator[StoryItem]:
    """A JSONL file's lines: story records (``{"id", "paragraphs", "reference"}``) or ninjs items (an object with a
    ``uri`` and no ``paragraphs``; the story id is made from the uri's last part)."""
    for where, obj in iter_jsonl(path):
        if isinstance(obj, dict) and "uri" in obj and "paragraphs" not in obj:
            story_id = _id_of_uri(str(obj["uri"]))
            source = parse_source(json.dumps(obj, ensure_ascii=False).encode("utf-8"), where, doc_id=story_id)
            yield StoryItem(story_id, Story(source.document, None), item=source.item)
        else:
            story = parse_story(obj, where)
            yield StoryItem(story.source.id, story)


def _id_of_uri(uri: str) -> str:
    """A story id from an item's uri: its last path part, characters outside letters, digits, '.', '_', '-' as '_'."""
    last = uri.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._-]+", "_", last).lstrip(".")[:120] or "item"


def iter_stories(path: str | Path) -> Iterator[StoryItem]:
    """Stories from a JSONL file (``-``: standard input), or from a folder of ``NAME.txt`` stories and ``NAME.json``
    / ``NAME.xml`` news items with optional ``NAME.en.*`` references, in input order."""
    p = Path(path)
    if is_stdio(p) or p.is_file():
        yield from _jsonl(p)
        return
    if not p.exists():
        raise InputError(
            f"{p}: no such file or folder; give a folder of stories (NAME.txt) or news items (NAME.json, NAME.xml), "
            "or a .jsonl file (- for stdin)"
        )
    found = False
    for f in _story_files(p):
        found = True
        if not STORY_ID.fullmatch(f.stem):
            yield StoryItem(f.stem, None, f"{f}: {f.stem!r} cannot be a story id (it names the story's folder and "
                            "page): rename the file with letters, digits, '.', '_' and '-' only")  # fmt: skip
            continue
        try:
            source = read_source(f, lang="fr")
            ref_path = _reference(f)
            reference = read_source(ref_path, lang="en").document if ref_path is not None else None
            yield StoryItem(source.document.id, Story(source.document, reference), item=source.item)
        except AlignerError as exc:
            yield StoryItem(f.stem, None, str(exc))
    if not found:
        raise InputError(
            f"{p}: no stories in this folder (NAME.txt, or news items NAME.json / NAME.xml; references are "
            "NAME.en.txt, .en.json or .en.xml beside them)"
        )


def count_stories(path: str | Path) -> int | None:
    """How many stories ``path`` holds, counted without parsing them (None for standard input: unknown)."""
    p = Path(path)
    if is_stdio(p) or not p.exists():
        return None
    if p.is_file():
        with p.open("rb") as fh:
            return sum(1 for line in fh if line.strip())
    return sum(1 for _ in _story_files(p))
