"""Exports of a run directory for CAT tools and data teams: TMX, XLIFF, TSV, JSONL; and for the desk, the final
story (``story``) or, when the run's source was a news item, the final item in its format (``item``).

Each exported unit is one bead (one source sentence when the run had no reference): its id, kind,
source (French), MT and reference (English), scores and QA flags. TMX and XLIFF are written by
translate-toolkit (``translate.storage.tmx`` / ``xliff``), not by hand:

- TMX: French ↔ reference English (the human translation, what a translation memory wants; the MT
  when there is no reference), ``tuid="bead-K"``, and ``<prop>``s ``x-aligner-bead``, ``x-aligner-kind``,
  ``x-aligner-mt``, ``x-aligner-flags``, ``x-aligner-risk`` and ``x-aligner-word-risk`` (spans of
  ``x-aligner-mt``); the same facts as ``<note>``s, which translate-toolkit reads back.
- XLIFF 1.2, valid against the OASIS strict schema: one ``<file original="STORY-ID">``; per bead a
  ``<trans-unit id="bead-K">`` with the French as source, the MT as target (state ``needs-review-translation``,
  not approved), the reference as ``<alt-trans origin="reference">``, the flags as ``<note from="aligner">``, the
  risk as ``<note from="aligner-risk">`` and the word probabilities as ``<note from="aligner-word-risk">``.
  ``xliff_document`` also takes a review per unit (another target state, more notes).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..files import write_output
from ..results import RunResult
from ..results.rundir import read_run
from ..store import Annotation, Comment, SqliteStore, Version, of_slots
from ..terms import Glossary
from .effort import BeadEffort, bead_efforts, slots, terminology

FORMATS = ("tmx", "xliff", "tsv", "jsonl", "story")
ITEM_FORMAT = "item"  # the reviewed news item of a run whose source was one (not a per-bead format)


@dataclass(frozen=True)
class Unit:
    id: int
    kind: str
    source: str
    mt: str
    reference: str | None  # None: the run had no reference
    bleu: float | None
    chrf: float | None
    confidence: float | None
    flags: tuple[dict[str, str], ...]
    risk: float | None = None  # estimated share of the MT's words a post-editor changes (None: not estimated)
    word_risk: tuple[tuple[int, int, float], ...] = ()  # [start, end) of each MT word in ``mt``, its probability

    def as_dict(self) -> dict[str, Any]:
        risk = {} if self.risk is None else {"risk": self.risk, "word_risk": [list(w) for w in self.word_risk]}
        return {
            "bead": self.id,
            "kind": self.kind,
            "source": self.source,
            "mt": self.mt,
            "reference": self.reference,
            "bleu": self.bleu,
            "chrf": self.chrf,
            "confidence": self.confidence,
            "flags": list(self.flags),
            **risk,
        }

    def risk_note(self, threshold: float) -> str:
        """The risk as a one-line note: the bead's estimate (as ``result.json`` has it) and the words most likely to
        need an edit (at or above ``threshold``, likeliest first, at most 8)."""
        words = [self.mt[a:b] for a, b, p in sorted(self.word_risk, key=lambda w: -w[2]) if p >= threshold][:8]
        check = f"; check: {', '.join(words)}" if words else ""
        return f"risk {self.risk:.4f} (estimated share of the MT's words a post-editor changes){check}"

    def word_risk_text(self) -> str:
        """Every MT word's probability of an edit as ``START-END:P`` items separated by spaces (0-based, half-open
        character spans of ``mt``); ``parse_word_risk`` reads it back."""
        return " ".join(f"{a}-{b}:{p}" for a, b, p in self.word_risk)


WORD_RISK_NOTE = "word risk (MT character spans START-END:P, P the probability of an edit): "
_WORD_RISK_ITEM = re.compile(r"([0-9]+)-([0-9]+):([0-9.eE+-]+)")


def parse_word_risk(text: str) -> tuple[tuple[int, int, float], ...]:
    """The ``(start, end, p)`` spans of a ``Unit.word_risk_text`` (with or without the XLIFF note's preamble)."""
    items = text.removeprefix(WORD_RISK_NOTE).split()
    out = []
    for item in items:
        m = _WORD_RISK_ITEM.fullmatch(item)
        if m is None:
            raise InputError(f"word risk: {item!r} is not START-END:P")
        out.append((int(m[1]), int(m[2]), float(m[3])))
    return tuple(out)


def units_of(result: RunResult) -> list[Unit]:
    """The run's beads as export units (one per source sentence when the run had no reference)."""
    units = []
    for k, (bead, texts) in enumerate(zip(result.beads, result.all_texts())):
        score = result.scores.per_bead[k] if result.scores is not None else None
        units.append(
            Unit(
                k,
                bead.kind,
                texts.source,
                texts.mt,
                texts.reference,
                score.bleu if score else None,
                score.chrf if score else None,
                bead.score if result.reference is not None else None,
                tuple(f.to_json() for f in result.flags[k]),
                result.quality.risk[k] if result.quality is not None else None,
                result.quality.bead_spans(bead.left, result.mt) if result.quality is not None else (),
            )
        )
    return units


def _flag_text(flags: tuple[dict[str, str], ...]) -> str:
    return "; ".join(f"{f['code']} ({f['severity']}): {f['reason']}" for f in flags)


def to_tmx(result: RunResult, units: list[Unit], review: StoryReview | None = None) -> bytes:
    """TMX of the beads; with a review, of the confirmed pairs only (French ↔ the confirmed English)."""
    if review is not None:
        confirmed = {k: v for k, v in review.current.items() if v.status == "confirmed"}
        units = [replace(u, reference=confirmed[u.id].text) for u in units if u.id in confirmed]
    return _tmx(units)


def _tmx(units: list[Unit]) -> bytes:
    from lxml import etree
    from translate.storage import tmx

    store: Any = tmx.tmxfile(sourcelanguage="fr", targetlanguage="en")
    for u in units:
        target = u.reference if u.reference is not None else u.mt
        tu = store.addsourceunit(u.source)
        tu.target = target
        tu.addnote(f"bead {u.id} ({u.kind})", origin="aligner")
        tu.addnote(f"MT: {u.mt}", origin="aligner")
        if u.flags:
            tu.addnote(f"flags: {_flag_text(u.flags)}", origin="aligner")
        element = tu.xmlelement
        element.set("tuid", f"bead-{u.id}")
        props = [("x-aligner-bead", str(u.id)), ("x-aligner-kind", u.kind), ("x-aligner-mt", u.mt)]
        if u.flags:
            props.append(("x-aligner-flags", ",".join(f["code"] for f in u.flags)))
        if u.risk is not None:
            props.append(("x-aligner-risk", f"{u.risk:.4f}"))
            if u.word_risk:
                props.append(("x-aligner-word-risk", u.word_risk_text()))
        for position, (kind, value) in enumerate(props):
            prop = etree.Element("prop", type=kind)
            prop.text = value
            element.insert(position, prop)
    return bytes(store)


# the values XLIFF 1.2 allows for <target state>; a custom state is written "x-NAME"
XLIFF_STATES = (
    "final",
    "needs-adaptation",
    "needs-l10n",
    "needs-review-adaptation",
    "needs-review-l10n",
    "needs-review-translation",
    "needs-translation",
    "new",
    "signed-off",
    "translated",
)
APPROVED_STATES = ("final", "signed-off")
_CUSTOM_STATE = re.compile(r"x-\S+")
# translate-toolkit's own skeleton is XLIFF 1.1 with <file original="NoName">: start from a 1.2 one instead
_XLIFF_SKELETON = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
    b'<file original="" source-language="fr" target-language="en" datatype="plaintext"><body/></file></xliff>'
)


@dataclass(frozen=True)
class XliffNote:
    """A ``<note from="AUTHOR">TEXT</note>`` (translate-toolkit strips the text and writes no note when it is empty)."""

    text: str
    author: str


@dataclass(frozen=True)
class UnitReview:
    """Where one XLIFF unit stands: its target's ``state`` and the notes written after the QA flags' note.

    ``state`` is one of ``XLIFF_STATES`` or ``x-NAME``. Only ``final`` and ``signed-off`` make the unit
    ``approved="yes"``. The default is the MT awaiting review.
    """

    state: str = "needs-review-translation"
    notes: tuple[XliffNote, ...] = ()
    target: str | None = None  # the reviewed English; None keeps the MT


def _check_reviews(units: Sequence[Unit], reviews: Mapping[int, UnitReview]) -> None:
    ids = {u.id for u in units}
    for bead, review in sorted(reviews.items()):
        if bead not in ids:
            raise InputError(f"a review for bead {bead}, which is not among the {len(ids)} exported units")
        if review.state not in XLIFF_STATES and not _CUSTOM_STATE.fullmatch(review.state):
            raise InputError(
                f"bead {bead}: {review.state!r} is not an XLIFF 1.2 state; use one of {', '.join(XLIFF_STATES)}, "
                "or x-NAME for a custom state"
            )


def xliff_document(
    story_id: str,
    units: Sequence[Unit],
    reviews: Mapping[int, UnitReview] | None = None,
    *,
    risk_threshold: float = 0.5,
) -> bytes:
    """XLIFF 1.2 of one story's units, valid against the OASIS strict schema; ``story_id`` is ``<file original>``.

    ``reviews`` maps a unit's id (bead K, 0-based) to its review; a unit without one gets ``UnitReview()``. A unit's
    risk, when estimated, is a ``<note from="aligner-risk">`` naming the words at or above ``risk_threshold``, and
    every MT word's probability of an edit a ``<note from="aligner-word-risk">`` (``parse_word_risk`` reads it).
    """
    from lxml import etree
    from translate.storage import xliff

    reviews = reviews or {}
    _check_reviews(units, reviews)
    store: Any = xliff.xlifffile.parsestring(_XLIFF_SKELETON)
    store.setfilename(store.getfilenode(""), story_id)
    for u in units:
        review = reviews.get(u.id, UnitReview())
        unit = store.addsourceunit(u.source, filename=story_id)
        unit.setid(f"bead-{u.id}")
        unit.target = u.mt if review.target is None else review.target  # also sets approved/state: redone below
        unit.xmlelement.find(unit.namespaced("target")).set("state", review.state)
        if review.state in APPROVED_STATES:
            unit.xmlelement.set("approved", "yes")
        else:
            unit.xmlelement.attrib.pop("approved", None)
        if u.reference is not None:
            unit.addalttrans(u.reference, origin="reference", lang="en")
        if u.flags:
            unit.addnote(_flag_text(u.flags), origin="aligner")
        if u.risk is not None:
            unit.addnote(u.risk_note(risk_threshold), origin="aligner-risk")
            if u.word_risk:
                unit.addnote(WORD_RISK_NOTE + u.word_risk_text(), origin="aligner-word-risk")
        for note in review.notes:
            unit.addnote(note.text, origin=note.author)
    # each unit is made in translate-toolkit's default (1.1) namespace, then moved: drop the unused declaration
    etree.cleanup_namespaces(store.document)
    return bytes(store)


XLIFF_STATE_OF = {"confirmed": "final", "edited": "translated", "new": "needs-review-translation",
                  "rejected": "needs-review-translation"}  # fmt: skip


def to_xliff(result: RunResult, units: list[Unit], review: StoryReview | None = None) -> bytes:
    """The export's XLIFF: the MT awaiting review, or, with a review, each bead's current English with its state
    (confirmed → ``final``, edited → ``translated``, otherwise ``needs-review-translation``) and the comments, the
    reason of a rejection and the error annotations as notes."""
    threshold = result.quality.threshold if result.quality is not None else 0.5
    if review is None:
        return xliff_document(result.source.id, units, risk_threshold=threshold)
    reviews = {}
    for u in units:
        v = review.current.get(u.id)
        notes = [XliffNote(c.text, c.reviewer) for c in review.comments.get(u.id, [])]
        if v is not None and v.status == "rejected":
            notes.insert(0, XliffNote(f"rejected: {v.reason}", v.reviewer))
        notes += [
            XliffNote(f"{a.severity} {a.category} error at {a.start}-{a.end}: {a.note}".rstrip(": "), a.reviewer)
            for a in review.annotations.get(u.id, [])
        ]
        state = XLIFF_STATE_OF[v.status] if v is not None else "needs-review-translation"
        reviews[u.id] = UnitReview(state, tuple(notes), v.text if v is not None else None)
    return xliff_document(result.source.id, units, reviews, risk_threshold=threshold)


def to_tsv(result: RunResult, units: list[Unit], review: StoryReview | None = None) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["bead", "kind", "source", "mt", "reference", "bleu", "chrf", "confidence", "flags"])
    for u in units:
        writer.writerow(
            [
                u.id,
                u.kind,
                u.source,
                u.mt,
                "" if u.reference is None else u.reference,
                "" if u.bleu is None else u.bleu,
                "" if u.chrf is None else u.chrf,
                "" if u.confidence is None else u.confidence,
                ",".join(f["code"] for f in u.flags),
            ]
        )
    return buf.getvalue().encode("utf-8")


def to_jsonl(result: RunResult, units: list[Unit], review: StoryReview | None = None) -> bytes:
    """One JSON line per bead; with a review, the post-editing record (source, MT, post-edit, HTER, seconds,
    reviewer, status, annotations) that quality estimation and fine-tuning take."""
    story = result.source.id
    if review is None:
        lines = [json.dumps({"story": story, **u.as_dict()}, ensure_ascii=False) for u in units]
    else:
        notes = {
            k: [
                {
                    "version": a.version,
                    "start": a.start,
                    "end": a.end,
                    "category": a.category,
                    "severity": a.severity,
                    "note": a.note,
                    "reviewer": a.reviewer,
                }
                for a in spans
            ]
            for k, spans in review.annotations.items()
        }
        risk = {
            u.id: {"risk": u.risk, "word_risk": [list(w) for w in u.word_risk]} for u in units if u.risk is not None
        }
        lines = [
            json.dumps(
                {**row.to_json(), **risk.get(row.bead, {}), "annotations": notes.get(row.bead, [])}, ensure_ascii=False
            )
            for row in review.efforts
        ]
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")


def final_english(result: RunResult, review: StoryReview | None = None) -> tuple[str, ...]:
    """The English of each source sentence once reviewed: a confirmed bead's post-edit goes to its first sentence (the
    others get ``""``), every other sentence keeps its MT."""
    mt = list(result.mt)
    for k, bead in enumerate(result.beads):
        v = review.current.get(k) if review is not None else None
        if v is not None and v.status == "confirmed" and bead.left:
            for n, i in enumerate(bead.left):
                mt[i] = v.text if n == 0 else ""
    return tuple(mt)


def to_story(result: RunResult, units: list[Unit], review: StoryReview | None = None) -> bytes:
    """The final English story in the source's layout: confirmed post-edits, otherwise the MT."""
    from ..reading.document import render_translation

    # a confirmed bead spanning two paragraphs puts its English in the first: the second is left out
    return render_translation(result.source, final_english(result, review), drop_emptied=True).encode("utf-8")


def to_item(rundir: Path, result: RunResult, review: StoryReview | None) -> bytes:
    """The final English news item (a run whose source was a ninjs, NewsML-G2 or NITF item), in the source's format:
    confirmed post-edits, otherwise the MT, the inline markup carried onto them (``aligner.feeds``). Its version is 1
    plus the number of review saves on the story, so each export after more work supersedes the one before."""
    import warnings

    from ..feeds import FeedWarning, item_of_run, write_item

    item = item_of_run(rundir, result)
    output = write_item(item, final_english(result, review), version=1 + (review.saves if review is not None else 0))
    for note in output.notes:
        warnings.warn(f"{result.source.id}: sentence {note.sentence + 1}: {note.message}", FeedWarning, stacklevel=2)
    return output.data


WRITERS = {"tmx": to_tmx, "xliff": to_xliff, "tsv": to_tsv, "jsonl": to_jsonl, "story": to_story}


@dataclass(frozen=True)
class StoryReview:
    """A story's review as the exports read it from the store, per bead of the run (found by content: what was saved
    on another text at the same position in an earlier run is not this bead's)."""

    current: dict[int, Version]
    comments: dict[int, list[Comment]]
    annotations: dict[int, list[Annotation]]
    efforts: list[BeadEffort]  # one row per bead, with the QA flags of its current text
    saves: int = 0  # versions saved on the story, all runs together (every save is a row: the count only grows)


def review_database(rundir: Path) -> Path | None:
    """The review database of a run: ``RUNDIR/review.sqlite``, or the batch's when the run is ``BATCH/stories/ID``."""
    for candidate in (rundir / "review.sqlite", rundir.parent.parent / "review.sqlite"):
        if candidate.is_file() and (candidate.parent == rundir or rundir.parent.name == "stories"):
            return candidate
    return None


def load_review(result: RunResult, db: Path, *, glossary: Glossary | None = None) -> StoryReview:
    """The review of ``result``'s story in the database ``db``, opened read-only: an export never writes to it. The
    flags carry the ``term`` flags of the review's terminology: ``glossary`` (the files the review was given) merged
    with the entries added from the review page, as the review page shows them."""
    store = SqliteStore.open_readonly(db)
    try:
        story = result.source.id
        places = slots(result)
        annotations = store.annotations(story)
        saves = len(store.versions(story))
        terms = terminology(glossary, store.terms())
        return StoryReview(
            store.current(story, places),
            of_slots(places, store.comments(story)),
            of_slots(places, annotations),
            bead_efforts(result, store.groups(story), annotations, terms=terms),
            saves,
        )
    finally:
        store.close()


def export_run(
    rundir: str | Path, fmt: str, out: str | Path, *, db: str | Path | None = None, glossary: Glossary | None = None
) -> int:
    """Write ``rundir``'s beads to ``out`` in ``fmt``, with its review when there is one (``db``, or the default
    database of the run); returns the number of units. The file appears whole or not. ``glossary``: the glossary
    files the review was given (``--glossary``, merged); the review's own entries are added to it (``load_review``)."""
    if fmt not in WRITERS and fmt != ITEM_FORMAT:
        raise InputError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    if Path(out).is_dir():
        raise InputError(f"{out}: is a directory; give a file name for -o")
    result = read_run(rundir)
    database = Path(db) if db is not None else review_database(Path(rundir))
    if db is not None and not Path(db).is_file():
        raise InputError(f"{db}: no such review database")
    review = load_review(result, database, glossary=glossary) if database is not None else None
    units = units_of(result)
    if fmt == ITEM_FORMAT:
        write_output(out, to_item(Path(rundir), result, review))
        return len(units)
    if review is not None:  # the flags of each bead's current text: a post-edit is checked as the MT was
        units = [
            replace(u, flags=tuple({"code": c, "severity": s, "reason": r} for c, s, r in row.flags))
            for u, row in zip(units, review.efforts)
        ]
    write_output(out, WRITERS[fmt](result, units, review))
    return len(units)
