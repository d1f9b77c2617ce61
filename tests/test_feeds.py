"""News items read and written (``aligner.feeds``), in process: detection by content, what each format's reader
finds (paragraph kinds, mirrors), malformed items refused in one line naming the file, and what the writers change
(identifier, version, dates, language, link to the original, inline markup on the English words) and keep (every
other piece of metadata). The English here is WMT's own translation of each sentence, so that where each inline
element lands can be checked word for word. Each test names the mutation it catches."""

from __future__ import annotations

import copy
import json
import re
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from aligner.errors import InputError
from aligner.feeds import (
    FeedWarning,
    Item,
    detect_format,
    item_of_run,
    parse_source,
    read_source,
    run_files,
    run_outputs,
    write_item,
)
from aligner.feeds.items import derived_id
from aligner.pipeline import run_story
from aligner.reading.reader import parse_text, read_document
from aligner.results.rundir import write_run
from aligner.translation.memory import FileTranslator
from conftest import SEED, CountingTranslator, needs_shared
from test_feeds_schemas import ITEMS, NAR, NITF_NS, item_errors

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NOW = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)
STAMP = "2024-05-01T12:30:00Z"
WMT = {r["source"]: r["translation"] for r in map(json.loads, (ITEMS / "wmt-english.jsonl").open(encoding="utf-8"))}


def read(name: str, lang: str = "fr") -> Item:
    item = read_source(ITEMS / name, lang=lang).item
    assert item is not None
    return item


def english(item: Item) -> list[str]:
    """WMT's English for each sentence (bylines are copied, as the pipeline does)."""
    return [WMT.get(s.text, s.text) for s in item.document.sentences]


def kinds(item: Item) -> list[str]:
    return [p.kind.value for p in item.document.paragraphs]


# ---------------------------------------------------------------------------------------------- detection

DETECTION = [
    (b"Le president a parle mardi.\n\nThe Associated Press\n", "text"),
    (b'{"uri": "urn:x"}', "ninjs"),
    (b'\xef\xbb\xbf \n {"uri": "urn:x"}', "ninjs"),  # BOM and blank space first
    (b'[{"uri": "urn:x"}]', "ninjs"),  # a JSON array: the ninjs reader says what is wrong with it
    (f'<?xml version="1.0"?>\n<!-- x -->\n<newsItem xmlns="{NAR}"/>'.encode(), "newsml-g2"),
    (b"<nitf><body/></nitf>", "nitf"),
    (f'<nitf xmlns="{NITF_NS}"><body/></nitf>'.encode(), "nitf"),
    (b"<html><body><p>x</p></body></html>", "xml"),
    (b"<newsItem", "xml"),  # broken: the XML reader says what is wrong
]


@pytest.mark.parametrize(("data", "expected"), DETECTION)
def test_format_is_told_by_content(data: bytes, expected: str) -> None:
    """Mutation: detection by file extension, or by the first bytes without skipping a BOM."""
    assert detect_format(data) == expected


def test_an_item_named_txt_is_read_as_an_item(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_bytes((ITEMS / "1202-lemondefr.fr.json").read_bytes())
    source = read_source(path)
    assert source.item is not None and source.item.format == "ninjs" and source.document.id == "story"


@needs_shared
def test_a_plain_story_reads_exactly_as_before() -> None:
    """read_source on a plain-text story is read_document (no item). Mutation: stories routed through a feed."""
    source = read_source(SEED)
    assert source.item is None and source.document == read_document(SEED)


@pytest.mark.parametrize("presegmented", [False, True])
def test_plain_text_from_bytes(presegmented: bool) -> None:
    text = "date 2024-05 Le président a parlé mardi. Il a promis.\n\n— Les impôts baisseront.\n\nThe Associated Press\n"
    got = parse_source(text.encode(), "x.txt", doc_id="x", presegmented=presegmented).document
    assert got == parse_text(text, doc_id="x", presegmented=presegmented)


# ---------------------------------------------------------------------------------------------- readers

READ = [
    ("1202-lemondefr.fr.json", "ninjs", ["headline", "byline", "prose", "prose", "prose", "prose"]),
    ("1084-canoe.fr.xml", "newsml-g2", ["headline", "byline", "dateline", "prose", "prose", "prose", "prose"]),
    ("1206-euronews-fr.fr.xml", "nitf", ["headline", "byline", "dateline", "abstract", "prose", "list-item",
                                         "list-item", "list-item", "subhead", "prose", "prose"]),
    ("1009-lemondefr.fr.json", "ninjs", ["headline", "byline", "prose", "prose"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "fmt", "expected"), READ)
def test_an_item_reads_into_paragraphs_of_their_kinds(name: str, fmt: str, expected: list[str]) -> None:
    """The headline first, byline, dateline, abstract, subheads and list items with their own kinds, and every
    repeat of a paragraph (the plain-text body, the NITF hl1, the G2 title) a mirror, not a paragraph. Mutations: a
    kind missed; mirrors read as paragraphs (the plain body of 1202 would add four)."""
    item = read(name)
    assert item.format == fmt
    assert kinds(item) == expected
    assert item.document.lang == "fr" and item.document.meta("format") == fmt
    assert all(s.text == s.text.strip() and "  " not in s.text for s in item.document.sentences)


def test_list_items_carry_the_bullet_prefix() -> None:
    item = read("1206-euronews-fr.fr.xml")
    assert [p.prefix for p in item.document.paragraphs if p.kind.value == "list-item"] == ["— "] * 3


def test_the_reader_records_the_items_identity() -> None:
    item = read("1084-canoe.fr.xml")
    assert (item.id, item.lang) == ("urn:newsml:canoe.ca:20131101:1084-canoe", "fr-CA")
    assert item.document.metadata == (
        ("format", "newsml-g2"), ("item-id", "urn:newsml:canoe.ca:20131101:1084-canoe"), ("item-lang", "fr-CA")
    )  # fmt: skip


def test_a_language_other_than_the_expected_one_is_a_warning() -> None:
    message = r"1202-lemondefr\.fr\.json: the item says its language is 'fr'; it is read as 'en'"
    with pytest.warns(FeedWarning, match=message):
        read("1202-lemondefr.fr.json", lang="en")


NINJS = '{"uri": "urn:x", "headlines": [{"value": "Titre."}]}'
G2_HEAD = f'<newsItem xmlns="{NAR}" guid="g" version="1" standard="NewsML-G2" standardversion="2.35">'
BAD = [
    ("item.json", '{"uri": "urn:x", "headlines": [',
     r"item\.json: not valid JSON \(Expecting value at line 1, column 32\)$"),
    ("item.json", NINJS + "\n" + NINJS, r"item\.json: more than one JSON value \(the next starts at line 2\); give one "
                                        r"ninjs object per file \(`aligner batch` reads JSONL of ninjs\)$"),
    ("item.json", f"[{NINJS}]", r"item\.json: a ninjs item is a JSON object, not a JSON list$"),
    ("item.json", '{"headlines": [{"value": "x"}]}', r'item\.json: not a ninjs item: "uri", the one property ninjs '
                                                     r"requires, is missing or empty$"),
    ("item.json", '{"headline": "x", "body_text": "y"}', r"item\.json: this is ninjs 1\.x"),
    ("item.json", '{"uri": "urn:x", "headlines": "x"}', r'item\.json: "headlines" must be a list of objects'),
    ("item.json", '{"uri": "urn:x", "headlines": [{"value": 3}]}', r'item\.json: headlines\[0\] must be an object '
                                                                   r'with a string "value"$'),
    ("item.json", '{"uri": "urn:x", "by": ["x"]}', r'item\.json: "by" must be a string$'),
    ("item.json", '{"uri": "urn:x", "type": "picture"}', r"item\.json: this ninjs item has no text to translate"),
    ("item.xml", f"{G2_HEAD}<itemMeta>", r"item\.xml: not well-formed XML at line 1, column 130: Premature end of "
                                         r"data in tag itemMeta"),
    ("item.xml", "<rss><channel/></rss>", r"item\.xml: an XML document whose root is <rss>; aligner reads NewsML-G2 "
                                          r"<newsItem> and NITF <nitf> items$"),
    ("item.xml", f'<newsMessage xmlns="{NAR}"/>', r"item\.xml: an XML document whose root is <newsMessage>; .* \(a "
                                                  r"newsMessage holds several items: give one newsItem per file\)$"),
    ("item.xml", "<nitf><head/></nitf>", r"item\.xml: an NITF document needs a <body>$"),
    ("item.xml", f"{G2_HEAD}<contentSet><inlineXML><nitf xmlns='{NITF_NS}'/></inlineXML></contentSet></newsItem>",
     r"item\.xml: the NITF in inlineXML has no <body>$"),
    ("item.xml", f"{G2_HEAD}<itemMeta/></newsItem>", r"item\.xml: a news item with no text"),
    ("item.xml", "<newsItem><contentMeta><headline>x</headline></contentMeta></newsItem>",
     r"item\.xml: the root element is <newsItem>, not a NewsML-G2 <newsItem>$"),  # no G2 namespace
    ("item.xml", "<!DOCTYPE nitf [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><nitf><body><p>&x;</p></body></nitf>",
     r"item\.xml: this nitf item has no text to translate"),  # an external entity is never read
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "message"), BAD)
def test_a_malformed_item_is_refused_in_one_line(tmp_path: Path, name: str, content: str, message: str) -> None:
    """Every message names the file and what is wrong, on one line. Mutation: an exception of the parser (a
    traceback) or a message without the file."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(str(tmp_path)) + "/" + message) as caught:
        read_source(path)
    assert "\n" not in str(caught.value)


def test_presegmented_is_for_plain_text() -> None:
    message = r"1009-lemondefr\.fr\.json: --presegmented is for plain-text stories; a ninjs item is segmented"
    with pytest.raises(InputError, match=message):
        read_source(ITEMS / "1009-lemondefr.fr.json", presegmented=True)


def test_an_html_body_in_a_markup_aligner_does_not_read_is_kept_with_a_warning(tmp_path: Path) -> None:
    obj = {"uri": "urn:x", "headlines": [{"value": "Le titre."}],
           "bodies": [{"contentType": "application/nitf+xml", "value": "<nitf/>"}]}  # fmt: skip
    path = tmp_path / "x.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    with pytest.warns(FeedWarning, match=r"left as it is, in a markup aligner does not read: bodies\[0\] "):
        item = read_source(path).item
    assert item is not None
    out = json.loads(write_item(item, ["The headline."], now=NOW).data)
    assert out["bodies"] == obj["bodies"]


# ---------------------------------------------------------------------------------------------- identifiers


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("urn:newsml:canoe.ca:20131101:1084-canoe", "urn:newsml:canoe.ca:20131101:1084-canoe-en"),
        ("http://example.com/news/123-fr", "http://example.com/news/123-en"),
        ("http://example.com/news/123/FR", "http://example.com/news/123/en"),
        ("urn:x:france", "urn:x:france-en"),  # "fr" inside a word is not a language suffix
        ("", "story-7-en"),  # no identifier: the file's name
    ],
)
def test_derived_identifier(original: str, expected: str) -> None:
    """Mutation: a random or time-based identifier (a second translation of the same item would not replace the
    first), or the original's (the receiver would overwrite the French)."""
    assert derived_id(original, "story-7") == expected


# ---------------------------------------------------------------------------------------------- ninjs writer


def inline_elements(html: str) -> list[str]:
    """``<tag attrs>text</tag>`` of each inline element, as lxml serialises them."""
    import lxml.html

    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return [etree.tostring(el, encoding="unicode", with_tail=False) for el in root.iter("em", "strong", "a", "b", "i")]


def test_ninjs_3_written_in_english() -> None:
    """Mutations, one per assertion: identity or version kept; dates not renewed; language left French; no link to
    the original; any other property re-created instead of copied; markup dropped or put on the wrong words; the
    plain body or the character count left French."""
    item = read("1202-lemondefr.fr.json")
    original = json.loads(item.data)
    out = write_item(item, english(item), now=NOW)
    assert item_errors(out.data) == []
    got = json.loads(out.data)
    assert (got["uri"], out.id) == ("urn:newsml:lemonde.fr:20131031:1202-lemondefr-en",) * 2
    assert (got["version"], got["firstCreated"], got["versionCreated"]) == ("1", STAMP, STAMP)
    assert got["contentCreated"] == original["contentCreated"]
    assert got["language"] == "en"
    assert got["associations"] == [{
        "name": "original", "rel": "translationOf", "uri": "urn:newsml:lemonde.fr:20131031:1202-lemondefr",
        "type": "text", "version": "2", "versionCreated": "2013-10-31T11:40:00+01:00", "language": "fr",
    }]  # fmt: skip
    changed = {"uri", "version", "firstCreated", "versionCreated", "language", "headlines", "bodies", "associations"}
    assert {k: v for k, v in got.items() if k not in changed} == {k: v for k, v in original.items() if k not in changed}
    assert list(got)[: len(original)] == list(original)  # the original's order of properties
    assert got["headlines"] == [{"role": "main", "value": "Pont-de-Buis Portico Dismantled"}]
    html = got["bodies"][0]["value"]
    assert html.count("<p>") == 4 and "\n" in html  # paragraphs, and the whitespace between them, kept
    assert inline_elements(html) == [
        "<em>ecotax</em>",
        "<strong>Cranes arrived on the site just after 10am, and traffic on the main road was diverted afterwards."
        "</strong>",
        '<a href="http://www.finistere.gouv.fr/">the Finistère police department</a>',
        "<em>Ecomouv</em>",
    ]
    plain = got["bodies"][1]["value"].split("\n")
    assert plain == [WMT[s.text] for s in item.document.sentences[2:6]]
    assert got["bodies"][0]["charCount"] == len(" ".join(" ".join(plain).split()))
    assert [n.message for n in out.notes] == [
        "<strong> over “nationale” could not be matched with English words; it now covers the whole sentence: move "
        "it onto the words it belongs to"
    ]
    assert (out.notes[0].paragraph, out.notes[0].sentence) == (3, 3)


def test_ninjs_2_keeps_its_spelling() -> None:
    """2.x properties in lower case, no "rel" in the association (2.2 does not have it). Mutation: 3.x names
    written into a 2.x item (invalid against 2.2)."""
    item = read("1009-lemondefr.fr.json")
    got = json.loads(write_item(item, english(item), now=NOW).data)
    assert item_errors(json.dumps(got).encode()) == []
    assert (got["versioncreated"], got["firstcreated"], got["language"]) == (STAMP, STAMP, "en")
    assert "versionCreated" not in got and "rel" not in got["associations"][0]
    assert got["associations"][0]["versioncreated"] == "2013-10-31T18:24:00+01:00"
    assert inline_elements(got["bodies"][0]["value"]) == [
        "<strong>Jhonathan Florez</strong>",
        "<em>wingsuit</em>",
        '<a href="https://fr.wikipedia.org/wiki/Monserrate">Monserrate Sanctuary</a>',
    ]


def test_a_reviewed_export_counts_the_version_up() -> None:
    item = read("1202-lemondefr.fr.json")
    assert json.loads(write_item(item, english(item), version=7).data)["version"] == "7"


def test_english_for_every_sentence() -> None:
    item = read("1009-lemondefr.fr.json")
    with pytest.raises(InputError, match=r"1009-lemondefr\.fr\.json: 2 English sentences for 4 source sentences$"):
        write_item(item, ["a", "b"])


# ---------------------------------------------------------------------------------------------- NewsML-G2 writer


def g2(el: Any, path: str) -> list[Any]:
    return list(el.iterfind(path, {"g": NAR, "n": NITF_NS}))


def test_newsml_g2_written_in_english() -> None:
    """Mutations: guid/version/dates kept; xml:lang or contentMeta/language left French; no itemMeta/link to the
    original; subjects re-created or dropped; French properties that stay French relabelled English by inheritance;
    the NITF body's markup dropped or misplaced."""
    item = read("1084-canoe.fr.xml")
    before = etree.fromstring(item.data)
    out = write_item(item, english(item), now=NOW)
    assert item_errors(out.data) == []
    root = etree.fromstring(out.data)
    assert (root.get("guid"), root.get("version"), root.get(XML_LANG)) == (
        "urn:newsml:canoe.ca:20131101:1084-canoe-en", "1", "en"
    )  # fmt: skip
    assert [e.text for e in g2(root, "g:itemMeta/g:versionCreated")] == [STAMP]
    assert [e.text for e in g2(root, "g:itemMeta/g:firstCreated")] == [STAMP]
    assert [e.text for e in g2(root, "g:contentMeta/g:contentCreated")] == ["2013-11-01T09:20:00-04:00"]
    assert [e.get("tag") for e in g2(root, "g:contentMeta/g:language")] == ["en"]
    (link,) = g2(root, "g:itemMeta/g:link")
    assert dict(link.attrib) == {
        "rel": "irel:seeAlso", "residref": "urn:newsml:canoe.ca:20131101:1084-canoe", "version": "3",
        "contenttype": "application/vnd.iptc.g2.newsitem+xml", "title": "Original (fr-CA)", XML_LANG: "fr-CA",
    }  # fmt: skip
    assert [s.get("qcode") for s in g2(root, "g:contentMeta/g:subject")] == ["medtop:04000000", "medtop:01000000"]
    names = g2(root, "g:contentMeta/g:subject/g:name")
    assert [(n.text, n.get(XML_LANG)) for n in names] == [
        ("économie, entreprises et finances", "fr-CA"),  # inherited the item's French: now said explicitly
        ("arts, culture, divertissement et médias", "fr"),  # had its own: kept
    ]
    assert [(k.text, k.get(XML_LANG)) for k in g2(root, "g:contentMeta/g:keyword")] == [
        ("Disney", "fr-CA"), ("tablettes", "fr-CA")
    ]  # fmt: skip
    assert g2(root, "g:itemMeta/g:edNote")[0].get(XML_LANG) == "fr-CA"
    assert [e.text for e in g2(root, "g:contentMeta/g:headline")] == [
        "Disney to Launch New Animated Series on Tablet PCs"
    ]
    assert [e.text for e in g2(root, "g:itemMeta/g:title")] == ["Disney to Launch New Animated Series on Tablet PCs"]
    assert [e.get(XML_LANG) for e in g2(root, "g:contentMeta/g:headline")] == [None]  # English by inheritance
    assert [e.text for e in g2(root, ".//n:hl1")] == ["Disney to Launch New Animated Series on Tablet PCs"]
    paragraphs = g2(root, ".//n:body.content/n:p")
    assert len(paragraphs) == len(g2(before, ".//n:body.content/n:p")) == 4
    inline = [etree.tostring(e, encoding="unicode", with_tail=False) for e in g2(root, ".//n:p/*")]
    assert [re.sub(r' xmlns="[^"]*"', "", x) for x in inline] == [
        "<em>Sheriff Callie's Wild West</em>",
        '<a href="http://watchdisneyjunior.com">watchdisneyjunior.com</a>',
        "<em>Disney Junior</em>",
    ]
    assert b"xmlns:ns0" not in out.data  # new elements use the document's namespaces
    copied = ("g:rightsInfo", "g:contentMeta/g:located", "g:contentMeta/g:creator", "g:contentMeta/g:genre")
    for path in copied:
        old, new = (copy.deepcopy(g2(x, path)[0]) for x in (before, root))
        for el in (old, new):
            for sub in el.iter():
                sub.attrib.pop(XML_LANG, None)
        assert etree.tostring(old) == etree.tostring(new), path
    assert out.notes == ()


def test_nitf_written_in_english() -> None:
    """Mutations: baselang left French; doc-id kept; no link to the original; kinds of the head lost on writing."""
    item = read("1206-euronews-fr.fr.xml")
    out = write_item(item, english(item), now=NOW)
    assert item_errors(out.data) == []
    root = etree.fromstring(out.data)
    ns = {"n": NITF_NS}
    assert root.get("baselang") == "en"
    assert root.find("n:head/n:docdata/n:doc-id", ns).get("id-string") == "20131101-1206-euronews-en"
    assert root.find("n:head/n:docdata/n:date.issue", ns).get("norm") == "20240501T123000Z"
    assert [(m.get("name"), m.get("content")) for m in root.iterfind("n:head/n:meta", ns)] == [
        ("translated-from", "20131101-1206-euronews-fr")
    ]
    assert root.find("n:head/n:title", ns).text == "October: Bloodiest Month in Iraq Since 2008"
    byline = root.find(".//n:byline", ns)
    assert "".join(byline.itertext()) == "By la rédaction d'euronews"  # a copied French byline: "Par" → "By"
    assert byline.find("n:person", ns).text == "la rédaction d'euronews"
    assert [li.text for li in root.iterfind(".//n:li", ns)] == ["855 civilians;", "65 police;", "44 soldiers."]
    assert root.find(".//n:abstract/n:p/n:chron", ns).text == "April 2008"
    quote = root.find(".//n:q", ns)
    assert quote.text.startswith("We are not asking the world") and quote.text.endswith("because we are part of")
    assert [e.text for e in root.iterfind(".//n:p/n:person", ns)] == ["Al-Maliki"]


def test_nitf_without_head_gets_one(tmp_path: Path) -> None:
    path = tmp_path / "bare.xml"
    path.write_text(f'<nitf xmlns="{NITF_NS}"><body><body.content><p>Merci.</p></body.content></body></nitf>')
    item = read_source(path).item
    assert item is not None
    root = etree.fromstring(write_item(item, ["Thank you."], now=NOW).data)
    assert item_errors(etree.tostring(root)) == []
    assert root.find(f"{{{NITF_NS}}}head/{{{NITF_NS}}}docdata/{{{NITF_NS}}}doc-id").get("id-string") == "bare-en"


def test_nitf_without_namespace(tmp_path: Path) -> None:
    """AP's NITF has no namespace: read and written the same way (validated once the namespace is added)."""
    data = (ITEMS / "1206-euronews-fr.fr.xml").read_text(encoding="utf-8").replace(f' xmlns="{NITF_NS}"', "")
    path = tmp_path / "ap.xml"
    path.write_text(data, encoding="utf-8")
    item = read_source(path).item
    assert item is not None and kinds(item) == kinds(read("1206-euronews-fr.fr.xml"))
    out = write_item(item, english(item), now=NOW).data.decode()
    assert "xmlns" not in out
    assert item_errors(out.replace("<nitf ", f'<nitf xmlns="{NITF_NS}" ', 1).encode()) == []


# ---------------------------------------------------------------------------------------------- post-edits


def test_a_post_edit_that_merges_sentences_keeps_both_elements() -> None:
    """A confirmed bead over two sentences: the English of both in the first, "" for the second. Mutation: the
    second sentence's element lost (it is in the merged English)."""
    item = read("1009-lemondefr.fr.json")
    texts = english(item)
    assert [len(p.sentences) for p in item.document.paragraphs] == [1, 1, 1, 1]  # headline, byline, two paragraphs
    merged = "Sportsman Jhonathan Florez jumped. Wearing a wingsuit, he flew past the famous Monserrate Sanctuary."
    texts[2], texts[3] = merged, ""  # a bead over the body's two paragraphs, confirmed
    got = json.loads(write_item(item, texts, now=NOW).data)
    assert item_errors(json.dumps(got).encode()) == []
    html = got["bodies"][0]["value"]
    assert html.count("<p>") == 1  # the emptied paragraph went with its English
    assert inline_elements(html) == [
        "<strong>Jhonathan Florez</strong>"
    ]  # the second paragraph's elements went with it (the notes say so)


def test_a_paragraph_emptied_by_a_post_edit_is_removed_with_notes() -> None:
    item = read("1084-canoe.fr.xml")
    texts = english(item)
    second = [s.id for s in item.document.paragraphs[4].sentences]
    for i in second:
        texts[i] = ""
    out = write_item(item, texts, now=NOW)
    assert item_errors(out.data) == []
    assert len(g2(etree.fromstring(out.data), ".//n:body.content/n:p")) == 3
    assert [n.message.split(" over ")[0] for n in out.notes] == ["<em>", "<a>"]


# ---------------------------------------------------------------------------------------------- runs


def test_run_outputs_add_markup_flags_and_the_item_files(tmp_path: Path) -> None:
    """Mutations: markup notes not turned into flags; the original not kept (no export of a reviewed item); the
    run directory written without the item."""
    item = read("1202-lemondefr.fr.json")
    result = run_story(item.document, FileTranslator(WMT, name="wmt"))
    flagged, files = run_outputs(item, result, now=NOW)
    assert sorted(files) == ["source.json", "translation.json"]
    assert run_files(item) == ("source.json", "translation.json")
    assert files["source.json"] == item.data and item_errors(files["translation.json"]) == []
    markup = [(k, f.severity) for k, flags in enumerate(flagged.flags) for f in flags if f.code == "markup"]
    assert markup == [(3, "warning")]  # the bead of sentence 3 ("nationale")
    out = write_run(flagged, tmp_path / "run", extra=files)
    assert (out / "translation.json").read_bytes() == files["translation.json"]
    again = item_of_run(out, flagged)
    assert (again.format, again.data, again.document, again.id) == (item.format, item.data, item.document, item.id)


def test_write_run_refuses_an_extra_file_that_is_not_its_own(tmp_path: Path) -> None:
    result = run_story(parse_text("Merci.", doc_id="x"), CountingTranslator())
    for name in ("result.json", "../x.json", "review.sqlite"):
        with pytest.raises(InputError, match="cannot be written into a run directory"):
            write_run(result, tmp_path / "run", extra={name: b"{}"})
    assert not (tmp_path / "run").exists()


def test_item_of_a_plain_run_is_refused(tmp_path: Path) -> None:
    result = run_story(parse_text("Merci.", doc_id="x"), CountingTranslator())
    out = write_run(result, tmp_path / "run")
    with pytest.raises(InputError, match=r"run: this run's source is a plain-text story, not a news item; export it "
                                         r"with --format story$"):  # fmt: skip
        item_of_run(out, result)


def test_item_of_a_run_that_lost_or_changed_its_original(tmp_path: Path) -> None:
    item = read("1009-lemondefr.fr.json")
    result = run_story(item.document, CountingTranslator())
    out = write_run(result, tmp_path / "run")
    with pytest.raises(InputError, match=r"source\.json: missing: the run directory lost its original item"):
        item_of_run(out, result)
    other = (ITEMS / "1202-lemondefr.fr.json").read_bytes()
    (out / "source.json").write_bytes(other)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the language warning is not repeated on export
        with pytest.raises(InputError, match=r"source\.json: no longer reads as the run's source"):
            item_of_run(out, result)


# ---------------------------------------------------------------------------------------------- HTML bodies

HTML_BODIES = [
    # (body, paragraphs as (kind, text), the body written with upper-cased "English")
    ("<p>Un.</p><p>Deux <em>trois</em>.</p>", [("prose", "Un."), ("prose", "Deux trois.")],
     "<p>UN.</p><p>DEUX <em>TROIS</em>.</p>"),
    ("<div>Texte libre.<br>Encore.</div>", [("prose", "Texte libre. Encore.")],
     "<div>TEXTE LIBRE.<br> ENCORE.</div>"),  # text directly in a container: a paragraph, its <br> kept
    ("<h2>Sous-titre</h2><ul><li>Un ;</li><li>deux.</li></ul>",
     [("subhead", "Sous-titre"), ("list-item", "Un ;"), ("list-item", "deux.")],
     "<h2>SOUS-TITRE</h2><ul><li>UN ;</li><li>DEUX.</li></ul>"),
    ("<ul><li>Avant <ul><li>dedans</li></ul> après</li></ul>",
     [("list-item", "Avant"), ("list-item", "dedans"), ("list-item", "après")],
     "<ul><li>AVANT <ul><li>DEDANS</li></ul> APRÈS</li></ul>"),  # a list in a list item: three paragraphs
    ("<blockquote><p>Cité.</p></blockquote><table><tr><td>Cellule</td></tr></table>",
     [("prose", "Cité."), ("prose", "Cellule")],
     "<blockquote><p>CITÉ.</p></blockquote><table><tr><td>CELLULE</td></tr></table>"),
    ('<figure><img src="x.jpg"><figcaption>Légende.</figcaption></figure><pre>code()</pre>',
     [("prose", "Légende.")],
     '<figure><img src="x.jpg"><figcaption>LÉGENDE.</figcaption></figure><pre>code()</pre>'),  # code untouched
]  # fmt: skip


@pytest.mark.parametrize(("body", "paragraphs", "written"), HTML_BODIES)
def test_html_bodies(tmp_path: Path, body: str, paragraphs: list[tuple[str, str]], written: str) -> None:
    """Mutations: text directly in a container lost; a block inside a list item swallowing the item's text; code,
    images or figures translated or dropped."""
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"uri": "urn:x", "bodies": [{"contentType": "text/html", "value": body}]}))
    item = read_source(path).item
    assert item is not None
    assert [(p.kind.value, p.text) for p in item.document.paragraphs] == paragraphs
    out = write_item(item, [s.text.upper() for s in item.document.sentences], now=NOW)
    assert json.loads(out.data)["bodies"][0]["value"] == written


CRANES = (
    "Des grues sont arrivées sur place peu après 10 heures, et la circulation sur la nationale a été détournée dans la "
    "foulée."
)
XHTML_ITEM = f"""<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="{NAR}" guid="urn:newsml:example.fr:1" version="2" standard="NewsML-G2" standardversion="2.35"
    xml:lang="fr">
  <itemMeta><itemClass qcode="ninat:text"/><provider literal="x"/><versionCreated>2013-11-01T10:00:00Z</versionCreated>
  </itemMeta>
  <contentMeta><headline>Le portique de Pont-de-Buis démonté</headline></contentMeta>
  <contentSet>
    <inlineXML contenttype="application/xhtml+xml">
      <html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr"><head><title>Le portique de Pont-de-Buis démonté</title>
      </head><body><p>Le portique <em>écotaxe</em> de Pont-de-Buis, autour duquel s'est déroulée samedi une violente
      manifestation d'opposants à cette taxe, a été démonté jeudi matin.</p></body></html>
    </inlineXML>
    <inlineData contenttype="text/plain">Le portique de Pont-de-Buis démonté
{CRANES}
</inlineData>
  </contentSet>
</newsItem>
"""


def test_newsml_g2_with_an_xhtml_body_and_plain_inline_data(tmp_path: Path) -> None:
    """XHTML in inlineXML (its <title> a mirror of the headline) and plain text in inlineData. Mutations: the XHTML
    body not read; its xml:lang left French; inlineData left French."""
    path = tmp_path / "xhtml.xml"
    path.write_text(XHTML_ITEM, encoding="utf-8")
    item = read_source(path).item
    assert item is not None
    assert [(p.kind.value, p.text[:20]) for p in item.document.paragraphs] == [
        ("headline", "Le portique de Pont-"), ("prose", "Le portique écotaxe "), ("prose", "Des grues sont arriv")
    ]  # fmt: skip
    out = write_item(item, english(item), now=NOW)
    assert item_errors(out.data) == []
    root = etree.fromstring(out.data)
    xhtml = "{http://www.w3.org/1999/xhtml}"
    html = next(root.iter(f"{xhtml}html"))
    assert html.get(XML_LANG) == "en"
    assert next(html.iter(f"{xhtml}title")).text == "Pont-de-Buis Portico Dismantled"
    assert [e.text for e in html.iter(f"{xhtml}em")] == ["ecotax"]
    data = next(root.iter(f"{{{NAR}}}inlineData")).text
    assert data == "Pont-de-Buis Portico Dismantled\n" + WMT[item.document.paragraphs[2].text] + "\n"
