"""The ``term`` check: a desk's glossary obeyed in the English (the MT, or a translator's post-edit).

For every glossary term found in the French of a bead (``aligner.terms.find_terms``: inflected and elided forms,
whole words), the English must use one of the entry's preferred or admitted terms (inflected: "spaceports" uses
"spaceport") and none of its forbidden ones. Each violation is an ``error``: a desk's terminology is not a matter of
taste. Presence is checked, not counts: a term said twice in the French and once in the English (the second time a
pronoun) is not flagged.
"""

from __future__ import annotations

from ..results import Flag
from ..terms import Glossary, find_terms, forbidden_present, target_used

__all__ = ["check_terms"]


def check_terms(source: str, english: str, glossary: Glossary) -> list[Flag]:
    """One ``term`` error per glossary entry the English disobeys: a required term missing, a forbidden term present.
    An empty English gets none (the bead already has a ``dropped`` error)."""
    if not english.strip():
        return []
    flags = []
    seen = set()
    for match in find_terms(glossary, source):
        entry = match.entry
        if entry in seen:
            continue
        seen.add(entry)
        french = source[match.start : match.end]
        if entry.preferred and not target_used(entry, english):
            also = f" (or {', '.join(repr(t) for t in entry.targets[1:])})" if len(entry.targets) > 1 else ""
            flags.append(Flag("term", "error", f"glossary: {french!r} must be {entry.preferred[0]!r}{also}"))
        for term in forbidden_present(entry, english):
            fix = f": write {entry.preferred[0]!r}" if entry.preferred else ""
            flags.append(Flag("term", "error", f"glossary: {term!r} is forbidden for {french!r}{fix}"))
    return flags
