"""Exports of a run directory for CAT tools and data teams: TMX, XLIFF, TSV, JSONL.

Each exported unit is one bead (one source sentence when the run had no reference): its id, kind,
source (French), MT and reference (English), scores and QA flags. TMX and XLIFF are written by
translate-toolkit (``translate.storage.tmx`` / ``xliff``), not by hand:

- TMX: French ↔ reference English (the human translation, what a translation memory wants; the MT
  when there is no reference), ``tuid="bead-K"``, and ``<prop>``s ``x-aligner-bead``, ``x-aligner-kind``,
  ``x-aligner-mt``, ``x-aligner-flags``; the same facts as ``<note>``s, which translate-toolkit reads back.
- XLIFF 1.2: source French, target the MT (state ``needs-review-translation``), the reference as
  ``<alt-trans origin="reference">``, flags as notes, ``id="bead-K"``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..files import write_output
from ..pipeline import read_run
from ..results import RunResult

FORMATS = ("tmx", "xliff", "tsv", "jsonl")


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

    def as_dict(self) -> dict[str, Any]:
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
        }


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
            )
        )
    return units


def _flag_text(flags: tuple[dict[str, str], ...]) -> str:
    return "; ".join(f"{f['code']} ({f['severity']}): {f['reason']}" for f in flags)


def to_tmx(result: RunResult, units: list[Unit]) -> bytes:
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
        for position, (kind, value) in enumerate(props):
            prop = etree.Element("prop", type=kind)
            prop.text = value
            element.insert(position, prop)
    return bytes(store)


def to_xliff(result: RunResult, units: list[Unit]) -> bytes:
    from translate.storage import xliff

    store: Any = xliff.xlifffile(sourcelanguage="fr", targetlanguage="en")
    for u in units:
        unit = store.addsourceunit(u.source)
        unit.setid(f"bead-{u.id}")
        unit.target = u.mt
        unit.xmlelement.find(unit.namespaced("target")).set("state", "needs-review-translation")
        unit.xmlelement.attrib.pop("approved", None)  # machine translation: not approved until reviewed
        if u.reference is not None:
            unit.addalttrans(u.reference, origin="reference", lang="en")
        if u.flags:
            unit.addnote(_flag_text(u.flags), origin="aligner")
    return bytes(store)


def to_tsv(result: RunResult, units: list[Unit]) -> bytes:
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


def to_jsonl(result: RunResult, units: list[Unit]) -> bytes:
    story = result.source.id
    lines = [json.dumps({"story": story, **u.as_dict()}, ensure_ascii=False) for u in units]
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")


WRITERS = {"tmx": to_tmx, "xliff": to_xliff, "tsv": to_tsv, "jsonl": to_jsonl}


def export_run(rundir: str | Path, fmt: str, out: str | Path) -> int:
    """Write ``rundir``'s beads to ``out`` in ``fmt``; returns the number of units. The file appears whole or not."""
    if fmt not in WRITERS:
        raise InputError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    result = read_run(rundir)
    units = units_of(result)
    payload = WRITERS[fmt](result, units)
    if Path(out).is_dir():
        raise InputError(f"{out}: is a directory; give a file name for -o")
    write_output(out, payload)
    return len(units)
