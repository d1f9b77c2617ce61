"""NITF 3.x (News Industry Text Format): a bare ``<nitf>`` document, or the body of a NewsML-G2 item.

Read (``xmltext.NITF``): ``head/title`` (a headline, usually a mirror of ``hl1``), and in ``body``: ``hedline/hl1``
(headline), ``hl2`` (subheads), ``byline`` (copied, with its ``<person>``/``<byttl>``), ``dateline`` (one sentence,
with ``<location>``/``<story.date>``), ``abstract`` (abstract paragraphs), the paragraphs, list items, table cells and
captions of ``body.content``, and ``tagline`` from ``body.end``. ``head`` metadata, ``note``, ``rights``, ``pre``,
media references and ``nitf-table`` are left as they are. Inline elements are those of NITF's ``enrichedText``
(``em``, ``a``, ``q``, ``person``, ``org``, ``location``, ``chron``, ``money``, ``num``…) and any other element that
holds no block. With or without the NITF namespace (``http://iptc.org/std/NITF/2006-10-18/``).

Written (a bare NITF document): the English in place; ``nitf@baselang`` and every ``xml:lang`` of the source language
in the body set to ``en``; ``head/docdata/doc-id@id-string``: the original's with ``-en`` (``head``, ``docdata`` and
``doc-id`` are added when missing); ``docdata/date.issue@norm``: now, in NITF's basic ISO 8601 form; and the link to
the original as ``<meta name="translated-from" content="ORIGINAL-ID"/>`` in ``head``. NITF has no item relations:
``meta`` is its construct for generic metadata, and the name says what the value is. Inside a NewsML-G2 item only
the languages (and a ``doc-id`` when there is one) change: the item carries identity and link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InputError
from ..reading.document import Kind
from .items import TARGET_LANG, Slot, is_source_lang
from .xmltext import NITF, collect, local

NITF_NS = "http://iptc.org/std/NITF/2006-10-18/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ORIGINAL_META = "translated-from"
_HEAD_ORDER = ("title", "meta", "tobject", "iim", "docdata", "pubdata", "revision-history")


def parse_xml(data: bytes, name: str) -> Any:
    """The root element of an XML document, parsed without fetching anything (no DTD, no network, no entities)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        where = f" at line {exc.lineno}, column {exc.position[1]}" if exc.lineno else ""
        message = str(exc.msg).split(", line ")[0]
        raise InputError(f"{name}: not well-formed XML{where}: {message}") from None


def _find(el: Any, name: str) -> Any:
    for child in el:
        if local(child) == name:
            return child
    return None


def _place(parent: Any, el: Any, order: tuple[str, ...]) -> None:
    """Insert ``el`` into ``parent`` after the children that ``order`` (the schema's sequence) puts before it."""
    rank = order.index(local(el))
    at = 0
    for n, child in enumerate(parent):
        if local(child) in order and order.index(local(child)) <= rank:
            at = n + 1
    parent.insert(at, el)
    _indent_like(parent, el)


def _indent_like(parent: Any, el: Any) -> None:
    """Give a new element the indentation its siblings have, so a pretty-printed document stays so: the whitespace
    before the parent's first child goes between siblings; the last child keeps the one before the closing tag."""
    indent = parent.text if parent.text is not None and not parent.text.strip() else None
    if indent is None:
        return
    previous = el.getprevious()
    if el.getnext() is None and previous is not None:
        el.tail, previous.tail = previous.tail, indent
    else:
        el.tail = indent


def declared_lang(root: Any) -> str:
    """The language an NITF document says it is in: ``nitf@baselang``, else ``body@xml:lang``."""
    body = _find(root, "body")
    return str(root.get("baselang") or (body.get(XML_LANG) if body is not None else "") or "")


def nitf_id(root: Any) -> str:
    head = _find(root, "head")
    docdata = _find(head, "docdata") if head is not None else None
    doc_id = _find(docdata, "doc-id") if docdata is not None else None
    return str(doc_id.get("id-string", "")) if doc_id is not None else ""


def read_nitf(root: Any) -> list[Slot]:
    """The paragraphs of an ``<nitf>`` element, in document order."""
    return list(collect(root, NITF, Kind.PROSE))


def set_languages(root: Any, source_lang: str) -> None:
    """Every ``xml:lang`` of the source language under ``root`` (the body: all of it is translated) becomes English."""
    for el in root.iter():
        if local(el) and is_source_lang(el.get(XML_LANG), source_lang):
            el.set(XML_LANG, TARGET_LANG)


def finish_nitf(root: Any, *, new_id: str, created: str, source_lang: str, original_id: str, standalone: bool) -> None:
    """Languages, identifier, issue date and link of the translated NITF (see the module's docstring)."""
    ns = root.tag[1 : root.tag.index("}")] if root.tag.startswith("{") else ""

    def make(name: str, attrib: dict[str, str] | None = None) -> Any:
        return root.makeelement(f"{{{ns}}}{name}" if ns else name, attrib or {})

    if standalone or root.get("baselang"):
        root.set("baselang", TARGET_LANG)
    for part in ("body", "head"):
        el = _find(root, part)
        if el is not None:
            set_languages(el, source_lang)
    head = _find(root, "head")
    if head is None and standalone:
        head = make("head")
        root.insert(0, head)
        _indent_like(root, head)
    if head is None:
        return
    docdata = _find(head, "docdata")
    if docdata is None and standalone:
        docdata = make("docdata")
        _place(head, docdata, _HEAD_ORDER)
    if docdata is None:
        return
    doc_id = _find(docdata, "doc-id")
    if doc_id is None and standalone:
        doc_id = make("doc-id")
        docdata.insert(0, doc_id)
        _indent_like(docdata, doc_id)
    if doc_id is not None:
        doc_id.set("id-string", new_id)
    if not standalone:
        return
    issued = _find(docdata, "date.issue")
    if issued is None:
        issued = make("date.issue")
        docdata.insert(docdata.index(doc_id) + 1, issued)
        _indent_like(docdata, issued)
    issued.set("norm", created.replace("-", "").replace(":", ""))
    for meta in [m for m in head if local(m) == "meta" and m.get("name") == ORIGINAL_META]:
        head.remove(meta)
    _place(head, make("meta", {"name": ORIGINAL_META, "content": original_id}), _HEAD_ORDER)


class Nitf:
    """A parsed bare NITF document."""

    suffix = ".xml"
    format = "nitf"

    def __init__(self, data: bytes, name: str, root: Any | None = None) -> None:
        self.name = name
        self.root = root if root is not None else parse_xml(data, name)
        if local(self.root) != "nitf":
            raise InputError(f"{name}: the root element is <{local(self.root)}>, not <nitf>")
        if _find(self.root, "body") is None:
            raise InputError(f"{name}: an NITF document needs a <body>")
        self.id = nitf_id(self.root)
        self.version = ""
        self.lang = declared_lang(self.root)
        self.slots: list[Slot] = read_nitf(self.root)
        self.untouched: list[str] = []
        self.commits: list[Callable[[], None]] = []

    def finish(self, *, new_id: str, created: str, version: int, source_lang: str, original_id: str) -> bytes:
        from lxml import etree

        finish_nitf(
            self.root, new_id=new_id, created=created, source_lang=source_lang, original_id=original_id, standalone=True
        )
        return bytes(etree.tostring(self.root.getroottree(), xml_declaration=True, encoding="UTF-8"))
