"""Reading wire copy: bytes → text → ``Document``.

Plain text: paragraphs are separated by blank lines. The structure of agency copy is recognised:
a leading ``date YYYY-MM`` tag (metadata, removed from the prose), ``___`` section breaks, ``— ``
bullet items, an all-caps header line ending with a colon, and a closing byline ("The Associated
Press"), which is a name and is never translated.

JSONL (one story per line) serves batch jobs::

    {"id": "story-1", "paragraphs": ["Premier paragraphe.", ["Phrase 1.", "Phrase 2."]],
     "reference": ["First paragraph.", ...]}

A paragraph given as a list of strings is pre-segmented (one sentence per item).
"""

from __future__ import annotations

import json
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..files import is_stdio, read_input_bytes, read_input_stream
from .document import Document, Kind, Paragraph, Sentence
from .segment import split_sentences

_DATE_TAG = re.compile(r"^\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)\b\s*")
_BREAK = re.compile(r"^\s*_{3,}\s*$")
_BULLET = re.compile(r"^(\s*[—–•-]\s+)")
_BYLINE = re.compile(
    r"^(?:(?:the\s+)?associated\s+press|ap|afp|reuters|agence\s+france-presse|"
    r"(?:by|par)\s+[\w’'.\- ]+)$",
    re.IGNORECASE,
)
STORY_ID = re.compile(r"[\w\-][\w.\-]*")  # a batch story's id: it names a folder and a URL
_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*\n")


class DecodingWarning(UserWarning):
    """A file was not UTF-8 and was decoded with another encoding."""


def decode(data: bytes, path: str | Path) -> str:
    """Decode a text file's bytes: UTF-8 (with or without BOM), else cp1252 with a warning.

    Raises ``InputError`` for empty or binary content and for bytes that no encoding explains.
    Line ends are normalised to ``\\n``.
    """
    if not data.strip():
        raise InputError(f"{path}: the file is empty; give a file with text in it")
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: this looks like a binary file (NUL bytes), not text; give a UTF-8 text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise InputError(
                f"{path}: not UTF-8 (bad byte at offset {exc.start}) and not cp1252 either; "
                "convert it to UTF-8 (e.g. `iconv -f latin1 -t utf-8`)"
            ) from None
        warnings.warn(
            f"{path}: not valid UTF-8 (bad byte at offset {exc.start}); decoded as cp1252 (Windows Latin-1)",
            DecodingWarning,
            stacklevel=2,
        )
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > max(2, len(text) // 100):
        raise InputError(f"{path}: this looks like a binary file ({controls} control characters), not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_lines(path: str | Path) -> list[str]:
    """A line-per-segment file as the sacrebleu CLI reads it: universal newlines, each line ``rstrip()``-ed
    (``-``: standard input)."""
    text = decode(read_input_bytes(path), "<stdin>" if is_stdio(path) else path)
    if text.endswith("\n"):
        text = text[:-1]
    return [line.rstrip() for line in text.split("\n")] if text else []


def _is_header(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and text.rstrip().endswith(":") and all(ch.isupper() for ch in letters)


def _is_byline(text: str, last: bool) -> bool:
    if _BYLINE.match(text.strip()):
        return True
    words = text.split()
    return last and 0 < len(words) <= 6 and text.rstrip()[-1] not in '.!?:;»”"'


@dataclass(frozen=True)
class _Block:
    kind: Kind
    prefix: str
    body: str
    sentences: tuple[str, ...] | None = None  # pre-segmented


def _classify(raw: str, last: bool) -> _Block:
    body = " ".join(line.strip() for line in raw.split("\n") if line.strip())
    if _BREAK.match(body):
        return _Block(Kind.BREAK, body, "")
    bullet = _BULLET.match(body)
    if bullet:
        return _Block(Kind.BULLET, bullet.group(1).strip() + " ", body[bullet.end() :])
    if _is_header(body):
        return _Block(Kind.HEADER, "", body)
    if _is_byline(body, last):
        return _Block(Kind.BYLINE, "", body)
    return _Block(Kind.PROSE, "", body)


def _build(doc_id: str, blocks: Sequence[_Block], lang: str, metadata: tuple[tuple[str, str], ...]) -> Document:
    paragraphs: list[Paragraph] = []
    next_id = 0
    for block in blocks:
        pid = len(paragraphs)
        if block.kind is Kind.BREAK:
            texts: Sequence[str] = ()
        elif block.sentences is not None:
            texts = block.sentences
        elif block.kind in (Kind.HEADER, Kind.BYLINE):
            texts = (block.body,)
        else:
            texts = split_sentences(block.body, lang)
        sentences = tuple(Sentence(next_id + i, pid, t) for i, t in enumerate(texts))
        next_id += len(sentences)
        paragraphs.append(Paragraph(pid, block.kind, sentences, block.prefix))
    return Document(doc_id, tuple(paragraphs), metadata, lang)


def parse_text(text: str, *, doc_id: str = "doc", lang: str = "fr", presegmented: bool = False) -> Document:
    """Parse wire copy already decoded to ``str``.

    With ``presegmented=True`` every non-blank line is one sentence and blank lines separate
    paragraphs (the input hunalign and vecalign take); no structure is recognised then.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    metadata: tuple[tuple[str, str], ...] = ()
    date = _DATE_TAG.match(text)
    if date:
        metadata = (("date", date.group(1)),)
        text = text[date.end() :]
    raws = [r for r in _BLANK_LINES.split(text.strip("\n")) if r.strip()]
    blocks: list[_Block]
    if presegmented:
        blocks = []
        for raw in raws:
            lines = tuple(line.strip() for line in raw.split("\n") if line.strip())
            blocks.append(_Block(Kind.PROSE, "", " ".join(lines), lines))
    else:
        blocks = [_classify(raw, i == len(raws) - 1 and i > 0) for i, raw in enumerate(raws)]
    return _build(doc_id, blocks, lang, metadata)


def read_document(path: str | Path, *, lang: str = "fr", presegmented: bool = False) -> Document:
    """Read a plain-text story from ``path`` (``-``: standard input, id ``stdin``). The document id is the file
    name without suffix."""
    name = "<stdin>" if is_stdio(path) else str(path)
    text = decode(read_input_bytes(path), name)
    doc_id = "stdin" if is_stdio(path) else Path(path).stem
    doc = parse_text(text, doc_id=doc_id, lang=lang, presegmented=presegmented)
    if not doc.sentences:
        raise InputError(f"{name}: no sentences found (only section breaks or tags); give a story with text")
    return doc


@dataclass(frozen=True)
class Story:
    """A story from a batch: the French document and, when given, the English reference."""

    source: Document
    reference: Document | None


def _paragraph_blocks(items: object, where: str) -> list[_Block]:
    if isinstance(items, str):
        items = [p for p in _BLANK_LINES.split(items) if p.strip()]
    if not isinstance(items, list):
        raise InputError(f'{where}: "paragraphs" must be a list of strings or of lists of strings')
    blocks: list[_Block] = []
    for n, item in enumerate(items):
        if isinstance(item, str):
            blocks.append(_classify(item, n == len(items) - 1 and n > 0))
        elif isinstance(item, list) and all(isinstance(s, str) for s in item):
            sents = tuple(s.strip() for s in item if s.strip())
            blocks.append(_Block(Kind.PROSE, "", " ".join(sents), sents))
        else:
            raise InputError(f"{where}: paragraph {n} must be a string or a list of strings")
    return [b for b in blocks if b.body or b.kind is Kind.BREAK]


def parse_story(obj: object, where: str) -> Story:
    """Turn one JSONL object into a ``Story``; ``where`` names file and line for error messages."""
    if not isinstance(obj, dict):
        raise InputError(f'{where}: expected a JSON object with "id" and "paragraphs"')
    if "id" not in obj or "paragraphs" not in obj:
        raise InputError(f'{where}: missing "id" or "paragraphs"')
    doc_id = str(obj["id"])
    if not STORY_ID.fullmatch(doc_id):
        raise InputError(
            f"{where}: id {doc_id!r} may only use letters, digits, '.', '_' and '-', and may not start with '.'"
        )
    metadata: tuple[tuple[str, str], ...] = tuple((str(k), str(v)) for k, v in obj.get("metadata", {}).items())
    source = _build(doc_id, _paragraph_blocks(obj["paragraphs"], where), "fr", metadata)
    if not source.sentences:
        raise InputError(f"{where}: story {doc_id!r} has no sentences")
    reference = None
    if obj.get("reference"):
        reference = _build(doc_id, _paragraph_blocks(obj["reference"], where + " (reference)"), "en", ())
    return Story(source, reference)


def iter_jsonl(path: str | Path) -> Iterator[tuple[str, Any]]:
    """``(where, object)`` for each non-blank line of a UTF-8 JSONL file (``-``: standard input), read lazily line
    by line, so that a file of any size streams; ``where`` is ``FILE:LINE`` for error messages."""
    name = "<stdin>" if is_stdio(path) else str(path)
    if is_stdio(path):
        yield from _jsonl_lines(name, read_input_stream())
        return
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file; check the path (or give - for standard input)")
    with p.open("rb") as fh:
        yield from _jsonl_lines(name, fh)


def _jsonl_lines(name: str, stream: Iterable[bytes]) -> Iterator[tuple[str, Any]]:
    for n, raw in enumerate(stream, start=1):
        if n == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name}:{n}: not UTF-8 (bad byte at offset {exc.start}); JSONL files must be UTF-8"
            ) from None
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}:{n}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        yield f"{name}:{n}", obj


def iter_jsonl_stories(path: str | Path) -> Iterator[Story]:
    """Stories of a JSONL file (or standard input), in file order, read lazily. Blank lines are skipped."""
    for where, obj in iter_jsonl(path):
        yield parse_story(obj, where)


def parse_bytes(data: bytes, name: str, *, doc_id: str, lang: str = "fr", presegmented: bool = False) -> Document:
    """A plain-text story from bytes already read (``name`` for messages): what ``read_document`` does after reading
    the file, for callers that look at the bytes first (``aligner.feeds`` tells stories from news items)."""
    doc = parse_text(decode(data, name), doc_id=doc_id, lang=lang, presegmented=presegmented)
    if not doc.sentences:
        raise InputError(f"{name}: no sentences found (only section breaks or tags); give a story with text")
    return doc
