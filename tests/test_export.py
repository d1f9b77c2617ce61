"""Exports of a run for CAT tools and data teams: units, TSV and JSONL byte for byte, TMX and XLIFF read back
with translate-toolkit, XLIFF checked against the OASIS XLIFF 1.2 strict schema (offline: xliff_schema.py), and
``export_run``'s errors.

The run is made by hand (a 2-1 bead, a 1-1 bead with quotes, a 0-1 bead; flags on two of them) so that every
expected byte can be written down from the inputs. The XLIFF is also checked on a real run (``run_story`` on a
parsed story, translated from a table), with and without a reference.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from translate.storage import tmx, xliff
from translate.storage.workflow import StateEnum

from aligner.alignment.beads import Alignment, Bead
from aligner.errors import InputError
from aligner.pipeline import run_story
from aligner.reading.document import Document, Kind, Paragraph, Sentence
from aligner.reading.reader import parse_text
from aligner.results import BeadScore, DocumentScores, Flag, MetricScore, RunResult, Scores
from aligner.results.rundir import read_run, write_run
from aligner.review.export import (
    FORMATS,
    Unit,
    UnitReview,
    XliffNote,
    export_run,
    to_jsonl,
    to_tmx,
    to_tsv,
    to_xliff,
    units_of,
    xliff_document,
)
from aligner.signature import Signature
from aligner.translation.base import Translation
from aligner.translation.memory import FileTranslator
from xliff_schema import STRICT_XSD, XML_XSD, XSD_DIR, validate_xliff_strict

SOURCE = Document(
    "story-1",
    (
        Paragraph(0, Kind.PROSE, (Sentence(0, 0, "Le chat dort."), Sentence(1, 0, "Il rêve."))),
        Paragraph(1, Kind.PROSE, (Sentence(2, 1, 'Le chien dit "non".'),)),
    ),
)
REFERENCE = Document(
    "story-1",
    (
        Paragraph(0, Kind.PROSE, (Sentence(0, 0, "The cat sleeps and dreams."),)),
        Paragraph(1, Kind.PROSE, (Sentence(1, 1, 'The dog says "no".'), Sentence(2, 1, "Extra."))),
    ),
    lang="en",
)
MT = (Translation("The cat sleeps."), Translation("It dreams."), Translation('The dog says "no".'))
SACREBLEU = "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
SCORES = Scores(MetricScore("BLEU", 40.0, SACREBLEU), MetricScore("chrF2", 55.0, SACREBLEU))
UNTRANSLATED = Flag("untranslated", "error", "French left in the English: rêve")
OMISSION = Flag("omission", "warning", "no MT")
NOTE = Flag("note", "info", "a 0-1 bead")
XLIFF_1_2 = "urn:oasis:names:tc:xliff:document:1.2"


def hand_made_run(reference: bool = True) -> RunResult:
    if reference:
        alignment = Alignment(
            (Bead((0, 1), (0,), 0.9), Bead((2,), (1,), 0.75), Bead((), (2,), 0.5)),
            "bitext",
            (("width", "10"),),
            "0123456789abcdef",
        )
        scores = DocumentScores(
            SCORES, SCORES, (BeadScore(50.0, 60.5), BeadScore(100.0, 100.0), BeadScore(0.0, 0.0)), ()
        )
        flags: tuple[tuple[Flag, ...], ...] = ((UNTRANSLATED,), (), (OMISSION, NOTE))
    else:
        alignment = Alignment((Bead((0,), (0,), 1.0), Bead((1,), (1,), 1.0), Bead((2,), (2,), 1.0)), "identity")
        scores = None
        flags = ((), (UNTRANSLATED,), ())
    signature = Signature(model="hand", engine="file").with_alignment(
        alignment.method, alignment.settings, alignment.lexicon
    )
    return RunResult(SOURCE, MT, REFERENCE if reference else None, alignment, scores, signature, flags)


def flag_dict(flag: Flag) -> dict[str, str]:
    return {"code": flag.code, "severity": flag.severity, "reason": flag.reason}


# ----------------------------------------------------------------------------------------------- units


def test_units_of_a_run_with_reference() -> None:
    assert units_of(hand_made_run()) == [
        Unit(
            0,
            "2-1",
            "Le chat dort. Il rêve.",
            "The cat sleeps. It dreams.",
            "The cat sleeps and dreams.",
            50.0,
            60.5,
            0.9,
            (flag_dict(UNTRANSLATED),),
        ),
        Unit(1, "1-1", 'Le chien dit "non".', 'The dog says "no".', 'The dog says "no".', 100.0, 100.0, 0.75, ()),
        Unit(2, "0-1", "", "", "Extra.", 0.0, 0.0, 0.5, (flag_dict(OMISSION), flag_dict(NOTE))),
    ]


def test_units_of_a_run_without_reference() -> None:
    """One unit per source sentence; no reference, no scores and no confidence (the identity's 1.0 means nothing)."""
    units = units_of(hand_made_run(reference=False))
    assert [(u.id, u.kind, u.source, u.mt) for u in units] == [
        (0, "1-1", "Le chat dort.", "The cat sleeps."),
        (1, "1-1", "Il rêve.", "It dreams."),
        (2, "1-1", 'Le chien dit "non".', 'The dog says "no".'),
    ]
    assert all(u.reference is None and u.bleu is None and u.chrf is None and u.confidence is None for u in units)
    assert [u.flags for u in units] == [(), (flag_dict(UNTRANSLATED),), ()]


# ----------------------------------------------------------------------------------------------- TSV and JSONL


def test_tsv() -> None:
    result = hand_made_run()
    assert to_tsv(result, units_of(result)).decode("utf-8") == (
        "bead\tkind\tsource\tmt\treference\tbleu\tchrf\tconfidence\tflags\n"
        "0\t2-1\tLe chat dort. Il rêve.\tThe cat sleeps. It dreams.\tThe cat sleeps and dreams.\t50.0\t60.5\t0.9"
        "\tuntranslated\n"
        # fields with a double quote are quoted, the quote doubled (csv's QUOTE_MINIMAL)
        '1\t1-1\t"Le chien dit ""non""."\t"The dog says ""no""."\t"The dog says ""no""."\t100.0\t100.0\t0.75\t\n'
        "2\t0-1\t\t\tExtra.\t0.0\t0.0\t0.5\tomission,note\n"
    )


def test_tsv_without_reference_leaves_the_columns_empty() -> None:
    result = hand_made_run(reference=False)
    assert to_tsv(result, units_of(result)).decode("utf-8").splitlines()[1:] == [
        "0\t1-1\tLe chat dort.\tThe cat sleeps.\t\t\t\t\t",
        "1\t1-1\tIl rêve.\tIt dreams.\t\t\t\t\tuntranslated",
        '2\t1-1\t"Le chien dit ""non""."\t"The dog says ""no""."\t\t\t\t\t',
    ]


def test_jsonl() -> None:
    result = hand_made_run()
    data = to_jsonl(result, units_of(result))
    assert "rêve".encode() in data  # UTF-8, not \u escapes
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 4  # one line per unit, newline-terminated
    assert lines[0] == (
        '{"story": "story-1", "bead": 0, "kind": "2-1", "source": "Le chat dort. Il rêve.", '
        '"mt": "The cat sleeps. It dreams.", "reference": "The cat sleeps and dreams.", "bleu": 50.0, '
        '"chrf": 60.5, "confidence": 0.9, "flags": [{"code": "untranslated", "severity": "error", '
        '"reason": "French left in the English: rêve"}]}'
    )
    assert json.loads(lines[1]) == {
        "story": "story-1",
        "bead": 1,
        "kind": "1-1",
        "source": 'Le chien dit "non".',
        "mt": 'The dog says "no".',
        "reference": 'The dog says "no".',
        "bleu": 100.0,
        "chrf": 100.0,
        "confidence": 0.75,
        "flags": [],
    }
    assert json.loads(lines[2])["flags"] == [flag_dict(OMISSION), flag_dict(NOTE)]


def test_jsonl_without_reference_has_nulls() -> None:
    result = hand_made_run(reference=False)
    first = json.loads(to_jsonl(result, units_of(result)).decode("utf-8").split("\n")[0])
    assert first == {
        "story": "story-1",
        "bead": 0,
        "kind": "1-1",
        "source": "Le chat dort.",
        "mt": "The cat sleeps.",
        "reference": None,
        "bleu": None,
        "chrf": None,
        "confidence": None,
        "flags": [],
    }


def test_jsonl_of_no_units_is_empty() -> None:
    assert to_jsonl(hand_made_run(), []) == b""


# ----------------------------------------------------------------------------------------------- TMX and XLIFF


def test_tmx_reads_back() -> None:
    result = hand_made_run()
    store = tmx.tmxfile.parsestring(to_tmx(result, units_of(result)))
    units = store.units
    # French ↔ the human reference (what a translation memory wants)
    assert [(u.source, u.target) for u in units] == [
        ("Le chat dort. Il rêve.", "The cat sleeps and dreams."),
        ('Le chien dit "non".', 'The dog says "no".'),
        ("", "Extra."),
    ]
    assert [u.xmlelement.get("tuid") for u in units] == ["bead-0", "bead-1", "bead-2"]
    assert units[0].getnotes() == (
        "bead 0 (2-1)\nMT: The cat sleeps. It dreams.\nflags: untranslated (error): French left in the English: rêve"
    )
    assert units[1].getnotes() == 'bead 1 (1-1)\nMT: The dog says "no".'  # no flags, no flags note
    props = {p.get("type"): p.text for p in units[2].xmlelement.findall("prop")}
    assert props == {
        "x-aligner-bead": "2",
        "x-aligner-kind": "0-1",
        "x-aligner-mt": None,  # an empty MT
        "x-aligner-flags": "omission,note",
    }
    props = {p.get("type"): p.text for p in units[0].xmlelement.findall("prop")}
    assert props["x-aligner-mt"] == "The cat sleeps. It dreams."
    languages = {tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in units[0].xmlelement.findall("tuv")}
    assert languages == {"fr", "en"}


def test_tmx_without_reference_pairs_the_source_with_the_mt() -> None:
    result = hand_made_run(reference=False)
    store = tmx.tmxfile.parsestring(to_tmx(result, units_of(result)))
    assert [(u.source, u.target) for u in store.units] == [
        ("Le chat dort.", "The cat sleeps."),
        ("Il rêve.", "It dreams."),
        ('Le chien dit "non".', 'The dog says "no".'),
    ]


def test_xliff_reads_back() -> None:
    result = hand_made_run()
    store = xliff.xlifffile.parsestring(to_xliff(result, units_of(result)))
    units = store.units
    # source French, target the MT, the reference as an alternative translation
    assert [(u.source, u.target) for u in units] == [
        ("Le chat dort. Il rêve.", "The cat sleeps. It dreams."),
        ('Le chien dit "non".', 'The dog says "no".'),
        ("", ""),
    ]
    assert [u.xmlelement.get("id") for u in units] == ["bead-0", "bead-1", "bead-2"]
    assert [[alt.target for alt in u.getalttrans()] for u in units] == [
        ["The cat sleeps and dreams."],
        ['The dog says "no".'],
        ["Extra."],
    ]
    for u in units:
        assert u.xmlelement.find(u.namespaced("target")).get("state") == "needs-review-translation"
        assert not u.isapproved()  # machine translation: not approved until reviewed
    assert units[0].getnotes() == "untranslated (error): French left in the English: rêve"
    assert units[1].getnotes() == ""
    assert units[2].getnotes() == "omission (warning): no MT; note (info): a 0-1 bead"
    assert store.getsourcelanguage() == "fr" and store.gettargetlanguage() == "en"


def test_xliff_without_reference_has_no_alternatives() -> None:
    result = hand_made_run(reference=False)
    store = xliff.xlifffile.parsestring(to_xliff(result, units_of(result)))
    assert [u.target for u in store.units] == ["The cat sleeps.", "It dreams.", 'The dog says "no".']
    assert all(u.getalttrans() == [] for u in store.units)


def test_xliff_is_version_1_2() -> None:
    from lxml import etree

    result = hand_made_run()
    data = to_xliff(result, units_of(result))
    root = etree.fromstring(data)
    assert root.get("version") == "1.2"
    assert root.tag == f"{{{XLIFF_1_2}}}xliff"
    assert {etree.QName(e).namespace for e in root.iter()} == {XLIFF_1_2}  # no element left in 1.1
    assert b"document:1.1" not in data  # nor its namespace declaration
    (file,) = root
    assert file.tag == f"{{{XLIFF_1_2}}}file"
    assert dict(file.attrib) == {
        "original": "story-1",
        "source-language": "fr",
        "target-language": "en",
        "datatype": "plaintext",
    }


@pytest.mark.parametrize("reference", [True, False], ids=["with-reference", "without-reference"])
def test_xliff_of_the_hand_made_run_is_strict_1_2(reference: bool) -> None:
    result = hand_made_run(reference)
    assert validate_xliff_strict(to_xliff(result, units_of(result))) == []


def test_xliff_of_no_units_is_strict_1_2() -> None:
    data = xliff_document("story-0", [])
    assert validate_xliff_strict(data) == []
    assert xliff.xlifffile.parsestring(data).units == []


# ----------------------------------------------------------------------------------------------- XLIFF of a real run

STORY = """PARIS (AP) — Le maire a annoncé 3 nouvelles lignes de tram & de bus.

« C'est un <grand> jour », a-t-il dit. Les travaux commenceront en mai.

The Associated Press
"""
TABLE = {
    "PARIS (AP) — Le maire a annoncé 3 nouvelles lignes de tram & de bus.": (
        "PARIS (AP) — The mayor announced 4 new tram & bus lines."  # a wrong number: a QA flag
    ),
    "« C'est un <grand> jour », a-t-il dit.": "“It is a <great> day,” he said.",
    "Les travaux commenceront en mai.": "Work will begin in May.",
}
STORY_REFERENCE = """PARIS (AP) — The mayor announced three new tram and bus lines. “It is a great day,” he said.

Work will begin in May. Residents welcomed the news.

The Associated Press
"""


def real_run(reference: bool) -> RunResult:
    """A story read, translated from a table, aligned, scored and checked by the pipeline, as ``aligner run`` does."""
    source = parse_text(STORY, doc_id="ap-paris-tram")
    ref = parse_text(STORY_REFERENCE, doc_id="ap-paris-tram", lang="en") if reference else None
    return run_story(source, FileTranslator(TABLE, name="table"), ref)


@pytest.fixture(params=[True, False], ids=["with-reference", "without-reference"])
def exported_real_run(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[RunResult, bytes]:
    """A real run, written as a run directory and exported by ``export_run`` (what ``aligner export`` calls)."""
    result = real_run(request.param)
    assert any(result.flags)  # precondition: the notes are exercised
    out = tmp_path / "story.xliff"
    assert export_run(write_run(result, tmp_path / "run"), "xliff", out) == len(result.beads)
    return result, out.read_bytes()


def test_xliff_of_a_real_run_is_valid_strict_1_2(exported_real_run: tuple[RunResult, bytes]) -> None:
    _, data = exported_real_run
    assert validate_xliff_strict(data) == []


def test_xliff_of_a_real_run_reads_back(exported_real_run: tuple[RunResult, bytes]) -> None:
    result, data = exported_real_run
    expected = units_of(result)
    store = xliff.xlifffile.parsestring(data)
    assert store.getfilenames() == ["ap-paris-tram"]  # <file original> is the story id
    assert store.getsourcelanguage() == "fr" and store.gettargetlanguage() == "en"
    units = store.units
    assert [u.xmlelement.get("id") for u in units] == [f"bead-{u.id}" for u in expected]
    assert [u.getid() for u in units] == [f"ap-paris-tram\x04bead-{u.id}" for u in expected]
    assert [(u.source, u.target) for u in units] == [(u.source, u.mt) for u in expected]
    assert units[1].source == "« C'est un <grand> jour », a-t-il dit."  # markup-like text stays text
    for unit in units:
        assert unit.getlanguageNode(lang=None, index=1).get("state") == "needs-review-translation"
        assert not unit.isapproved() and unit.isreview()
    assert [unit.getnotes("aligner") for unit in units] == [
        "; ".join(f"{f['code']} ({f['severity']}): {f['reason']}" for f in u.flags) for u in expected
    ]
    assert units[0].getnotes() == "numbers (error): numbers differ; missing from the MT: 3; not in the source: 4"
    assert [[alt.target for alt in unit.getalttrans("reference")] for unit in units] == [
        [] if u.reference is None else [u.reference] for u in expected
    ]
    if result.reference is not None:
        assert units[2].getalttrans()[0].target == "Work will begin in May. Residents welcomed the news."


# ----------------------------------------------------------------------------------------------- XLIFF with reviews


@pytest.mark.parametrize(
    ("state", "approved", "state_n"),
    [
        ("needs-review-translation", False, StateEnum.NEEDS_REVIEW),
        ("translated", False, StateEnum.UNREVIEWED),
        ("final", True, StateEnum.FINAL + 1),  # translate-toolkit ranks final above signed-off
        ("signed-off", True, StateEnum.FINAL),
        ("new", False, StateEnum.NEEDS_WORK),  # "new" with a target counts as needing work
        ("x-aligner-rejected", False, StateEnum.NEEDS_WORK),  # a custom state is unknown to it: the same
    ],
)
def test_xliff_unit_states(state: str, approved: bool, state_n: int) -> None:
    result = hand_made_run()
    data = xliff_document("story-1", units_of(result), {1: UnitReview(state)})
    assert validate_xliff_strict(data) == []
    units = xliff.xlifffile.parsestring(data).units
    assert units[1].getlanguageNode(lang=None, index=1).get("state") == state
    assert units[1].isapproved() is approved
    assert units[1].get_state_n() == state_n
    for other in (units[0], units[2]):  # the units without a review keep the default
        assert other.getlanguageNode(lang=None, index=1).get("state") == "needs-review-translation"
        assert not other.isapproved()


def test_xliff_review_notes_follow_the_flags() -> None:
    result = hand_made_run()
    notes = (XliffNote("  Number checked: keep it.  ", "camille"), XliffNote("", "camille"), XliffNote("Fine.", "jo"))
    data = xliff_document("story-1", units_of(result), {0: UnitReview("final", notes)})
    assert validate_xliff_strict(data) == []
    unit = xliff.xlifffile.parsestring(data).units[0]
    assert unit.getnotes() == (
        "untranslated (error): French left in the English: rêve\nNumber checked: keep it.\nFine."
    )  # stripped; an empty note is not written
    assert unit.getnotes("camille") == "Number checked: keep it."
    assert unit.getnotes("jo") == "Fine."
    assert unit.getnotes("aligner") == "untranslated (error): French left in the English: rêve"


def test_xliff_escapes_a_hostile_story_id_and_note() -> None:
    story = 'story "7" & <b>'
    result = hand_made_run()
    note = XliffNote('</note><note from="x">&amp;', '"><x/>')
    data = xliff_document(story, units_of(result), {2: UnitReview(notes=(note,))})
    assert validate_xliff_strict(data) == []
    store = xliff.xlifffile.parsestring(data)
    assert store.getfilenames() == [story]
    assert store.units[2].getnotes('"><x/>') == '</note><note from="x">&amp;'


@pytest.mark.parametrize(
    ("reviews", "message"),
    [
        ({1: UnitReview("reviewed")}, r"^bead 1: 'reviewed' is not an XLIFF 1\.2 state; use one of final, "
         r"needs-adaptation, .*, translated, or x-NAME for a custom state$"),
        ({0: UnitReview("x-")}, r"^bead 0: 'x-' is not an XLIFF 1\.2 state"),
        ({0: UnitReview("Final")}, r"^bead 0: 'Final' is not an XLIFF 1\.2 state"),
        ({3: UnitReview("final")}, r"^a review for bead 3, which is not among the 3 exported units$"),
    ],
    ids=["unknown-state", "empty-custom-state", "capitalised-state", "unknown-bead"],
)  # fmt: skip
def test_xliff_review_errors(reviews: dict[int, UnitReview], message: str) -> None:
    result = hand_made_run()
    with pytest.raises(InputError, match=message):
        xliff_document("story-1", units_of(result), reviews)


# ----------------------------------------------------------------------------------------------- the schema check


def _default_translate_toolkit_xliff() -> bytes:
    """What ``to_xliff`` wrote before: translate-toolkit's default store (XLIFF 1.1, ``original="NoName"``)."""
    store: Any = xliff.xlifffile(sourcelanguage="fr", targetlanguage="en")
    unit = store.addsourceunit("Le chat dort.")
    unit.setid("bead-0")
    unit.target = "The cat sleeps."
    return bytes(store)


def _broken(old: bytes, new: bytes) -> bytes:
    result = hand_made_run()
    valid = xliff_document("story-1", units_of(result), {0: UnitReview("translated")})
    assert old in valid  # precondition: the mutation changes the document
    return valid.replace(old, new, 1)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_default_translate_toolkit_xliff, r"xliff:document:1\.1\}xliff': No matching global declaration"),
        (lambda: _broken(b'state="translated"', b'state="reviewed"'), r"attribute 'state': 'reviewed' is not a valid"),
        (lambda: _broken(b'<note from="aligner">', b'<note origin="aligner">'), r"'origin': The attribute .*allowed"),
        (lambda: _broken(b'id="bead-1"', b'id="bead-0"'), r"Duplicate key-sequence \['bead-0'\]"),
        (lambda: _broken(b' datatype="plaintext"', b""), r"The attribute 'datatype' is required but missing"),
        (lambda: _broken(b'version="1.2"', b""), r"The attribute 'version' is required but missing"),
        (lambda: _broken(b"</body>", b""), r"^not well-formed XML: "),
    ],
    ids=["xliff-1.1", "unknown-state", "note-origin", "duplicate-id", "no-datatype", "no-version", "not-xml"],
)  # fmt: skip
def test_the_strict_schema_rejects_broken_xliff(make: Callable[[], bytes], message: str) -> None:
    """The validator is not vacuous: each of these documents fails, for the stated reason."""
    errors = validate_xliff_strict(make())
    assert errors
    assert any(re.search(message, e) for e in errors), errors


def test_vendored_schema_files_match_this_readme() -> None:
    readme = (XSD_DIR / "README.md").read_text(encoding="utf-8")
    for xsd in (STRICT_XSD, XML_XSD):
        digest = hashlib.sha256(xsd.read_bytes()).hexdigest()
        assert f"| `{xsd.name}` | {xsd.stat().st_size:,} | `{digest}` |" in readme


# ----------------------------------------------------------------------------------------------- export_run


@pytest.fixture
def rundir(tmp_path: Path) -> Path:
    out = write_run(hand_made_run(), tmp_path / "run")
    assert read_run(out) == hand_made_run()  # precondition: the export reads back exactly the hand-made run
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_run_writes_what_the_writer_makes(rundir: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "exports" / f"story.{fmt}"
    assert export_run(rundir, fmt, out) == 3
    assert out.is_file()
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left


def test_export_run_tsv_bytes(rundir: Path, tmp_path: Path) -> None:
    out = tmp_path / "story.tsv"
    export_run(str(rundir), "tsv", str(out))
    assert out.read_bytes() == to_tsv(hand_made_run(), units_of(hand_made_run()))
    assert out.read_text(encoding="utf-8").splitlines()[3] == "2\t0-1\t\t\tExtra.\t0.0\t0.0\t0.5\tomission,note"


def test_export_run_unknown_format(rundir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^unknown export format 'csv'; choose from tmx, xliff, tsv, jsonl, story$"):
        export_run(rundir, "csv", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_export_run_to_a_directory(rundir: Path, tmp_path: Path) -> None:
    target = tmp_path / "somewhere"
    target.mkdir()
    with pytest.raises(InputError, match=r"somewhere: is a directory; give a file name for -o$"):
        export_run(rundir, "tmx", target)
    assert list(target.iterdir()) == []


def test_export_run_of_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-run"
    folder.mkdir()
    with pytest.raises(InputError, match=r"not-a-run: no result\.json; give a directory written by `aligner run`"):
        export_run(folder, "tsv", tmp_path / "out.tsv")
    assert not (tmp_path / "out.tsv").exists()
