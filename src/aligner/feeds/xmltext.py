"""Paragraphs in XML and HTML trees (NITF, XHTML, HTML, NewsML-G2 text properties): find them, read their text and
inline elements, write the English back in their place.

A tree is walked with a ``Vocabulary`` that says which elements are blocks (a paragraph each: ``<p>``, ``<hl1>``,
``<li>``…), which are containers (they hold blocks: ``<body.content>``, ``<div>``, ``<ul>``…), which are left alone
(metadata, code, media) and which are void (``<br/>``, ``<img>``). Any other element is inline when nothing under it
is structural: its text is part of the paragraph, and the element becomes an ``Inline`` over that text. Text that
sits directly in a container between blocks (``<div>text<br/>more</div>``) is a paragraph of its own. Comments and
processing instructions inside a paragraph are dropped when it is rewritten; everything outside paragraphs is kept
as it was (lxml serialises it again).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..reading.document import Kind
from .markup import Block, Inline, Node


def local(el: Any) -> str:
    """The element's name without its namespace; ``""`` for comments and processing instructions."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


@dataclass(frozen=True)
class Vocabulary:
    """How a markup language holds its text (see the module's docstring). ``contexts``: inside these elements, a
    prose paragraph takes another kind (NITF ``<abstract><p>`` is an abstract)."""

    blocks: Mapping[str, Kind]
    containers: frozenset[str]
    skip: frozenset[str]
    voids: frozenset[str]
    contexts: Mapping[str, Kind] = field(default_factory=dict)
    removable: frozenset[str] = frozenset({"p"})  # blocks whose element may go when a post-edit empties them

    @property
    def structural(self) -> frozenset[str]:
        return frozenset(self.blocks) | self.containers | self.skip


_HEADINGS = {f"h{n}": Kind.SUBHEAD for n in range(1, 7)}
HTML = Vocabulary(
    blocks={
        "p": Kind.PROSE,
        **_HEADINGS,
        "li": Kind.LIST_ITEM,
        "dt": Kind.PROSE,
        "dd": Kind.PROSE,
        "figcaption": Kind.PROSE,
        "caption": Kind.PROSE,
        "td": Kind.PROSE,
        "th": Kind.PROSE,
        "blockquote": Kind.PROSE,
        "address": Kind.PROSE,
        "summary": Kind.PROSE,
        "legend": Kind.PROSE,
        "title": Kind.HEADLINE,
    },
    containers=frozenset(
        "html head body article section div header footer main aside nav ul ol dl menu table thead tbody tfoot tr "
        "figure details hgroup center form fieldset".split()
    ),
    skip=frozenset(
        "script style pre noscript template svg math iframe object embed video audio canvas hr picture map select "
        "textarea button meta link base colgroup col".split()
    ),
    voids=frozenset({"br", "img", "wbr", "input"}),
    removable=frozenset({"p", *_HEADINGS}),
)
NITF = Vocabulary(
    blocks={
        "hl1": Kind.HEADLINE,
        "hl2": Kind.SUBHEAD,
        "p": Kind.PROSE,
        "byline": Kind.BYLINE,
        "dateline": Kind.DATELINE,
        "li": Kind.LIST_ITEM,
        "dt": Kind.PROSE,
        "dd": Kind.PROSE,
        "td": Kind.PROSE,
        "th": Kind.PROSE,
        "caption": Kind.PROSE,
        "tagline": Kind.PROSE,
        "media-caption": Kind.PROSE,
        "credit": Kind.BYLINE,
        "title": Kind.HEADLINE,
    },
    containers=frozenset(
        "nitf head body body.head body.content body.end hedline abstract block ol ul dl bq fn table tbody thead "
        "tfoot tr media".split()
    ),
    skip=frozenset(
        "meta tobject iim docdata pubdata revision-history note rights distributor series pre hr media-reference "
        "media-metadata media-object media-producer nitf-table bibliography colgroup col".split()
    ),
    voids=frozenset({"br"}),
    contexts={"abstract": Kind.ABSTRACT},
)
G2_TEXT = Vocabulary(blocks={}, containers=frozenset(), skip=frozenset(), voids=frozenset({"br"}))  # headline …


def _normalise(raw: str) -> tuple[str, list[int]]:
    """Whitespace runs → one space, ends stripped; ``mapping[i]``: where raw offset ``i`` lands (``len(raw) + 1``
    entries)."""
    out: list[str] = []
    mapping = [0] * (len(raw) + 1)
    pending = False
    for i, ch in enumerate(raw):
        if ch.isspace():
            pending = bool(out)
            mapping[i] = len(out)
            continue
        if pending:
            out.append(" ")
            pending = False
        mapping[i] = len(out)
        out.append(ch)
    mapping[len(raw)] = len(out)
    return "".join(out), mapping


class Run:
    """One paragraph of a tree: text held by ``parent`` after ``before`` (its tail; ``parent.text`` when None) and in
    ``members`` (inline children, with their tails). ``whole``: the block element when the run is all of its
    content."""

    def __init__(self, parent: Any, before: Any, members: Sequence[Any], kind: Kind, vocab: Vocabulary) -> None:
        self.parent = parent
        self.before = before
        self.members = list(members)
        self.vocab = vocab
        self.whole = parent if before is None and len(members) == len(parent) else None
        self.elements: list[Any] = []
        raw: list[str] = []
        spans: list[list[int]] = []  # [start, end, parent] in raw offsets
        size = 0

        def add(text: str | None) -> None:
            nonlocal size
            if text:
                raw.append(text)
                size += len(text)

        def visit(el: Any, parent_index: int) -> None:
            name = local(el)
            if not name:  # a comment or processing instruction: dropped with the rewrite
                return
            index = len(spans)
            spans.append([size, size, parent_index])
            self.elements.append(el)
            if name in vocab.voids:
                add("\n")  # a line break separates words
                return
            add(el.text)
            for child in el:
                visit(child, index)
                add(child.tail)
            spans[index][1] = size

        add(parent.text if before is None else before.tail)
        for m in self.members:
            visit(m, -1)
            add(m.tail)
        text = "".join(raw)
        normal, mapping = _normalise(text)
        self.lead_space = text[: len(text) - len(text.lstrip())]
        self.trail_space = text[len(text.rstrip()) :] if text.strip() else ""
        inlines = tuple(
            Inline(mapping[s], mapping[e], local(el), p, local(el) in vocab.voids)
            for (s, e, p), el in zip(spans, self.elements)
        )
        self.block = Block(kind, normal, inlines)
        self.written = ""

    def write(self, text: str, nodes: Sequence[Node]) -> None:
        """Replace the paragraph's content by ``text`` with ``nodes`` (from ``markup.nest``) as elements; the
        whitespace around the old content is kept (pretty-printed XML stays so)."""
        self.written = text
        lead, made = self._build(text, nodes)
        lead = self.lead_space + lead
        if made:
            made[-1].tail = (made[-1].tail or "") + self.trail_space
        else:
            lead += self.trail_space
        for m in self.members:
            self.parent.remove(m)  # with its tail, which was part of the paragraph
        if self.before is None:
            self.parent.text = lead or None
            at = 0
        else:
            self.before.tail = lead or None
            at = self.parent.index(self.before) + 1
        for n, el in enumerate(made):
            self.parent.insert(at + n, el)
        self.members = made

    def remove(self) -> None:
        """The paragraph is gone (a post-edit moved its English into the paragraph before): its element is removed
        when the markup allows (a ``<p>``), else it is left empty."""
        el = self.whole
        if el is None or local(el) not in self.vocab.removable or el.getparent() is None:
            self.write("", [])
            return
        holder = el.getparent()
        previous = el.getprevious()
        if el.tail and el.tail.strip():
            if previous is not None:
                previous.tail = (previous.tail or "") + el.tail
            else:
                holder.text = (holder.text or "") + el.tail
        holder.remove(el)

    def _build(self, text: str, nodes: Sequence[Node]) -> tuple[str, list[Any]]:
        def make(node: Node) -> Any:
            original = self.elements[node.inline]
            if local(original) in self.vocab.voids:
                el = copy.deepcopy(original)
                el.tail = None
                return el
            el = original.makeelement(original.tag, dict(original.attrib))
            el.text, kids = _fill(node.start, node.end, node.children)
            for kid in kids:
                el.append(kid)
            return el

        def _fill(start: int, end: int, children: Sequence[Node]) -> tuple[str | None, list[Any]]:
            made: list[Any] = []
            at = start
            lead = None
            for child in children:
                piece = text[at : child.start]
                if made:
                    made[-1].tail = piece or None
                else:
                    lead = piece or None
                made.append(make(child))
                at = child.end
            rest = text[at:end]
            if made:
                made[-1].tail = rest or None
            else:
                lead = rest or None
            return lead, made

        lead, made = _fill(0, len(text), nodes)
        return lead or "", made


def _is_structural(el: Any, vocab: Vocabulary) -> bool:
    name = local(el)
    if not name:
        return False
    if name in vocab.structural:
        return True
    return any(local(d) in vocab.structural for d in el.iterdescendants() if local(d))


def collect(root: Any, vocab: Vocabulary, context: Kind = Kind.PROSE) -> list[Run]:
    """The paragraphs under ``root`` (itself a block or a container) in document order; blank ones left out."""
    out: list[Run] = []
    _walk(root, vocab, context, out)
    return [r for r in out if r.block.text]


def _walk(el: Any, vocab: Vocabulary, context: Kind, out: list[Run]) -> None:
    name = local(el)
    if not name or name in vocab.skip:
        return
    context = vocab.contexts.get(name, context)
    own = vocab.blocks.get(name)
    kind = context if own is None or own is Kind.PROSE else own
    children = list(el)
    structural = [_is_structural(c, vocab) for c in children]
    if not any(structural):
        out.append(Run(el, None, children, kind, vocab))
        return
    before = None
    members: list[Any] = []
    for child, is_block in zip(children, structural):
        if is_block:
            out.append(Run(el, before, members, kind, vocab))
            _walk(child, vocab, context, out)
            before, members = child, []
        else:
            members.append(child)
    out.append(Run(el, before, members, kind, vocab))


def text_run(el: Any, kind: Kind, vocab: Vocabulary = G2_TEXT) -> Run:
    """The whole content of ``el`` as one paragraph (a NewsML-G2 ``headline``, ``description``, ``title``…)."""
    return Run(el, None, list(el), kind, vocab)
