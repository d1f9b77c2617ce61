"""IPTC NewsML-G2 (2.x) text items: a ``<newsItem>`` whose article is NITF or XHTML in ``contentSet/inlineXML`` (or
plain text in ``inlineData``).

Read, in this order: ``contentMeta/headline`` (headlines), ``itemMeta/title`` (a headline, usually a mirror),
``contentMeta/description`` (abstracts), ``contentMeta/by`` (a byline, copied), ``contentMeta/dateline``, then each
``inlineXML``: an NITF body as ``nitf.py`` reads it, or an XHTML document as ``xmltext.HTML`` says (its ``<title>``
and body), and each ``inlineData`` as plain text, a paragraph per line. Every other part (``rightsInfo``, the rest
of ``itemMeta`` and ``contentMeta``: subjects, genres, keywords, slugline, located, creator, infoSource, edNote, …;
``remoteContent``, ``partMeta``) is copied as it is. Any item class is read (a picture's headline and caption are
text too); an item with no text is refused.

Written: the English in place, and

- ``guid``: the original's with ``-en`` (``items.derived_id``); ``version``: 1 (or the review's version);
  ``itemMeta/versionCreated`` and ``firstCreated``: now (a new item); ``contentCreated``, ``embargoed`` and the
  rest: unchanged;
- language: ``newsItem@xml:lang``, ``contentMeta/language@tag`` and every ``xml:lang`` of the source language on a
  translated property or in the ``inlineXML`` become ``en`` (NITF: ``baselang`` too). Properties that stay French
  (a subject's or a genre's name, keywords, ``edNote``, the rights) and took their language from the item get an
  explicit ``xml:lang`` with the original's language, so that the English item does not call them English;
- the link to the original: ``itemMeta/link`` with ``rel="irel:seeAlso"``, ``residref`` = the original's guid,
  ``version``, ``contenttype="application/vnd.iptc.g2.newsitem+xml"``, ``xml:lang`` = the original's language and a
  ``title``. NewsML-G2 wants a QCode from IPTC's item-relation vocabulary here; it has no "translation of"
  relation, ``irel:previousVersion`` would claim the same item, and ``seeAlso`` is its relation for an item that
  relates to this one, so the link is typed within the standard and the language and title say what it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InputError
from ..reading.document import Kind
from .items import TARGET_LANG, PlainText, Slot, is_source_lang
from .nitf import XML_LANG, _find, _indent_like, finish_nitf, parse_xml, read_nitf, set_languages
from .xmltext import HTML, Run, collect, local, text_run

NAR = "http://iptc.org/std/nar/2006-10-01/"
ITEM_TYPE = "application/vnd.iptc.g2.newsitem+xml"
# G2 properties whose text is natural language and which take xml:lang: marked with the original's language when
# they are copied untranslated into the English item
_LANGUAGE_PROPERTIES = frozenset(
    "name definition note edNote copyrightNotice usageTerms keyword slugline creditline title headline description "
    "by dateline".split()
)
_ITEM_META_AFTER_LINK = ("itemMetaExtProperty",)


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el if local(c) == name] if el is not None else []


def _text_setter(el: Any) -> Callable[[str], None]:
    def store(text: str) -> None:
        el.text = text

    return store


class NewsItem:
    """A parsed NewsML-G2 news item (see the module's docstring)."""

    suffix = ".xml"
    format = "newsml-g2"

    def __init__(self, data: bytes, name: str, root: Any | None = None) -> None:
        self.name = name
        self.root = root if root is not None else parse_xml(data, name)
        if local(self.root) != "newsItem" or not str(self.root.tag).startswith(f"{{{NAR}}}"):
            raise InputError(f"{name}: the root element is <{local(self.root)}>, not a NewsML-G2 <newsItem>")
        self.item_meta = _find(self.root, "itemMeta")
        self.content_meta = _find(self.root, "contentMeta")
        self.id = str(self.root.get("guid", ""))
        self.version = str(self.root.get("version", ""))
        language = _children(self.content_meta, "language")
        self.lang = str(self.root.get(XML_LANG) or (language[0].get("tag", "") if language else ""))
        self.slots: list[Slot] = []
        self.untouched: list[str] = []  # content in a markup aligner does not read: copied untranslated
        self.commits: list[Callable[[], None]] = []
        self.translated: list[Any] = []  # elements whose text was translated: their xml:lang becomes English
        self.bodies: list[Any] = []  # the root element of each inlineXML document read (nitf or html)
        self._texts(self.content_meta, "headline", Kind.HEADLINE)
        self._texts(self.item_meta, "title", Kind.HEADLINE)
        self._texts(self.content_meta, "description", Kind.ABSTRACT)
        self._texts(self.content_meta, "by", Kind.BYLINE)
        self._texts(self.content_meta, "dateline", Kind.DATELINE)
        content_set = _find(self.root, "contentSet")
        for holder in list(content_set) if content_set is not None else []:
            if local(holder) == "inlineXML":
                self.translated.append(holder)
                for doc in holder:
                    if local(doc) == "nitf":
                        if _find(doc, "body") is None:
                            raise InputError(f"{name}: the NITF in inlineXML has no <body>")
                        self.slots += read_nitf(doc)
                        self.bodies.append(doc)
                    elif local(doc) == "html":
                        self.slots += collect(doc, HTML, Kind.PROSE)
                        self.bodies.append(doc)
                    elif local(doc):
                        self.untouched.append(
                            f"inlineXML <{local(doc)}> ({holder.get('contenttype', 'no contenttype')})"
                        )
            elif local(holder) == "inlineData" and (holder.text or "").strip():
                self.translated.append(holder)
                plain = PlainText(holder.text or "", Kind.PROSE, _text_setter(holder))
                self.slots += plain.slots
                self.commits.append(plain.commit)
        if not self.slots:
            raise InputError(f"{name}: a news item with no text (no headline, no description, no inline content)")

    def _texts(self, parent: Any, prop: str, kind: Kind) -> None:
        for el in _children(parent, prop):
            run: Run = text_run(el, kind)
            if run.block.text:
                self.slots.append(run)
                self.translated.append(el)

    def finish(self, *, new_id: str, created: str, version: int, source_lang: str, original_id: str) -> bytes:
        from lxml import etree

        for commit in self.commits:
            commit()
        root = self.root
        item_lang = root.get(XML_LANG)
        self._keep_language_of_copied(item_lang)
        root.set("guid", new_id)
        root.set("version", str(version))
        root.set(XML_LANG, TARGET_LANG)
        for el in _children(self.content_meta, "language"):
            if is_source_lang(el.get("tag"), source_lang):
                el.set("tag", TARGET_LANG)
        for el in self.translated:
            set_languages(el, source_lang)
        for doc in self.bodies:
            if local(doc) == "nitf":
                finish_nitf(
                    doc, new_id=new_id, created=created, source_lang=source_lang, original_id=original_id,
                    standalone=False,
                )  # fmt: skip
        if self.item_meta is not None:
            self._dates(created)
            self._link(original_id, item_lang or source_lang)
        return bytes(etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8"))

    def _keep_language_of_copied(self, item_lang: str | None) -> None:
        """Copied natural-language properties that inherit the item's (source) language get it explicitly."""
        if not item_lang or is_source_lang(item_lang, TARGET_LANG):
            return
        skip = {id(el) for top in self.translated for el in top.iter()}
        for el in self.root.iter():
            if id(el) in skip or local(el) not in _LANGUAGE_PROPERTIES or not (el.text or "").strip():
                continue
            if not str(el.tag).startswith(f"{{{NAR}}}") or el.get(XML_LANG):
                continue
            inherited = next((a.get(XML_LANG) for a in el.iterancestors() if a.get(XML_LANG)), None)
            if inherited == item_lang and not any(id(a) in skip for a in el.iterancestors()):
                el.set(XML_LANG, item_lang)

    def _dates(self, created: str) -> None:
        meta = self.item_meta
        version_created = _find(meta, "versionCreated")
        if version_created is None:
            return
        version_created.text = created
        first = _find(meta, "firstCreated")
        if first is None:
            first = meta.makeelement(f"{{{NAR}}}firstCreated", {})
            meta.insert(meta.index(version_created) + 1, first)
            _indent_like(meta, first)
        first.text = created

    def _link(self, original_id: str, original_lang: str) -> None:
        meta = self.item_meta
        attrib = {"rel": "irel:seeAlso", "residref": original_id}
        if self.version.isdigit() and int(self.version) > 0:
            attrib["version"] = self.version
        attrib["contenttype"] = ITEM_TYPE
        attrib["title"] = f"Original ({original_lang})" if original_lang else "Original"
        link = meta.makeelement(f"{{{NAR}}}link", attrib)
        if original_lang:
            link.set(XML_LANG, original_lang)
        at = len(meta)
        for n, child in enumerate(meta):
            foreign = bool(local(child)) and not str(child.tag).startswith(f"{{{NAR}}}")
            if local(child) in _ITEM_META_AFTER_LINK or foreign:
                at = min(at, n)
        meta.insert(at, link)
        _indent_like(meta, link)
