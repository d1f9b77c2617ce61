"""Plain data for a story: a ``Document`` of ``Paragraph``s of ``Sentence``s.

Index conventions: sentence ids are 0-based and run through the whole document in reading
order; paragraph ids are 0-based too. Every dataclass is frozen; stages build new ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property


class Kind(str, Enum):
    """What a paragraph is in wire copy. Everything but ``BREAK`` (no text) and ``BYLINE`` (a name) is translated.

    Plain-text stories use the first five; news items (``aligner.feeds``) also have headlines, subheads, abstracts,
    datelines and list items, which plain text cannot tell apart from prose."""

    PROSE = "prose"
    HEADER = "header"  # an all-caps line ending with a colon ("CE QU’IL FAUT SAVOIR:")
    BULLET = "bullet"  # "— " items; the marker is kept in ``Paragraph.prefix``
    BREAK = "break"  # "___" section break: no sentences
    BYLINE = "byline"  # "The Associated Press": a name, copied, never translated
    HEADLINE = "headline"  # an item's headline (ninjs headlines, G2 headline, NITF hl1), translated as written
    SUBHEAD = "subhead"  # a heading inside the body (NITF hl2, HTML h1-h6)
    ABSTRACT = "abstract"  # a summary (ninjs descriptions, G2 description, NITF abstract)
    DATELINE = "dateline"  # "PARIS, 5 mars (AFP) -": place and date, translated as one sentence
    LIST_ITEM = "list-item"  # an item of a list (HTML or NITF li); ``Paragraph.prefix`` is "— " as for bullets

    @property
    def translatable(self) -> bool:
        return self not in (Kind.BREAK, Kind.BYLINE)


@dataclass(frozen=True)
class Sentence:
    """One sentence: its 0-based id in the document, the id of its paragraph, its text."""

    id: int
    paragraph: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of wire copy: what kind it is, its sentences, and the markup before its text."""

    id: int
    kind: Kind
    sentences: tuple[Sentence, ...]
    prefix: str = ""  # markup kept verbatim before the text ("— " for bullets; the "___" line of a break)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class Document:
    """A story: its id (the file name without suffix), paragraphs in reading order, metadata (the date tag) and
    language."""

    id: str
    paragraphs: tuple[Paragraph, ...]
    metadata: tuple[tuple[str, str], ...] = field(default=())  # ("date", "2023-09"), ...
    lang: str = "fr"

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        """Every sentence in reading order (``sentences[i].id == i``); built once per document."""
        return tuple(s for p in self.paragraphs for s in p.sentences)

    def iter_sentences(self) -> Iterator[Sentence]:
        for p in self.paragraphs:
            yield from p.sentences

    def meta(self, key: str) -> str | None:
        for k, v in self.metadata:
            if k == key:
                return v
        return None


def render_translation(doc: Document, mt: tuple[str, ...], *, drop_emptied: bool = False) -> str:
    """The English story in the source's layout: date tag, paragraphs, bullets, breaks, byline. With
    ``drop_emptied``, a paragraph whose sentences are all empty is left out (a post-edit that merged it into the
    paragraph before)."""
    blocks = [
        para.prefix + " ".join(mt[s.id] for s in para.sentences if mt[s.id])
        for para in doc.paragraphs
        if not (drop_emptied and para.sentences and not any(mt[s.id] for s in para.sentences))
    ]
    date = doc.meta("date")
    if date and blocks:
        blocks[0] = f"date {date} {blocks[0]}"
    return "\n\n".join(blocks) + "\n"
