"""The standards' schemas, vendored under tests/data (ninjs 3.1 and 2.2 with GeoJSON; NewsML-G2 2.35 with xml.xsd;
NITF 3.6), offline validators built on them for the other feeds tests, and IPTC's own example items: each one aligner
supports reads and writes back valid; each one it does not support is refused with a message saying why."""

from __future__ import annotations

import copy
import hashlib
import json
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from aligner.errors import InputError
from aligner.feeds import FeedWarning, Item, read_source, write_item

DATA = Path(__file__).resolve().parent / "data"
NINJS = DATA / "ninjs"
G2 = DATA / "newsml-g2"
ITEMS = DATA / "items"
NAR = "http://iptc.org/std/nar/2006-10-01/"
NITF_NS = "http://iptc.org/std/NITF/2006-10-18/"
GEOJSON_ID = "https://geojson.org/schema/GeoJSON.json"


@cache
def ninjs_validator(major: int) -> Any:
    """jsonschema's validator for ninjs ``major`` (3: the 3.1 schema, 2: the 2.2 schema), formats checked, GeoJSON
    served from the vendored copy (a ``referencing`` registry): nothing is fetched."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    geojson = json.loads((NINJS / "GeoJSON.json").read_text(encoding="utf-8"))
    registry: Any = Registry().with_resource(GEOJSON_ID, Resource.from_contents(geojson))
    version = {3: "3.1", 2: "2.2"}[major]
    schema = json.loads((NINJS / f"ninjs-schema_{version}.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def ninjs_errors(obj: Any, major: int = 3) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in ninjs_validator(major).iter_errors(obj)]


@cache
def xml_schema(name: str) -> Any:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(G2 / name), parser))


def nitf_errors(nitf: Any) -> list[str]:
    """NITF 3.6 errors of an ``<nitf>`` element, validated as a document of its own."""
    schema = xml_schema("nitf-3-6.xsd")
    return [] if schema.validate(etree.ElementTree(copy.deepcopy(nitf))) else [str(e) for e in schema.error_log]


def g2_errors(root: Any) -> list[str]:
    """NewsML-G2 2.35 errors of a news item, and NITF 3.6 errors of each ``<nitf>`` in it (the G2 schema lets
    anything through in ``inlineXML``)."""
    schema = xml_schema("NewsML-G2_2.35-spec-All-Power.xsd")
    errors = [] if schema.validate(root.getroottree()) else [str(e) for e in schema.error_log]
    for nitf in root.iter(f"{{{NITF_NS}}}nitf"):
        errors += nitf_errors(nitf)
    return errors


def item_errors(data: bytes) -> list[str]:
    """Every schema error of an item as aligner writes it (ninjs 3.x or 2.x, NewsML-G2, NITF); ``[]`` when valid."""
    if data.lstrip().startswith(b"{"):
        obj = json.loads(data)
        major = 2 if any(k in obj for k in ("versioncreated", "firstcreated")) else 3
        return ninjs_errors(obj, major)
    root = etree.fromstring(data)
    return g2_errors(root) if root.tag == f"{{{NAR}}}newsItem" else nitf_errors(root)


def item_text(data: bytes) -> str:
    """All the text of an item, markup taken out, whitespace collapsed: ninjs string values (HTML ones as text), or
    the XML's text."""
    import lxml.html

    if data.lstrip().startswith(b"{"):
        pieces: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, str):
                markup = value.lstrip().startswith("<")
                pieces.append(lxml.html.fromstring(value).text_content() if markup else value)
            elif isinstance(value, dict):
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        walk(json.loads(data))
        text = " ".join(pieces)
    else:
        text = "".join(etree.fromstring(data).itertext())
    return " ".join(text.split())


def read_quietly(path: Path, lang: str = "fr") -> Item:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeedWarning)
        item = read_source(path, lang=lang).item
    assert item is not None
    return item


# --------------------------------------------------------------------------------------------- vendored schemas


@pytest.mark.parametrize("folder", [NINJS, G2])
def test_vendored_schema_files_match_their_readme(folder: Path) -> None:
    """Mutation: a schema edited (or replaced by another version) without its README."""
    readme = (folder / "README.md").read_text(encoding="utf-8")
    files = sorted(p for p in folder.iterdir() if p.suffix in (".json", ".xsd"))
    assert files
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"| `{path.name}` | {path.stat().st_size:,} | `{digest}` |" in readme


def test_the_validators_find_errors() -> None:
    """The validators are not vacuous: a ninjs item without uri, a date that is not a date, a G2 item without
    itemMeta and an NITF document without body are all refused. Mutation: a validator that always returns []."""
    assert any("'uri' is a required property" in e for e in ninjs_errors({"headlines": [{"value": "x"}]}))
    assert any("date-time" in e for e in ninjs_errors({"uri": "urn:x", "versionCreated": "hier"}))
    assert any("'uri' is a required property" in e for e in ninjs_errors({}, 2))
    g2 = etree.fromstring(f'<newsItem xmlns="{NAR}" guid="x" version="1" standard="NewsML-G2" standardversion="2.35"/>')
    assert g2_errors(g2)
    assert nitf_errors(etree.fromstring(f'<nitf xmlns="{NITF_NS}"><head/></nitf>'))


def test_geojson_is_served_offline() -> None:
    """A place with GeoJSON is checked against the vendored GeoJSON schema (a wrong geometry is an error), which
    needs the registry: without it jsonschema would try to fetch the schema. Mutation: no registry."""
    good = {"uri": "urn:x", "places": [{"name": "Paris", "geoJSON": {"type": "Point", "coordinates": [2.35, 48.85]}}]}
    bad = {"uri": "urn:x", "places": [{"name": "Paris", "geoJSON": {"type": "Point", "coordinates": "Paris"}}]}
    assert ninjs_errors(good) == []
    assert ninjs_errors(bad)


# --------------------------------------------------------------------------------------------- test items


@pytest.mark.parametrize(
    "name", ["1202-lemondefr.fr.json", "1202-lemondefr.en.json", "1084-canoe.fr.xml", "1084-canoe.en.xml",
             "1206-euronews-fr.fr.xml", "1009-lemondefr.fr.json"],
)  # fmt: skip
def test_the_test_items_are_valid(name: str) -> None:
    """The French (and English) items the tests translate are valid to begin with."""
    assert item_errors((ITEMS / name).read_bytes()) == []


# --------------------------------------------------------------------------------------------- IPTC's examples

SUPPORTED = {  # example → (paragraphs read, kinds of the first ones)
    "3.0_dpa_text.json": (11, ["headline", "byline", "prose"]),
    "3.0_ninjsExSimpleText_3.json": (6, ["headline", "byline", "prose"]),
    "3.0_ntb_text.json": (3, ["headline", "abstract", "byline"]),
    "3.0_tt_text_image_3.json": (12, ["headline", "abstract", "prose"]),
    "3.1_001_simple_example.json": (3, ["headline", "byline", "prose"]),
    "3.1_002_renditions_example.json": (1, ["prose"]),
    "3.1_003_associations_example.json": (2, ["headline", "prose"]),
    "3.1_004_simple_text_article.json": (6, ["headline", "byline", "prose"]),
    "3.1_005_complex_text_article.json": (6, ["headline", "byline", "prose"]),
    "3.1_006_photo_only.json": (3, ["headline", "abstract", "byline"]),
    "3.1_007_multimedia.json": (6, ["headline", "byline", "prose"]),
    "3.1_008_event.json": (1, ["headline"]),
    "LISTING_1_A_NewsML-G2_News_Item.xml": (1, ["headline"]),
    "LISTING_2_NewsML-G2_Text_Document.xml": (4, ["headline", "byline", "prose"]),
}
REFUSED = {
    "LISTING_25_An_NITF_marked-up_article_conveyed_in_inlineXML.xml": r"root is <contentSet>; aligner reads NewsML-G2",
    "LISTING_29_Hop_History.xml": r"a news item with no text \(no headline, no description, no inline content\)$",
}


def _example(name: str) -> Path:
    return (NINJS if name.endswith(".json") else G2) / "examples" / name


def test_every_example_is_listed() -> None:
    names = {p.name for folder in (NINJS, G2) for p in (folder / "examples").iterdir()}
    assert names == set(SUPPORTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(SUPPORTED))
def test_an_iptc_example_reads_and_writes_back_valid(name: str) -> None:
    """Each example is read (paragraphs and kinds as listed), "translated" (upper-cased English) and written back; the
    result is valid, its language is English and every paragraph's English is in it. Mutations: a writer that drops
    a required property or writes a property the schema does not allow; a reader that misses a kind of paragraph."""
    path = _example(name)
    item = read_quietly(path, lang="en")
    paragraphs, kinds = SUPPORTED[name]
    doc = item.document
    assert len(doc.paragraphs) == paragraphs
    assert [p.kind.value for p in doc.paragraphs[: len(kinds)]] == kinds
    english = [s.text.upper() for s in doc.sentences]
    out = write_item(item, english)
    assert item_errors(out.data) == []
    written = item_text(out.data)
    assert all(e in written for e in english)
    if name.endswith(".json"):
        assert json.loads(out.data)["language"] == "en"
    else:
        assert etree.fromstring(out.data).get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_an_unsupported_example_is_refused(name: str) -> None:
    with pytest.raises(InputError, match=REFUSED[name]):
        read_source(_example(name), lang="en")
