"""What the three formats share: paragraphs found in an item (``Slot``), the ``Document`` made of them, the English
written back into them with its markup, identifiers and timestamps of the translated item.

A format module parses an item into a ``Parsed``: its slots in reading order (one per paragraph found, headline
first) and what it needs to write the item out again. The same parse is run when the item is read and when its
translation is written (the original bytes are kept, never a half-edited tree), so the slots of the writer are the
paragraphs of the document by construction.

A slot whose text is the same as an earlier one's (the headline repeated as the NITF ``hl1`` or as the HTML
``<title>``, a plain-text body line that repeats an HTML paragraph) is a *mirror*: it is not a paragraph of its own
(it would be translated, aligned and scored twice) and is written with the English of the paragraph it repeats.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

from ..reading.document import Document, Kind, Paragraph, Sentence
from ..reading.segment import split_sentences
from .markup import Block, Node, Note, WordAligner, nest, sentence_bounds, transfer

TARGET_LANG = "en"
ONE_SENTENCE = (Kind.BYLINE, Kind.DATELINE)  # names and "PARIS, 5 mars (AFP) -" are never split


class Slot(Protocol):
    """A paragraph in an item: its text and inline elements as read, and how to write its English back."""

    @property
    def block(self) -> Block: ...

    def write(self, text: str, nodes: Sequence[Node]) -> None: ...

    def remove(self) -> None: ...


class PlainText:
    """A plain-text value (a JSON string, an element's text): one paragraph per non-blank line, the line breaks and
    the spaces around lines kept as they were. ``commit`` puts the English back through ``store``."""

    def __init__(self, value: str, kind: Kind, store: Callable[[str], None]) -> None:
        self.pieces = re.split(r"(\s*\n\s*)", value)  # lines at even indexes, separators at odd ones
        self.store = store
        self.slots: list[PlainLine] = []
        for n in range(0, len(self.pieces), 2):
            line = self.pieces[n]
            if line.strip():
                self.slots.append(PlainLine(self, n, Block(kind, " ".join(line.split()))))

    def commit(self) -> None:
        self.store("".join(self.pieces))


class PlainLine:
    """One line of a ``PlainText``."""

    def __init__(self, owner: PlainText, index: int, block: Block) -> None:
        self.owner = owner
        self.index = index
        self.block = block
        raw = owner.pieces[index]
        self.lead, self.trail = raw[: len(raw) - len(raw.lstrip())], raw[len(raw.rstrip()) :]

    def write(self, text: str, nodes: Sequence[Node]) -> None:
        self.owner.pieces[self.index] = self.lead + text + self.trail

    def remove(self) -> None:
        self.owner.pieces[self.index] = ""


@dataclass(frozen=True)
class Layout:
    """The document made of an item's slots, and for each slot the paragraph it is (or mirrors)."""

    document: Document
    owners: tuple[int, ...]


def layout(doc_id: str, slots: Sequence[Slot], lang: str, metadata: tuple[tuple[str, str], ...]) -> Layout:
    """Paragraph ``k`` of the document is the ``k``-th slot whose text was not seen before; sentence ids run through
    the document (0-based), as ``aligner.reading`` numbers them."""
    seen: dict[str, int] = {}
    owners: list[int] = []
    paragraphs: list[Paragraph] = []
    next_id = 0
    for slot in slots:
        text = slot.block.text
        if text in seen:
            owners.append(seen[text])
            continue
        pid = len(paragraphs)
        kind = slot.block.kind
        texts = [text] if kind in ONE_SENTENCE else split_sentences(text, lang) or [text]
        sentences = tuple(Sentence(next_id + i, pid, t) for i, t in enumerate(texts))
        next_id += len(sentences)
        paragraphs.append(Paragraph(pid, kind, sentences, "— " if kind is Kind.LIST_ITEM else ""))
        seen[text] = pid
        owners.append(pid)
    return Layout(Document(doc_id, tuple(paragraphs), metadata, lang), tuple(owners))


def _quote(text: str, limit: int = 40) -> str:
    return "“" + (text if len(text) <= limit else text[: limit - 1].rstrip() + "…") + "”"


def fill(slots: Sequence[Slot], plan: Layout, english: Sequence[str], aligner: WordAligner) -> list[Note]:
    """Write each slot's English (``english``: one string per source sentence, ``""`` for a sentence merged into the
    one before) with its inline elements carried over; returns the notes for elements kept at sentence level."""
    doc = plan.document
    notes: list[Note] = []
    for slot, pid in zip(slots, plan.owners):
        para = doc.paragraphs[pid]
        texts = [english[s.id] for s in para.sentences]
        if para.kind is Kind.BYLINE and texts == [s.text for s in para.sentences] and texts[0].startswith("Par "):
            texts[0] = "By " + texts[0][4:]  # a copied French byline: its names stay, its preposition does not
        block = slot.block
        if para.sentences and not any(t.strip() for t in texts):
            notes += [
                Note(pid, para.sentences[0].id, f"<{i.name}> over {_quote(block.text[i.start : i.end])} was dropped "
                     "with its paragraph, whose English a post-edit moved into the paragraph before")
                for i in block.inlines if not i.void
            ]  # fmt: skip
            slot.remove()
            continue
        bounds = sentence_bounds(block.text, [s.text for s in para.sentences])
        done = transfer(block, bounds, texts, aligner)
        slot.write(done.text, nest(done.placed, block.inlines))
        for k, n in done.failed:
            inline = block.inlines[k]
            notes.append(
                Note(
                    pid,
                    para.sentences[n].id,
                    f"<{inline.name}> over {_quote(block.text[inline.start : inline.end])} could not be matched with "
                    "English words; it now covers the whole sentence: move it onto the words it belongs to",
                )
            )
        for k, n in done.lost:
            inline = block.inlines[k]
            notes.append(
                Note(
                    pid,
                    para.sentences[n].id,
                    f"<{inline.name}> over {_quote(block.text[inline.start : inline.end])} was dropped: a post-edit "
                    "moved its sentence's English into another paragraph",
                )
            )
    return notes


def derived_id(original: str, fallback: str) -> str:
    """The translated item's identifier: the original's with ``-en`` appended (a trailing ``-fr``, ``_fr``, ``.fr``,
    ``/fr`` or ``:fr`` becomes ``…en``), so that the same French item always gives the same English identifier and a
    receiving system can tell them apart; ``fallback`` (the file name) when the item has none."""
    base = original.strip() or fallback
    if re.search(r"[-_./:]fr$", base, re.IGNORECASE):
        return base[:-2] + TARGET_LANG
    return f"{base}-{TARGET_LANG}"


def timestamp(now: datetime | None = None) -> str:
    """ISO 8601 in UTC to the second (``2024-05-01T12:00:00Z``), as ninjs and NewsML-G2 date-times are written."""
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def is_source_lang(tag: str | None, source: str) -> bool:
    """Whether language tag ``tag`` names the source language (``fr``, ``fr-FR``, ``fr-CA`` for ``fr``)."""
    if not tag or not source:
        return False
    return tag.strip().lower().split("-")[0] == source.strip().lower().split("-")[0]
