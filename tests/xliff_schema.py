"""Offline validation against the OASIS XLIFF 1.2 strict schema (the files and their origin: data/xliff/README.md).

The schema imports ``http://www.w3.org/2001/xml.xsd``. The parser that reads it has the network switched off
and a resolver that serves that URL from ``data/xliff/xml.xsd``. Any other URL is left to lxml, and lxml then
fails to load it, so a schema that needs something else fails loudly rather than fetching it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

XSD_DIR = Path(__file__).resolve().parent / "data" / "xliff"
STRICT_XSD = XSD_DIR / "xliff-core-1.2-strict.xsd"
XML_XSD = XSD_DIR / "xml.xsd"
XML_XSD_URL = "http://www.w3.org/2001/xml.xsd"


class _LocalXmlXsd(etree.Resolver):  # type: ignore[misc]  # lxml ships no type information
    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        if system_url == XML_XSD_URL:
            return self.resolve_filename(str(XML_XSD), context)
        return None


@cache
def strict_schema() -> Any:
    """The XLIFF 1.2 strict schema, loaded once and with no network access."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_LocalXmlXsd())
    return etree.XMLSchema(etree.parse(str(STRICT_XSD), parser))


def validate_xliff_strict(data: bytes) -> list[str]:
    """Why ``data`` is not valid XLIFF 1.2 (strict), one ``line N: message`` per error; an empty list if it is."""
    try:
        root = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    except etree.XMLSyntaxError as e:
        return [f"not well-formed XML: {e}"]
    schema = strict_schema()
    if schema.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
