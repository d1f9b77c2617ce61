"""A desk's terminology: glossaries in the formats desks keep (TBX-Basic, TBX 2008, CSV/TSV, MateCat XLSX), where
their terms occur in French and English text, and whether a translation obeys them.

Pure functions over in-memory data, except :func:`load_glossary` and the writers, which read or write the file they
are given. ``import aligner.terms`` loads no lemmatiser: simplemma's dictionaries load on the first match.
"""

from __future__ import annotations

from .glossary import Entry, Glossary, load_glossary, write_csv, write_tbx
from .match import TermMatch, find_occurrences, find_terms, forbidden_present, target_used

__all__ = [
    "Entry",
    "Glossary",
    "TermMatch",
    "find_occurrences",
    "find_terms",
    "forbidden_present",
    "load_glossary",
    "target_used",
    "write_csv",
    "write_tbx",
]
