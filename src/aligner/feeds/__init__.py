"""News items in and out: IPTC ninjs (2.x, 3.x), NewsML-G2 news items (NITF or XHTML body) and NITF 3.x documents are
read into aligner's ``Document`` and written back, translated, in the same format.

What a caller needs (``aligner run``, ``translate``, ``export --format item``, and batches, per file):

- ``read_source(path, lang=…)`` / ``parse_source(data, name, doc_id=…)``: any input, a plain-text story or an item,
  told apart by its content (``detect_format``), as a ``Source``: the ``Document`` to translate, and the ``Item``
  (``None`` for a plain-text story) that the writer needs.
- ``write_item(item, english)``: the translated item's bytes, with the notes on inline markup that could only be
  kept at sentence level (``markup.Note``).
- ``run_outputs(item, result)``: for a run directory: the ``RunResult`` with those notes as ``markup`` QA flags, and
  the files that go beside ``translation.txt`` (the translated item, ``translation.json`` or ``translation.xml``; the
  original, ``source.json`` or ``source.xml``, which ``item_of_run`` reads back to export a reviewed item).

Formats are in ``ninjs``, ``newsml`` and ``nitf``; what they share in ``items``; the paragraphs of XML and HTML in
``xmltext``; how inline markup reaches the English words in ``markup``.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from ..errors import AlignmentError, InputError
from ..files import is_stdio, read_input_bytes
from ..reading.document import Document
from ..reading.reader import parse_bytes
from ..results import Flag, RunResult
from .items import Layout, Slot, derived_id, fill, is_source_lang, layout, timestamp
from .markup import Note, WordAligner

__all__ = [
    "FORMATS",
    "FeedWarning",
    "Item",
    "ItemOutput",
    "Note",
    "Source",
    "detect_format",
    "item_of_run",
    "parse_item",
    "parse_source",
    "read_source",
    "run_files",
    "run_outputs",
    "write_item",
]

FORMATS = ("ninjs", "newsml-g2", "nitf")
SUFFIX = {"ninjs": ".json", "newsml-g2": ".xml", "nitf": ".xml"}
MARKUP_FLAG = "markup"


class FeedWarning(UserWarning):
    """Something about an item worth knowing that does not stop the run (a language other than the expected one)."""


@dataclass(frozen=True)
class Item:
    """A news item as read: its format (one of ``FORMATS``), where it came from (``name``, for messages), its bytes
    (kept: the writer parses them again), the ``Document`` of its paragraphs, and its identifier and language as it
    states them (``""`` when it does not)."""

    format: str
    name: str
    data: bytes
    document: Document
    id: str
    lang: str

    @property
    def suffix(self) -> str:
        return SUFFIX[self.format]


@dataclass(frozen=True)
class Source:
    """What a file holds: the document to translate and, for a news item, the item (None for a plain-text story)."""

    document: Document
    item: Item | None = None


@dataclass(frozen=True)
class ItemOutput:
    """A translated item: its bytes, its new identifier, and the inline elements kept at sentence level."""

    data: bytes
    id: str
    notes: tuple[Note, ...]


class _Parsed(Protocol):
    id: str
    version: str
    lang: str
    slots: list[Slot]
    untouched: list[str]

    def finish(self, *, new_id: str, created: str, version: int, source_lang: str, original_id: str) -> bytes: ...


def detect_format(data: bytes) -> str:
    """``"ninjs"`` (a JSON object), ``"newsml-g2"`` (an XML ``<newsItem>``), ``"nitf"`` (``<nitf>``), ``"xml"`` (any
    other XML, which no reader takes) or ``"text"`` (a plain-text story), by the content, whatever the file is
    called. A story never starts with ``{`` or ``<``; an item always does (after a BOM and blank space)."""
    head = data[:64].removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith((b"{", b"[")):
        return "ninjs"
    if not head.startswith(b"<"):
        return "text"
    from lxml import etree

    try:
        for _event, el in etree.iterparse(
            io.BytesIO(data), events=("start",), resolve_entities=False, no_network=True, load_dtd=False
        ):
            name = etree.QName(el).localname
            return {"newsItem": "newsml-g2", "nitf": "nitf"}.get(name, "xml")
    except etree.XMLSyntaxError:
        pass
    return "xml"


def _parse(fmt: str, data: bytes, name: str) -> _Parsed:
    from .newsml import NewsItem
    from .ninjs import Ninjs
    from .nitf import Nitf, parse_xml
    from .xmltext import local

    if fmt == "ninjs":
        return Ninjs(data, name)
    if fmt == "newsml-g2":
        return NewsItem(data, name)
    if fmt == "nitf":
        return Nitf(data, name)
    root = parse_xml(data, name)  # a malformed document says so here
    hint = " (a newsMessage holds several items: give one newsItem per file)" if local(root) == "newsMessage" else ""
    raise InputError(
        f"{name}: an XML document whose root is <{local(root)}>; aligner reads NewsML-G2 <newsItem> and NITF <nitf> "
        f"items{hint}"
    )


def parse_item(data: bytes, name: str, *, doc_id: str, lang: str = "fr", fmt: str | None = None) -> Item:
    """The news item in ``data`` (``name`` says where it came from, in messages; ``doc_id`` is the document's id, the
    file name without suffix). ``InputError`` (one line, naming ``name``) for an item that is malformed, of another
    kind, or has no text."""
    fmt = fmt or detect_format(data)
    if fmt == "text":
        raise InputError(f"{name}: a plain-text story, not a news item (ninjs, NewsML-G2 or NITF)")
    parsed = _parse(fmt, data, name)
    metadata = tuple((k, v) for k, v in (("format", fmt), ("item-id", parsed.id), ("item-lang", parsed.lang)) if v)
    plan = layout(doc_id, parsed.slots, lang, metadata)
    if not plan.document.sentences:
        raise InputError(f"{name}: this {fmt} item has no text to translate (no headline, description or body)")
    if parsed.untouched:
        warnings.warn(
            f"{name}: left as it is, in a markup aligner does not read: {', '.join(parsed.untouched)}",
            FeedWarning,
            stacklevel=2,
        )
    if parsed.lang and not is_source_lang(parsed.lang, lang):
        warnings.warn(
            f"{name}: the item says its language is {parsed.lang!r}; it is read as {lang!r}", FeedWarning, stacklevel=2
        )
    return Item(fmt, name, data, plan.document, parsed.id, parsed.lang)


def parse_source(data: bytes, name: str, *, doc_id: str, lang: str = "fr", presegmented: bool = False) -> Source:
    """A story or an item from bytes already read (a batch's file, a line of JSONL): see ``read_source``."""
    fmt = detect_format(data)
    if fmt == "text":
        return Source(parse_bytes(data, name, doc_id=doc_id, lang=lang, presegmented=presegmented))
    if presegmented:
        raise InputError(f"{name}: --presegmented is for plain-text stories; a {fmt} item is segmented by aligner")
    item = parse_item(data, name, doc_id=doc_id, lang=lang, fmt=fmt)
    return Source(item.document, item)


def read_source(path: str | Path, *, lang: str = "fr", presegmented: bool = False) -> Source:
    """Read any input of aligner: a plain-text story (exactly as ``aligner.reading.read_document``) or a news item
    (ninjs, NewsML-G2, NITF), told apart by content. ``-`` is standard input (id ``stdin``); otherwise the document id
    is the file name without suffix."""
    name = "<stdin>" if is_stdio(path) else str(path)
    doc_id = "stdin" if is_stdio(path) else Path(path).stem
    return parse_source(read_input_bytes(path), name, doc_id=doc_id, lang=lang, presegmented=presegmented)


@lru_cache(maxsize=1)
def _word_aligner() -> WordAligner:
    from ..alignment.bitext import load_lexicon

    try:
        return WordAligner(load_lexicon().table)
    except AlignmentError:  # no lexical table: names, numbers and cognates still link
        return WordAligner()


def _plan(item: Item) -> tuple[_Parsed, Layout]:
    parsed = _parse(item.format, item.data, item.name)
    doc = item.document
    plan = layout(doc.id, parsed.slots, doc.lang, doc.metadata)
    if plan.document != doc:
        raise InputError(f"{item.name}: the item no longer reads as the document it was read as; read it again")
    return parsed, plan


def write_item(item: Item, english: Sequence[str], *, now: datetime | None = None, version: int = 1) -> ItemOutput:
    """The translated item in ``item``'s format: ``english`` has one string per source sentence (sentence-id
    order; ``""`` for a sentence whose English a post-edit put in the sentence before). ``now``: the creation time
    written (default: now, UTC); ``version``: the item's version (1 for the MT; a reviewed export counts up)."""
    if len(english) != len(item.document.sentences):
        raise InputError(
            f"{item.name}: {len(english)} English sentences for {len(item.document.sentences)} source sentences"
        )
    parsed, plan = _plan(item)
    notes = fill(parsed.slots, plan, english, _word_aligner())
    new_id = derived_id(parsed.id, item.document.id)
    data = parsed.finish(
        new_id=new_id,
        created=timestamp(now),
        version=version,
        source_lang=parsed.lang or item.document.lang,
        original_id=parsed.id or item.document.id,
    )
    return ItemOutput(data, new_id, tuple(notes))


def run_files(item: Item) -> tuple[str, str]:
    """The names of the original and of the translated item in a run directory: ``source.json`` and
    ``translation.json`` (ninjs), ``source.xml`` and ``translation.xml`` (NewsML-G2, NITF)."""
    return f"source{item.suffix}", f"translation{item.suffix}"


def with_markup_flags(result: RunResult, notes: Sequence[Note]) -> RunResult:
    """``result`` with a ``markup`` warning on the bead of each note's sentence."""
    bead_of = {i: k for k, bead in enumerate(result.beads) for i in bead.left}
    flags = [list(f) for f in result.flags]
    for note in notes:
        k = bead_of.get(note.sentence)
        if k is not None:
            flags[k].append(Flag(MARKUP_FLAG, "warning", note.message))
    return replace(result, flags=tuple(tuple(f) for f in flags))


def run_outputs(item: Item, result: RunResult, *, now: datetime | None = None) -> tuple[RunResult, dict[str, bytes]]:
    """What a run of ``item`` adds to its run directory: the result with the markup notes as QA flags, and the files
    to write beside ``translation.txt`` (``write_run(result, out, extra=files)``): the original item and the
    translated one (``run_files``)."""
    if result.source != item.document:
        raise InputError(f"{item.name}: the run's source is not this item's document")
    out = write_item(item, result.mt, now=now)
    source_name, translation_name = run_files(item)
    return with_markup_flags(result, out.notes), {source_name: item.data, translation_name: out.data}


def item_of_run(rundir: str | Path, result: RunResult) -> Item:
    """The original item of a run directory whose source was an item (to write the reviewed item)."""
    fmt = result.source.meta("format")
    if fmt not in SUFFIX:
        raise InputError(
            f"{rundir}: this run's source is a plain-text story, not a news item; export it with --format story"
        )
    path = Path(rundir) / f"source{SUFFIX[fmt]}"
    if not path.is_file():
        raise InputError(f"{path}: missing: the run directory lost its original item; rerun `aligner run`")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeedWarning)
        item = parse_item(path.read_bytes(), str(path), doc_id=result.source.id, lang=result.source.lang, fmt=fmt)
    if item.document != result.source:
        raise InputError(f"{path}: no longer reads as the run's source (result.json); rerun `aligner run`")
    return item
