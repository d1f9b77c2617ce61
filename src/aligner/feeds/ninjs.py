"""IPTC ninjs (news in JSON), versions 2.x and 3.x: the paragraphs of an item, and the translated item.

Read, in this order: every ``headlines[].value`` (headlines), ``title`` (metadata, usually a headline again),
``descriptions[].value`` (abstracts), ``by`` (a byline: names, copied) and the bodies. Of the bodies, the first one
with markup (``text/html``, ``application/xhtml+xml``, ``body_xhtml``…, or a value that starts with a tag) is the
main one, read paragraph by paragraph (``<p>``, headings, list items, table cells… as ``xmltext.HTML`` says); any
other body is read too, and its paragraphs that repeat the main body's are mirrors. A plain-text body that is the
main body's paragraphs run together (IPTC's own examples do this) is written as the English paragraphs run together.
A plain-text value is one paragraph per line.

2.x spells the properties in lower case (``versioncreated``, ``contenttype``, ``altids``); 3.x in camel case
(``versionCreated``, ``contentType``, ``altIds``). The version is told by ``standard.version`` when present, else by
the spelling. Everything not listed here (subjects, places, people, genres, renditions, associations, rights,
``located``, ``slugline``, ``edNote``, …) is copied as it is.

Written: the same object with the English in place of every paragraph, and

- ``uri``: the original's with ``-en`` (``items.derived_id``); ``version`` ``"1"`` (or the review's version when the
  reviewed item is exported); ``versionCreated`` and ``firstCreated``: now (a new item); ``contentCreated``,
  ``embargoedUntil`` and the rest: unchanged;
- ``language``: ``en``;
- ``charCount`` and ``wordCount`` of each body, when present, counted again on the English;
- the link to the original: an entry of ``associations`` named ``original`` (3.x also ``rel: "translationOf"``) that
  carries the original's ``uri``, ``version``, ``versionCreated``, ``language`` and ``type``. ``associations`` is
  ninjs's place for another news object that this one relates to, with a free-text relation (3.x) and the object's
  own properties, so a receiver can fetch the French and knows its language. ``altIds`` was not chosen: it lists
  other identifiers *of this same content*, and the French item is not the English one.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from ..errors import InputError
from ..reading.document import Kind
from ..reading.reader import decode
from .items import TARGET_LANG, PlainText, Slot
from .xmltext import HTML, Run, collect

_V2_KEYS = frozenset(
    "versioncreated firstcreated contentcreated pubstatus copyrightholder copyrightnotice usageterms ednote altids "
    "representationtype infosources trustindicators embargoed rightsinfo digitalsourcetype".split()
)
_V1_KEYS = frozenset("headline body_text body_html body_xhtml description_text description_html".split())


def _camel_to_lower(key: str) -> str:
    return key.lower()


class MarkupValue:
    """An HTML or XHTML string of a ninjs object (a body, a description): its paragraphs, and the string again."""

    def __init__(self, holder: dict[str, Any], key: str, xhtml: bool, kind: Kind) -> None:
        import lxml.html
        from lxml import etree

        self.holder, self.key, self.xhtml = holder, key, xhtml
        value = str(holder[key])
        stripped = value.lstrip().lower()
        self.document = stripped.startswith("<!doctype") or stripped.startswith("<html")
        try:
            if self.document:
                self.root = lxml.html.document_fromstring(value)
            else:
                self.root = lxml.html.fragment_fromstring(value, create_parent="div")
        except (etree.ParserError, etree.XMLSyntaxError) as exc:  # empty, or nothing lxml can read as HTML
            raise InputError(f"cannot read the HTML of {key}: {exc}") from None
        self.runs = collect(self.root, HTML, kind)

    def serialise(self) -> str:
        import lxml.html
        from lxml import etree

        method = "xml" if self.xhtml else "html"
        if self.document:
            return str(lxml.html.tostring(self.root, encoding="unicode", method=method, doctype=None))
        inner = [self.root.text or ""]
        inner += [etree.tostring(child, encoding="unicode", method=method, with_tail=True) for child in self.root]
        return "".join(inner)

    def plain(self) -> str:
        return " ".join("".join(self.root.itertext()).split())

    def commit(self) -> None:
        self.holder[self.key] = self.serialise()


class JoinedBody:
    """A plain-text body that is the main body's paragraphs joined by spaces: written as the English ones, joined."""

    def __init__(self, holder: dict[str, Any], key: str, runs: list[Run]) -> None:
        self.holder, self.key, self.runs = holder, key, runs

    def commit(self) -> None:
        self.holder[self.key] = " ".join(r.written for r in self.runs if r.written)


class Ninjs:
    """A parsed ninjs item (see the module's docstring)."""

    suffix = ".json"
    format = "ninjs"

    def __init__(self, data: bytes, name: str) -> None:
        text = decode(data, name)
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data":
                raise InputError(
                    f"{name}: more than one JSON value (the next starts at line {exc.lineno}); give one ninjs object "
                    "per file (`aligner batch` reads JSONL of ninjs)"
                ) from None
            raise InputError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise InputError(f"{name}: a ninjs item is a JSON object, not a JSON {type(obj).__name__}")
        if _V1_KEYS & set(obj) and not {"headlines", "bodies"} & set(obj):
            raise InputError(
                f"{name}: this is ninjs 1.x (headline, body_text, body_html); give ninjs 2.x or 3.x (headlines, bodies)"
            )
        uri = obj.get("uri")
        if not isinstance(uri, str) or not uri.strip():
            raise InputError(f'{name}: not a ninjs item: "uri", the one property ninjs requires, is missing or empty')
        self.name = name
        self.obj = obj
        self.major = self._major(obj)
        self.key: Callable[[str], str] = _camel_to_lower if self.major == 2 else str
        self.id = uri
        self.version = str(obj.get("version", ""))
        self.lang = str(obj.get("language", "")) if isinstance(obj.get("language"), str) else ""
        self.original = {k: v for k, v in obj.items() if isinstance(v, str)}  # before the slots write into obj
        self.slots: list[Slot] = []
        self.untouched: list[str] = []  # values in a markup aligner does not read: copied untranslated
        self.commits: list[Callable[[], None]] = []
        self.bodies: list[tuple[dict[str, Any], MarkupValue | PlainText | JoinedBody]] = []
        try:
            self._read()
        except InputError as exc:
            raise InputError(f"{name}: {exc}") from None

    @staticmethod
    def _major(obj: dict[str, Any]) -> int:
        standard = obj.get("standard")
        if isinstance(standard, dict) and str(standard.get("version", ""))[:1] in ("2", "3"):
            return int(str(standard["version"])[0])
        if _V2_KEYS & set(obj):
            return 2
        for key in ("headlines", "bodies", "descriptions"):
            entries = obj.get(key)
            if isinstance(entries, list) and any(isinstance(e, dict) and "contenttype" in e for e in entries):
                return 2
        return 3

    def _entries(self, key: str) -> list[dict[str, Any]]:
        entries = self.obj.get(key, [])
        if not isinstance(entries, list):
            raise InputError(f'"{key}" must be a list of objects with a "value"')
        for n, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
                raise InputError(f'{key}[{n}] must be an object with a string "value"')
        return entries

    def _nature(self, entry: dict[str, Any]) -> str:
        """``html`` (HTML or XHTML), ``plain``, or ``other`` (markup aligner does not know, left as it is)."""
        content_type = str(entry.get(self.key("contentType"), "")).strip().lower()
        if "html" in content_type:
            return "html"
        if not content_type:
            return "html" if str(entry["value"]).lstrip().startswith("<") else "plain"
        return "plain" if content_type in ("text", "plain") or content_type.startswith("text/plain") else "other"

    @staticmethod
    def _is_joined(value: str, main: list[Run]) -> bool:
        """A plain body that is the main body's paragraphs on one line (not one per line: those are mirrors)."""
        lines = [line for line in value.splitlines() if line.strip()]
        joined = " ".join(r.block.text for r in main)
        return len(main) > 1 and len(lines) < len(main) and " ".join(value.split()) == joined

    def _texts(self, key: str, kind: Kind) -> None:
        for n, entry in enumerate(self._entries(key)):
            nature = self._nature(entry)
            if nature == "html":
                self._markup(entry, f"{key}[{n}]", kind)
            elif nature == "plain":
                self._plain(entry, "value", kind)
            else:
                self.untouched.append(f"{key}[{n}] ({entry.get(self.key('contentType'))})")

    def _markup(self, entry: dict[str, Any], where: str, kind: Kind) -> MarkupValue:
        xhtml = "xhtml" in str(entry.get(self.key("contentType"), "")).lower()
        try:
            value = MarkupValue(entry, "value", xhtml, kind)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        self.slots += value.runs
        self.commits.append(value.commit)
        return value

    def _plain(self, holder: dict[str, Any], key: str, kind: Kind) -> PlainText:
        value = PlainText(str(holder[key]), kind, lambda text: holder.__setitem__(key, text))
        self.slots += value.slots
        self.commits.append(value.commit)
        return value

    def _read(self) -> None:
        obj = self.obj
        for key in ("title", "by"):
            if key in obj and not isinstance(obj[key], str):
                raise InputError(f'"{key}" must be a string')
        self._texts("headlines", Kind.HEADLINE)
        if isinstance(obj.get("title"), str) and obj["title"].strip():
            self._plain(obj, "title", Kind.HEADLINE)
        self._texts("descriptions", Kind.ABSTRACT)
        if isinstance(obj.get("by"), str) and obj["by"].strip():
            self._plain(obj, "by", Kind.BYLINE)
        bodies = self._entries("bodies")
        natures = [self._nature(entry) for entry in bodies]
        main = natures.index("html") if "html" in natures else natures.index("plain") if "plain" in natures else -1
        order = ([main] if main >= 0 else []) + [n for n in range(len(bodies)) if n != main]
        main_runs: list[Run] = []
        for n in order:
            entry = bodies[n]
            if natures[n] == "other":
                self.untouched.append(f"bodies[{n}] ({entry.get(self.key('contentType'))})")
                continue
            if natures[n] == "html":
                markup = self._markup(entry, f"bodies[{n}]", Kind.PROSE)
                if n == main:
                    main_runs = markup.runs
                value: MarkupValue | PlainText | JoinedBody = markup
            elif self._is_joined(entry["value"], main_runs):
                value = JoinedBody(entry, "value", main_runs)
                self.commits.append(value.commit)
            else:
                value = self._plain(entry, "value", Kind.PROSE)
            self.bodies.append((entry, value))

    def finish(self, *, new_id: str, created: str, version: int, source_lang: str, original_id: str) -> bytes:
        """The translated item (after every slot was written): identity, dates, language and link set."""
        for commit in self.commits:
            commit()
        key = self.key
        out = self.obj
        for entry, value in self.bodies:
            english = value.plain() if isinstance(value, MarkupValue) else " ".join(str(entry["value"]).split())
            if key("charCount") in entry:
                entry[key("charCount")] = len(english)
            if key("wordCount") in entry:
                entry[key("wordCount")] = len(english.split())
        original: dict[str, Any] = {"name": "original"}
        if self.major >= 3:
            original["rel"] = "translationOf"
        original["uri"] = self.id
        for prop in ("type", "version", key("versionCreated")):
            if prop in self.original:
                original[prop] = self.original[prop]
        original["language"] = self.lang or source_lang
        updated = {
            "uri": new_id,
            "version": str(version),
            key("firstCreated"): created,
            key("versionCreated"): created,
            "language": TARGET_LANG,
        }
        result: dict[str, Any] = {}
        for k, v in out.items():  # the original's order of properties, the changed ones in their place
            result[k] = updated.pop(k, v)
        result.update(updated)
        result["associations"] = [*copy.deepcopy(out.get("associations", [])), original]
        return (json.dumps(result, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
