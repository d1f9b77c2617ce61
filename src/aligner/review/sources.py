"""Where ``aligner terms`` reads from: the confirmed post-edits of a review database, with the MT they replaced.

The database keeps every save of a bead by content (``aligner.store``), not the MT (version 0 of every bead): the MT
is in the run the bead belongs to, found in the reviewed directory (a run directory or a batch output; by default
the database's own folder, where ``aligner review`` puts ``review.sqlite``). This module reads files; the mining
itself (``aligner.terms.suggest``) is pure.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..terms.suggest import PostEdit

__all__ = ["confirmed_post_edits"]


def confirmed_post_edits(db: str | Path, reviewed: str | Path | None = None) -> tuple[list[PostEdit], int]:
    """The current text of every confirmed bead of the review database ``db`` with its source and MT, and how many
    confirmed beads were left out because their story or bead is not in the reviewed directory any more (``where``:
    ``STORY#N``, N the bead's 0-based number in the current run)."""
    from ..store import SqliteStore, Version, of_slots
    from .effort import slots
    from .server import open_site

    store = SqliteStore.open_readonly(db)
    try:
        confirmed = list(store.confirmed())
    finally:
        store.close()
    site = open_site(Path(db).resolve().parent if reviewed is None else reviewed)
    by_story: dict[str, list[Version]] = {}
    for version in confirmed:
        by_story.setdefault(version.story, []).append(version)
    out: list[PostEdit] = []
    missing = 0
    for story in sorted(by_story):
        versions = by_story[story]
        if story not in site.runs:
            missing += len(versions)
            continue
        result = site.result(story)
        found = of_slots(slots(result), versions)
        missing += len(versions) - sum(len(v) for v in found.values())
        for bead in sorted(found):
            texts = result.texts(bead)
            for version in found[bead]:
                out.append(PostEdit(texts.source, texts.mt, version.text, f"{story}#{bead}"))
    if not out and confirmed:
        raise InputError(
            f"{db}: {len(confirmed)} confirmed beads, none of them in the runs of {site.root}: give the reviewed "
            "directory with --dir"
        )
    return out, missing
